"""``chainward db update`` against loopback HTTP servers that behave well and badly.

Whatever the server does (304, stall, dropped connection, garbage) and wherever the
process is killed, the database is always the old one or the new one, never broken.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chainward.vulndb import import_path, open_store
from tests.conftest import OSV_ALL, OSV_UPDATE, ROOT, run_cli


class ExportServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.body = OSV_UPDATE.read_bytes()
        self.etag = '"export-v1"'
        self.mode = "ok"  # ok | stall | drop | error | garbage
        self.requests: list[dict[str, str]] = []
        self.release = threading.Event()
        self.partial_sent = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/PyPI/all.zip"


class _Handler(BaseHTTPRequestHandler):
    server: ExportServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        srv = self.server
        srv.requests.append(dict(self.headers))
        if srv.mode == "error":
            self.send_error(500)
            return
        if srv.mode == "ok" and self.headers.get("If-None-Match") == srv.etag:
            self.send_response(304)
            self.send_header("ETag", srv.etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"PK\x03\x04 this is not really a zip" * 100 if srv.mode == "garbage" else srv.body
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", srv.etag)
        self.send_header("Last-Modified", "Tue, 15 Oct 2024 00:00:00 GMT")
        self.end_headers()
        if srv.mode in ("stall", "drop"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            srv.partial_sent.set()
            if srv.mode == "stall":
                srv.release.wait(30)
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[ExportServer]:
    srv = ExportServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "advisories.sqlite"
    open_store(path).close()  # the bundled snapshot (= PyPI-all.zip)
    return path


def _records(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT COUNT(*) FROM advisories").fetchone()[0])
    finally:
        conn.close()


def test_update_then_not_modified(server: ExportServer, db: Path) -> None:
    first = run_cli("db", "update", "--url", server.url, "--db", str(db), "--format", "json")
    assert first.code == 0, first.stderr
    doc = first.json()
    assert doc["modified"] is True
    assert (doc["import"]["added"], doc["import"]["modified"]) == (20, 4)
    assert doc["database"]["records"] == 2674
    second = run_cli("db", "update", "--url", server.url, "--db", str(db), "--format", "json")
    assert second.code == 0
    assert second.json()["modified"] is False
    assert server.requests[-1].get("If-None-Match") == server.etag
    assert server.requests[-1].get("If-Modified-Since") == "Tue, 15 Oct 2024 00:00:00 GMT"
    forced = run_cli(
        "db", "update", "--url", server.url, "--db", str(db), "--force", "--format", "json"
    )
    assert forced.json()["import"]["unchanged"] == 24


@pytest.mark.parametrize("mode", ["stall", "drop", "error", "garbage"])
def test_failed_downloads_leave_the_old_database(server: ExportServer, db: Path, mode: str) -> None:
    server.mode = mode
    result = run_cli("db", "update", "--url", server.url, "--db", str(db), "--timeout", "1")
    assert result.code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("chainward: error:")
    assert _records(db) == 2654
    assert not list(db.parent.glob(".download-*"))
    server.mode = "ok"  # and the next update works (lock released, no stale ETag)
    assert run_cli("db", "update", "--url", server.url, "--db", str(db)).code == 0
    assert _records(db) == 2674


def _spawn_update(url: str, db: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "chainward", "db", "update", "--url", url, "--db", str(db)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_mid_download_leaves_the_old_database(server: ExportServer, db: Path) -> None:
    server.mode = "stall"
    proc = _spawn_update(server.url, db)
    try:
        assert server.partial_sent.wait(30), "the update never started downloading"
        deadline = time.monotonic() + 20
        while not any(p.stat().st_size for p in db.parent.glob(".download-*")):
            assert time.monotonic() < deadline, "no partial download on disk"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _records(db) == 2654
    assert list(db.parent.glob(".download-*"))  # the killed run's partial download
    server.mode = "ok"
    assert run_cli("db", "update", "--url", server.url, "--db", str(db)).code == 0
    assert _records(db) == 2674
    assert not list(db.parent.glob(".download-*"))  # cleaned up by the next update


def test_killed_at_random_points_during_import(server: ExportServer, tmp_path: Path) -> None:
    db = tmp_path / "small.sqlite"
    with open_store(db, install_snapshot=False) as store:
        import_path(store, OSV_UPDATE)  # 24 records; the update brings 2,654 more
    server.body = OSV_ALL.read_bytes()
    rng = random.Random(1234)
    outcomes = set()
    for _ in range(4):
        proc = _spawn_update(server.url, db)
        time.sleep(rng.uniform(0.3, 1.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        count = _records(db)
        assert count in (24, 2674), count
        outcomes.add(count)
        if count == 2674:
            break
    assert run_cli("db", "status", "--db", str(db)).code == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.zip"])
def test_only_http_urls(db: Path, url: str) -> None:
    result = run_cli("db", "update", "--url", url, "--db", str(db))
    assert result.code == 2 and "unsupported URL" in result.stderr


def test_concurrent_updates_are_serialised(server: ExportServer, db: Path) -> None:
    procs = [_spawn_update(server.url, db) for _ in range(3)]
    assert [p.wait(120) for p in procs] == [0, 0, 0]
    assert _records(db) == 2674
    # one download did the work; the others waited for the lock, then got 304
    assert sum(1 for r in server.requests if "If-None-Match" in r) == 2
