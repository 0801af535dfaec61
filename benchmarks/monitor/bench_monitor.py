"""Monitoring benchmark: 10,000 stored SBOMs of ~300 components, then an advisory update.

What it measures (all on loopback, nothing leaves the machine):

1. Seeding: N project versions of C components each are written straight into a fresh
   SQLite monitor database (package identities deduplicated), then one full evaluation
   against the shared OSV export (PyPI-all.zip) records the baseline findings.
2. Time to alert: a real ``chainward serve`` process gets ``POST /api/v1/sync`` with
   PyPI-update.zip (20 new advisories, 4 modified); we time until a loopback webhook
   receiver has every notification the outbox holds (and report the server's RSS).
3. Upload throughput: K concurrent clients upload new 300-component inventories.

    python benchmarks/monitor/bench_monitor.py                 # 10,000 x 300
    python benchmarks/monitor/bench_monitor.py --projects 1000 # quicker

Dependency-Track cannot run here (a JVM service with PostgreSQL); its documented default
time from a new advisory to an alert is hours (daily mirror + daily portfolio analysis),
so the "ratio" printed is against that documented bound, not a measurement of it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

import httpx

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CHAINWARD_SHARED", ROOT.parent / "shared"))
OSV_ALL = SHARED / "osv" / "PyPI-all.zip"
OSV_UPDATE = SHARED / "osv" / "PyPI-update.zip"
sys.path.insert(0, str(ROOT / "src"))

# Packages touched by the update, at versions the update makes vulnerable, with the share of
# projects using them (a realistic mix: idna is everywhere, the rest are niche).
TOUCHED = {
    "idna": ("3.6", 0.30),
    "aiohttp": ("3.9.1", 0.10),
    "django": ("4.2.9", 0.05),
    "urllib3": ("1.26.18", 0.20),
    "black": ("23.12.1", 0.08),
    "gitpython": ("3.1.40", 0.04),
    "twisted": ("23.10.0", 0.02),
    "authlib": ("1.3.0", 0.02),
    "orjson": ("3.9.10", 0.05),
    "jwcrypto": ("1.5.0", 0.01),
    "flask-cors": ("4.0.0", 0.03),
    "mlflow": ("2.9.2", 0.02),
}
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def portfolio(projects: int, components: int, seed: int = 7) -> list[dict[str, str]]:
    """Each project: touched packages by share, ~40 real advisory-bearing packages at safe
    versions, and internal packages drawn Zipf-like from a pool of 20,000 names."""
    rng = random.Random(seed)
    pool = [f"internal-pkg-{i}" for i in range(20_000)]
    cumulative: list[float] = []
    total = 0.0
    for i in range(len(pool)):
        total += 1 / (i + 1)
        cumulative.append(total)
    result = []
    for _ in range(projects):
        pins: dict[str, str] = {}
        for name, (version, share) in TOUCHED.items():
            if rng.random() < share:
                pins[name] = version
        for name in rng.sample(REAL_NAMES, min(40, len(REAL_NAMES))):
            pins.setdefault(name, "999.0")
        while len(pins) < components:
            for name in rng.choices(pool, cum_weights=cumulative, k=components - len(pins)):
                # A few releases per package are in use across the portfolio.
                pins.setdefault(name, f"{len(name) % 7}.{rng.randint(0, 3)}.0")
        result.append(pins)
    return result


REAL_NAMES: list[str] = []  # packages named by some advisory (filled from the OSV export)


def seed_database(url: str, advisories: Path, projects: list[dict[str, str]]) -> dict[str, float]:
    from sqlalchemy import insert

    from chainward.monitor import schema
    from chainward.monitor.db import open_database
    from chainward.monitor.store import Monitor, package_ids
    from chainward.monitor.timeutil import now

    db = open_database(url)
    started = time.perf_counter()
    at = now()
    with db.write() as conn:
        wanted = {("PyPI", n, v): f"pkg:pypi/{n}@{v}" for pins in projects for n, v in pins.items()}
        ids = package_ids(conn, wanted)
        project_rows = [
            {"name": f"project-{i:05d}", "created_at": at, "updated_at": at}
            for i in range(len(projects))
        ]
        conn.execute(insert(schema.projects), project_rows)
        version_rows = [
            {
                "project_id": i + 1,
                "version": "1.0",
                "created_at": at,
                "updated_at": at,
                "source_format": "inventory",
                "sha256": "0" * 64,
                "component_count": len(pins),
                "model_count": 0,
                "skipped": [],
            }
            for i, pins in enumerate(projects)
        ]
        conn.execute(insert(schema.project_versions), version_rows)
        links = []
        for i, pins in enumerate(projects):
            links.extend(
                {"version_id": i + 1, "package_id": ids[("PyPI", n, v)], "scope": "direct"}
                for n, v in pins.items()
            )
            if len(links) > 200_000:
                conn.execute(insert(schema.version_components), links)
                links = []
        if links:
            conn.execute(insert(schema.version_components), links)
    stored = time.perf_counter() - started
    service = Monitor(db, advisories)
    started = time.perf_counter()
    baseline = service.catch_up()
    evaluated = time.perf_counter() - started
    service.close()
    db.dispose()
    return {
        "store_s": stored,
        "full_evaluation_s": evaluated,
        "baseline_findings": baseline.new_findings,
        "distinct_packages": len(ids),
        "links": sum(len(p) for p in projects),
    }


class Receiver:
    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.count += 1
                    outer.last = time.perf_counter()
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def rss(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    values = {
        line.split(":")[0]: int(line.split()[1])
        for line in status.splitlines()
        if line.startswith(("VmRSS", "VmHWM"))
    }
    return values.get("VmRSS", 0) / 1024, values.get("VmHWM", 0) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=300)
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep the seeded databases in DIR and reuse them next time",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chainward-bench-monitor-"))
    env = dict(
        os.environ,
        CHAINWARD_HOME=str(work),
        CHAINWARD_SYNC_INTERVAL="0",
        PYTHONPATH=str(ROOT / "src"),
    )
    os.environ["CHAINWARD_HOME"] = str(work)
    server: subprocess.Popen[bytes] | None = None
    try:
        from chainward.vulndb import import_path, open_store

        advisories = work / "advisories.sqlite"
        url = f"sqlite:///{work / 'monitor.sqlite'}"
        cache = None
        if args.reuse is not None:
            cache = args.reuse / f"seed-{args.projects}x{args.components}"
        if cache is not None and (cache / "seeded.json").exists():
            for name in ("advisories.sqlite", "monitor.sqlite"):
                shutil.copy(cache / name, work / name)
            seeded = json.loads((cache / "seeded.json").read_text())
            store = open_store(advisories, install_snapshot=False)
            REAL_NAMES.extend(n for n in store.package_names() if n not in TOUCHED)
            store.close()
        else:
            store = open_store(advisories, install_snapshot=False)
            import_path(store, OSV_ALL)
            REAL_NAMES.extend(n for n in store.package_names() if n not in TOUCHED)
            store.close()
            print(f"seeding {args.projects} x {args.components} components ...", flush=True)
            projects = portfolio(args.projects, args.components)
            seeded = seed_database(url, advisories, projects)
            if cache is not None:
                cache.mkdir(parents=True, exist_ok=True)
                for name in ("advisories.sqlite", "monitor.sqlite"):
                    shutil.copy(work / name, cache / name)
                (cache / "seeded.json").write_text(json.dumps(seeded))
        print(json.dumps(seeded), flush=True)

        from chainward.monitor.db import open_database
        from chainward.monitor.tokens import Scope, create_token

        db = open_database(url)
        token = create_token(db, Scope.ADMIN)
        db.dispose()
        receiver = Receiver()
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "chainward",
                "serve",
                "--port",
                str(port),
                "--database-url",
                url,
            ],
            env=dict(env, CHAINWARD_DB=str(advisories)),
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600
        )
        # Let the startup catch-up (nothing to do: same data) finish.
        for _ in range(600):
            runs = client.get("/api/v1/sync").json()["runs"]
            if runs and runs[0]["finished_at"]:
                break
            time.sleep(0.1)
        client.post("/api/v1/webhooks", json={"url": receiver.url, "secret": "bench"})
        idle_rss = rss(server.pid)

        started = time.perf_counter()
        result = client.post(
            "/api/v1/sync",
            content=OSV_UPDATE.read_bytes(),
            headers={"Content-Type": "application/zip"},
        ).json()
        evaluated = time.perf_counter() - started
        expected = result["notifications"]
        while receiver.count < expected and time.perf_counter() - started < 300:
            time.sleep(0.01)
        alert = (receiver.last or time.perf_counter()) - started
        delivered = receiver.count
        after_rss = rss(server.pid)

        body_for = [
            json.dumps(
                {"components": [{"name": n, "version": v} for n, v in pins.items()]}
            ).encode()
            for pins in portfolio(args.uploads, args.components, seed=99)
        ]
        done = []

        def upload(index: int) -> None:
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600
            ) as c:
                for i in range(index, len(body_for), args.clients):
                    r = c.post(
                        "/api/v1/sboms", params={"project": f"upload-{i}"}, content=body_for[i]
                    )
                    r.raise_for_status()
                    done.append(i)

        threads = [threading.Thread(target=upload, args=(k,)) for k in range(args.clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        upload_s = time.perf_counter() - t0
        final_rss = rss(server.pid)

        report = {
            "projects": args.projects,
            "components_per_project": args.components,
            **seeded,
            "update": {
                "advisories_added": result["imported"]["added"],
                "advisories_modified": result["imported"]["modified"],
                "packages_rechecked": result["changed_packages"],
                "versions_reevaluated": result["versions_evaluated"],
                "new_findings": result["new_findings"],
                "fixed_findings": result["fixed_findings"],
                "notifications": expected,
                "delivered": delivered,
            },
            "sync_and_reevaluate_s": round(evaluated, 2),
            "advisory_to_last_webhook_s": round(alert, 2),
            "server_rss_mb": {
                "idle": round(idle_rss[0]),
                "after_sync": round(after_rss[0]),
                "after_uploads": round(final_rss[0]),
                "peak": round(final_rss[1]),
            },
            "uploads": {
                "count": len(done),
                "clients": args.clients,
                "seconds": round(upload_s, 2),
                "sboms_per_s": round(len(done) / upload_s, 1),
            },
            "dependency_track_documented_alert_bound_s": 2 * 3600,
        }
        report["ratio_vs_dependency_track_min_bound"] = round(2 * 3600 / max(alert, 1e-3))
        print(json.dumps(report, indent=2))
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
