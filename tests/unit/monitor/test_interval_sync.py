"""The server's periodic sync picks up advisory changes made by another process."""

from __future__ import annotations

import time

from chainward.monitor.store import Monitor
from chainward.monitor.web.app import ServerConfig, _Workers
from tests.conftest import OSV_UPDATE
from tests.unit.monitor.support import make_inventory


def test_interval_worker_reevaluates_after_an_external_update(monitor: Monitor) -> None:
    monitor.upload("shop", "1.0", make_inventory({"idna": "3.6"}))
    workers = _Workers(monitor, ServerConfig(sync_interval=0.1, sync_url=None))
    workers.start()
    try:
        from chainward.vulndb import import_path

        import_path(monitor.advisories(), OSV_UPDATE)  # `chainward db update` elsewhere
        from chainward.monitor import queries

        deadline = time.monotonic() + 20
        while True:
            with monitor.db.read() as conn:
                found = {f["id"] for f in queries.findings(conn, "shop")["findings"]}
            if "PYSEC-2024-60" in found:
                break
            assert time.monotonic() < deadline, found
            time.sleep(0.05)
    finally:
        workers.close()
