"""Inventory x advisory store -> one finding per vulnerability per dependency.

Records whose ids or aliases overlap are folded into one vulnerability (PYSEC id first,
as pip-audit reports them; every other id listed as an alias). Withdrawn records never
match. Fix versions come from the records' own ``fixed`` events: a version is offered
only if none of the folded records affects it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from chainward.records import (
    Component,
    Finding,
    Inventory,
    Location,
    Provenance,
    Severity,
    Skipped,
    canonical_name,
)
from chainward.vulndb.interface import Advisory, AdvisoryStore, PackageMatcher, StoreMetadata
from chainward.vulndb.match import parse_pep440

if TYPE_CHECKING:
    from chainward.audit.ignore import IgnoreRule
    from chainward.audit.vex import VexStatement

# Unrated advisories count as medium for --fail-on: most PYSEC records carry no score,
# and treating them as harmless would let real vulnerabilities pass a gate.
UNRATED_SEVERITY = Severity.MEDIUM
# Primary id of a folded finding: PYSEC, then CVE, then the rest (pip-audit's order).
_ID_ORDER = ("PYSEC-", "CVE-", "GHSA-", "MAL-")


@dataclass(frozen=True)
class Vulnerability:
    """One (folded) vulnerability on one dependency."""

    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    severity: Severity | None
    summary: str
    malicious: bool = False

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))

    @property
    def effective_severity(self) -> Severity:
        return self.severity if self.severity is not None else UNRATED_SEVERITY

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "fix_versions": list(self.fix_versions),
            "severity": self.severity.label if self.severity is not None else "unknown",
            "summary": self.summary,
        }


@dataclass(frozen=True)
class Suppressed:
    """A vulnerability not reported because of an ignore rule or a VEX statement."""

    vulnerability: Vulnerability
    component: Component
    by: str  # "ignore" or "vex"
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.vulnerability.id,
            "name": self.component.name,
            "version": self.component.version,
            "by": self.by,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class DependencyResult:
    component: Component
    vulns: tuple[Vulnerability, ...] = ()
    fix_version: str | None = None


@dataclass(frozen=True)
class AuditResult:
    dependencies: tuple[DependencyResult, ...]
    skipped: tuple[Skipped, ...] = ()
    suppressed: tuple[Suppressed, ...] = ()
    warnings: tuple[str, ...] = ()
    expired_ignores: tuple[IgnoreRule, ...] = ()
    database: StoreMetadata | None = None
    # findings as a server reported them; None: derived from ``dependencies`` on first use
    # (a JSON report never asks: its document is the dependencies)
    reported_findings: tuple[Finding, ...] | None = None

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        """One finding per (dependency, vulnerability), in dependency order."""
        if self.reported_findings is not None:
            return self.reported_findings
        found: list[Finding] = []
        for dep in self.dependencies:
            if dep.vulns:
                location = _location(dep.component)
                found.extend(
                    _finding(dep.component, v, dep.fix_version, location) for v in dep.vulns
                )
        return tuple(found)

    def reaches(self, threshold: Severity) -> bool:
        """Is any finding at or above ``threshold``? (without building the findings)"""
        if self.reported_findings is not None:
            return any(f.severity >= threshold for f in self.reported_findings)
        return any(
            v.effective_severity >= threshold for dep in self.dependencies for v in dep.vulns
        )

    @property
    def vulnerable(self) -> tuple[DependencyResult, ...]:
        return tuple(d for d in self.dependencies if d.vulns)

    def summary(self) -> dict[str, Any]:
        vulns = [v for d in self.dependencies for v in d.vulns]
        by_severity = {s.label: 0 for s in sorted(Severity, reverse=True) if s is not Severity.NONE}
        by_severity["unknown"] = 0
        for vuln in vulns:
            key = vuln.severity.label if vuln.severity is not None else "unknown"
            by_severity[key] = by_severity.get(key, 0) + 1
        database: dict[str, Any] | None = None
        if self.database is not None:
            database = {
                "source": self.database.source,
                "last_update": self.database.last_update,
                "newest_record": self.database.newest_modified,
                "records": self.database.records,
                "age_days": data_age_days(self.database),
            }
        return {
            "dependencies": len(self.dependencies),
            "vulnerable_dependencies": len(self.vulnerable),
            "vulnerabilities": sum(1 for v in vulns if not v.malicious),
            "malicious": sorted(
                {
                    f"{d.component.name}=={d.component.version}"
                    for d in self.dependencies
                    for v in d.vulns
                    if v.malicious
                }
            ),
            "fixable": sum(1 for d in self.vulnerable if d.fix_version),
            "by_severity": by_severity,
            "skipped": [{"entry": s.entry, "reason": s.reason} for s in self.skipped],
            "suppressed": [s.to_json() for s in self.suppressed],
            "expired_ignores": [
                {
                    "id": r.id,
                    "reason": r.reason,
                    "expires": r.expires.isoformat() if r.expires else None,
                    "source": r.source,
                }
                for r in self.expired_ignores
            ],
            "database": database,
        }

    def to_document(self) -> dict[str, Any]:
        """The ``chainward audit --format json`` contract document."""
        return {
            "dependencies": [
                {
                    "name": d.component.name,
                    "version": d.component.version,
                    "scope": d.component.scope.value,
                    "vulns": [v.to_json() for v in d.vulns],
                }
                for d in self.dependencies
            ],
            "summary": self.summary(),
        }


def data_age_days(meta: StoreMetadata, now: datetime | None = None) -> int | None:
    """Days since the newest record in the database was modified."""
    from chainward.vulndb.store import parse_timestamp

    if not meta.newest_modified:
        return None
    stamp = parse_timestamp(meta.newest_modified)
    if stamp is None:
        return None
    now = now or datetime.now(timezone.utc)
    return max(0, (now - stamp).days)


_RANKS = {prefix.rstrip("-"): rank for rank, prefix in enumerate(_ID_ORDER)}


_RANK_CACHE: dict[str, tuple[int, str]] = {}


def _id_rank(ident: str) -> tuple[int, str]:
    rank = _RANK_CACHE.get(ident)
    if rank is None:
        rank = _RANK_CACHE[ident] = (_RANKS.get(ident.partition("-")[0], len(_ID_ORDER)), ident)
    return rank


def fold(advisories: Sequence[Advisory]) -> list[list[Advisory]]:
    """Group advisories that describe the same vulnerability, exactly as pip-audit does.

    Every PYSEC record is its own finding (two PYSEC records are distinct advisories even
    when they share an alias); any other record joins the first finding it shares an id or
    alias with, or starts a new one.
    """
    if len(advisories) == 1:
        return [[advisories[0]]]
    pysec = sorted((a for a in advisories if a.id.startswith("PYSEC-")), key=lambda a: a.id)
    others = sorted((a for a in advisories if not a.id.startswith("PYSEC-")), key=lambda a: a.id)
    groups: list[tuple[set[str], list[Advisory]]] = [({a.id, *a.aliases}, [a]) for a in pysec]
    for advisory in others:
        ids = {advisory.id, *advisory.aliases}
        for group_ids, members in groups:
            if group_ids & ids:
                group_ids |= ids
                members.append(advisory)
                break
        else:
            groups.append((set(ids), [advisory]))
    return [members for _, members in groups]


def _record_primary(advisory: Advisory) -> tuple[tuple[int, int, str], str]:
    """The id pip-audit would show for one record: PYSEC, else CVE, else its own id."""
    if advisory.id.startswith("PYSEC-"):  # ranks first whatever its aliases
        return (0, 0, advisory.id), advisory.id
    ranked = [(_id_rank(advisory.id)[0], 0, advisory.id)]
    ranked += [(_id_rank(alias)[0], 1, alias) for alias in advisory.aliases]
    best = min(ranked)
    return best, best[2]


def _vulnerability(group: list[Advisory], matcher: PackageMatcher, version: str) -> Vulnerability:
    if len(group) == 1:
        primary_record = group[0]
        primary = _record_primary(primary_record)[1]
        ids = {primary_record.id, *primary_record.aliases}
    else:
        ranked = [_record_primary(a) for a in group]
        best = min(range(len(group)), key=lambda i: ranked[i][0])
        primary_record, primary = group[best], ranked[best][1]
        ids = set()
        for advisory in group:
            ids.add(advisory.id)
            ids.update(advisory.aliases)
    ids.discard(primary)
    if len(group) == 1:
        severity = primary_record.severity
        summary = primary_record.summary
        malicious = primary_record.malicious
    else:
        rated = [a.severity for a in group if a.severity is not None]
        severity = max(rated) if rated else None
        summary = primary_record.summary or next((a.summary for a in group if a.summary), "")
        malicious = any(a.malicious for a in group)
    return Vulnerability(
        id=primary,
        aliases=tuple(sorted(ids, key=_id_rank)) if len(ids) > 1 else tuple(ids),
        fix_versions=tuple(matcher.fix_versions(group, version)),
        severity=severity,
        summary=summary,
        malicious=malicious,
    )


def _skip_reason(component: Component) -> str | None:
    if component.url:
        return f"direct URL or VCS reference ({component.url}): no release version to audit"
    if component.version is None:
        spec = f" ({component.specifier})" if component.specifier else ""
        return f"not pinned to an exact version{spec}"
    return None


def _location(component: Component) -> Location | None:
    source = component.source
    return None if source is None else Location(source.file, source.line)


def _finding(
    component: Component, vuln: Vulnerability, fix: str | None, location: Location | None
) -> Finding:
    what = "known-malicious release" if vuln.malicious else "known vulnerability"
    message = f"{component.name} {component.version}: {what} {vuln.id}"
    if vuln.summary:
        message += f": {vuln.summary}"
    return Finding(
        check="audit",
        rule=vuln.id,
        severity=vuln.effective_severity,
        message=message,
        subject=component.name,
        location=location,
        fix=f"upgrade {component.name} to {fix}" if fix else None,
        help_uri=f"https://osv.dev/vulnerability/{vuln.id}",
        properties=MappingProxyType(
            {
                "category": "malicious" if vuln.malicious else "vulnerability",
                "package": component.name,
                "version": component.version,
                "aliases": list(vuln.aliases),
                "fix_versions": list(vuln.fix_versions),
                "severity_rated": vuln.severity is not None,
            }
        ),
    )


def _dedupe(components: Iterable[Component]) -> list[Component]:
    seen: dict[tuple[str, str, str | None], Component] = {}
    for component in components:
        seen.setdefault(component.key(), component)
    return list(seen.values())


def audit(
    inventory: Inventory,
    store: AdvisoryStore,
    *,
    ignores: Sequence[IgnoreRule] = (),
    vex: Sequence[VexStatement] = (),
    today: date | None = None,
) -> AuditResult:
    """Match every pinned component of ``inventory`` against ``store``."""
    # Thousands of small acyclic objects: collections in the middle free nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _audit(inventory, store, ignores, vex, today)
    finally:
        if enabled:
            gc.enable()


def _audit(
    inventory: Inventory,
    store: AdvisoryStore,
    ignores: Sequence[IgnoreRule],
    vex: Sequence[VexStatement],
    today: date | None,
) -> AuditResult:
    today = today or datetime.now(timezone.utc).date()
    expired = tuple(r for r in ignores if r.expired(today))
    active = [r for r in ignores if not r.expired(today)]
    suppressing = [s for s in vex if s.suppresses]
    warnings = [
        f"ignore rule for {r.describe()} expired on {r.expires} ({r.source}): NOT applied"
        for r in expired
    ]

    skipped = list(inventory.skipped)
    named = {s.entry for s in skipped}
    # what the reader already reported, by place: its text spells the name as written
    # ("wxPython_Phoenix-3.0.3...whl", "Markdown==3.*"), so compare normalised spellings
    reported: dict[Provenance, list[str]] = {}
    for entry in skipped:
        if entry.source is not None:
            reported.setdefault(entry.source, []).append(canonical_name(entry.entry))
    auditable: list[Component] = []
    for component in _dedupe(inventory.components):
        reason = _skip_reason(component)
        if reason is None:
            auditable.append(component)
        elif component.source in reported and any(
            component.name in text for text in reported[component.source]
        ):
            continue
        elif component.name not in named and not any(component.name in e for e in named):
            skipped.append(Skipped(component.name, reason, component.source))

    by_ecosystem: dict[str, set[str]] = {}
    for component in auditable:
        by_ecosystem.setdefault(component.ecosystem, set()).add(component.name)
    matchers: dict[tuple[str, str], PackageMatcher] = {}
    for ecosystem, names in by_ecosystem.items():
        for name, matcher in store.matchers_for_many(names, ecosystem).items():
            matchers[(ecosystem, name)] = matcher

    results: list[DependencyResult] = []
    suppressed: list[Suppressed] = []
    for component in auditable:
        version = component.version
        assert version is not None
        if component.ecosystem == "PyPI" and parse_pep440(version) is None:
            warnings.append(
                f"{component.name} {version}: not a PEP 440 version; matched by exact string only"
            )
        package = matchers.get((component.ecosystem, component.name))
        if package is None:
            results.append(DependencyResult(component))
            continue
        matched = package.matching(version)
        if not matched:
            results.append(DependencyResult(component))
            continue
        kept: list[Vulnerability] = []
        kept_groups: list[Advisory] = []
        for group in fold(matched):
            vuln = _vulnerability(group, package, version)
            rule = None
            if active:
                rule = next((r for r in active if r.applies(vuln.ids, component.name)), None)
            if rule is not None:
                suppressed.append(Suppressed(vuln, component, "ignore", rule.describe()))
                continue
            statement = None
            if suppressing:
                statement = next(
                    (s for s in suppressing if s.applies(vuln.ids, component.name, version)),
                    None,
                )
            if statement is not None:
                detail = f"{statement.status}: {statement.justification}".rstrip(": ")
                suppressed.append(Suppressed(vuln, component, "vex", detail))
                continue
            kept.append(vuln)
            kept_groups.extend(group)
        kept.sort(key=lambda v: (-v.effective_severity, _id_rank(v.id)))
        fix = None
        if kept and not any(v.malicious for v in kept):
            if len(kept) == 1:  # the same question its finding already answered
                fix = kept[0].fix_versions[0] if kept[0].fix_versions else None
            else:
                fix = package.first_fix(kept_groups, version)
        results.append(DependencyResult(component, tuple(kept), fix))

    return AuditResult(
        dependencies=tuple(results),
        skipped=tuple(skipped),
        suppressed=tuple(suppressed),
        warnings=tuple(warnings),
        expired_ignores=expired,
        database=store.metadata(),
    )


__all__ = [
    "UNRATED_SEVERITY",
    "AuditResult",
    "DependencyResult",
    "Suppressed",
    "Vulnerability",
    "audit",
    "data_age_days",
    "fold",
]
