"""poetry.lock (lock-version 1.1, 2.0 and 2.1).

Each ``[[package]]`` has ``name``, ``version``, ``optional``, ``files`` (hashes) and a
``[package.dependencies]`` table; 1.x files put hashes in ``[metadata.files]`` and a
``category`` ("main"/"dev") on packages, 2.1 files a ``groups`` list. Which packages
are direct comes from pyproject.toml beside the lock when there is one.
"""

from __future__ import annotations

import re
from pathlib import Path

from chainward.inventory._io import display, read_toml
from chainward.inventory.interface import InventoryError
from chainward.inventory.locks._common import (
    LockPackage,
    add_hash,
    array,
    finish,
    header_lines,
    manifest_roots,
    table,
    text_field,
)
from chainward.records import Inventory, canonical_name

# "PySocks (>=1.5.6,!=1.5.7)" or "win-inet-pton ; sys_platform == 'win32'" -> the name
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def read_poetry_lock(
    path: Path, *, manifest: Path | None = None, options: object = None
) -> Inventory:
    data = read_toml(path)
    text = path.read_text(encoding="utf-8-sig")
    lines = header_lines(text, "package")
    raw = array(data.get("package", []), "package", path)
    metadata = table(data.get("metadata", {}), "metadata", path)
    if not raw and not metadata:
        raise InventoryError("not a poetry.lock: no [[package]] or [metadata]", path=display(path))
    legacy_files = table(metadata.get("files", {}), "metadata.files", path)
    packages: list[LockPackage] = []
    for index, item in enumerate(raw):
        line = lines[index] if index < len(lines) else None
        entry = table(item, "package", path, line)
        name = canonical_name(text_field(entry.get("name"), "package.name", path, line))
        version = text_field(entry.get("version"), f"package {name}: version", path, line)
        pkg = LockPackage(name, version, line)
        deps = table(entry.get("dependencies", {}), f"package {name}: dependencies", path, line)
        pkg.deps = [canonical_name(dep) for dep in deps]
        for dep, spec in deps.items():
            alternatives = spec if isinstance(spec, list) else [spec]
            conditions = [o.get("markers") for o in alternatives if isinstance(o, dict)]
            if (
                conditions
                and len(conditions) == len(alternatives)
                and all(isinstance(m, str) and m for m in conditions)
            ):  # every alternative is conditional: the edge holds when any marker does
                joined = " or ".join(f"({m})" for m in conditions)
                pkg.edge_markers[canonical_name(dep)] = joined
            for one in alternatives:
                if isinstance(one, dict) and isinstance(one.get("extras"), list):
                    extras = tuple(canonical_name(str(e)) for e in one["extras"])
                    pkg.dep_extras.append((canonical_name(dep), extras))
        extras_table = table(entry.get("extras", {}), f"package {name}: extras", path, line)
        for extra, items in extras_table.items():
            wanted = array(items, f"package {name}: extras.{extra}", path, line)
            pkg.extra_deps[canonical_name(extra)] = [
                (canonical_name(m.group(1)), ()) for m in map(_NAME.match, map(str, wanted)) if m
            ]
        groups = entry.get("groups")
        if isinstance(groups, list):
            pkg.groups = tuple(str(g) for g in groups)
        elif isinstance(entry.get("category"), str):
            pkg.groups = (str(entry["category"]),)
        pkg.optional = bool(entry.get("optional", False))
        # lock 1.x: "marker"; 2.0: "markers"; 2.1: "markers" per group ({main = "..."})
        markers = entry.get("markers", entry.get("marker"))
        if isinstance(markers, str):
            pkg.marker = markers
        elif isinstance(markers, dict) and markers and len(markers) == len(pkg.groups or [0]):
            values = [str(m) for m in markers.values() if isinstance(m, str) and m]
            if len(values) == len(markers):  # every group conditional: any may pull it in
                pkg.marker = " or ".join(f"({m})" for m in dict.fromkeys(values))
        for file in array(entry.get("files", []), f"package {name}: files", path, line):
            add_hash(pkg, table(file, f"package {name}: files", path, line).get("hash"))
        for file in legacy_files.get(entry.get("name", ""), []) or []:
            if isinstance(file, dict):
                add_hash(pkg, file.get("hash"))
        source = entry.get("source")
        if isinstance(source, dict) and source.get("type") in ("git", "directory", "file", "url"):
            pkg.url = str(source.get("url", ""))
            if source.get("type") == "git" and source.get("resolved_reference"):
                pkg.url += f"@{source['resolved_reference']}"
        packages.append(pkg)
    opts = _options(options)
    return finish(
        path,
        packages,
        manifest_roots(manifest, packages),
        python_version=opts[0],
        platform=opts[1],
        default_groups=("main",),
    )


def _options(options: object) -> tuple[str | None, str | None]:
    return (getattr(options, "python_version", None), getattr(options, "platform", None))


__all__ = ["read_poetry_lock"]
