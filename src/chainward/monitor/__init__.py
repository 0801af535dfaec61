"""Continuous monitoring: stored SBOMs re-checked on every advisory update, with alerts.

Public API::

    db = open_database(url)                  # SQLite in the data dir by default; migrates
    service = Monitor(db)                    # uploads, syncs, incremental re-evaluation
    service.upload("shop", "1.0", body)      # CycloneDX/SPDX/inventory JSON bytes
    service.sync(path=Path("update.zip"))    # import advisories, re-check what they touch
    app = create_app(ServerConfig(...))      # the FastAPI app behind ``chainward serve``
    MonitorClient(server, token)             # what ``chainward monitor`` talks through

The server needs the ``monitor`` extra (FastAPI, uvicorn, SQLAlchemy, alembic).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chainward.monitor.client import MonitorClient
    from chainward.monitor.db import Database, open_database
    from chainward.monitor.store import Monitor, SyncResult
    from chainward.monitor.web.app import ServerConfig, create_app

_LAZY = {
    "MonitorClient": "chainward.monitor.client",
    "Database": "chainward.monitor.db",
    "open_database": "chainward.monitor.db",
    "Monitor": "chainward.monitor.store",
    "SyncResult": "chainward.monitor.store",
    "ServerConfig": "chainward.monitor.web.app",
    "create_app": "chainward.monitor.web.app",
}


def __getattr__(name: str) -> Any:
    # Imported on first use, so that ``import chainward.monitor.client`` stays light.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'chainward.monitor' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "Database",
    "Monitor",
    "MonitorClient",
    "ServerConfig",
    "SyncResult",
    "create_app",
    "open_database",
]
