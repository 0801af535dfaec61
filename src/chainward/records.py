"""Shared vocabulary: frozen value types every part of chainward speaks.

No I/O here, and no imports from chainward's subpackages, so that any backend can
use these without depending on another backend.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from types import MappingProxyType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, Self

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


class Record:
    """Base of the small frozen value types below: slots, value equality, ``replace``.

    Not dataclasses: building a frozen dataclass execs its generated methods, about a
    millisecond per class at every start-up of the command line. Subclasses list their
    fields in ``FIELDS`` (the constructor's order) and ``__slots__``, and set them in
    ``__init__`` with ``object.__setattr__``.
    """

    __slots__ = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._values())

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied (as :func:`dataclasses.replace`)."""
        values = {name: getattr(self, name) for name in self.FIELDS}
        unknown = changes.keys() - values.keys()
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        values.update(changes)
        return type(self)(**values)


class Location(Record):
    """Where a finding points: a file (or archive member) and optionally a line or offset."""

    __slots__ = ("detail", "line", "path")
    FIELDS = ("path", "line", "detail")
    path: str
    line: int | None
    detail: str | None

    def __init__(self, path: str, line: int | None = None, detail: str | None = None) -> None:
        set_field = object.__setattr__
        set_field(self, "path", path)
        set_field(self, "line", line)
        set_field(self, "detail", detail)

    def __str__(self) -> str:
        text = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{text} ({self.detail})" if self.detail else text


_NO_PROPERTIES: Mapping[str, Any] = MappingProxyType({})


class Finding(Record):
    """One thing a check found.

    ``check`` is the family ("audit", "packages", "models", "integrity", "sandbox"),
    ``rule`` a stable identifier inside it (an advisory id for audit findings),
    ``subject`` what the finding is about (a package name, a file path).
    """

    __slots__ = (
        "check",
        "evidence",
        "fix",
        "help_uri",
        "location",
        "message",
        "properties",
        "rule",
        "severity",
        "subject",
    )
    FIELDS = (
        "check",
        "rule",
        "severity",
        "message",
        "subject",
        "location",
        "fix",
        "evidence",
        "help_uri",
        "properties",
    )
    check: str
    rule: str
    severity: Severity
    message: str
    subject: str
    location: Location | None
    fix: str | None
    evidence: str | None
    help_uri: str | None
    properties: Mapping[str, Any]

    def __init__(
        self,
        check: str,
        rule: str,
        severity: Severity,
        message: str,
        subject: str = "",
        location: Location | None = None,
        fix: str | None = None,
        evidence: str | None = None,
        help_uri: str | None = None,
        properties: Mapping[str, Any] = _NO_PROPERTIES,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "check", check)
        set_field(self, "rule", rule)
        set_field(self, "severity", severity)
        set_field(self, "message", message)
        set_field(self, "subject", subject)
        set_field(self, "location", location)
        set_field(self, "fix", fix)
        set_field(self, "evidence", evidence)
        set_field(self, "help_uri", help_uri)
        set_field(self, "properties", properties)

    def __reduce__(self) -> tuple[Any, ...]:
        # a mappingproxy cannot be pickled (worker processes send findings back)
        values = self._values()
        return (_finding, (*values[:-1], dict(values[-1])))


def _finding(*values: Any) -> Finding:
    finding = Finding(*values)
    object.__setattr__(finding, "properties", MappingProxyType(finding.properties))
    return finding


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
