"""Kill the server mid-upload and mid-re-evaluation: after a restart nothing is lost or doubled."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OSV_UPDATE
from tests.unit.monitor.support import Receiver, ServerProcess, make_inventory

# Packages the update touches (new records, a widened range, a withdrawal), at affected versions.
TOUCHED = {
    "idna": "3.6",
    "urllib3": "1.24.2",
    "aiohttp": "3.9.1",
    "django": "4.2.9",
    "gitpython": "3.1.40",
    "black": "23.12.1",
    "twisted": "23.10.0",
    "authlib": "1.3.0",
}
OTHERS = ["flask", "click", "jinja2", "requests", "numpy", "pandas", "pyyaml", "certifi"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _wait(predicate: Any, timeout: float = 60.0, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not reached in time")


def _pending(client: httpx.Client) -> int:
    return sum(h["pending"] for h in client.get("/api/v1/webhooks").json())


def _announced(receiver: Receiver) -> Counter[tuple[str, str, str, str]]:
    """How many distinct deliveries announced each (event, project, package, advisory)."""
    seen: dict[str, dict[str, Any]] = {}
    for delivery in receiver.deliveries:
        seen[delivery["headers"]["X-Chainward-Delivery"]] = json.loads(delivery["body"])
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for payload in seen.values():
        for finding in payload.get("findings", []):
            counts[
                (payload["event"], payload["project"]["name"], finding["package"], finding["id"])
            ] += 1
    return counts


def _db_rows(db: Path) -> dict[int, tuple[str, str, str]]:
    """Open findings: row id -> (project, package, advisory id)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT f.id, pr.name, p.name, f.advisory_id FROM findings f "
            "JOIN packages p ON p.id = f.package_id "
            "JOIN project_versions v ON v.id = f.version_id "
            "JOIN projects pr ON pr.id = v.project_id WHERE f.fixed_at IS NULL"
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _finished_catch_ups(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(
            conn.execute(
                "SELECT COUNT(*) FROM sync_runs "
                "WHERE source = 'startup catch-up' AND finished_at IS NOT NULL"
            ).fetchone()[0]
        )


def _db_findings(db: Path) -> set[tuple[str, str, str]]:
    return set(_db_rows(db).values())


def test_kill_during_reevaluation_then_restart(
    tmp_path: Path, receiver: Receiver, request: pytest.FixtureRequest
) -> None:
    db = tmp_path / "monitor.sqlite"
    url = f"sqlite:///{db}"
    server = ServerProcess(tmp_path, url, env={"CHAINWARD_MONITOR_BATCH": "1"}).start()
    request.addfinalizer(server.kill)  # also when an assertion fails
    token = server.token()
    projects = 40
    with server.client(token) as client:
        for i in range(projects):
            components = dict(TOUCHED)
            components.update({name: "1.0" for name in OTHERS[: i % len(OTHERS)]})
            client.post(
                "/api/v1/sboms", params={"project": f"p{i:03d}"}, content=make_inventory(components)
            ).raise_for_status()
        client.post("/api/v1/sync").raise_for_status()  # settle the watermark
        client.post("/api/v1/webhooks", json={"url": receiver.url}).raise_for_status()
    before_rows = _db_rows(db)
    before = set(before_rows.values())

    def sync() -> None:
        with server.client(token) as client, pytest.raises(httpx.HTTPError):
            client.post(
                "/api/v1/sync",
                content=OSV_UPDATE.read_bytes(),
                headers={"Content-Type": "application/zip"},
            )

    caller = threading.Thread(target=sync)
    caller.start()

    def in_progress() -> bool:
        with sqlite3.connect(db) as conn:
            run = conn.execute(
                "SELECT finished_at FROM sync_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
            started = conn.execute("SELECT COUNT(*) FROM sync_runs").fetchone()[0] >= 2
            grown = len(_db_findings(db)) > len(before) or bool(
                conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            )
        return started and run is not None and run[0] is None and grown

    _wait(in_progress, timeout=60, step=0.01)
    server.kill()
    caller.join(timeout=30)
    partial = _db_findings(db)
    assert partial != before  # some batches were committed, the run was not finished

    catch_ups = _finished_catch_ups(db)  # the first start ran one already
    server.start()  # startup catch-up resumes from the last committed watermark
    with server.client(token) as client:
        _wait(lambda: _finished_catch_ups(db) > catch_ups)
        _wait(lambda: _pending(client) == 0)
        final = _db_findings(db)
        # Same answer as a clean re-evaluation of every project against the final data.
        expected = set()
        for i in range(projects):
            status = client.get(f"/api/v1/projects/p{i:03d}/status").json()
            expected |= {
                (f"p{i:03d}", d["name"], v["id"])
                for d in status["dependencies"]
                for v in d["vulns"]
            }
        assert final == expected
        resynced = client.post("/api/v1/sync").json()
        assert resynced["new_findings"] == resynced["fixed_findings"] == 0
    server.stop()
    # A finding whose folded id changed (a withdrawn twin) is the same row: not announced.
    final_rows = _db_rows(db)
    new = {final_rows[i] for i in final_rows.keys() - before_rows.keys()}
    gone = {before_rows[i] for i in before_rows.keys() - final_rows.keys()}
    assert len(new) >= projects * 3 and len(gone) >= projects
    announced = _announced(receiver)
    assert {(p, pkg, adv) for (e, p, pkg, adv) in announced if e == "new_finding"} == new
    assert {(p, pkg, adv) for (e, p, pkg, adv) in announced if e == "fixed_finding"} == gone
    assert max(announced.values()) == 1  # no finding announced by two different events
    repeats = len(receiver.deliveries) - len(
        {d["headers"]["X-Chainward-Delivery"] for d in receiver.deliveries}
    )
    assert repeats <= 16  # at most the requests in flight at the kill, same delivery id


def test_kill_during_upload_then_restart(
    tmp_path: Path, receiver: Receiver, request: pytest.FixtureRequest
) -> None:
    db = tmp_path / "monitor.sqlite"
    server = ServerProcess(tmp_path, f"sqlite:///{db}").start()
    request.addfinalizer(server.kill)  # also when an assertion fails
    token = server.token()
    with server.client(token) as client:
        client.post("/api/v1/webhooks", json={"url": receiver.url}).raise_for_status()
    components = {**TOUCHED, **{f"internal-lib-{i}": "1.0.0" for i in range(1500)}}
    body = make_inventory(components)

    halfway = threading.Event()

    def slow() -> Iterator[bytes]:
        step = 4096
        for start in range(0, len(body), step):
            if start >= len(body) // 2:
                halfway.set()
                time.sleep(0.2)  # the server is killed while we are here
            yield body[start : start + step]

    def upload(content: Any) -> None:
        with server.client(token) as client, pytest.raises(httpx.HTTPError):
            client.post("/api/v1/sboms", params={"project": "big"}, content=content)

    # 1. Killed while the body is still arriving: nothing is stored.
    caller = threading.Thread(target=upload, args=(slow(),))
    caller.start()
    assert halfway.wait(timeout=30)
    server.kill()
    caller.join(timeout=30)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0] == 0

    # 2. Killed while the server processes the whole body: all or nothing.
    server.start()
    caller = threading.Thread(target=lambda: _quiet_upload(server, token, body))
    caller.start()
    time.sleep(0.3)
    server.kill()
    caller.join(timeout=30)
    with sqlite3.connect(db) as conn:
        links = conn.execute("SELECT COUNT(*) FROM version_components").fetchone()[0]
    assert links in (0, len(components))

    # 3. Restart and push again (what a CI retry does): stored once, announced once.
    server.start()
    with server.client(token) as client:
        result = client.post("/api/v1/sboms", params={"project": "big"}, content=body).json()
        assert result["components"] == len(components)
        _wait(lambda: _pending(client) == 0)
        status = client.get("/api/v1/projects/big/status").json()
    server.stop()
    stored = {(d["name"], v["id"]) for d in status["dependencies"] for v in d["vulns"]}
    assert stored and _db_findings(db) == {("big", n, a) for n, a in stored}
    announced = _announced(receiver)
    assert {(pkg, adv) for (e, _, pkg, adv) in announced if e == "new_finding"} == stored
    assert max(announced.values()) == 1


def _quiet_upload(server: ServerProcess, token: str, body: bytes) -> None:
    try:
        with server.client(token) as client:
            client.post("/api/v1/sboms", params={"project": "big"}, content=body)
    except httpx.HTTPError:
        pass
