"""Shared vocabulary: frozen value types every part of chainward speaks.

No I/O here, and no imports from chainward's subpackages, so that any backend can
use these without depending on another backend.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from chainward._inventory_records import (
        Component,
        Inventory,
        ModelArtifact,
        PackageVerdict,
        Provenance,
        Scope,
        Skipped,
    )

_NORMALIZE = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name."""
    return _NORMALIZE.sub("-", name).lower()


class Severity(enum.IntEnum):
    """Ordered severities; compare with ``>=`` for thresholds."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Accepts names in any case and common synonyms ("moderate", "info", "unknown")."""
        key = text.strip().upper()
        aliases = {"MODERATE": "MEDIUM", "INFO": "NONE", "UNKNOWN": "NONE", "IMPORTANT": "HIGH"}
        key = aliases.get(key, key)
        try:
            return cls[key]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


class Verdict(str, enum.Enum):
    """Verdict on one model file (``chainward model scan``)."""

    SAFE = "safe"
    SUSPICIOUS = "suspicious"
    UNSAFE = "unsafe"
    ERROR = "error"


@dataclass(frozen=True)
class Location:
    """Where a finding points: a file (or archive member) and optionally a line or offset."""

    path: str
    line: int | None = None
    detail: str | None = None

    def __str__(self) -> str:
        text = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(frozen=True)
class Finding:
    """One thing a check found.

    ``check`` is the family ("audit", "packages", "models", "integrity", "sandbox"),
    ``rule`` a stable identifier inside it (an advisory id for audit findings),
    ``subject`` what the finding is about (a package name, a file path).
    """

    check: str
    rule: str
    severity: Severity
    message: str
    subject: str = ""
    location: Location | None = None
    fix: str | None = None
    evidence: str | None = None
    help_uri: str | None = None
    properties: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


_INVENTORY_RECORDS = frozenset(
    {"Component", "Inventory", "ModelArtifact", "PackageVerdict", "Provenance", "Scope", "Skipped"}
)


def __getattr__(name: str) -> object:
    # the inventory records are defined on first use (see chainward._inventory_records)
    if name in _INVENTORY_RECORDS:
        from chainward import _inventory_records

        return getattr(_inventory_records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Component",
    "Finding",
    "Inventory",
    "Location",
    "ModelArtifact",
    "PackageVerdict",
    "Provenance",
    "Scope",
    "Severity",
    "Skipped",
    "Verdict",
    "canonical_name",
]
