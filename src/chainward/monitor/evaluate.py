"""Re-evaluation: compare what the advisory database says now with the stored findings.

``reconcile`` works on a set of project versions (after an upload) or on a set of package
names (after an advisory update touched them). It matches each *distinct* package
version once, fans the answer out to every project version that uses it, and writes the
difference: new findings, findings that disappeared (fixed), findings that came back
(reopened). It is idempotent, so a run interrupted by a crash is simply run again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, insert, select, update

from chainward.monitor import schema
from chainward.monitor.matching import Matcher, PackageKey, Vuln

T = TypeVar("T")
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Change:
    """One transition of one finding."""

    kind: str  # "new", "reopened" or "fixed"
    finding_id: int
    version_id: int
    package_id: int
    advisory_id: str


@dataclass
class Outcome:
    versions: set[int] = field(default_factory=set)
    changes: list[Change] = field(default_factory=list)

    @property
    def new(self) -> list[Change]:
        return [c for c in self.changes if c.kind in ("new", "reopened")]

    @property
    def fixed(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "fixed"]


def _links(
    conn: Connection, version_ids: Sequence[int] | None, names: Sequence[str] | None
) -> list[Any]:
    vc, p = schema.version_components, schema.packages
    base = select(vc.c.version_id, vc.c.package_id, p.c.ecosystem, p.c.name, p.c.version).join(
        p, p.c.id == vc.c.package_id
    )
    rows: list[Any] = []
    if version_ids is not None:
        for part in chunks(version_ids):
            rows.extend(conn.execute(base.where(vc.c.version_id.in_(part))))
    elif names is not None:
        for name_part in chunks(names):
            rows.extend(conn.execute(base.where(p.c.name.in_(name_part))))
    return rows


def _existing(
    conn: Connection, version_ids: Sequence[int] | None, names: Sequence[str] | None
) -> list[Any]:
    f, p = schema.findings, schema.packages
    base = select(
        f.c.id,
        f.c.version_id,
        f.c.package_id,
        f.c.advisory_id,
        f.c.aliases,
        f.c.fixed_at,
        f.c.severity,
        f.c.summary,
        f.c.fix_versions,
    )
    rows: list[Any] = []
    if version_ids is not None:
        for part in chunks(version_ids):
            rows.extend(conn.execute(base.where(f.c.version_id.in_(part))))
    elif names is not None:
        joined = base.join(p, p.c.id == f.c.package_id)
        for name_part in chunks(names):
            rows.extend(conn.execute(joined.where(p.c.name.in_(name_part))))
    return rows


def reconcile(
    conn: Connection,
    matcher: Matcher,
    at: datetime,
    *,
    version_ids: Iterable[int] | None = None,
    names: Iterable[str] | None = None,
) -> Outcome:
    """Bring stored findings in line with the advisory database (see module docstring)."""
    vids = sorted(set(version_ids)) if version_ids is not None else None
    name_list = sorted(set(names)) if names is not None else None
    links = _links(conn, vids, name_list)
    keys: dict[int, PackageKey] = {
        row.package_id: (row.ecosystem, row.name, row.version) for row in links
    }
    matches = matcher.match(keys.values())
    expected: dict[tuple[int, int], tuple[Vuln, ...]] = {}
    outcome = Outcome(versions={row.version_id for row in links})
    for row in links:
        vulns = matches.get(keys[row.package_id], ())
        if vulns:
            expected[(row.version_id, row.package_id)] = vulns

    existing: dict[tuple[int, int], list[Any]] = {}
    for row in _existing(conn, vids, name_list):
        existing.setdefault((row.version_id, row.package_id), []).append(row)
        outcome.versions.add(row.version_id)

    f = schema.findings
    inserts: list[dict[str, Any]] = []
    reopen: list[Any] = []
    refresh: list[dict[str, Any]] = []
    closing: list[Any] = []
    for pair in expected.keys() | existing.keys():
        stored = {row.advisory_id: row for row in existing.get(pair, [])}
        claimed: set[str] = set()
        for vuln in expected.get(pair, ()):
            row = stored.get(vuln.id)
            if row is None:
                # The folded id may have changed (e.g. a withdrawn PYSEC record leaves its
                # GHSA twin): carry the finding over instead of "fixed" plus "new".
                row = next(
                    (
                        r
                        for r in stored.values()
                        if r.advisory_id not in claimed
                        and r.fixed_at is None
                        and vuln.ids & {r.advisory_id, *r.aliases}
                        and r.advisory_id not in {v.id for v in expected.get(pair, ())}
                    ),
                    None,
                )
            if row is None:
                inserts.append(
                    {
                        "version_id": pair[0],
                        "package_id": pair[1],
                        "advisory_id": vuln.id,
                        "aliases": list(vuln.aliases),
                        "severity": int(vuln.severity),
                        "summary": vuln.summary,
                        "fix_versions": list(vuln.fix_versions),
                        "first_seen": at,
                        "fixed_at": None,
                    }
                )
                continue
            claimed.add(row.advisory_id)
            if row.fixed_at is not None:
                reopen.append(row)
            if (
                row.advisory_id != vuln.id
                or list(row.aliases) != list(vuln.aliases)
                or row.severity != int(vuln.severity)
                or row.summary != vuln.summary
                or list(row.fix_versions) != list(vuln.fix_versions)
            ):
                refresh.append(
                    {
                        "b_id": row.id,
                        "b_advisory_id": vuln.id,
                        "b_aliases": list(vuln.aliases),
                        "b_severity": int(vuln.severity),
                        "b_summary": vuln.summary,
                        "b_fix_versions": list(vuln.fix_versions),
                    }
                )
        for advisory_id, row in stored.items():
            if advisory_id not in claimed and row.fixed_at is None:
                closing.append(row)

    if refresh:
        conn.execute(
            update(f)
            .where(f.c.id == bindparam("b_id"))
            .values(
                advisory_id=bindparam("b_advisory_id"),
                aliases=bindparam("b_aliases"),
                severity=bindparam("b_severity"),
                summary=bindparam("b_summary"),
                fix_versions=bindparam("b_fix_versions"),
            ),
            refresh,
        )
    if inserts:
        created = conn.execute(
            insert(f).returning(
                f.c.id,
                f.c.version_id,
                f.c.package_id,
                f.c.advisory_id,
                sort_by_parameter_order=True,
            ),
            inserts,
        ).all()
        outcome.changes.extend(
            Change("new", r.id, r.version_id, r.package_id, r.advisory_id) for r in created
        )
    if reopen:
        for part in chunks([r.id for r in reopen]):
            conn.execute(update(f).where(f.c.id.in_(part)).values(fixed_at=None))
        outcome.changes.extend(
            Change("reopened", r.id, r.version_id, r.package_id, r.advisory_id) for r in reopen
        )
    if closing:
        for part in chunks([r.id for r in closing]):
            conn.execute(update(f).where(f.c.id.in_(part)).values(fixed_at=at))
        outcome.changes.extend(
            Change("fixed", r.id, r.version_id, r.package_id, r.advisory_id) for r in closing
        )
    if outcome.changes:
        conn.execute(
            insert(schema.finding_events),
            [{"finding_id": c.finding_id, "kind": c.kind, "at": at} for c in outcome.changes],
        )
    return outcome


__all__ = ["Change", "Outcome", "chunks", "reconcile"]
