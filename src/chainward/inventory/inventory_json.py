"""chainward's own inventory JSON (``chainward inventory --format json``) read back.

The contract shape: ``{"components": [{"name", "version", "ecosystem", "purl", "scope",
"source", ...}], "models": [{"path", "format", "size", "sha256"}], "skipped": [{"entry",
"reason"}]}``, plus the optional detail keys the command adds (path, groups, extras,
requires, hashes, url). Lets a saved inventory be audited or pushed later.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from chainward.inventory._build import make_component, split_hash
from chainward.inventory._io import display, read_json
from chainward.inventory.interface import InventoryError
from chainward.records import (
    Component,
    Inventory,
    ModelArtifact,
    Provenance,
    Scope,
    Skipped,
)


def looks_like_inventory(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("components"), list)
        and ("models" in doc or "skipped" in doc)
        and "bomFormat" not in doc
        and "spdxVersion" not in doc
    )


def _provenance(value: Any) -> Provenance | None:
    if not isinstance(value, str) or not value:
        return None
    file, sep, line = value.rpartition(":")
    if sep and line.isdigit() and file:
        return Provenance(file, int(line))
    return Provenance(value)


def _strings(value: Any, what: str, shown: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InventoryError(f"{what}: expected a list of strings", path=shown)
    return tuple(value)


def read_inventory_json(path: Path) -> Inventory:
    shown = display(path)
    doc = read_json(path)
    if not looks_like_inventory(doc):
        raise InventoryError("not a chainward inventory document", path=shown)
    components: list[Component] = []
    for index, item in enumerate(doc["components"]):
        what = f"components[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise InventoryError(f"{what}: expected an object with a name", path=shown)
        version = item.get("version")
        if version is not None and not isinstance(version, str):
            raise InventoryError(f"{what}: version must be a string or null", path=shown)
        try:
            scope = Scope(item.get("scope", "direct"))
        except ValueError:
            raise InventoryError(
                f"{what}: unknown scope {item.get('scope')!r}", path=shown
            ) from None
        hashes = []
        for text in _strings(item.get("hashes"), f"{what}.hashes", shown):
            pair = split_hash(text)
            if pair is None:
                raise InventoryError(f"{what}: malformed hash {text!r}", path=shown)
            hashes.append(pair)
        ecosystem = item.get("ecosystem") or "PyPI"
        if not isinstance(ecosystem, str):
            raise InventoryError(f"{what}: ecosystem must be a string", path=shown)
        comp = make_component(
            item["name"],
            version,
            scope=scope,
            source=_provenance(item.get("source")),
            path=_strings(item.get("path"), f"{what}.path", shown),
            groups=_strings(item.get("groups"), f"{what}.groups", shown),
            extras=_strings(item.get("extras"), f"{what}.extras", shown),
            requires=_strings(item.get("requires"), f"{what}.requires", shown),
            hashes=hashes,
            url=item.get("url") if isinstance(item.get("url"), str) else None,
        )
        if ecosystem != "PyPI":  # an SBOM-derived inventory may hold other ecosystems
            purl = item.get("purl")
            comp = replace(
                comp,
                name=item["name"],
                ecosystem=ecosystem,
                purl=purl if isinstance(purl, str) else "",
            )
        components.append(comp)
    models: list[ModelArtifact] = []
    for index, item in enumerate(doc.get("models") or []):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("path"), str)
            or not isinstance(item.get("format"), str)
            or not isinstance(item.get("size"), int)
        ):
            raise InventoryError(f"models[{index}]: expected path, format and size", path=shown)
        sha = item.get("sha256")
        models.append(
            ModelArtifact(
                item["path"], item["format"], item["size"], sha if isinstance(sha, str) else None
            )
        )
    skipped: list[Skipped] = []
    for index, item in enumerate(doc.get("skipped") or []):
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("entry", "reason")
        ):
            raise InventoryError(f"skipped[{index}]: expected entry and reason", path=shown)
        skipped.append(Skipped(item["entry"], item["reason"], _provenance(item.get("source"))))
    return Inventory(tuple(components), tuple(models), tuple(skipped))


__all__ = ["looks_like_inventory", "read_inventory_json"]
