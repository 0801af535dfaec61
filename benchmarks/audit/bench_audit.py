"""chainward audit vs pip-audit on the same advisory data, on one machine, in one run.

    python benchmarks/audit/bench_audit.py [--runs 5] [--skip-pip-audit]

Measures (all on loopback / local files; nothing leaves the machine):
  1. whole-process time: ``pip-audit -r constraints-572.txt --no-deps --disable-pip -s osv
     --osv-url <loopback osv_api_server>`` vs ``chainward audit -r constraints-572.txt
     --db <installed db>``, and their ratio (best of N and median of N, runs interleaved);
  2. where chainward's time goes inside one process: imports, inventory, match, render;
  3. the matching step alone: ``chainward.audit.audit(inventory, store)`` in a fresh
     process (cold) and again (warm), and the part of it that only selects the advisories
     affecting each pin (reading the precomputed rows and testing the versions; the rest
     is folding, fix versions and building the findings);
  4. import rate: building a database from PyPI-all.zip (records/s).

Both tools run from compiled bytecode, as installed packages do: every child process gets
a private ``PYTHONPYCACHEPREFIX`` (filled by one warm-up run of each tool) and
``PYTHONDONTWRITEBYTECODE`` unset. (This checkout is an editable install: with
``PYTHONDONTWRITEBYTECODE=1`` and no cache, chainward would recompile its own modules on
every run, which no installed copy does; ``--no-bytecode`` measures that case too.)
pip-audit gets a fresh --cache-dir on every run so that its HTTP cache does not hide the
per-package queries.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = Path(os.environ.get("CHAINWARD_SHARED", ROOT.parent / "shared"))
OSV_ALL = SHARED / "osv" / "PyPI-all.zip"
SERVER = SHARED / "tools" / "osv_api_server.py"
CONSTRAINTS = HERE / "constraints-572.txt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OsvServer:
    def __init__(self, *overlays: Path) -> None:
        self.port = free_port()
        args = [sys.executable, str(SERVER), "--zip", str(OSV_ALL), "--port", str(self.port)]
        for overlay in overlays:
            args += ["--overlay", str(overlay)]
        self.proc = subprocess.Popen(args, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/query"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


_ENV: dict[str, str] = {}


def child_env(**extra: str) -> dict[str, str]:
    """The environment of every measured process (see the module docstring)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **_ENV, **extra}
    if "PYTHONPYCACHEPREFIX" in env:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_pip_audit(requirements: Path, osv_url: str) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,  # not the pip-audit script: a version manager's shim would add time
                "-m",
                "pip_audit",
                "-r",
                str(requirements),
                "--no-deps",
                "--disable-pip",
                "-s",
                "osv",
                "--osv-url",
                osv_url,
                "--cache-dir",
                cache,
                "-f",
                "json",
                "--progress-spinner",
                "off",
            ],
            capture_output=True,
            text=True,
            check=False,
            env=child_env(),
        )
        elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"pip-audit failed: {proc.stderr[-2000:]}")
    return elapsed, json.loads(proc.stdout)


def run_chainward(requirements: Path, db: Path, *extra: str) -> tuple[float, dict]:
    env = child_env()
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "chainward",
            "-q",
            "audit",
            "-r",
            str(requirements),
            "--db",
            str(db),
            "-f",
            "json",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"chainward failed: {proc.stderr[-2000:]}")
    return elapsed, json.loads(proc.stdout)


MATCH_SNIPPET = """
import json, sys, time
from pathlib import Path
from chainward.inventory import collect
from chainward.audit import audit
from chainward.vulndb import open_store
inventory = collect([], requirements=[sys.argv[1]], include_models=False)
store = open_store(Path(sys.argv[2]))
if sys.argv[3] == "select":  # only which advisories affect each pin, cold
    pins = {c.name: c.version for c in inventory.components if c.version}
    t0 = time.perf_counter()
    hits = [m.matching(pins[name]) for name, m in store.matchers_for_many(pins).items()]
    print(json.dumps({"select": time.perf_counter() - t0}))
    sys.exit()
t0 = time.perf_counter(); audit(inventory, store); t1 = time.perf_counter()
audit(inventory, store); t2 = time.perf_counter()
print(json.dumps({"cold": t1 - t0, "warm": t2 - t1}))
"""


def match_step(requirements: Path, db: Path) -> dict[str, float]:
    env = child_env()
    found: dict[str, float] = {}
    for mode in ("audit", "select"):
        out = subprocess.run(
            [sys.executable, "-c", MATCH_SNIPPET, str(requirements), str(db), mode],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout
        found.update(json.loads(out))
    return found


STAGES_SNIPPET = """
import time
t0 = time.perf_counter()
import io, json, sys
from pathlib import Path
from chainward.audit.command import audit_report
from chainward.audit import audit
from chainward.inventory import collect
from chainward.report.json import JsonReporter
from chainward.vulndb import open_store
t1 = time.perf_counter()
inventory = collect([], requirements=[sys.argv[1]], include_models=False)
t2 = time.perf_counter()
store = open_store(Path(sys.argv[2]))
result = audit(inventory, store)
t3 = time.perf_counter()
io.StringIO().write(JsonReporter().render(audit_report(result)))
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "inventory": t2 - t1, "match": t3 - t2,
                  "render": t4 - t3}))
"""


def stages(requirements: Path, db: Path) -> dict[str, float]:
    env = child_env()
    out = subprocess.run(
        [sys.executable, "-c", STAGES_SNIPPET, str(requirements), str(db)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return dict(json.loads(out))


IMPORT_SNIPPET = """
import json, sys, tempfile
from pathlib import Path
from chainward.vulndb import build_database
from chainward.vulndb.loader import iter_entries
with tempfile.TemporaryDirectory() as tmp:
    stats = build_database(Path(tmp) / "db.sqlite", iter_entries(Path(sys.argv[1])), source="b")
print(json.dumps({"records": stats.seen, "seconds": stats.seconds, "rate": stats.rate}))
"""


def import_rate() -> dict[str, float]:
    env = child_env()
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_SNIPPET, str(OSV_ALL)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return dict(json.loads(out))


def _ms(values: list[float]) -> str:
    return f"best {min(values) * 1000:.0f} ms, median {statistics.median(values) * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-pip-audit", action="store_true")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="also time chainward without a bytecode cache"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from chainward.vulndb import open_store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "advisories.sqlite"
        open_store(db).close()  # install the bundled snapshot once, as a user's first run does
        if args.no_bytecode:
            cold = [run_chainward(CONSTRAINTS, db)[0] for _ in range(args.runs)]
            print(f"chainward audit without a bytecode cache: {_ms(cold)}")
        _ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        run_chainward(CONSTRAINTS, db)  # warm-up: fills the bytecode cache
        server = None if args.skip_pip_audit else OsvServer()
        try:
            if server is not None:
                run_pip_audit(CONSTRAINTS, server.url)  # warm-up: same
            cw_times: list[float] = []
            pa_times: list[float] = []
            for _ in range(args.runs):  # interleaved: both see the same machine load
                cw_times.append(run_chainward(CONSTRAINTS, db)[0])
                if server is not None:
                    pa_times.append(run_pip_audit(CONSTRAINTS, server.url)[0])
        finally:
            if server is not None:
                server.close()
        breakdown = [stages(CONSTRAINTS, db) for _ in range(args.runs)]
        matches = [match_step(CONSTRAINTS, db) for _ in range(args.runs)]
        imports = [import_rate() for _ in range(args.runs)]
    print(f"chainward audit, 572 pins, whole process: {_ms(cw_times)}")
    if pa_times:
        print(f"pip-audit --osv-url loopback, 572 pins, whole process: {_ms(pa_times)}")
        print(
            f"ratio pip-audit / chainward: best {min(pa_times) / min(cw_times):.1f}x, "
            f"median {statistics.median(pa_times) / statistics.median(cw_times):.1f}x"
        )
    print(
        "inside one chainward process (best of each): "
        + ", ".join(f"{k} {min(b[k] for b in breakdown) * 1000:.0f} ms" for k in breakdown[0])
    )
    print(
        f"matching step (audit()): cold {_ms([m['cold'] for m in matches])}; "
        f"warm {_ms([m['warm'] for m in matches])}; of which selecting the advisories "
        f"that affect each pin (cold, no folding, fix versions or findings): "
        f"{_ms([m['select'] for m in matches])}"
    )
    print(
        f"import of PyPI-all.zip: median {statistics.median(i['rate'] for i in imports):,.0f} "
        f"records/s (best {max(i['rate'] for i in imports):,.0f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
