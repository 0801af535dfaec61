"""The FastAPI application: API, dashboard, health, limits, and the background workers."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from chainward import __version__
from chainward.errors import ChainwardError, InputError
from chainward.monitor.db import open_database
from chainward.monitor.errors import NotFoundError
from chainward.monitor.notify import Deliverer
from chainward.monitor.store import Monitor
from chainward.monitor.web.limits import MIB, BodyLimit

log = logging.getLogger("chainward.monitor")


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass
class ServerConfig:
    """Server settings; the environment supplies the ones the command line does not."""

    database_url: str | None = None
    advisory_path: Path | None = None
    max_upload: int = field(
        default_factory=lambda: int(_env_float("CHAINWARD_MAX_UPLOAD_MB", 32) * MIB)
    )
    max_advisory_upload: int = field(
        default_factory=lambda: int(_env_float("CHAINWARD_MAX_ADVISORY_UPLOAD_MB", 256) * MIB)
    )
    sync_interval: float = field(
        default_factory=lambda: _env_float("CHAINWARD_SYNC_INTERVAL", 3600.0)
    )
    sync_url: str | None = field(default_factory=lambda: os.environ.get("CHAINWARD_SYNC_URL"))
    webhook_backoff: float = field(
        default_factory=lambda: _env_float("CHAINWARD_WEBHOOK_BACKOFF", 2.0)
    )


class _Workers:
    """Background threads: startup catch-up, periodic sync; the deliverer runs its own."""

    def __init__(self, service: Monitor, config: ServerConfig) -> None:
        self.service = service
        self.config = config
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for target, name in (
            (self._catch_up, "chainward-catch-up"),
            (self._interval, "chainward-sync"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self.threads.append(thread)

    def _catch_up(self) -> None:
        try:
            self.service.catch_up()
        except Exception:
            log.exception("re-evaluation at startup failed")

    def _interval(self) -> None:
        interval = self.config.sync_interval
        if interval <= 0:
            return
        while not self.stop.wait(interval):
            try:
                if self.config.sync_url:
                    self.service.sync(url=self.config.sync_url)
                else:
                    self.service.catch_up()
            except Exception:
                log.exception("periodic advisory sync failed")

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The monitoring server application (storage is opened at startup)."""
    config = config or ServerConfig()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = open_database(config.database_url)
        service = Monitor(db, config.advisory_path)
        service.deliverer = Deliverer(db, backoff=config.webhook_backoff)
        service.deliverer.start()
        workers = _Workers(service, config)
        workers.start()
        app.state.monitor = service
        try:
            yield
        finally:
            workers.close()
            service.deliverer.stop()
            service.close()
            db.dispose()

    app = FastAPI(
        title="chainward monitor",
        version=__version__,
        description="Stored SBOMs re-checked on every advisory update, with alerts. "
        "Authenticate with `Authorization: Bearer <token>`.",
        lifespan=lifespan,
    )
    app.add_middleware(
        BodyLimit,
        default=config.max_upload,  # type: ignore[arg-type]
        limits={"/api/v1/sync": config.max_advisory_upload},
    )

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": exc.diagnostics()}, status_code=404)

    @app.exception_handler(InputError)
    async def bad_input(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": exc.diagnostics()}, status_code=400)

    @app.exception_handler(ChainwardError)
    async def failed(_: Request, exc: ChainwardError) -> JSONResponse:
        return JSONResponse({"detail": exc.diagnostics()}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors()[:10]:
            where = ".".join(str(p) for p in error.get("loc", ()))
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        return JSONResponse(
            {
                "detail": "; ".join(problems) or "invalid request",
                "errors": [
                    {"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()[:10]
                ],
            },
            status_code=422,
        )

    @app.get("/healthz", summary="Liveness (no authentication)", tags=["health"])
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    from chainward.monitor.web.api import router
    from chainward.monitor.web.dashboard import router as pages

    app.include_router(router)
    app.include_router(pages)
    return app


__all__ = ["ServerConfig", "create_app"]
