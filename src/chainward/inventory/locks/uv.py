"""uv.lock (version 1, any revision).

``[[package]]`` tables carry ``name``, ``version``, ``source`` (registry, git, url,
path, directory, editable or virtual), ``dependencies`` (``{name, version?, marker?,
extra?}``), ``[package.optional-dependencies]``, ``[package.dev-dependencies]`` (every
PEP 735 group), ``sdist`` and ``wheels`` with hashes. The project's own packages
(editable or virtual sources, ``[manifest] members``) are the roots: their dependencies
are direct, their extras optional and their groups dev.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chainward.inventory._graph import Root
from chainward.inventory._io import display, read_toml
from chainward.inventory.interface import InventoryError
from chainward.inventory.locks._common import (
    Key,
    LockPackage,
    _holds,
    add_hash,
    array,
    finish,
    header_lines,
    table,
)
from chainward.inventory.markers import marker_environment
from chainward.records import Inventory, Scope, canonical_name

_FIRST_PARTY_SOURCES = ("editable", "virtual")


def read_uv_lock(path: Path, *, manifest: Path | None = None, options: object = None) -> Inventory:
    data = read_toml(path)
    if "version" not in data:
        raise InventoryError("not a uv.lock: no top-level version", path=display(path))
    version = data["version"]
    if not isinstance(version, int) or version > 1:
        raise InventoryError(f"unsupported uv.lock version {version!r}", path=display(path))
    text = path.read_text(encoding="utf-8-sig")
    lines = header_lines(text, "package")
    members = {
        canonical_name(str(m))
        for m in array(
            table(data.get("manifest", {}), "manifest", path).get("members", []),
            "manifest.members",
            path,
        )
    }
    raw = array(data.get("package", []), "package", path)
    entries: list[tuple[LockPackage, dict[str, Any]]] = []
    for index, item in enumerate(raw):
        line = lines[index] if index < len(lines) else None
        entry = table(item, "package", path, line)
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise InventoryError("package without a name", path=display(path), line=line)
        norm = canonical_name(name)
        ver = entry.get("version")
        if ver is not None and not isinstance(ver, str):
            raise InventoryError(
                f"package {norm}: version must be a string", path=display(path), line=line
            )
        pkg = LockPackage(norm, ver, line)
        source = table(entry.get("source", {}), f"package {norm}: source", path, line)
        pkg.first_party = norm in members or any(k in source for k in _FIRST_PARTY_SOURCES)
        for kind in ("git", "url", "path", "directory"):
            if kind in source:
                pkg.url = str(source[kind])
        sdist = entry.get("sdist")
        if isinstance(sdist, dict):
            add_hash(pkg, sdist.get("hash"))
        for wheel in array(entry.get("wheels", []), f"package {norm}: wheels", path, line):
            if isinstance(wheel, dict):
                add_hash(pkg, wheel.get("hash"))
        entries.append((pkg, entry))
    packages = [pkg for pkg, _ in entries]
    python_version = getattr(options, "python_version", None)
    platform = getattr(options, "platform", None)
    env = marker_environment(python_version, platform) if python_version or platform else None

    def applies(pkg: LockPackage, key: Key) -> bool:
        marker = pkg.edge_markers.get(key)
        return env is None or not marker or _holds(marker, env)

    roots: list[Root[Key]] = []
    for pkg, entry in entries:
        deps = _refs(entry.get("dependencies", []), pkg, path)
        pkg.deps = [key for key, _ in deps]
        pkg.dep_extras = [(key, extras) for key, extras in deps if extras]
        optional = table(
            entry.get("optional-dependencies", {}), "optional-dependencies", path, pkg.line
        )
        own_extras: dict[str, list[tuple[Key, tuple[str, ...]]]] = {}
        for extra, items in optional.items():
            own_extras[canonical_name(extra)] = _refs(items, pkg, path)
            pkg.extra_deps[canonical_name(extra)] = list(own_extras[canonical_name(extra)])
        if pkg.first_party:
            roots.extend(Root(key, Scope.DIRECT) for key, _ in deps if applies(pkg, key))
            for extra, refs in own_extras.items():
                roots.extend(
                    Root(key, Scope.OPTIONAL, extra) for key, _ in refs if applies(pkg, key)
                )
                # the project's extras are requested when installed with them
                pkg.dep_extras.extend((key, extras) for key, extras in refs if extras)
            dev = table(entry.get("dev-dependencies", {}), "dev-dependencies", path, pkg.line)
            for group, items in dev.items():
                refs = _refs(items, pkg, path)
                roots.extend(
                    Root(key, Scope.DEV, canonical_name(group))
                    for key, _ in refs
                    if applies(pkg, key)
                )
                pkg.dep_extras.extend((key, extras) for key, extras in refs if extras)
    if not roots and manifest is not None:
        from chainward.inventory.locks._common import manifest_roots

        found = manifest_roots(manifest, packages)
        roots = found or []
    return finish(
        path,
        packages,
        roots if any(p.first_party for p in packages) or roots else None,
        python_version=python_version,
        platform=platform,
    )


def _refs(items: Any, pkg: LockPackage, path: Path) -> list[tuple[Key, tuple[str, ...]]]:
    """(key, requested extras) for each entry of a dependency list."""
    out: list[tuple[Key, tuple[str, ...]]] = []
    for item in array(items, f"package {pkg.name}: dependencies", path, pkg.line):
        ref = table(item, f"package {pkg.name}: dependency", path, pkg.line)
        name = ref.get("name")
        if not isinstance(name, str):
            raise InventoryError(
                f"package {pkg.name}: dependency without a name", path=display(path), line=pkg.line
            )
        extras = ref.get("extra", []) or []
        if not isinstance(extras, list):
            raise InventoryError(
                f"package {pkg.name}: extra must be a list", path=display(path), line=pkg.line
            )
        key = (canonical_name(name), str(ref.get("version", "")))
        out.append((key, tuple(canonical_name(str(e)) for e in extras)))
        if isinstance(ref.get("marker"), str) and ref["marker"]:
            pkg.edge_markers[key] = ref["marker"]
    return out


__all__ = ["read_uv_lock"]
