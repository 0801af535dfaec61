"""Helpers shared by the monitor tests: real servers on loopback, started and torn down here.

* :class:`ServerProcess` runs ``python -m chainward serve`` (uvicorn) on a free loopback port.
* :class:`Postgres` runs a throwaway PostgreSQL cluster (initdb + pg_ctl) on a free port,
  as the ``postgres`` user when the tests run as root.
* :class:`Receiver` is a loopback webhook receiver that records every delivery.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_inventory(components: dict[str, str], models: list[dict[str, Any]] | None = None) -> bytes:
    return json.dumps(
        {
            "components": [
                {"name": n, "version": v, "scope": "direct"} for n, v in components.items()
            ],
            "models": models or [],
            "skipped": [],
        }
    ).encode()


def ids_in(document: dict[str, Any]) -> set[str]:
    """Every advisory id and alias in an audit-shaped document (folding may pick any id)."""
    return {
        x for d in document["dependencies"] for v in d["vulns"] for x in (v["id"], *v["aliases"])
    }


def finding_ids(findings: list[dict[str, Any]]) -> set[str]:
    return {x for f in findings for x in (f["id"], *f["aliases"])}


class ServerProcess:
    """``chainward serve`` in a subprocess (so tests can SIGKILL it)."""

    def __init__(
        self, home: Path, database_url: str | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.home = home
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = home / f"server-{self.port}.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # a private temp dir: uploads a SIGKILLed server was holding stay in the test's tree
        scratch = self.home / "tmp"
        scratch.mkdir(parents=True, exist_ok=True)
        env.update(
            {
                "TMPDIR": str(scratch),
                "CHAINWARD_HOME": str(self.home),
                "CHAINWARD_SYNC_INTERVAL": "0",
                "CHAINWARD_WEBHOOK_BACKOFF": "0.2",
                "PYTHONPATH": str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", ""),
            }
        )
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "chainward", *args]
        result = subprocess.run(
            command, env=self.env(), capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{command} failed: {result.stderr}")
        return result

    def token(self, scope: str = "admin") -> str:
        """A new token, written straight into the server's database (as the CLI does)."""
        from chainward.monitor.db import open_database
        from chainward.monitor.tokens import Scope, create_token

        url = self.database_url or f"sqlite:///{self.home / 'monitor.sqlite'}"
        db = open_database(url)
        try:
            return create_token(db, Scope(scope), "test")
        finally:
            db.dispose()

    def start(self, timeout: float = 60.0) -> ServerProcess:
        args = [sys.executable, "-m", "chainward", "serve", "--port", str(self.port)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        with self.log.open("ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                args, env=self.env(), stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server did not start: {self.log.read_text()}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
            trust_env=False,
        )


class Postgres:
    """A throwaway PostgreSQL cluster on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="chainward-pg-"))
        self.data = self.dir / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres", "postgres")
        self.bin = self._bindir()

    @staticmethod
    def _bindir() -> Path:
        # Debian keeps the real binaries per major version; /usr/bin has only wrappers.
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if versions:
            return versions[-1].parent
        found = shutil.which("initdb")
        if found is None:
            raise FileNotFoundError("PostgreSQL is not installed (initdb not found)")
        return Path(found).parent

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, *args], check=True, capture_output=True, timeout=120, cwd=self.dir
        )

    def start(self) -> Postgres:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-o",
            options,
            "-w",
            "start",
        )
        return self

    def create_database(self, name: str) -> str:
        self._run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            name,
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Receiver:
    """A loopback webhook receiver; ``fail`` makes it answer 503 (receiver down)."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        self.fail = False
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    # the sender died mid-request (a test kills the server): nothing was
                    # delivered, and the sender, never answered, sends it again later
                    return
                if outer.fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                with outer.lock:
                    outer.deliveries.append({"headers": dict(self.headers), "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def payloads(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(d["body"]) for d in self.deliveries]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.deliveries) >= count:
                break
            time.sleep(0.05)
        return self.payloads()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


__all__ = [
    "Postgres",
    "Receiver",
    "ServerProcess",
    "finding_ids",
    "free_port",
    "ids_in",
    "make_inventory",
]
