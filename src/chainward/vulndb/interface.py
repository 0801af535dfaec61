"""The advisory database interface: what the auditor, the monitor and the malware checks need.

One ABC (:class:`AdvisoryStore`), the value types it returns, and :class:`VulnDBError`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from chainward.errors import ChainwardError, InputError
from chainward.records import Severity


class VulnDBError(ChainwardError):
    """The advisory database is missing, locked, corrupt or of an unknown schema."""


class AdvisoryDataError(InputError):
    """An advisory export (zip, directory or file) could not be read."""


@dataclass(frozen=True)
class Range:
    """One OSV ``ranges[]`` entry: its type and its events as (kind, value) pairs."""

    type: str
    events: tuple[tuple[str, str], ...]


_NO_KEYS: frozenset[Any] = frozenset()


@dataclass(frozen=True)
class Affected:
    """One OSV ``affected[]`` entry for one package."""

    ecosystem: str
    name: str
    versions: tuple[str, ...] = ()
    ranges: tuple[Range, ...] = ()
    # The listed versions not spelled plainly, found at import (None: not computed yet).
    odd: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def version_strings(self) -> frozenset[str]:
        return frozenset(self.versions)

    @cached_property
    def odd_keys(self) -> frozenset[Any]:
        """PEP 440 keys of the listed versions not spelled plainly (usually none)."""
        if self.odd == ():
            return _NO_KEYS
        from chainward.vulndb.match import odd_versions, parse_pep440

        odd = self.odd if self.odd is not None else odd_versions(self.versions)
        keys = (parse_pep440(v) for v in odd)
        return frozenset(k for k in keys if k is not None)

    @cached_property
    def parsed_versions(self) -> frozenset[Any]:
        """The ``versions`` list as PEP 440 versions (PyPI only; unparseable ones dropped)."""
        if self.ecosystem != "PyPI":
            return frozenset()
        from chainward.vulndb.match import parse_pep440

        return frozenset(p for p in map(parse_pep440, self.versions) if p is not None)


@dataclass(frozen=True)
class Advisory:
    """An advisory as the matcher sees it, restricted to the ``affected`` entries of one package.

    ``severity`` is None when the record carries no rating at all. The full OSV record is
    available from :meth:`AdvisoryStore.record`.
    """

    id: str
    modified: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    severity: Severity | None = None
    withdrawn: str | None = None
    affected: tuple[Affected, ...] = ()

    @property
    def malicious(self) -> bool:
        return self.id.startswith("MAL-")

    @cached_property
    def fixed_events(self) -> tuple[str, ...]:
        """Every ``fixed`` release of these entries (GIT commits excluded), in order, unique."""
        seen: dict[str, None] = {}
        for entry in self.affected:
            for rng in entry.ranges:
                if rng.type == "GIT":
                    continue  # commit hashes, not releases
                for kind, value in rng.events:
                    if kind == "fixed":
                        seen[value] = None
        return tuple(seen)

    @cached_property
    def ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))


@dataclass(frozen=True)
class ImportStats:
    """What one import or update did."""

    import_id: int
    seen: int = 0
    added: int = 0
    modified: int = 0
    unchanged: int = 0
    skipped: int = 0
    seconds: float = 0.0
    problems: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        return self.seen / self.seconds if self.seconds > 0 else float(self.seen)


@dataclass(frozen=True)
class StoreMetadata:
    """Counts and provenance of the database (``chainward db status``)."""

    path: str
    schema_version: int
    records: int
    packages: int
    withdrawn: int
    malicious: int
    source: str | None
    last_update: str | None
    newest_modified: str | None
    import_id: int
    by_prefix: Mapping[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "schema_version": self.schema_version,
            "records": self.records,
            "packages": self.packages,
            "withdrawn": self.withdrawn,
            "malicious": self.malicious,
            "source": self.source,
            "last_update": self.last_update,
            "newest_modified": self.newest_modified,
            "import_id": self.import_id,
            "by_prefix": dict(self.by_prefix),
        }


class PackageMatcher(ABC):
    """The non-withdrawn advisories of one package, ready to match versions of it.

    The advisories returned carry the record metadata (id, aliases, summary, severity);
    their ``affected`` entries may be left out: use :meth:`AdvisoryStore.advisories_for`
    for those.
    """

    @abstractmethod
    def matching(self, version: str) -> list[Advisory]:
        """The advisories that affect ``version``, ordered by id."""

    @abstractmethod
    def fix_versions(self, advisories: list[Advisory], version: str) -> list[str]:
        """Versions above ``version`` named by these advisories' ``fixed`` events that none
        of them affects, ascending (see :func:`chainward.vulndb.match.fix_versions`)."""

    def first_fix(self, advisories: list[Advisory], version: str) -> str | None:
        """The first of :meth:`fix_versions` (backends may stop searching there)."""
        options = self.fix_versions(advisories, version)
        return options[0] if options else None


class AdvisoryStore(ABC):
    """A queryable collection of OSV advisories, indexed by PEP 503 package name."""

    @abstractmethod
    def advisories_for(self, name: str, ecosystem: str = "PyPI") -> list[Advisory]:
        """Every advisory (withdrawn ones included) with an ``affected`` entry for ``name``."""

    def advisories_for_many(
        self, names: Iterable[str], ecosystem: str = "PyPI"
    ) -> dict[str, list[Advisory]]:
        """Batch form of :meth:`advisories_for`; backends may override it with one query."""
        return {name: self.advisories_for(name, ecosystem) for name in names}

    def matchers_for_many(
        self, names: Iterable[str], ecosystem: str = "PyPI"
    ) -> dict[str, PackageMatcher]:
        """A matcher per PEP 503 name; backends may override it with precomputed data."""
        from chainward.vulndb.match import ReferenceMatcher

        found = self.advisories_for_many(names, ecosystem)
        return {name: ReferenceMatcher(advisories, ecosystem) for name, advisories in found.items()}

    @abstractmethod
    def record(self, advisory_id: str) -> dict[str, Any] | None:
        """The full OSV record as imported, or None."""

    @abstractmethod
    def changed_packages(self, since_import: int) -> set[str]:
        """Names touched by records added or modified by imports after ``since_import``."""

    @abstractmethod
    def last_import_id(self) -> int:
        """The id of the newest import (0 for an empty database)."""

    @abstractmethod
    def metadata(self) -> StoreMetadata:
        """Counts, source, last update and data age."""


__all__ = [
    "Advisory",
    "AdvisoryDataError",
    "AdvisoryStore",
    "Affected",
    "ImportStats",
    "PackageMatcher",
    "Range",
    "StoreMetadata",
    "VulnDBError",
]
