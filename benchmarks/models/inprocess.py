"""In-process scan time of the workload files: the compiled pickle machine against its source.

    python benchmarks/models/inprocess.py --wheel-site SITE [--dir /tmp/wl] [--repeat 5]

SITE is where the wheel of ``pip install .`` (or ``pip wheel .``, unzipped) put
chainward; the source run uses the interpreter's own chainward (an editable install).
Both runs are subprocesses taken in turns, ``chainward.models.scan`` timed inside
them (best of ``--repeat``), so interpreter start-up is left out. The files come
from ``bench_workloads.py --keep DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

FILES = ("forest.pkl", "forest.joblib", "legacy.pt", "many_tensors.pt")

_TIMER = """
import json, sys, time
import chainward.models as models
from chainward.models.pickle import vm
best = {}
for name in sys.argv[2:]:
    path = f"{sys.argv[1]}/{name}"
    models.scan(path)  # warm-up: page cache, lazy imports
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        models.scan(path)
        times.append(time.perf_counter() - start)
    best[name] = min(times)
print(json.dumps({"machine": vm.__file__.rsplit("/", 1)[-1], "best": best}))
"""


def _measure(site: str | None, folder: Path, files: list[str], repeat: int) -> dict[str, object]:
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = site
    code = _TIMER.replace("REPEAT", str(repeat))
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), *files],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel-site", required=True)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/wl"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two builds")
    args = parser.parse_args()
    files = [f for f in FILES if (args.dir / f).exists()]
    best: dict[str, dict[str, float]] = {"source": {}, "compiled": {}}
    machines: dict[str, object] = {}
    for _ in range(args.rounds):
        for label, site in (("source", None), ("compiled", args.wheel_site)):
            run = _measure(site, args.dir, files, args.repeat)
            machines[label] = run["machine"]
            for name, seconds in run["best"].items():  # type: ignore[attr-defined]
                best[label][name] = min(seconds, best[label].get(name, seconds))
    print(f"source: {machines['source']}, compiled: {machines['compiled']}")
    print("| file | source ms | compiled ms | speed-up |")
    print("|---|---|---|---|")
    for name in files:
        source, compiled = best["source"][name], best["compiled"][name]
        print(
            f"| {name} | {source * 1000:.0f} | {compiled * 1000:.0f} | {source / compiled:.1f}x |"
        )


if __name__ == "__main__":
    main()
