"""The JSON API under ``/api/v1`` (documented at ``/openapi.json``)."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, insert, select

from chainward.monitor import notify, policy, queries, schema, suppress
from chainward.monitor.db import inserted_id
from chainward.monitor.errors import NotFoundError, UploadError
from chainward.monitor.ingest import parse_json
from chainward.monitor.store import Monitor
from chainward.monitor.timeutil import iso, now, utc
from chainward.monitor.tokens import Scope, TokenInfo, create_token, revoke_token
from chainward.monitor.web.auth import require
from chainward.records import canonical_name

router = APIRouter(prefix="/api/v1")

Reader = Annotated[TokenInfo, Depends(require(Scope.READ))]
Writer = Annotated[TokenInfo, Depends(require(Scope.WRITE))]
Admin = Annotated[TokenInfo, Depends(require(Scope.ADMIN))]
Name = Annotated[str, Query(min_length=1, max_length=200)]
RowId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]  # fits SQLite and PostgreSQL integers
VersionQ = Annotated[str | None, Query(min_length=1, max_length=200)]

_JSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "CycloneDX JSON, SPDX JSON, or chainward inventory JSON",
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}
_SYNC_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "description": "an OSV export to download"}
                    },
                }
            },
            "application/zip": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def monitor(request: Request) -> Monitor:
    value: Monitor = request.app.state.monitor
    return value


def _read(request: Request, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with monitor(request).db.read() as conn:
        return fn(conn, *args, **kwargs)


# -- projects and uploads ------------------------------------------------------------------


@router.get("/portfolio", summary="Portfolio summary: counts and open findings by severity")
def get_portfolio(request: Request, _: Reader) -> dict[str, Any]:
    return dict(_read(request, queries.portfolio))


@router.get("/projects", summary="Every project with its versions and open findings")
def list_projects(
    request: Request,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    return list(_read(request, queries.projects))[offset : offset + limit]


@router.get("/projects/{name}", summary="One project and its versions")
def get_project(request: Request, name: str, _: Reader) -> dict[str, Any]:
    return dict(_read(request, queries.project_detail, name))


@router.delete("/projects/{name}", summary="Delete a project and everything stored for it")
def delete_project(request: Request, name: str, _: Admin) -> dict[str, Any]:
    with monitor(request).db.write() as conn:
        row = queries.project_row(conn, name)
        conn.execute(delete(schema.projects).where(schema.projects.c.id == row.id))
    return {"deleted": name}


@router.get("/projects/{name}/findings", summary="Findings of a project version, with history")
def get_findings(
    request: Request,
    name: str,
    _: Reader,
    version: VersionQ = None,
    include_fixed: bool = False,
    include_suppressed: bool = True,
) -> dict[str, Any]:
    return dict(
        _read(
            request,
            queries.findings,
            name,
            version,
            include_fixed=include_fixed,
            include_suppressed=include_suppressed,
        )
    )


@router.get(
    "/projects/{name}/status", summary="Current findings in the `chainward audit` JSON shape"
)
def get_status(request: Request, name: str, _: Reader, version: VersionQ = None) -> dict[str, Any]:
    return dict(_read(request, queries.status_document, name, version))


@router.get("/projects/{name}/components", summary="Components of a project version")
def get_components(
    request: Request, name: str, _: Reader, version: VersionQ = None
) -> dict[str, Any]:
    with monitor(request).db.read() as conn:
        prow = queries.project_row(conn, name)
        vrow = queries.version_row(conn, prow.id, version)
        return {
            "project": prow.name,
            "version": vrow.version,
            "components": queries.components(conn, vrow.id),
            "models": queries.models(conn, version_id=vrow.id),
        }


@router.get("/projects/{name}/trend", summary="Open findings per severity per day")
def get_trend(
    request: Request, name: str, _: Reader, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> list[dict[str, Any]]:
    return list(_read(request, queries.trend, days, name))


@router.get("/findings/{finding_id}/history", summary="Every transition of one finding")
def get_history(request: Request, finding_id: RowId, _: Reader) -> dict[str, Any]:
    events = _read(request, queries.history, finding_id)
    if not events:
        raise NotFoundError(f"no finding {finding_id}")
    return {"finding": finding_id, "history": events}


@router.post(
    "/sboms",
    summary="Upload an SBOM or inventory for a project version",
    openapi_extra=_JSON_BODY,
    status_code=201,
)
async def upload_sbom(
    request: Request,
    _: Writer,
    project: Name,
    version: Annotated[str, Query(min_length=1, max_length=200)] = "latest",
) -> dict[str, Any]:
    if "/" in project:
        raise UploadError("a project name cannot contain '/'")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise UploadError("multipart upload without a 'file' part")
        body = await upload.read()
    else:
        body = await request.body()
    result: dict[str, Any] = await run_in_threadpool(
        monitor(request).upload, project, version, body
    )
    return result


# -- search --------------------------------------------------------------------------------


@router.get(
    "/components", summary="Which projects use a package (optionally within a version range)"
)
def search_components(
    request: Request,
    _: Reader,
    name: Name,
    specifier: Annotated[str, Query(max_length=200)] = "",
) -> dict[str, Any]:
    return dict(_read(request, queries.search_components, name, specifier))


@router.get("/models", summary="Model files across projects, optionally by SHA-256")
def search_models(
    request: Request,
    _: Reader,
    sha256: Annotated[str | None, Query(max_length=80)] = None,
) -> dict[str, Any]:
    return {"models": _read(request, queries.models, None, sha256)}


@router.get("/vulnerabilities/{advisory_id}", summary="An advisory and who it affects")
def get_vulnerability(request: Request, advisory_id: str, _: Reader) -> dict[str, Any]:
    store = monitor(request).advisories()
    return dict(_read(request, queries.vulnerability, advisory_id, store))


# -- suppressions --------------------------------------------------------------------------


class SuppressionIn(BaseModel):
    advisory: str = Field(min_length=1, max_length=100, description="advisory id or alias")
    state: suppress.AnalysisState
    justification: str = Field(min_length=1, max_length=5000)
    project: str | None = Field(
        default=None, min_length=1, max_length=200, description="omit to apply to every project"
    )
    package: str | None = Field(default=None, min_length=1, max_length=300)
    versions: str | None = Field(
        default=None, max_length=500, description="PEP 440 specifier, e.g. '<2.0'"
    )
    expires_at: datetime | None = None


def _suppression_json(row: Any, project: str | None) -> dict[str, Any]:
    at = now()
    expires = utc(row.expires_at)
    return {
        "id": row.id,
        "advisory": row.advisory_id,
        "project": project,
        "package": row.package,
        "versions": row.versions,
        "state": row.state,
        "justification": row.justification,
        "expires_at": iso(expires),
        "expired": bool(expires and expires <= at),
        "created_at": iso(row.created_at),
        "created_by": row.created_by,
    }


@router.get("/suppressions", summary="Analysis decisions (VEX-like) with justification and expiry")
def list_suppressions(request: Request, _: Reader) -> list[dict[str, Any]]:
    s, p = schema.suppressions, schema.projects
    with monitor(request).db.read() as conn:
        rows = conn.execute(
            select(s, p.c.name.label("project_name"))
            .outerjoin(p, p.c.id == s.c.project_id)
            .order_by(s.c.id)
        ).all()
    return [_suppression_json(r, r.project_name) for r in rows]


@router.post("/suppressions", status_code=201, summary="Record an analysis decision")
def add_suppression(request: Request, body: SuppressionIn, who: Writer) -> dict[str, Any]:
    if not body.justification.strip():
        raise UploadError("a justification is required")
    versions = suppress.check_specifier(body.versions) if body.versions else None
    expires = utc(body.expires_at)
    with monitor(request).db.write() as conn:
        project_id = queries.project_row(conn, body.project).id if body.project else None
        inserted = conn.execute(
            insert(schema.suppressions).values(
                project_id=project_id,
                advisory_id=body.advisory.strip(),
                package=canonical_name(body.package) if body.package else None,
                versions=versions,
                state=body.state.value,
                justification=body.justification.strip(),
                expires_at=expires,
                created_at=now(),
                created_by=who.name,
            )
        )
        new_id = inserted_id(inserted)
        row = conn.execute(
            select(schema.suppressions).where(schema.suppressions.c.id == new_id)
        ).one()
    return _suppression_json(row, body.project)


@router.delete("/suppressions/{suppression_id}", summary="Withdraw an analysis decision")
def delete_suppression(request: Request, suppression_id: RowId, _: Writer) -> dict[str, Any]:
    with monitor(request).db.write() as conn:
        result = conn.execute(
            delete(schema.suppressions).where(schema.suppressions.c.id == suppression_id)
        )
    if not result.rowcount:
        raise NotFoundError(f"no suppression {suppression_id}")
    return {"deleted": suppression_id}


# -- webhooks, policy, tokens --------------------------------------------------------------

EventName = Literal["new_finding", "fixed_finding", "policy_violation"]


def _all_events() -> list[EventName]:
    return ["new_finding", "fixed_finding", "policy_violation"]


class WebhookIn(BaseModel):
    url: str = Field(min_length=1, max_length=2000)
    secret: str | None = Field(default=None, max_length=500)
    format: Literal["json", "slack"] = "json"
    events: list[EventName] = Field(default_factory=_all_events, min_length=1)


@router.get("/webhooks", summary="Registered webhooks (secrets are not shown)")
def list_webhooks(request: Request, _: Admin) -> list[dict[str, Any]]:
    w, o = schema.webhooks, schema.outbox
    with monitor(request).db.read() as conn:
        hooks = conn.execute(select(w).order_by(w.c.id)).all()
        pending: dict[int, int] = dict(
            conn.execute(
                select(o.c.webhook_id, func.count(o.c.id))
                .where(o.c.delivered_at.is_(None), o.c.dead.is_(False))
                .group_by(o.c.webhook_id)
            ).all()
        )
    return [
        {
            "id": h.id,
            "url": h.url,
            "format": h.format,
            "events": h.events,
            "signed": bool(h.secret),
            "enabled": h.enabled,
            "created_at": iso(h.created_at),
            "pending": int(pending.get(h.id, 0)),
        }
        for h in hooks
    ]


@router.post("/webhooks", status_code=201, summary="Register a webhook")
def add_webhook(request: Request, body: WebhookIn, _: Admin) -> dict[str, Any]:
    with monitor(request).db.write() as conn:
        hook_id = notify.add_webhook(conn, body.url, body.secret, body.format, body.events)
    return {
        "id": hook_id,
        "url": body.url,
        "format": body.format,
        "events": body.events,
        "signed": bool(body.secret),
    }


@router.delete("/webhooks/{webhook_id}", summary="Remove a webhook and its pending deliveries")
def delete_webhook(request: Request, webhook_id: RowId, _: Admin) -> dict[str, Any]:
    with monitor(request).db.write() as conn:
        conn.execute(delete(schema.outbox).where(schema.outbox.c.webhook_id == webhook_id))
        result = conn.execute(delete(schema.webhooks).where(schema.webhooks.c.id == webhook_id))
    if not result.rowcount:
        raise NotFoundError(f"no webhook {webhook_id}")
    return {"deleted": webhook_id}


class PolicyIn(BaseModel):
    fail_on: Literal["low", "medium", "high", "critical"] = "high"
    deny_packages: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list, max_length=10_000
    )
    model_drift: bool = True


@router.get("/policy", summary="The policy that decides what is a violation")
def get_policy(request: Request, _: Reader) -> dict[str, Any]:
    return _read(request, policy.load).as_dict()  # type: ignore[no-any-return]


@router.put("/policy", summary="Replace the policy")
def put_policy(request: Request, body: PolicyIn, _: Admin) -> dict[str, Any]:
    rules = policy.Policy.from_dict(body.model_dump())
    with monitor(request).db.write() as conn:
        policy.save(conn, rules)
    return rules.as_dict()


class TokenIn(BaseModel):
    scope: Scope
    name: str = Field(default="", max_length=200)


@router.post("/tokens", status_code=201, summary="Create an API token (shown once)")
def add_token(request: Request, body: TokenIn, _: Admin) -> dict[str, Any]:
    token = create_token(monitor(request).db, body.scope, body.name)
    return {"token": token, "scope": body.scope.value}


@router.get("/tokens", summary="API tokens (never their values)")
def list_tokens(request: Request, _: Admin) -> list[dict[str, Any]]:
    t = schema.api_tokens
    with monitor(request).db.read() as conn:
        rows = conn.execute(select(t).order_by(t.c.id)).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "scope": r.scope,
            "created_at": iso(r.created_at),
            "revoked": r.revoked,
        }
        for r in rows
    ]


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def delete_token(request: Request, token_id: RowId, _: Admin) -> dict[str, Any]:
    if not revoke_token(monitor(request).db, token_id):
        raise NotFoundError(f"no token {token_id}")
    return {"revoked": token_id}


# -- advisory sync -------------------------------------------------------------------------


@router.post(
    "/sync",
    summary="Import advisory data (a posted export, or a URL) and re-evaluate",
    openapi_extra=_SYNC_BODY,
)
async def post_sync(request: Request, _: Admin) -> dict[str, Any]:
    service = monitor(request)
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not body.strip():
        result = await run_in_threadpool(service.sync)
        return result.as_dict()
    if content_type == "application/json" or body.lstrip()[:1] == b"{":
        document = parse_json(body)
        if isinstance(document, dict) and "url" in document and "id" not in document:
            url = document["url"]
            if not isinstance(url, str) or not url:
                raise UploadError("'url' must be a non-empty string")
            result = await run_in_threadpool(lambda: service.sync(url=url, label=url))
            return result.as_dict()
        if not isinstance(document, dict) or "id" not in document:
            raise UploadError('expected {"url": ...}, an OSV record, or a zip export')
        suffix = ".json"
    elif body[:4] == b"PK\x03\x04":
        suffix = ".zip"
    else:
        raise UploadError("the body is neither a zip export nor an OSV JSON record")
    label = request.headers.get("x-chainward-source", "")[:500] or f"uploaded {suffix[1:]} export"
    handle, name = tempfile.mkstemp(prefix="chainward-sync-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        result = await run_in_threadpool(lambda: service.sync(path=path, label=label))
    finally:
        path.unlink(missing_ok=True)
    return result.as_dict()


@router.get("/sync", summary="Recent advisory syncs and the advisory database")
def get_sync(request: Request, _: Reader) -> dict[str, Any]:
    runs = schema.sync_runs
    with monitor(request).db.read() as conn:
        rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(20)).all()
    meta = monitor(request).advisories().metadata().as_dict()
    return {
        "advisories": meta,
        "runs": [
            {
                "started_at": iso(r.started_at),
                "finished_at": iso(r.finished_at),
                "source": r.source,
                "changed_packages": r.changed_advisories,
                "versions_evaluated": r.versions_evaluated,
                "new_findings": r.new_findings,
                "fixed_findings": r.fixed_findings,
                "error": r.error,
            }
            for r in rows
        ],
    }


__all__ = ["router"]
