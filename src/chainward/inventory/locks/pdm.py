"""pdm.lock (lock_version 4.x).

``[metadata]`` holds ``groups`` and ``lock_version``; each ``[[package]]`` has ``name``,
``version``, ``groups``, ``dependencies`` (PEP 508 strings), ``files`` with hashes and
optionally ``extras`` (the same package locked again with extras) and ``marker``.
Direct dependencies come from pyproject.toml beside the lock when there is one.
"""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import InvalidRequirement

from chainward.inventory._build import parse_requirement
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


def read_pdm_lock(path: Path, *, manifest: Path | None = None, options: object = None) -> Inventory:
    data = read_toml(path)
    metadata = table(data.get("metadata"), "metadata", path)
    if "lock_version" not in metadata:
        raise InventoryError("not a pdm.lock: no metadata.lock_version", path=display(path))
    text = path.read_text(encoding="utf-8-sig")
    lines = header_lines(text, "package")
    merged: dict[tuple[str, str], LockPackage] = {}
    for index, item in enumerate(array(data.get("package", []), "package", path)):
        line = lines[index] if index < len(lines) else None
        entry = table(item, "package", path, line)
        name = canonical_name(text_field(entry.get("name"), "package.name", path, line))
        version = entry.get("version")
        if version is not None and not isinstance(version, str):
            raise InventoryError(
                f"package {name}: version must be a string", path=display(path), line=line
            )
        key = (name, version or "")
        pkg = merged.get(key)
        if pkg is None:  # entries with extras repeat the package: fold them into one
            pkg = merged[key] = LockPackage(name, version, line)
        groups = entry.get("groups", [])
        if isinstance(groups, list):
            pkg.groups = tuple(sorted({*pkg.groups, *(str(g) for g in groups)}))
        for dep in array(
            entry.get("dependencies", []), f"package {name}: dependencies", path, line
        ):
            try:
                req = parse_requirement(str(dep))
            except InvalidRequirement:
                raise InventoryError(
                    f"package {name}: invalid dependency {dep!r}", path=display(path), line=line
                ) from None
            pkg.deps.append(canonical_name(req.name))
            if req.marker is not None:
                pkg.edge_markers[canonical_name(req.name)] = str(req.marker)
        for file in array(entry.get("files", []), f"package {name}: files", path, line):
            if isinstance(file, dict):
                add_hash(pkg, file.get("hash"))
        if isinstance(entry.get("marker"), str):
            pkg.marker = entry["marker"]
        for kind in ("git", "url", "path"):
            if kind in entry:
                pkg.url = str(entry[kind])
                if kind == "git" and entry.get("revision"):
                    pkg.url += f"@{entry['revision']}"
    packages = list(merged.values())
    for pkg in packages:
        pkg.deps = [d for d in dict.fromkeys(pkg.deps) if d != pkg.name]
    return finish(
        path,
        packages,
        manifest_roots(manifest, packages),
        python_version=getattr(options, "python_version", None),
        platform=getattr(options, "platform", None),
        default_groups=("default",),
    )


__all__ = ["read_pdm_lock"]
