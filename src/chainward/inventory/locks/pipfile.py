"""Pipfile.lock (pipfile-spec 6): ``default`` and ``develop`` sections, no graph.

Each entry maps a name to ``{"version": "==X", "hashes": [...], "markers": ...}`` (or
``git``/``path``/``file`` for direct references). The Pipfile beside it, when present,
says which are direct; without it every ``default`` entry counts as direct.
"""

from __future__ import annotations

import re
from pathlib import Path

from chainward.inventory._build import make_component
from chainward.inventory._io import display, expect, read_json
from chainward.inventory.interface import InventoryError
from chainward.inventory.locks._common import NO_VERSION, skip_entry
from chainward.inventory.markers import evaluate, marker_environment
from chainward.inventory.requirements import exact_version
from chainward.records import Component, Inventory, Provenance, Scope, Skipped, canonical_name

SECTIONS = (("default", Scope.DIRECT), ("develop", Scope.DEV))


def _line_index(text: str) -> dict[tuple[str, str], int]:
    """(section, name) -> line, by scanning the JSON text (json gives no positions)."""
    out: dict[tuple[str, str], int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r'^(\s*)"([^"]+)"\s*:\s*\{', line)
        if not match:
            continue
        indent, key = len(match.group(1)), match.group(2)
        if indent <= 4 and key in ("default", "develop", "_meta"):
            section = key
        elif section in ("default", "develop"):
            out.setdefault((section, key), number)
    return out


def read_pipfile_lock(
    path: Path, *, manifest: Path | None = None, options: object = None
) -> Inventory:
    data = read_json(path)
    expect(isinstance(data, dict) and "_meta" in data, "not a Pipfile.lock: no _meta", path)
    text = path.read_text(encoding="utf-8-sig")
    lines = _line_index(text)
    declared = _declared(manifest)
    python_version = getattr(options, "python_version", None)
    platform = getattr(options, "platform", None)
    env = marker_environment(python_version, platform) if python_version or platform else None
    components: list[Component] = []
    skipped: list[Skipped] = []
    for section, base_scope in SECTIONS:
        entries = data.get(section, {})
        expect(isinstance(entries, dict), f"{section}: expected an object", path)
        for raw_name, entry in entries.items():
            where = Provenance(display(path), lines.get((section, raw_name)))
            if not isinstance(entry, dict):
                raise InventoryError(
                    f"{section}.{raw_name}: expected an object", path=display(path), line=where.line
                )
            name = canonical_name(raw_name)
            marker = str(entry.get("markers", "") or "")
            try:
                if env is not None and marker and not evaluate(marker, env):
                    continue
            except ValueError:
                raise InventoryError(
                    f"{section}.{raw_name}: invalid markers {marker!r}",
                    path=display(path),
                    line=where.line,
                ) from None
            version_text = entry.get("version")
            version = None
            if isinstance(version_text, str):
                try:
                    from packaging.specifiers import SpecifierSet

                    version = exact_version(SpecifierSet(version_text))
                except ValueError:
                    raise InventoryError(
                        f"{section}.{raw_name}: invalid version {version_text!r}",
                        path=display(path),
                        line=where.line,
                    ) from None
            url = next((str(entry[k]) for k in ("git", "path", "file") if k in entry), None)
            scope = base_scope
            if declared is not None:
                kind = declared.get((section, name))
                if kind is None:
                    scope = Scope.TRANSITIVE if base_scope is Scope.DIRECT else Scope.DEV
            hashes = []
            for item in entry.get("hashes", []) or []:
                if isinstance(item, str) and ":" in item:
                    algo, _, digest = item.partition(":")
                    hashes.append((algo, digest))
            components.append(
                make_component(
                    name,
                    version,
                    scope=scope,
                    source=where,
                    groups=("develop",) if base_scope is Scope.DEV else (),
                    extras=entry.get("extras", []) or [],
                    hashes=hashes,
                    marker=marker,
                    url=url,
                )
            )
            if version is None:
                skipped.append(Skipped(skip_entry(name, url), NO_VERSION, where))
    return Inventory(tuple(components), (), tuple(skipped))


def _declared(manifest: Path | None) -> dict[tuple[str, str], Scope] | None:
    if manifest is None or not manifest.is_file():
        return None
    from chainward.inventory.pipfile import pipfile_declared

    out: dict[tuple[str, str], Scope] = {}
    for item in pipfile_declared(manifest):
        section = "develop" if item.scope is Scope.DEV else "default"
        out[(section, item.name)] = item.scope
    return out


__all__ = ["read_pipfile_lock"]
