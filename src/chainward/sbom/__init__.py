"""Software bills of materials: CycloneDX 1.6 (JSON, XML), SPDX 2.3 JSON, SPDX 3.0.1 JSON-LD.

Stages: :func:`build_content` turns an :class:`~chainward.records.Inventory` into
format-neutral content (packages with a dependency graph under one root, models
grouped by folder with their model-card facts, optional vulnerabilities);
:func:`render` writes it in one :class:`SbomFormat`. :func:`write_sbom` does both.
Reading SBOMs back is ``chainward.inventory.sbom_in.read_sbom``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from pathlib import Path

from chainward.records import Inventory
from chainward.sbom.content import SbomContent, Subject, Vulnerability, build_content


class SbomFormat(str, enum.Enum):
    """Output formats of ``chainward sbom``."""

    CYCLONEDX_JSON = "cyclonedx-json"
    CYCLONEDX_XML = "cyclonedx-xml"
    SPDX_JSON = "spdx-json"
    SPDX3_JSON = "spdx3-json"


FORMAT_NAMES = tuple(f.value for f in SbomFormat)


def render(content: SbomContent, fmt: SbomFormat, *, deterministic: bool = False) -> str:
    """Serialise ``content`` in ``fmt``; imports only the writer it needs."""
    if fmt is SbomFormat.CYCLONEDX_JSON:
        from chainward.sbom.cyclonedx import to_json

        return to_json(content, deterministic=deterministic)
    if fmt is SbomFormat.CYCLONEDX_XML:
        from chainward.sbom.cyclonedx import to_xml

        return to_xml(content, deterministic=deterministic)
    if fmt is SbomFormat.SPDX3_JSON:
        from chainward.sbom.spdx3 import to_json as spdx3_json

        return spdx3_json(content, deterministic=deterministic)
    from chainward.sbom.spdx import to_json as spdx_json

    return spdx_json(content, deterministic=deterministic)


def write_sbom(
    inventory: Inventory,
    fmt: SbomFormat,
    *,
    subject: Subject,
    base: Path | None = None,
    deterministic: bool = False,
    vulnerabilities: Sequence[Vulnerability] = (),
) -> str:
    """The SBOM of ``inventory`` as text in ``fmt``."""
    content = build_content(inventory, subject, base=base, vulnerabilities=vulnerabilities)
    return render(content, fmt, deterministic=deterministic)


__all__ = [
    "FORMAT_NAMES",
    "SbomContent",
    "SbomFormat",
    "Subject",
    "Vulnerability",
    "build_content",
    "render",
    "write_sbom",
]
