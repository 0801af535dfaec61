"""The monitor's write side: storing uploads and re-evaluating after advisory updates.

:class:`Monitor` ties the monitoring database, the advisory database and the webhook
outbox together. Every change of findings is committed together with the outbox rows
that announce it, so nothing is lost or announced twice when the process dies.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, delete, func, insert, select, update

from chainward.monitor import notify, policy, schema, suppress
from chainward.monitor.db import Database, inserted_id
from chainward.monitor.errors import UploadError
from chainward.monitor.evaluate import Outcome, chunks, reconcile
from chainward.monitor.ingest import parse_upload
from chainward.monitor.matching import Matcher
from chainward.monitor.timeutil import now
from chainward.records import Inventory, Severity

log = logging.getLogger("chainward.monitor")

WATERMARK = "advisory_watermark"
MAX_NAME = 200


def check_label(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise UploadError(f"the {what} must not be empty")
    if len(value) > MAX_NAME:
        raise UploadError(f"the {what} is longer than {MAX_NAME} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise UploadError(f"the {what} contains control characters")
    return value


@dataclass
class SyncResult:
    source: str
    imported: dict[str, int] = field(default_factory=dict)
    changed_packages: int = 0
    versions_evaluated: int = 0
    new_findings: int = 0
    fixed_findings: int = 0
    notifications: int = 0
    full: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "imported": self.imported,
            "changed_packages": self.changed_packages,
            "versions_evaluated": self.versions_evaluated,
            "new_findings": self.new_findings,
            "fixed_findings": self.fixed_findings,
            "notifications": self.notifications,
            "full": self.full,
        }


class Monitor:
    """The monitoring service (everything but HTTP)."""

    def __init__(self, db: Database, advisory_path: Path | None = None) -> None:
        self.db = db
        self.advisory_path = advisory_path
        self._store: Any = None
        self._store_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._matcher: Matcher | None = None
        self.deliverer: notify.Deliverer | None = None

    # -- the advisory database -----------------------------------------------------------

    def advisories(self) -> Any:
        """The advisory store (opened on first use; the bundled snapshot if it is new)."""
        with self._store_lock:
            if self._store is None:
                from chainward.vulndb import open_store

                self._store = open_store(self.advisory_path)
                self._matcher = Matcher(self._store)
            return self._store

    @property
    def matcher(self) -> Matcher:
        self.advisories()
        assert self._matcher is not None
        return self._matcher

    def close(self) -> None:
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def _wake(self) -> None:
        if self.deliverer is not None:
            self.deliverer.wake()

    # -- uploads -------------------------------------------------------------------------

    def upload(self, project: str, version: str, body: bytes) -> dict[str, Any]:
        """Store an SBOM or inventory as ``project``/``version`` and evaluate it."""
        project = check_label(project, "project name")
        version = check_label(version, "project version")
        parsed = parse_upload(body)
        return self.store_inventory(
            project,
            version,
            parsed.inventory,
            parsed.source_format,
            hashlib.sha256(body).hexdigest(),
        )

    def store_inventory(
        self, project: str, version: str, inventory: Inventory, source_format: str, sha256: str
    ) -> dict[str, Any]:
        keys = {(c.ecosystem, c.name, c.version) for c in inventory.components if c.version}
        self.matcher.match(keys)  # warm the cache outside the write lock
        at = now()
        with self.db.write() as conn:
            project_id = self._project_id(conn, project, at)
            version_id, previous_models = self._version(
                conn, project_id, version, inventory, source_format, sha256, at
            )
            added = self._replace_components(conn, version_id, inventory)
            self._replace_models(conn, version_id, inventory)
            outcome = reconcile(conn, self.matcher, at, version_ids=[version_id])
            rules = policy.load(conn)
            violations: list[dict[str, Any]] = []
            for name in sorted(added & set(rules.deny_packages)):
                violations.append(
                    {"rule": "deny_package", "message": f"{name} is on the deny list"}
                )
            if rules.model_drift:
                violations.extend(_model_drift(previous_models, inventory))
            notified = self._announce(
                conn, outcome, at, rules, {version_id: violations} if violations else None
            )
            counts = _open_counts(conn, [version_id])
        self._wake()
        return {
            "project": project,
            "version": version,
            "format": source_format,
            "components": len(keys),
            "models": len(inventory.models),
            "skipped": len(inventory.skipped),
            "new_findings": len(outcome.new),
            "fixed_findings": len(outcome.fixed),
            "policy_violations": len(violations),
            "notifications": notified,
            "open_findings": counts,
        }

    def _project_id(self, conn: Connection, name: str, at: datetime) -> int:
        table = schema.projects
        row = conn.execute(select(table.c.id).where(table.c.name == name)).first()
        if row is not None:
            conn.execute(update(table).where(table.c.id == row.id).values(updated_at=at))
            return int(row.id)
        result = conn.execute(insert(table).values(name=name, created_at=at, updated_at=at))
        return inserted_id(result)

    def _version(
        self,
        conn: Connection,
        project_id: int,
        version: str,
        inventory: Inventory,
        source_format: str,
        sha256: str,
        at: datetime,
    ) -> tuple[int, dict[str, str | None]]:
        v, m = schema.project_versions, schema.model_artifacts
        # The models of the project's most recent upload, to notice a changed model file.
        latest = conn.execute(
            select(v.c.id)
            .where(v.c.project_id == project_id)
            .order_by(v.c.updated_at.desc())
            .limit(1)
        ).first()
        previous: dict[str, str | None] = {}
        if latest is not None:
            previous = {
                r.path: r.sha256
                for r in conn.execute(
                    select(m.c.path, m.c.sha256).where(m.c.version_id == latest.id)
                )
            }
        values = {
            "updated_at": at,
            "source_format": source_format,
            "sha256": sha256,
            "component_count": len({c.key() for c in inventory.components if c.version}),
            "model_count": len(inventory.models),
            "skipped": [{"entry": s.entry, "reason": s.reason} for s in inventory.skipped][:1000],
        }
        row = conn.execute(
            select(v.c.id).where(v.c.project_id == project_id, v.c.version == version)
        ).first()
        if row is not None:
            conn.execute(update(v).where(v.c.id == row.id).values(**values))
            return int(row.id), previous
        result = conn.execute(
            insert(v).values(project_id=project_id, version=version, created_at=at, **values)
        )
        return inserted_id(result), previous

    def _replace_components(
        self, conn: Connection, version_id: int, inventory: Inventory
    ) -> set[str]:
        """Link the version to its packages; returns names that were not linked before."""
        p, vc = schema.packages, schema.version_components
        wanted: dict[tuple[str, str, str], tuple[str, str]] = {}
        for c in inventory.components:
            if c.version is None:
                continue
            wanted.setdefault((c.ecosystem, c.name, c.version), (c.purl, c.scope.value))
        ids = package_ids(conn, {k: purl for k, (purl, _) in wanted.items()})
        before = {
            r.name
            for r in conn.execute(
                select(p.c.name)
                .join(vc, vc.c.package_id == p.c.id)
                .where(vc.c.version_id == version_id)
            )
        }
        conn.execute(delete(vc).where(vc.c.version_id == version_id))
        rows = [
            {"version_id": version_id, "package_id": ids[k], "scope": scope}
            for k, (_, scope) in wanted.items()
        ]
        if rows:
            conn.execute(insert(vc), rows)
        return {k[1] for k in wanted} - before

    def _replace_models(self, conn: Connection, version_id: int, inventory: Inventory) -> None:
        m = schema.model_artifacts
        conn.execute(delete(m).where(m.c.version_id == version_id))
        rows = [
            {
                "version_id": version_id,
                "path": a.path[:2000],
                "format": a.format[:50],
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in inventory.models
        ]
        if rows:
            conn.execute(insert(m), rows)

    def _announce(
        self,
        conn: Connection,
        outcome: Outcome,
        at: datetime,
        rules: policy.Policy,
        violations: dict[int, list[dict[str, Any]]] | None = None,
    ) -> int:
        if not outcome.changes and not violations:
            return 0
        suppressed = self._suppressed(conn, outcome, at)
        events = notify.build_events(
            conn,
            outcome.changes,
            at,
            suppressed=suppressed,
            threshold=rules.threshold,
            violations=violations,
        )
        return notify.enqueue(conn, events, at)

    def _suppressed(self, conn: Connection, outcome: Outcome, at: datetime) -> set[int]:
        new = outcome.new
        if not new:
            return set()
        f, p, v = schema.findings, schema.packages, schema.project_versions
        rows: list[Any] = []
        for part in chunks([c.finding_id for c in new]):
            rows.extend(
                conn.execute(
                    select(
                        f.c.id, f.c.advisory_id, f.c.aliases, p.c.name, p.c.version, v.c.project_id
                    )
                    .join(p, p.c.id == f.c.package_id)
                    .join(v, v.c.id == f.c.version_id)
                    .where(f.c.id.in_(part))
                )
            )
        decisions = suppress.load(conn, {r.project_id for r in rows})
        if not decisions:
            return set()
        return {
            r.id
            for r in rows
            if (
                s := suppress.matching(
                    decisions, r.project_id, [r.advisory_id, *r.aliases], r.name, r.version, at
                )
            )
            is not None
            and s.state.suppresses
        }

    # -- advisory updates ----------------------------------------------------------------

    def sync(
        self, *, path: Path | None = None, url: str | None = None, label: str | None = None
    ) -> SyncResult:
        """Import advisory data (if given) and re-evaluate what it touched."""
        with self._sync_lock:
            store = self.advisories()
            source = label or (str(path) if path else url or "local advisory database")
            imported: dict[str, int] = {}
            if url is not None:
                imported = self._update(store, url)
            elif path is not None:
                imported = self._import(store, path, source)
            result = self._reevaluate(store, source)
            result.imported = imported
            return result

    def _import(self, store: Any, path: Path, source: str) -> dict[str, int]:
        from chainward.vulndb import import_path

        try:
            stats = import_path(store, path, label=source)
        except UploadError:
            raise
        except (ValueError, OSError) as exc:
            raise UploadError(f"cannot import advisory data: {exc}") from None
        self.matcher.invalidate()
        return {
            "seen": stats.seen,
            "added": stats.added,
            "modified": stats.modified,
            "unchanged": stats.unchanged,
            "skipped": stats.skipped,
        }

    def _update(self, store: Any, url: str) -> dict[str, int]:
        from chainward.vulndb.sync import update

        if httpx.URL(url).scheme not in ("http", "https"):
            raise UploadError(f"an advisory URL must be http(s): {url!r}")
        result = update(store, url)
        self.matcher.invalidate()
        stats = result.stats
        if stats is None:
            return {"seen": 0, "added": 0, "modified": 0, "unchanged": 0, "skipped": 0}
        return {
            "seen": stats.seen,
            "added": stats.added,
            "modified": stats.modified,
            "unchanged": stats.unchanged,
            "skipped": stats.skipped,
        }

    def catch_up(self) -> SyncResult:
        """Re-evaluate whatever changed in the advisory database since the last run."""
        with self._sync_lock:
            return self._reevaluate(self.advisories(), "startup catch-up")

    def _reevaluate(self, store: Any, source: str) -> SyncResult:
        result = SyncResult(source=source)
        started = now()
        imports = store.imports()
        identity = {"path": str(store.path), "first": imports[0]["at"] if imports else None}
        last = store.last_import_id()
        with self.db.read() as conn:
            row = conn.execute(
                select(schema.settings.c.value).where(schema.settings.c.key == WATERMARK)
            ).first()
            mark = row.value if row is not None else None
            in_use = {r.name for r in conn.execute(select(schema.packages.c.name).distinct())}
        if mark is None or {k: mark.get(k) for k in identity} != identity:
            # Everything that could have a finding now, or had one before.
            with self.db.read() as conn:
                flagged = {
                    r.name
                    for r in conn.execute(
                        select(schema.packages.c.name)
                        .distinct()
                        .join(schema.findings, schema.findings.c.package_id == schema.packages.c.id)
                    )
                }
            named = self.matcher.advisory_names()
            names = in_use if named is None else (in_use & named) | flagged
            result.full = True
        else:
            names = store.changed_packages(int(mark.get("import_id", 0))) & in_use
        result.changed_packages = len(names)
        ordered = sorted(names)
        with self.db.write() as conn:
            run_id = inserted_id(
                conn.execute(
                    insert(schema.sync_runs).values(started_at=started, source=source[:2000])
                )
            )
        evaluated: set[int] = set()
        for batch in chunks(ordered, _name_batch()):
            at = now()
            with self.db.write() as conn:
                outcome = reconcile(conn, self.matcher, at, names=batch)
                evaluated |= outcome.versions
                result.versions_evaluated = len(evaluated)
                result.new_findings += len(outcome.new)
                result.fixed_findings += len(outcome.fixed)
                result.notifications += self._announce(conn, outcome, at, policy.load(conn))
            self._wake()
        with self.db.write() as conn:
            settings = schema.settings
            conn.execute(delete(settings).where(settings.c.key == WATERMARK))
            conn.execute(
                insert(settings).values(key=WATERMARK, value={**identity, "import_id": last})
            )
            conn.execute(
                update(schema.sync_runs)
                .where(schema.sync_runs.c.id == run_id)
                .values(
                    finished_at=now(),
                    changed_advisories=result.changed_packages,
                    versions_evaluated=result.versions_evaluated,
                    new_findings=result.new_findings,
                    fixed_findings=result.fixed_findings,
                )
            )
        return result


def _name_batch() -> int:
    # Package names re-evaluated per transaction (smaller: shorter write locks).
    try:
        return max(1, int(os.environ.get("CHAINWARD_MONITOR_BATCH", "200")))
    except ValueError:
        return 200


def package_ids(
    conn: Connection, wanted: dict[tuple[str, str, str], str]
) -> dict[tuple[str, str, str], int]:
    """Ids of packages (ecosystem, name, version), inserting the missing ones."""
    p = schema.packages
    ids: dict[tuple[str, str, str], int] = {}
    names = sorted({k[1] for k in wanted})
    for part in chunks(names):
        for r in conn.execute(
            select(p.c.id, p.c.ecosystem, p.c.name, p.c.version).where(p.c.name.in_(part))
        ):
            key = (r.ecosystem, r.name, r.version)
            if key in wanted:
                ids[key] = r.id
    missing = [k for k in wanted if k not in ids]
    if missing:
        created = conn.execute(
            insert(p).returning(
                p.c.id, p.c.ecosystem, p.c.name, p.c.version, sort_by_parameter_order=True
            ),
            [
                {
                    "ecosystem": e,
                    "name": n,
                    "version": v,
                    "purl": wanted[(e, n, v)] or f"pkg:{e.lower()}/{n}@{v}",
                }
                for e, n, v in missing
            ],
        ).all()
        ids.update({(r.ecosystem, r.name, r.version): r.id for r in created})
    return ids


def _model_drift(previous: dict[str, str | None], inventory: Inventory) -> list[dict[str, Any]]:
    out = []
    for model in inventory.models:
        old = previous.get(model.path)
        if old and model.sha256 and old != model.sha256:
            out.append(
                {
                    "rule": "model_drift",
                    "message": f"{model.path}: sha256 changed from {old[:12]}… to {model.sha256[:12]}…",
                    "path": model.path,
                    "previous_sha256": old,
                    "sha256": model.sha256,
                }
            )
    return out


def _open_counts(conn: Connection, version_ids: Sequence[int]) -> dict[str, int]:
    f = schema.findings
    counts = dict.fromkeys(("critical", "high", "medium", "low", "unknown"), 0)
    rows = conn.execute(
        select(f.c.severity, func.count())
        .where(f.c.version_id.in_(list(version_ids)), f.c.fixed_at.is_(None))
        .group_by(f.c.severity)
    )
    for severity, count in rows:
        counts["unknown" if severity == 0 else Severity(severity).label] = int(count)
    return counts


__all__ = ["Monitor", "SyncResult", "check_label", "package_ids"]
