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
from typing import Any

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


class Scope(str, enum.Enum):
    """Why a component is in the inventory."""

    DIRECT = "direct"
    TRANSITIVE = "transitive"
    DEV = "dev"
    OPTIONAL = "optional"


class Verdict(str, enum.Enum):
    """Verdict on one model file (``chainward model scan``)."""

    SAFE = "safe"
    SUSPICIOUS = "suspicious"
    UNSAFE = "unsafe"
    ERROR = "error"


class PackageVerdict(str, enum.Enum):
    """Verdict on one package (``chainward pkg check``)."""

    CLEAN = "clean"
    SUSPICIOUS = "suspicious"
    MALICIOUS = "malicious"


@dataclass(frozen=True)
class Provenance:
    """Where something was declared or found: a file, and a line in it when known."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Component:
    """One software dependency, whatever source declared it.

    ``name`` is PEP 503 normalised; ``version`` is None when the source did not pin
    one exactly (the inventory then also records a ``Skipped`` entry saying why).
    ``path`` is the dependency chain from a direct dependency down to this one
    (empty for direct ones). ``groups`` names the dev/optional groups or extras it
    belongs to. ``requires`` holds normalised names of its own dependencies when the
    source knows the graph.
    """

    name: str
    version: str | None
    ecosystem: str = "PyPI"
    purl: str = ""
    scope: Scope = Scope.DIRECT
    source: Provenance | None = None
    path: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    hashes: tuple[tuple[str, str], ...] = ()
    specifier: str = ""
    marker: str = ""
    url: str | None = None
    licenses: tuple[str, ...] = ()
    author: str | None = None

    @property
    def pinned(self) -> bool:
        return self.version is not None

    def key(self) -> tuple[str, str, str | None]:
        return (self.ecosystem, self.name, self.version)


@dataclass(frozen=True)
class ModelArtifact:
    """One model file found in a project (or inside a model folder)."""

    path: str
    format: str
    size: int
    sha256: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class Skipped:
    """Something that was not analysed, and why; it always reaches the report."""

    entry: str
    reason: str
    source: Provenance | None = None


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


@dataclass(frozen=True)
class Inventory:
    """Everything a project depends on: components, model files, and what was skipped."""

    components: tuple[Component, ...] = ()
    models: tuple[ModelArtifact, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def merged(self, other: Inventory) -> Inventory:
        """Union of two inventories without duplicate components (first wins)."""
        seen: dict[tuple[str, str, str | None, Scope], Component] = {}
        for comp in (*self.components, *other.components):
            seen.setdefault((*comp.key(), comp.scope), comp)
        models: dict[str, ModelArtifact] = {}
        for model in (*self.models, *other.models):
            models.setdefault(model.path, model)
        skipped = tuple(dict.fromkeys((*self.skipped, *other.skipped)))
        return Inventory(tuple(seen.values()), tuple(models.values()), skipped)


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
