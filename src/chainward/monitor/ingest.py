"""Turning an uploaded document into an :class:`~chainward.records.Inventory`.

Three kinds of upload are accepted, told apart by content: a CycloneDX JSON SBOM, an
SPDX JSON SBOM (both read by ``chainward.inventory.sbom_in``), and chainward's own
inventory JSON (the ``chainward inventory --format json`` shape, which
``chainward monitor push`` sends).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainward.errors import ChainwardError, InputError
from chainward.monitor.errors import UploadError
from chainward.records import Component, Inventory, ModelArtifact, Scope, Skipped, canonical_name

MAX_COMPONENTS = 50_000
_SCOPES = {s.value: s for s in Scope}


@dataclass(frozen=True)
class Upload:
    """A parsed upload: what it contains and which format it was in."""

    inventory: Inventory
    source_format: str


def parse_json(body: bytes) -> Any:
    """Decode a JSON body; every way it can be malformed becomes an UploadError."""
    if not body.strip():
        raise UploadError("the request body is empty: send a CycloneDX, SPDX or inventory JSON")
    try:
        return json.loads(body.decode("utf-8-sig"))
    except RecursionError:
        raise UploadError("the JSON document is nested too deeply") from None
    except UnicodeDecodeError:
        raise UploadError("the body is not UTF-8 text: send a JSON document") from None
    except ValueError as exc:
        raise UploadError(f"the body is not valid JSON: {exc}") from None


def detect_format(document: Any) -> str:
    if not isinstance(document, dict):
        raise UploadError("expected a JSON object (a CycloneDX, SPDX or inventory document)")
    if document.get("bomFormat") == "CycloneDX":
        return "cyclonedx"
    if "spdxVersion" in document or "spdx" in str(document.get("@context", "")).lower():
        return "spdx"
    if isinstance(document.get("components"), list):
        return "inventory"
    raise UploadError(
        "unrecognised document: expected CycloneDX JSON (bomFormat), SPDX JSON "
        "(spdxVersion) or chainward inventory JSON (components)"
    )


def parse_upload(body: bytes) -> Upload:
    """Parse an upload body of any accepted kind."""
    document = parse_json(body)
    fmt = detect_format(document)
    if fmt == "inventory":
        return Upload(inventory_from_document(document), "inventory")
    return Upload(_read_sbom_bytes(body, fmt), fmt)


def _read_sbom_bytes(body: bytes, fmt: str) -> Inventory:
    from chainward.inventory.sbom_in import read_sbom

    suffix = ".cdx.json" if fmt == "cyclonedx" else ".spdx.json"
    handle, name = tempfile.mkstemp(prefix="chainward-upload-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        try:
            return read_sbom(path)
        except RecursionError:
            raise UploadError("the SBOM is nested too deeply") from None
        except InputError as exc:
            raise UploadError(f"malformed {fmt} SBOM: {exc.message}") from None
        except ChainwardError as exc:
            raise UploadError(f"malformed {fmt} SBOM: {exc.diagnostics()}") from None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise UploadError(f"malformed {fmt} SBOM: {exc}") from None
    finally:
        path.unlink(missing_ok=True)


def _text(entry: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            raise UploadError(f"{where}: missing {key!r}")
        return None
    if not isinstance(value, str):
        raise UploadError(f"{where}: {key!r} must be a string")
    if len(value) > 1000:
        raise UploadError(f"{where}: {key!r} is longer than 1000 characters")
    return value


def inventory_from_document(document: Mapping[str, Any]) -> Inventory:
    """Read chainward's inventory JSON (the contract shape of ``chainward inventory``)."""
    raw_components = document.get("components")
    raw_models = document.get("models", [])
    raw_skipped = document.get("skipped", [])
    if not isinstance(raw_components, list):
        raise UploadError("'components' must be a list")
    if not isinstance(raw_models, list) or not isinstance(raw_skipped, list):
        raise UploadError("'models' and 'skipped' must be lists")
    if len(raw_components) + len(raw_models) > MAX_COMPONENTS:
        raise UploadError(f"too many components (more than {MAX_COMPONENTS})")
    components: list[Component] = []
    skipped: list[Skipped] = []
    for index, entry in enumerate(raw_components):
        where = f"components[{index}]"
        if not isinstance(entry, dict):
            raise UploadError(f"{where}: expected an object")
        name = _text(entry, "name", where, required=True)
        assert name is not None
        if not name.strip():
            raise UploadError(f"{where}: empty name")
        version = _text(entry, "version", where)
        scope_text = _text(entry, "scope", where) or "direct"
        scope = _SCOPES.get(scope_text)
        if scope is None:
            raise UploadError(f"{where}: unknown scope {scope_text!r}")
        if version is None:
            skipped.append(Skipped(entry=name, reason="no exact version"))
            continue
        components.append(
            Component(
                name=canonical_name(name),
                version=version,
                ecosystem=_text(entry, "ecosystem", where) or "PyPI",
                purl=_text(entry, "purl", where) or "",
                scope=scope,
            )
        )
    models: list[ModelArtifact] = []
    for index, entry in enumerate(raw_models):
        where = f"models[{index}]"
        if not isinstance(entry, dict):
            raise UploadError(f"{where}: expected an object")
        size = entry.get("size", 0)
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise UploadError(f"{where}: 'size' must be a non-negative integer")
        sha256 = _text(entry, "sha256", where)
        if sha256 is not None and (
            len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256.lower())
        ):
            raise UploadError(f"{where}: 'sha256' must be 64 hex digits")
        path = _text(entry, "path", where, required=True)
        assert path is not None
        models.append(
            ModelArtifact(
                path=path,
                format=_text(entry, "format", where) or "unknown",
                size=size,
                sha256=sha256.lower() if sha256 else None,
            )
        )
    for index, entry in enumerate(raw_skipped):
        if isinstance(entry, dict):
            skipped.append(
                Skipped(
                    entry=str(entry.get("entry", ""))[:1000],
                    reason=str(entry.get("reason", ""))[:1000],
                )
            )
        else:
            raise UploadError(f"skipped[{index}]: expected an object")
    return Inventory(tuple(components), tuple(models), tuple(skipped))


def inventory_to_document(inventory: Inventory) -> dict[str, Any]:
    """The inventory JSON contract shape (what ``monitor push`` uploads)."""
    return {
        "components": [
            {
                "name": c.name,
                "version": c.version,
                "ecosystem": c.ecosystem,
                "purl": c.purl,
                "scope": c.scope.value,
                "source": str(c.source) if c.source else None,
            }
            for c in inventory.components
        ],
        "models": [
            {"path": m.path, "format": m.format, "size": m.size, "sha256": m.sha256}
            for m in inventory.models
        ],
        "skipped": [{"entry": s.entry, "reason": s.reason} for s in inventory.skipped],
    }


__all__ = [
    "Upload",
    "detect_format",
    "inventory_from_document",
    "inventory_to_document",
    "parse_json",
    "parse_upload",
]
