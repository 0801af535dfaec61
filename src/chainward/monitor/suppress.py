"""Suppressions: an analysis decision (VEX-like state) with a justification and an expiry.

A suppression names an advisory (any of its ids or aliases), optionally one project
(else every project), one package and a PEP 440 specifier of its versions, so that a
decision survives new versions of the same component within the declared range.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from sqlalchemy import Connection, or_, select

from chainward.monitor import schema
from chainward.monitor.errors import UploadError
from chainward.monitor.timeutil import utc


class AnalysisState(str, enum.Enum):
    """CycloneDX VEX analysis states; the first three suppress a finding."""

    NOT_AFFECTED = "not_affected"
    FALSE_POSITIVE = "false_positive"
    RESOLVED = "resolved"
    EXPLOITABLE = "exploitable"
    IN_TRIAGE = "in_triage"

    @property
    def suppresses(self) -> bool:
        return self in (
            AnalysisState.NOT_AFFECTED,
            AnalysisState.FALSE_POSITIVE,
            AnalysisState.RESOLVED,
        )


@dataclass(frozen=True)
class Suppression:
    id: int
    project_id: int | None
    advisory_id: str
    package: str | None
    versions: str | None
    state: AnalysisState
    justification: str
    expires_at: datetime | None

    def expired(self, at: datetime) -> bool:
        expires = utc(self.expires_at)
        return expires is not None and expires <= at

    def applies(
        self, project_id: int, ids: Iterable[str], package: str, version: str, at: datetime
    ) -> bool:
        """True when this decision covers the finding described (and is in force)."""
        if self.expired(at):
            return False
        if self.project_id is not None and self.project_id != project_id:
            return False
        if self.advisory_id not in set(ids):
            return False
        if self.package is not None and self.package != package:
            return False
        if self.versions:
            try:
                return Version(version) in SpecifierSet(self.versions)
            except InvalidVersion:
                return False
        return True


def check_specifier(text: str) -> str:
    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        raise UploadError(f"not a PEP 440 version specifier: {text!r}") from None


def load(conn: Connection, project_ids: Iterable[int] | None = None) -> list[Suppression]:
    """Suppressions that could apply to ``project_ids`` (all when None)."""
    table = schema.suppressions
    query = select(table)
    if project_ids is not None:
        ids = list(set(project_ids))
        query = query.where(or_(table.c.project_id.is_(None), table.c.project_id.in_(ids)))
    return [
        Suppression(
            id=row.id,
            project_id=row.project_id,
            advisory_id=row.advisory_id,
            package=row.package,
            versions=row.versions,
            state=AnalysisState(row.state),
            justification=row.justification,
            expires_at=utc(row.expires_at),
        )
        for row in conn.execute(query)
    ]


def matching(
    suppressions: Sequence[Suppression],
    project_id: int,
    ids: Iterable[str],
    package: str,
    version: str,
    at: datetime,
) -> Suppression | None:
    """The decision in force for this finding, if any (suppressing states first)."""
    ids = tuple(ids)
    found = [s for s in suppressions if s.applies(project_id, ids, package, version, at)]
    found.sort(key=lambda s: (not s.state.suppresses, -s.id))
    return found[0] if found else None


__all__ = ["AnalysisState", "Suppression", "check_specifier", "load", "matching"]
