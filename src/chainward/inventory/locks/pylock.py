"""PEP 751 ``pylock.toml`` / ``pylock.<name>.toml`` (lock-version 1.x).

``[[packages]]`` has ``name``, optional ``version``, ``marker``, ``dependencies``
(references to other entries), ``index``, one of ``vcs``/``directory``/``archive``/
``sdist``/``wheels`` with ``hashes``. A marker testing ``'G' in dependency_groups``
puts a package in group G (dev), ``'E' in extras`` in extra E (optional).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chainward.inventory._graph import Root
from chainward.inventory._io import display, read_toml
from chainward.inventory.interface import InventoryError
from chainward.inventory.locks._common import (
    Key,
    LockPackage,
    array,
    finish,
    header_lines,
    manifest_roots,
    table,
    text_field,
)
from chainward.records import Inventory, Scope, canonical_name

_GROUP = re.compile(r"""['"]([^'"]+)['"]\s+in\s+dependency_groups""")
_EXTRA = re.compile(r"""['"]([^'"]+)['"]\s+in\s+extras""")


def read_pylock(path: Path, *, manifest: Path | None = None, options: object = None) -> Inventory:
    data = read_toml(path)
    version = data.get("lock-version")
    if not isinstance(version, str) or not version.startswith("1."):
        raise InventoryError(
            f"unsupported or missing lock-version {version!r} (expected 1.x)", path=display(path)
        )
    text = path.read_text(encoding="utf-8-sig")
    lines = header_lines(text, "packages")
    packages: list[LockPackage] = []
    roots: list[Root[Key]] = []
    has_graph = False
    for index, item in enumerate(array(data.get("packages", []), "packages", path)):
        line = lines[index] if index < len(lines) else None
        entry = table(item, "packages", path, line)
        name = canonical_name(text_field(entry.get("name"), "packages.name", path, line))
        ver = entry.get("version")
        if ver is not None and not isinstance(ver, str):
            raise InventoryError(
                f"package {name}: version must be a string", path=display(path), line=line
            )
        pkg = LockPackage(name, ver, line)
        marker = entry.get("marker")
        if isinstance(marker, str):
            pkg.marker = marker
        if "dependencies" in entry:
            has_graph = True
            for dep in array(entry["dependencies"], f"package {name}: dependencies", path, line):
                ref = table(dep, f"package {name}: dependency", path, line)
                if isinstance(ref.get("name"), str):
                    pkg.deps.append((canonical_name(ref["name"]), str(ref.get("version", ""))))
        _hashes(pkg, entry)
        for kind in ("vcs", "directory", "archive"):
            source = entry.get(kind)
            if isinstance(source, dict):
                pkg.url = str(source.get("url") or source.get("path") or "")
                if kind == "vcs" and source.get("commit-id"):
                    pkg.url += f"@{source['commit-id']}"
                if kind == "directory" and _is_project(path, source.get("path")):
                    pkg.first_party = True  # the project itself, exported with its lock
        groups = _GROUP.findall(pkg.marker)
        extras = _EXTRA.findall(pkg.marker)
        pkg.optional = bool(extras) and not groups
        pkg.groups = tuple(canonical_name(g) for g in (extras if pkg.optional else groups))
        packages.append(pkg)
        if groups:
            roots.extend(Root(pkg.key, Scope.DEV, canonical_name(g)) for g in groups)
        elif extras:
            roots.extend(Root(pkg.key, Scope.OPTIONAL, canonical_name(e)) for e in extras)
    from_manifest = manifest_roots(manifest, packages)
    if from_manifest is not None:
        chosen: list[Root[Key]] | None = from_manifest
    elif has_graph:
        chosen = None  # graph roots
    else:  # a flat lock with no manifest: everything it lists is installed as asked
        chosen = [
            *roots,
            *(Root(p.key, Scope.DIRECT) for p in packages if not p.groups and not p.optional),
        ]
    return finish(
        path,
        packages,
        chosen,
        python_version=getattr(options, "python_version", None),
        platform=getattr(options, "platform", None),
        has_graph=has_graph,
    )


def _is_project(lock: Path, directory: object) -> bool:
    if not isinstance(directory, str):
        return False
    try:
        return (lock.parent / directory).resolve() == lock.parent.resolve()
    except OSError:
        return False


def _hashes(pkg: LockPackage, entry: dict[str, Any]) -> None:
    sources: list[Any] = [entry.get("sdist"), entry.get("archive")]
    wheels = entry.get("wheels")
    if isinstance(wheels, list):
        sources.extend(wheels)
    for source in sources:
        if isinstance(source, dict) and isinstance(source.get("hashes"), dict):
            for algo, digest in source["hashes"].items():
                if isinstance(digest, str):
                    pkg.hashes.add((str(algo).lower(), digest.lower()))


__all__ = ["read_pylock"]
