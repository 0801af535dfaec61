"""License, author and archive hash of installed distributions, for environment SBOMs.

The environment inventory records each distribution's ``.dist-info`` folder as its
source. Its core metadata (``License-Expression``, ``License``, ``License ::``
classifiers, ``Author``/``Author-email``/``Maintainer``) and ``direct_url.json``
(the hash of the archive pip installed from, when it recorded one) are read here,
headers only and with size limits.
"""

from __future__ import annotations

import dataclasses
import json
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from chainward.records import Component, Inventory

_MAX_HEADER_BYTES = 512 * 1024
_MAX_DIRECT_URL = 64 * 1024


def _read_head(path: Path, limit: int) -> bytes | None:
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except OSError:
        return None


def _author(headers: dict[str, list[str]]) -> str | None:
    for key in ("Author", "Maintainer"):
        for value in headers.get(key, []):
            if value.strip() and value.strip().upper() != "UNKNOWN":
                return " ".join(value.split())
    for key in ("Author-email", "Maintainer-email"):
        for value in headers.get(key, []):
            names = [name or addr for name, addr in getaddresses([value]) if name or addr]
            if names:
                return ", ".join(names)
    return None


def _licenses(headers: dict[str, list[str]]) -> tuple[str, ...]:
    expression = [v for v in headers.get("License-Expression", []) if v.strip()]
    if expression:
        return (expression[0].strip(),)
    classifiers = [v.strip() for v in headers.get("Classifier", []) if v.startswith("License ::")]
    free = [v for v in headers.get("License", []) if v.strip()]
    return tuple(classifiers + free[:1])


def _direct_url(dist_info: Path) -> dict[str, Any]:
    """``direct_url.json`` (PEP 610), or {} when absent or malformed."""
    data = _read_head(dist_info / "direct_url.json", _MAX_DIRECT_URL)
    if not data:
        return {}
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return {}
    return document if isinstance(document, dict) else {}


def _archive_hashes(direct: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    info = direct.get("archive_info", {})
    if not isinstance(info, dict):
        return ()
    out: list[tuple[str, str]] = []
    hashes = info.get("hashes")
    if isinstance(hashes, dict):
        out.extend((str(k).lower(), str(v).lower()) for k, v in hashes.items())
    legacy = info.get("hash")
    if isinstance(legacy, str) and "=" in legacy:
        alg, _, digest = legacy.partition("=")
        out.append((alg.lower(), digest.lower()))
    return tuple(sorted(set(out)))


def enrich_component(component: Component) -> Component:
    """``component`` with metadata from its dist-info folder (unchanged when it has none)."""
    if component.source is None or not component.source.file.endswith(".dist-info"):
        return component
    dist_info = Path(component.source.file)
    head = _read_head(dist_info / "METADATA", _MAX_HEADER_BYTES)
    if head is None:
        return component
    message = BytesHeaderParser().parsebytes(head)
    headers: dict[str, list[str]] = {}
    for key, value in message.items():
        headers.setdefault(key, []).append(str(value))
    direct = _direct_url(dist_info)
    url = direct.get("url") if isinstance(direct.get("url"), str) else None
    purl = component.purl
    if url and "dir_info" in direct and url.startswith("file:"):
        purl = ""  # a local folder, not the index package of the same name
    elif url and isinstance(direct.get("vcs_info"), dict) and purl:
        vcs = direct["vcs_info"]
        commit = vcs.get("commit_id") if isinstance(vcs.get("commit_id"), str) else None
        vcs_url = f"{vcs.get('vcs', 'git')}+{url}" + (f"@{commit}" if commit else "")
        purl = PackageURL.from_string(purl)._replace(qualifiers={"vcs_url": vcs_url}).to_string()
    return dataclasses.replace(
        component,
        purl=purl,
        url=component.url or url,
        licenses=component.licenses or _licenses(headers),
        author=component.author or _author(headers),
        hashes=component.hashes or _archive_hashes(direct),
    )


def enrich(inventory: Inventory) -> Inventory:
    """Every component of an environment inventory, enriched from its metadata."""
    return dataclasses.replace(
        inventory, components=tuple(enrich_component(c) for c in inventory.components)
    )


__all__ = ["enrich", "enrich_component"]
