"""Server-rendered dashboard pages (Jinja2; read-only; signed in with an API token)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from chainward import __version__
from chainward.monitor import queries
from chainward.monitor.errors import NotFoundError, UploadError
from chainward.monitor.tokens import authenticate
from chainward.monitor.web.auth import COOKIE, from_cookie
from chainward.monitor.web.charts import COLOURS, trend_svg

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
TEMPLATES.env.globals.update(version=__version__, colours=COLOURS, severities=queries.SEVERITIES)
TEMPLATES.env.filters["q"] = lambda text: quote(str(text), safe="")
TEMPLATES.env.filters["short"] = lambda text: str(text or "")[:19].replace("T", " ")

router = APIRouter(include_in_schema=False)
SHOWN = 250  # projects listed on the portfolio page, riskiest first


def _login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _render(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    return TEMPLATES.TemplateResponse(
        request, template, {"request": request, **context}, status_code=status
    )


def _page(request: Request, template: str, build: Any) -> Response:
    if from_cookie(request) is None:
        return _login_redirect(request)
    try:
        with request.app.state.monitor.db.read() as conn:
            context = build(conn)
    except NotFoundError as exc:
        return _render(request, "error.html", 404, message=exc.diagnostics(), page="error")
    except UploadError as exc:
        return _render(request, "error.html", 400, message=exc.diagnostics(), page="error")
    return _render(request, template, **context)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _render(request, "login.html", next=next, error=None)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    token: Annotated[str, Form(max_length=300)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    info = authenticate(request.app.state.monitor.db, token.strip())
    if info is None:
        return _render(
            request, "login.html", 401, next=next, error="That token is not valid (or was revoked)."
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, token.strip(), httponly=True, samesite="strict", max_age=7 * 24 * 3600
    )
    return response


@router.get("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def portfolio_page(request: Request) -> Response:
    def build(conn: Any) -> dict[str, Any]:
        summary = queries.portfolio(conn)
        projects = queries.projects(conn)
        projects.sort(
            key=lambda p: (*tuple(-p["open_findings"][s] for s in queries.SEVERITIES), p["name"])
        )
        return {
            "summary": summary,
            "projects": projects[:SHOWN],
            "hidden": max(0, len(projects) - SHOWN),
            "chart": Markup(trend_svg(queries.trend(conn, 30))),
            "page": "portfolio",
        }

    return _page(request, "portfolio.html", build)


@router.get("/projects/{name}", response_class=HTMLResponse)
def project_page(
    request: Request,
    name: str,
    version: Annotated[str | None, Query(max_length=200)] = None,
    show: Annotated[str, Query(max_length=10)] = "open",
) -> Response:
    def build(conn: Any) -> dict[str, Any]:
        detail = queries.project_detail(conn, name)
        prow = queries.project_row(conn, name)
        vrow = queries.version_row(conn, prow.id, version)
        found = queries.findings(conn, name, vrow.version, include_fixed=(show == "all"))
        return {
            "project": detail,
            "version": vrow.version,
            "findings": found["findings"],
            "counts": queries.severity_counts(found["findings"]),
            "show": show,
            "components": queries.components(conn, vrow.id),
            "models": queries.models(conn, version_id=vrow.id),
            "chart": Markup(trend_svg(queries.trend(conn, 30, name))),
            "page": "portfolio",
        }

    return _page(request, "project.html", build)


@router.get("/vulnerabilities/{advisory_id}", response_class=HTMLResponse)
def vulnerability_page(request: Request, advisory_id: str) -> Response:
    store = request.app.state.monitor.advisories()

    def build(conn: Any) -> dict[str, Any]:
        vuln = queries.vulnerability(conn, advisory_id, store)
        projects = sorted(
            {(i["project"], i["project_version"]) for i in vuln["affected"] if i["state"] == "open"}
        )
        return {"vuln": vuln, "open_projects": projects, "page": "vulnerabilities"}

    return _page(request, "vulnerability.html", build)


@router.get("/components", response_class=HTMLResponse)
def components_page(
    request: Request,
    name: Annotated[str, Query(max_length=200)] = "",
    specifier: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    def build(conn: Any) -> dict[str, Any]:
        result = queries.search_components(conn, name, specifier) if name.strip() else None
        return {"name": name, "specifier": specifier, "result": result, "page": "components"}

    return _page(request, "components.html", build)


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, sha256: Annotated[str, Query(max_length=80)] = "") -> Response:
    def build(conn: Any) -> dict[str, Any]:
        models = queries.models(conn, None, sha256 or None, limit=500)
        by_hash: dict[str, set[str]] = {}
        by_path: dict[tuple[str, str], set[str]] = {}
        for m in models:
            if m["sha256"]:
                by_hash.setdefault(m["sha256"], set()).add(m["project"])
                by_path.setdefault((m["project"], m["path"]), set()).add(m["sha256"])
        drift = {key for key, hashes in by_path.items() if len(hashes) > 1}
        return {
            "models": models,
            "sha256": sha256,
            "shared": by_hash,
            "drift": drift,
            "page": "models",
        }

    return _page(request, "models.html", build)


__all__ = ["router"]
