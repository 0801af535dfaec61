"""The PostgreSQL path: a real PostgreSQL server (started here) behind a real chainward server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import OSV_UPDATE, run_cli
from tests.unit.monitor.support import (
    Postgres,
    Receiver,
    ServerProcess,
    ids_in,
    make_inventory,
)


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    cluster = Postgres().start()
    yield cluster
    cluster.stop()


def test_postgres_end_to_end(
    postgres: Postgres, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres.create_database("chainward_e2e")
    created = run_cli("monitor", "token", "create", "--scope", "admin", "--database-url", url)
    assert created.code == 0, created.stderr
    token = created.stdout.strip()
    receiver = Receiver()
    server = ServerProcess(tmp_path, url).start()
    try:
        monkeypatch.setenv("CHAINWARD_SERVER", server.url)
        monkeypatch.setenv("CHAINWARD_TOKEN", token)
        assert run_cli("monitor", "webhook", "add", receiver.url, "--format", "slack").code == 0
        with server.client(token) as client:
            for i in range(3):
                response = client.post(
                    "/api/v1/sboms",
                    params={"project": f"pg-{i}", "version": "1.0"},
                    content=make_inventory(
                        {"idna": "3.6", "urllib3": "1.24.2", "flask": f"3.0.{i}"}
                    ),
                )
                assert response.status_code == 201, response.text
        synced = run_cli("monitor", "sync", "--from", str(OSV_UPDATE), "--format", "json")
        assert synced.code == 0, synced.stderr
        assert synced.json()["versions_evaluated"] == 3 and synced.json()["new_findings"] == 9
        status = run_cli("monitor", "status", "--project", "pg-1", "--format", "json").json()
        ids = ids_in(status)
        assert {"PYSEC-2024-60", "GHSA-34jh-p97f-mpxf", "PYSEC-2023-207"} <= ids
        assert "PYSEC-2020-148" not in ids
        messages = receiver.wait_for(9)
        assert any("PYSEC-2024-60" in m["blocks"][1]["text"]["text"] for m in messages)

        server.kill()  # the data is in PostgreSQL, not in the process
        server.start()
        with server.client(token) as client:
            again = client.get("/api/v1/projects/pg-1/status").json()
            hits = client.get(
                "/api/v1/components", params={"name": "idna", "specifier": "<3.7"}
            ).json()
        assert again["dependencies"] == status["dependencies"]
        assert hits["projects"] == 3
    finally:
        server.stop()
        receiver.close()


def test_monitor_core_on_postgres(postgres: Postgres, tmp_path: Path) -> None:
    """The same incremental re-evaluation as on SQLite, on PostgreSQL directly."""
    import shutil

    from chainward.monitor.db import open_database
    from chainward.monitor.store import Monitor
    from chainward.vulndb import import_path, open_store
    from tests.conftest import OSV_ALL

    advisories = tmp_path / "advisories.sqlite"
    store = open_store(advisories, install_snapshot=False)
    import_path(store, OSV_ALL)
    store.close()
    db = open_database(postgres.create_database("chainward_core"))
    service = Monitor(db, advisories)
    try:
        body = make_inventory({"urllib3": "1.24.2", "pyyaml": "5.0", "idna": "3.6"})
        first = service.upload("core", "1", body)
        assert service.upload("core", "1", body)["new_findings"] == 0
        service.catch_up()
        result = service.sync(path=OSV_UPDATE)
        assert (result.new_findings, result.fixed_findings) == (3, 1)
        assert first["new_findings"] > 0
    finally:
        service.close()
        db.dispose()
        shutil.rmtree(advisories.parent, ignore_errors=True)
