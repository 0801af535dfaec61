"""The monitor's read side: portfolio, projects, findings, search, trends (plain dicts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from sqlalchemy import Connection, Select, String, cast, func, or_, select

from chainward.monitor import schema, suppress
from chainward.monitor.errors import NotFoundError, UploadError
from chainward.monitor.evaluate import chunks
from chainward.monitor.timeutil import iso, now, utc
from chainward.records import Severity, canonical_name

SEVERITIES = ("critical", "high", "medium", "low", "unknown")


def sev_label(value: int) -> str:
    """Severity label as ``chainward audit`` prints it (unrated is "unknown")."""
    return "unknown" if value == 0 else Severity(value).label


def _zero() -> dict[str, int]:
    return dict.fromkeys(SEVERITIES, 0)


def project_row(conn: Connection, name: str) -> Any:
    row = conn.execute(select(schema.projects).where(schema.projects.c.name == name)).first()
    if row is None:
        raise NotFoundError(f"no project named {name!r}")
    return row


def version_row(conn: Connection, project_id: int, version: str | None) -> Any:
    v = schema.project_versions
    query = select(v).where(v.c.project_id == project_id)
    if version is None:
        query = query.order_by(v.c.updated_at.desc(), v.c.id.desc()).limit(1)
    else:
        query = query.where(v.c.version == version)
    row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(
            "the project has no uploads" if version is None else f"no version {version!r}"
        )
    return row


def finding_select() -> Select[Any]:
    """Findings joined with their package and project version (shared by the API and the
    notification builder)."""
    f, p, v, pr = schema.findings, schema.packages, schema.project_versions, schema.projects
    return (
        select(
            f.c.id,
            f.c.advisory_id,
            f.c.aliases,
            f.c.severity,
            f.c.summary,
            f.c.fix_versions,
            f.c.first_seen,
            f.c.fixed_at,
            p.c.name,
            p.c.version,
            v.c.id.label("version_id"),
            v.c.version.label("project_version"),
            pr.c.id.label("project_id"),
            pr.c.name.label("project"),
        )
        .join(p, p.c.id == f.c.package_id)
        .join(v, v.c.id == f.c.version_id)
        .join(pr, pr.c.id == v.c.project_id)
    )


def _finding_rows(conn: Connection, where: Sequence[Any], *, include_fixed: bool) -> list[Any]:
    query = finding_select().where(*where)
    if not include_fixed:
        query = query.where(schema.findings.c.fixed_at.is_(None))
    return list(conn.execute(query))


def _decorate(conn: Connection, rows: Sequence[Any], at: datetime) -> list[dict[str, Any]]:
    decisions = suppress.load(conn, {r.project_id for r in rows}) if rows else []
    out = []
    for r in rows:
        decision = (
            suppress.matching(
                decisions, r.project_id, [r.advisory_id, *r.aliases], r.name, r.version, at
            )
            if decisions
            else None
        )
        out.append(
            {
                "finding": r.id,
                "id": r.advisory_id,
                "aliases": list(r.aliases),
                "package": r.name,
                "version": r.version,
                "severity": sev_label(r.severity),
                "summary": r.summary,
                "fix_versions": list(r.fix_versions),
                "first_seen": iso(r.first_seen),
                "fixed_at": iso(r.fixed_at),
                "state": "fixed" if r.fixed_at is not None else "open",
                "project": r.project,
                "project_version": r.project_version,
                "analysis": None
                if decision is None
                else {
                    "state": decision.state.value,
                    "justification": decision.justification,
                    "expires_at": iso(decision.expires_at),
                    "suppression": decision.id,
                },
                "suppressed": bool(decision and decision.state.suppresses),
            }
        )
    out.sort(
        key=lambda d: (d["state"] != "open", -Severity.parse(d["severity"]), d["package"], d["id"])
    )
    return out


def findings(
    conn: Connection,
    project: str,
    version: str | None = None,
    *,
    include_fixed: bool = False,
    include_suppressed: bool = True,
) -> dict[str, Any]:
    prow = project_row(conn, project)
    vrow = version_row(conn, prow.id, version)
    rows = _finding_rows(
        conn, [schema.findings.c.version_id == vrow.id], include_fixed=include_fixed
    )
    items = _decorate(conn, rows, now())
    if not include_suppressed:
        items = [i for i in items if not i["suppressed"]]
    return {"project": prow.name, "version": vrow.version, "findings": items}


def history(conn: Connection, finding_id: int) -> list[dict[str, Any]]:
    e = schema.finding_events
    rows = conn.execute(
        select(e.c.kind, e.c.at).where(e.c.finding_id == finding_id).order_by(e.c.id)
    )
    return [{"event": r.kind, "at": iso(r.at)} for r in rows]


def severity_counts(items: Sequence[dict[str, Any]]) -> dict[str, int]:
    counts = _zero()
    for item in items:
        if item["state"] == "open" and not item["suppressed"]:
            counts[item["severity"]] += 1
    return counts


def status_document(conn: Connection, project: str, version: str | None = None) -> dict[str, Any]:
    """The project's current findings in the ``chainward audit`` JSON shape."""
    prow = project_row(conn, project)
    vrow = version_row(conn, prow.id, version)
    vc, p = schema.version_components, schema.packages
    components = conn.execute(
        select(p.c.name, p.c.version, vc.c.scope)
        .join(vc, vc.c.package_id == p.c.id)
        .where(vc.c.version_id == vrow.id)
        .order_by(p.c.name, p.c.version)
    ).all()
    rows = _finding_rows(conn, [schema.findings.c.version_id == vrow.id], include_fixed=False)
    items = [i for i in _decorate(conn, rows, now()) if not i["suppressed"]]
    by_package: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_package[(item["package"], item["version"])].append(
            {
                "id": item["id"],
                "aliases": item["aliases"],
                "fix_versions": item["fix_versions"],
                "severity": item["severity"],
                "summary": item["summary"],
            }
        )
    dependencies = [
        {
            "name": c.name,
            "version": c.version,
            "scope": c.scope,
            "vulns": sorted(by_package.get((c.name, c.version), []), key=lambda x: x["id"]),
        }
        for c in components
    ]
    hidden = [i for i in _decorate(conn, rows, now()) if i["suppressed"]]
    vulnerable = [d for d in dependencies if d["vulns"]]
    malicious = sorted(
        {
            f"{d['name']}=={d['version']}"
            for d in dependencies
            for v in d["vulns"]
            if v["id"].startswith("MAL-")
        }
    )
    return {
        "dependencies": dependencies,
        "summary": {
            "dependencies": len(dependencies),
            "vulnerable_dependencies": len(vulnerable),
            "vulnerabilities": sum(1 for i in items if not i["id"].startswith("MAL-")),
            "malicious": malicious,
            "fixable": sum(1 for d in vulnerable if any(v["fix_versions"] for v in d["vulns"])),
            "by_severity": severity_counts(items),
            "skipped": list(vrow.skipped or []),
            "suppressed": [
                {
                    "id": i["id"],
                    "name": i["package"],
                    "version": i["version"],
                    "by": "monitor",
                    "detail": f"{i['analysis']['state']}: {i['analysis']['justification']}",
                }
                for i in hidden
            ],
            "expired_ignores": [],
            "database": None,
            "project": prow.name,
            "version": vrow.version,
            "evaluated_at": iso(utc(vrow.updated_at)),
        },
    }


def projects(conn: Connection) -> list[dict[str, Any]]:
    pr, v, f = schema.projects, schema.project_versions, schema.findings
    counts: dict[int, dict[str, int]] = defaultdict(_zero)
    rows = conn.execute(
        select(v.c.project_id, f.c.severity, func.count())
        .join(v, v.c.id == f.c.version_id)
        .where(f.c.fixed_at.is_(None))
        .group_by(v.c.project_id, f.c.severity)
    )
    for project_id, severity, count in rows:
        counts[project_id][sev_label(severity)] += int(count)
    versions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(
        select(v.c.project_id, v.c.version, v.c.updated_at, v.c.component_count).order_by(
            v.c.updated_at.desc()
        )
    ):
        versions[r.project_id].append(
            {"version": r.version, "updated_at": iso(r.updated_at), "components": r.component_count}
        )
    out = []
    for r in conn.execute(select(pr).order_by(pr.c.name)):
        out.append(
            {
                "name": r.name,
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
                "versions": versions.get(r.id, []),
                "open_findings": counts.get(r.id, _zero()),
            }
        )
    return out


def project_detail(conn: Connection, name: str) -> dict[str, Any]:
    prow = project_row(conn, name)
    v = schema.project_versions
    versions = [
        {
            "version": r.version,
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
            "format": r.source_format,
            "sha256": r.sha256,
            "components": r.component_count,
            "models": r.model_count,
            "skipped": r.skipped,
        }
        for r in conn.execute(
            select(v)
            .where(v.c.project_id == prow.id)
            .order_by(v.c.updated_at.desc(), v.c.id.desc())
        )
    ]
    return {
        "name": prow.name,
        "created_at": iso(prow.created_at),
        "updated_at": iso(prow.updated_at),
        "versions": versions,
    }


def components(conn: Connection, version_id: int) -> list[dict[str, Any]]:
    vc, p = schema.version_components, schema.packages
    return [
        {
            "name": r.name,
            "version": r.version,
            "ecosystem": r.ecosystem,
            "purl": r.purl,
            "scope": r.scope,
        }
        for r in conn.execute(
            select(p.c.name, p.c.version, p.c.ecosystem, p.c.purl, vc.c.scope)
            .join(vc, vc.c.package_id == p.c.id)
            .where(vc.c.version_id == version_id)
            .order_by(p.c.name)
        )
    ]


def models(
    conn: Connection, version_id: int | None = None, sha256: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    m, v, pr = schema.model_artifacts, schema.project_versions, schema.projects
    query = (
        select(m.c.path, m.c.format, m.c.size, m.c.sha256, v.c.version, pr.c.name)
        .join(v, v.c.id == m.c.version_id)
        .join(pr, pr.c.id == v.c.project_id)
    )
    if version_id is not None:
        query = query.where(m.c.version_id == version_id)
    if sha256:
        text = sha256.strip().lower().removeprefix("sha256:")
        if len(text) != 64 or any(ch not in "0123456789abcdef" for ch in text):
            raise UploadError("a model hash is 64 hex digits (sha256)")
        query = query.where(m.c.sha256 == text)
    query = query.order_by(pr.c.name, v.c.version, m.c.path).limit(limit)
    return [
        {
            "path": r.path,
            "format": r.format,
            "size": r.size,
            "sha256": r.sha256,
            "project": r.name,
            "project_version": r.version,
        }
        for r in conn.execute(query)
    ]


def search_components(
    conn: Connection, name: str, specifier: str = "", limit: int = 5000
) -> dict[str, Any]:
    """Which project versions use package ``name`` at versions matching ``specifier``."""
    if not name.strip():
        raise UploadError("give a package name to search for")
    try:
        spec = SpecifierSet(specifier.strip()) if specifier.strip() else None
    except InvalidSpecifier:
        raise UploadError(f"not a PEP 440 version specifier: {specifier!r}") from None
    p, vc, v, pr = (
        schema.packages,
        schema.version_components,
        schema.project_versions,
        schema.projects,
    )
    wanted = canonical_name(name)
    package_rows = conn.execute(select(p.c.id, p.c.version).where(p.c.name == wanted)).all()
    ids = []
    for row in package_rows:
        if spec is None:
            ids.append(row.id)
            continue
        try:
            if spec.contains(Version(row.version), prereleases=True):
                ids.append(row.id)
        except InvalidVersion:
            continue
    matches: list[dict[str, Any]] = []
    for part in chunks(ids):
        for r in conn.execute(
            select(pr.c.name, v.c.version.label("project_version"), p.c.version, vc.c.scope)
            .join(v, v.c.id == vc.c.version_id)
            .join(pr, pr.c.id == v.c.project_id)
            .join(p, p.c.id == vc.c.package_id)
            .where(vc.c.package_id.in_(part))
        ):
            matches.append(
                {
                    "project": r.name,
                    "project_version": r.project_version,
                    "package": wanted,
                    "version": r.version,
                    "scope": r.scope,
                }
            )
    matches.sort(key=lambda d: (d["project"], d["project_version"]))
    return {
        "package": wanted,
        "specifier": str(spec) if spec else "",
        "projects": len({m["project"] for m in matches}),
        "matches": matches[:limit],
        "truncated": len(matches) > limit,
    }


def vulnerability(conn: Connection, advisory_id: str, store: Any = None) -> dict[str, Any]:
    """Who is affected by an advisory (by its id or any alias)."""
    f = schema.findings
    ident = advisory_id.strip()
    if not ident or len(ident) > 100:
        raise UploadError("give an advisory id")
    pattern = "%" + ident.replace("%", "").replace("_", "\\_").replace('"', "") + "%"
    rows = _finding_rows(
        conn,
        [or_(f.c.advisory_id == ident, cast(f.c.aliases, String).like(pattern, escape="\\"))],
        include_fixed=True,
    )
    rows = [r for r in rows if r.advisory_id == ident or ident in r.aliases]
    items = _decorate(conn, rows, now())
    record = store.record(ident) if store is not None else None
    if record is None and items and store is not None:
        record = store.record(items[0]["id"])
    if not items and record is None:
        raise NotFoundError(f"no advisory {ident!r} is known or affects any project")
    return {
        "id": items[0]["id"] if items else ident,
        "aliases": items[0]["aliases"] if items else list((record or {}).get("aliases", [])),
        "summary": (record or {}).get("summary") or (items[0]["summary"] if items else ""),
        "details": (record or {}).get("details", ""),
        "published": (record or {}).get("published"),
        "modified": (record or {}).get("modified"),
        "references": [
            r.get("url")
            for r in (record or {}).get("references", [])
            if isinstance(r, dict) and r.get("url")
        ][:50],
        "affected": items,
        "open": sum(1 for i in items if i["state"] == "open"),
    }


def portfolio(conn: Connection) -> dict[str, Any]:
    pr, v, f, p, vc, m = (
        schema.projects,
        schema.project_versions,
        schema.findings,
        schema.packages,
        schema.version_components,
        schema.model_artifacts,
    )

    def count(query: Any) -> int:
        return int(conn.execute(query).scalar() or 0)

    open_rows = None
    has_suppressions = count(select(func.count()).select_from(schema.suppressions)) > 0
    counts = _zero()
    suppressed = 0
    if has_suppressions:
        open_rows = _decorate(conn, _finding_rows(conn, [], include_fixed=False), now())
        counts = severity_counts(open_rows)
        suppressed = sum(1 for i in open_rows if i["suppressed"])
        affected = len({i["project"] for i in open_rows if not i["suppressed"]})
    else:
        for severity, n in conn.execute(
            select(f.c.severity, func.count()).where(f.c.fixed_at.is_(None)).group_by(f.c.severity)
        ):
            counts[sev_label(severity)] = int(n)
        affected = count(
            select(func.count(func.distinct(v.c.project_id)))
            .select_from(f.join(v, v.c.id == f.c.version_id))
            .where(f.c.fixed_at.is_(None))
        )
    last_sync = conn.execute(
        select(schema.sync_runs).order_by(schema.sync_runs.c.id.desc()).limit(1)
    ).first()
    return {
        "projects": count(select(func.count()).select_from(pr)),
        "versions": count(select(func.count()).select_from(v)),
        "packages": count(select(func.count()).select_from(p)),
        "component_links": count(select(func.count()).select_from(vc)),
        "models": count(select(func.count()).select_from(m)),
        "open_findings": counts,
        "open_total": sum(counts.values()),
        "suppressed": suppressed,
        "affected_projects": affected,
        "fixed_findings": count(
            select(func.count()).select_from(f).where(f.c.fixed_at.isnot(None))
        ),
        "last_sync": None
        if last_sync is None
        else {
            "started_at": iso(last_sync.started_at),
            "finished_at": iso(last_sync.finished_at),
            "source": last_sync.source,
            "new_findings": last_sync.new_findings,
            "fixed_findings": last_sync.fixed_findings,
            "versions_evaluated": last_sync.versions_evaluated,
        },
    }


def trend(conn: Connection, days: int = 30, project: str | None = None) -> list[dict[str, Any]]:
    """Open findings per severity at the end of each of the last ``days`` days."""
    f, v = schema.findings, schema.project_versions
    query = select(f.c.severity, f.c.first_seen, f.c.fixed_at)
    if project is not None:
        prow = project_row(conn, project)
        query = query.join(v, v.c.id == f.c.version_id).where(v.c.project_id == prow.id)
    today = now().replace(hour=0, minute=0, second=0, microsecond=0)
    ends = [today - timedelta(days=days - 1 - i) + timedelta(days=1) for i in range(days)]
    # Bucket openings and closings by day, then take running sums.
    opened: dict[int, list[int]] = defaultdict(lambda: [0] * 5)
    closed: dict[int, list[int]] = defaultdict(lambda: [0] * 5)
    base = ends[0] - timedelta(days=1)
    before = [0] * 5
    for severity, first_seen, fixed_at in conn.execute(query):
        start = utc(first_seen)
        assert start is not None
        day = max(-1, (start - base).days)
        if day < 0:
            before[severity] += 1
        else:
            opened[day][severity] += 1
        end = utc(fixed_at)
        if end is not None:
            fixed_day = (end - base).days
            if fixed_day < 0:
                before[severity] -= 1
            else:
                closed[fixed_day][severity] += 1
    series = []
    running = before[:]
    for index, end in enumerate(ends):
        for s in range(5):
            running[s] += opened[index][s] - closed[index][s]
        series.append(
            {
                "date": (end - timedelta(days=1)).date().isoformat(),
                **{sev_label(s): running[s] for s in range(5)},
            }
        )
    return series


__all__ = [
    "components",
    "findings",
    "history",
    "models",
    "portfolio",
    "project_detail",
    "project_row",
    "projects",
    "search_components",
    "status_document",
    "trend",
    "version_row",
    "vulnerability",
]
