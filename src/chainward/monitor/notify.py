"""Webhook notifications through a persistent outbox.

Events are written to ``outbox`` in the same transaction as the findings they report,
so a crash loses neither; a background :class:`Deliverer` posts them, signed with
HMAC-SHA256, and retries with exponential backoff until the receiver answers 2xx.
Each delivery carries its outbox id (``X-Chainward-Delivery``) so a receiver can drop
the rare repeat after a crash between its answer and our commit.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import ssl
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from chainward import __version__
from chainward.monitor import schema
from chainward.monitor.db import Database, inserted_id
from chainward.monitor.errors import UploadError
from chainward.monitor.evaluate import Change, chunks
from chainward.monitor.queries import finding_select
from chainward.monitor.timeutil import iso, now
from chainward.records import Severity


def sev_label(value: int) -> str:
    return "unknown" if value == 0 else Severity(value).label


log = logging.getLogger("chainward.monitor")

EVENTS = ("new_finding", "fixed_finding", "policy_violation")
FORMATS = ("json", "slack")
SIGNATURE_HEADER = "X-Chainward-Signature-256"


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact request body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header)


# -- webhooks ------------------------------------------------------------------------------


def check_webhook(url: str, fmt: str, events: Sequence[str]) -> None:
    parsed = urlsplit(url) if url else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UploadError(f"a webhook URL must be http(s)://HOST/...: {url!r}")
    if fmt not in FORMATS:
        raise UploadError(f"unknown webhook format {fmt!r} (expected json or slack)")
    unknown = set(events) - set(EVENTS)
    if unknown or not events:
        raise UploadError(f"webhook events must be among: {', '.join(EVENTS)}")


def add_webhook(
    conn: Connection,
    url: str,
    secret: str | None,
    fmt: str = "json",
    events: Sequence[str] = EVENTS,
) -> int:
    check_webhook(url, fmt, events)
    result = conn.execute(
        insert(schema.webhooks).values(
            url=url,
            secret=secret or None,
            format=fmt,
            events=list(events),
            enabled=True,
            created_at=now(),
        )
    )
    return inserted_id(result)


# -- building events -----------------------------------------------------------------------


def _finding_details(conn: Connection, finding_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    query = finding_select()
    details: dict[int, dict[str, Any]] = {}
    for part in chunks(list(finding_ids)):
        for row in conn.execute(query.where(schema.findings.c.id.in_(part))):
            details[row.id] = {
                "id": row.advisory_id,
                "aliases": list(row.aliases),
                "package": row.name,
                "version": row.version,
                "severity": sev_label(row.severity),
                "summary": row.summary,
                "fix_versions": list(row.fix_versions),
                "first_seen": iso(row.first_seen),
                "fixed_at": iso(row.fixed_at),
                "_project": row.project,
                "_project_id": row.project_id,
                "_project_version": row.project_version,
                "_version_id": row.version_id,
            }
    return details


@dataclass(frozen=True)
class Event:
    kind: str
    key: str
    payload: dict[str, Any]


def _public(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if not k.startswith("_")}


def build_events(
    conn: Connection,
    changes: Iterable[Change],
    at: datetime,
    *,
    suppressed: set[int] = frozenset(),  # type: ignore[assignment]
    threshold: Severity = Severity.HIGH,
    violations: dict[int, list[dict[str, Any]]] | None = None,
) -> list[Event]:
    """One event per project version and kind, listing its findings."""
    changes = [c for c in changes if c.finding_id not in suppressed]
    details = _finding_details(conn, [c.finding_id for c in changes])
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for change in changes:
        kind = "fixed_finding" if change.kind == "fixed" else "new_finding"
        grouped.setdefault((kind, change.version_id), []).append(details[change.finding_id])
    extra = {vid: list(items) for vid, items in (violations or {}).items()}
    for (kind, vid), items in grouped.items():
        if kind != "new_finding":
            continue
        for item in items:
            if Severity.parse(item["severity"]) >= threshold:
                extra.setdefault(vid, []).append(
                    {
                        "rule": f"severity>={threshold.label}",
                        "message": f"{item['package']} {item['version']}: {item['id']} "
                        f"({item['severity']})",
                        "finding": _public(item),
                    }
                )
    projects = _project_names(conn, {vid for _, vid in grouped} | set(extra))
    stamp = iso(at)
    events: list[Event] = []
    for (kind, vid), items in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        items.sort(key=lambda d: (-Severity.parse(d["severity"]), d["package"], d["id"]))
        events.append(
            _event(kind, vid, projects[vid], stamp, {"findings": [_public(i) for i in items]})
        )
    for vid, items in sorted(extra.items()):
        if items:
            events.append(
                _event("policy_violation", vid, projects[vid], stamp, {"violations": items})
            )
    return events


def _project_names(conn: Connection, version_ids: set[int]) -> dict[int, tuple[str, str]]:
    v, pr = schema.project_versions, schema.projects
    names: dict[int, tuple[str, str]] = {}
    for part in chunks(sorted(version_ids)):
        rows = conn.execute(
            select(v.c.id, v.c.version, pr.c.name)
            .join(pr, pr.c.id == v.c.project_id)
            .where(v.c.id.in_(part))
        )
        names.update({r.id: (r.name, r.version) for r in rows})
    return names


def _event(
    kind: str, vid: int, project: tuple[str, str], stamp: str | None, body: dict[str, Any]
) -> Event:
    payload = {
        "event": kind,
        "timestamp": stamp,
        "project": {"name": project[0], "version": project[1]},
        **body,
    }
    # One event per kind and project version per evaluation, and each evaluation has its own
    # timestamp: together they identify the event (the outbox keeps them unique).
    return Event(kind=kind, key=f"{kind}:{vid}:{stamp}"[:200], payload=payload)


def enqueue(conn: Connection, events: Sequence[Event], at: datetime) -> int:
    """Write ``events`` to the outbox of every subscribed webhook; returns rows written."""
    if not events:
        return 0
    hooks = conn.execute(
        select(schema.webhooks.c.id, schema.webhooks.c.events).where(schema.webhooks.c.enabled)
    ).all()
    rows = [
        {
            "webhook_id": hook.id,
            "event_key": event.key,
            "kind": event.kind,
            "payload": event.payload,
            "created_at": at,
            "attempts": 0,
            "next_attempt_at": at,
            "delivered_at": None,
            "dead": False,
            "last_error": None,
        }
        for event in events
        for hook in hooks
        if event.kind in hook.events
    ]
    if rows:
        conn.execute(insert(schema.outbox), rows)
    return len(rows)


# -- formatting ----------------------------------------------------------------------------


def slack_message(payload: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message (``text`` plus ``blocks``) for one event."""
    project = payload.get("project", {})
    name = f"{project.get('name')} {project.get('version')}"
    kind = payload.get("event")
    if kind == "policy_violation":
        items = payload.get("violations", [])
        title = f":no_entry: {len(items)} policy violation(s) in *{name}*"
        lines = [f"• {i.get('message', '')}" for i in items[:20]]
    else:
        items = payload.get("findings", [])
        verb = "new vulnerability finding(s)" if kind == "new_finding" else "finding(s) fixed"
        icon = ":rotating_light:" if kind == "new_finding" else ":white_check_mark:"
        title = f"{icon} {len(items)} {verb} in *{name}*"
        lines = [
            f"• *{i['id']}* ({i['severity']}) {i['package']} {i['version']}"
            + (f" → fix: {', '.join(i['fix_versions'])}" if i.get("fix_versions") else "")
            for i in items[:20]
        ]
    if len(items) > 20:
        lines.append(f"… and {len(items) - 20} more")
    text = title.replace("*", "")
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": title}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines) or "-"}},
        ],
    }


def render_body(fmt: str, outbox_id: int, payload: dict[str, Any]) -> bytes:
    document = slack_message(payload) if fmt == "slack" else {"id": outbox_id, **payload}
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode("utf-8")


# -- delivery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Attempt:
    id: int
    ok: bool
    error: str | None
    attempts: int


class Deliverer:
    """Posts due outbox rows; one background thread, a few concurrent requests."""

    def __init__(
        self,
        db: Database,
        *,
        concurrency: int = 16,
        timeout: float = 10.0,
        backoff: float = 2.0,
        max_backoff: float = 900.0,
        max_attempts: int = 20,
    ) -> None:
        self.db = db
        self.concurrency = concurrency
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_attempts = max_attempts
        self.timeout = timeout
        self._local = threading.local()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="chainward-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                delivered = self.run_once()
            except Exception:  # keep the loop alive; the row stays due and is retried
                log.exception("webhook delivery failed")
                delivered = 0
            if delivered == 0:
                self._wake.wait(timeout=0.5)
                self._wake.clear()

    def _due(self, limit: int) -> list[Any]:
        o, w = schema.outbox, schema.webhooks
        with self.db.read() as conn:
            return list(
                conn.execute(
                    select(
                        o.c.id, o.c.kind, o.c.payload, o.c.attempts, w.c.url, w.c.secret, w.c.format
                    )
                    .join(w, w.c.id == o.c.webhook_id)
                    .where(
                        and_(
                            o.c.delivered_at.is_(None),
                            o.c.dead.is_(False),
                            o.c.next_attempt_at <= now(),
                        )
                    )
                    .order_by(o.c.id)
                    .limit(limit)
                ).all()
            )

    def _post(self, row: Any) -> _Attempt:
        body = render_body(row.format, row.id, row.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"chainward/{__version__}",
            "X-Chainward-Event": row.kind,
            "X-Chainward-Delivery": str(row.id),
        }
        if row.secret:
            headers[SIGNATURE_HEADER] = sign(row.secret, body)
        try:
            status = self._send(row.url, body, headers)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return _Attempt(row.id, False, f"{exc.__class__.__name__}: {exc}", row.attempts + 1)
        if 200 <= status < 300:
            return _Attempt(row.id, True, None, row.attempts + 1)
        return _Attempt(row.id, False, f"HTTP {status}", row.attempts + 1)

    def _send(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST with a kept-alive connection of this thread (stdlib: far less CPU per request
        than a full-featured client, which matters when thousands of alerts go out at once)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        key = (parts.scheme, parts.netloc)
        pool: dict[tuple[str, str], http.client.HTTPConnection] = self._local.__dict__.setdefault(
            "pool", {}
        )
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (0, 1):
            connection = pool.get(key)
            reused = connection is not None
            if connection is None:
                if parts.scheme == "https":
                    connection = http.client.HTTPSConnection(
                        parts.hostname,
                        parts.port,
                        timeout=self.timeout,
                        context=ssl.create_default_context(),
                    )
                else:
                    connection = http.client.HTTPConnection(
                        parts.hostname, parts.port, timeout=self.timeout
                    )
                pool[key] = connection
            try:
                connection.request("POST", target, body=body, headers=headers)
                response = connection.getresponse()
                response.read(1024 * 1024)
                if response.will_close:
                    connection.close()
                    pool.pop(key, None)
                return int(response.status)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                pool.pop(key, None)
                if not reused or attempt:
                    raise  # a kept-alive connection the receiver had closed: retry once
            except BaseException:
                connection.close()
                pool.pop(key, None)
                raise
        raise http.client.HTTPException("unreachable")

    def _record(self, attempts: Sequence[_Attempt]) -> None:
        o = schema.outbox
        at = now()
        done = [{"b_id": a.id, "b_attempts": a.attempts} for a in attempts if a.ok]
        failed = []
        for a in attempts:
            if not a.ok:
                delay = min(self.backoff * 2 ** (a.attempts - 1), self.max_backoff)
                failed.append(
                    {
                        "b_id": a.id,
                        "b_attempts": a.attempts,
                        "b_error": (a.error or "")[:500],
                        "b_next": at + timedelta(seconds=delay),
                        "b_dead": a.attempts >= self.max_attempts,
                    }
                )
        with self.db.write() as conn:
            if done:
                conn.execute(
                    update(o)
                    .where(o.c.id == bindparam("b_id"))
                    .values(delivered_at=at, attempts=bindparam("b_attempts"), last_error=None),
                    done,
                )
            if failed:
                conn.execute(
                    update(o)
                    .where(o.c.id == bindparam("b_id"))
                    .values(
                        attempts=bindparam("b_attempts"),
                        last_error=bindparam("b_error"),
                        next_attempt_at=bindparam("b_next"),
                        dead=bindparam("b_dead"),
                    ),
                    failed,
                )

    def run_once(self, limit: int = 1024) -> int:
        """Try every due delivery once; returns how many succeeded."""
        rows = self._due(limit)
        if not rows:
            return 0
        delivered = 0
        # Endpoints that fail are not hammered in the same round: one try per row.
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            for part in chunks(rows, self.concurrency * 4):
                results = list(pool.map(self._post, part))
                self._record(results)
                delivered += sum(1 for r in results if r.ok)
        return delivered


__all__ = [
    "EVENTS",
    "FORMATS",
    "SIGNATURE_HEADER",
    "Deliverer",
    "Event",
    "add_webhook",
    "build_events",
    "enqueue",
    "render_body",
    "sign",
    "slack_message",
    "verify_signature",
]
