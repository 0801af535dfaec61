"""``chainward scan`` vs pip-audit + modelscan + GuardDog run separately, on one project.

The project (built under benchmarks/work/scan/, not committed): a requirements file with
300 real pins (the first 300 of benchmarks/audit/constraints-572.txt) and a models folder
of about --model-gb GB (PyTorch zip checkpoints written by torch when it is installed, and
safetensors files). The anchors, each on the part it covers:

  pip-audit -r requirements.txt --no-deps --disable-pip -s osv --osv-url <loopback server>
  modelscan -p models/
  GuardDog's PyPI typosquatting detector on the 300 names (offline: its own Python)

Usage:
  python benchmarks/scan/bench_scan.py [--model-gb 2] [--runs 3]
      [--pip-audit pip-audit] [--modelscan modelscan] [--guarddog-python PY]
An anchor that is not installed is reported as missing, not guessed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CHAINWARD_SHARED", ROOT.parent / "shared"))
WORK = ROOT / "benchmarks" / "work" / "scan"
CONSTRAINTS = ROOT / "benchmarks" / "audit" / "constraints-572.txt"
sys.path.insert(0, str(ROOT / "benchmarks" / "packages"))


def build_project(model_gb: float) -> Path:
    project = WORK / f"project-{model_gb:g}gb"
    models = project / "models"
    if (project / ".complete").exists():
        return project
    shutil.rmtree(project, ignore_errors=True)
    models.mkdir(parents=True)
    pins = [ln for ln in CONSTRAINTS.read_text().splitlines() if "==" in ln][:300]
    (project / "requirements.txt").write_text("\n".join(pins) + "\n")
    import numpy as np
    from safetensors.numpy import save_file

    total = int(model_gb * (1 << 30))
    per_file = 256 << 20
    count = max(2, total // per_file)
    rng = np.random.default_rng(0)
    block = rng.standard_normal(per_file // 4, dtype=np.float32)
    try:
        import torch

        have_torch = True
    except ImportError:
        have_torch = False
    for i in range(count):
        if have_torch and i % 2 == 0:
            state = {"layer.weight": torch.from_numpy(block.copy()), "layer.bias": torch.zeros(8)}
            torch.save(state, models / f"checkpoint-{i}.pt")
        else:
            save_file({"weight": block}, str(models / f"shard-{i}.safetensors"))
    (project / ".complete").write_text("ok")
    return project


def timed(command: list[str], **kwargs: object) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start, done


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def drop_caches_hint() -> None:
    # Model files are read from the page cache after the first run for every tool alike;
    # each tool gets one untimed warm-up so that no tool pays the cold read alone.
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-gb", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pip-audit", default=shutil.which("pip-audit"))
    parser.add_argument("--modelscan", default=shutil.which("modelscan"))
    parser.add_argument("--guarddog-python", default=os.environ.get("GUARDDOG_PYTHON"))
    args = parser.parse_args()

    project = build_project(args.model_gb)
    size = sum(p.stat().st_size for p in (project / "models").iterdir())
    print(
        f"project: 300 pins, {len(list((project / 'models').iterdir()))} model files, "
        f"{size / 1e9:.2f} GB"
    )
    home = tempfile.mkdtemp(prefix="cw-bench-home-")
    env = {**os.environ, "CHAINWARD_HOME": home}
    chainward = [sys.executable, "-m", "chainward", "scan", str(project), "--format", "json"]
    timed(chainward, env=env)  # warm-up: installs the bundled advisory snapshot, page cache
    cw = [timed(chainward, env=env)[0] for _ in range(args.runs)]
    cw_median = statistics.median(cw)
    print(f"chainward scan: median {cw_median:.2f} s over {args.runs} runs ({cw})")

    parts: dict[str, float] = {}
    server = None
    if args.pip_audit:
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                str(SHARED / "tools" / "osv_api_server.py"),
                "--zip",
                str(SHARED / "osv" / "PyPI-all.zip"),
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(2.0)
        pa_cmd = [
            args.pip_audit,
            "-r",
            str(project / "requirements.txt"),
            "--no-deps",
            "--disable-pip",
            "-s",
            "osv",
            "--osv-url",
            f"http://127.0.0.1:{port}/v1/query",
            "--progress-spinner",
            "off",
            "-f",
            "json",
        ]
        runs = []
        for _ in range(args.runs):
            cache = tempfile.mkdtemp(prefix="pa-cache-")
            runs.append(timed([*pa_cmd, "--cache-dir", cache])[0])
        parts["pip-audit"] = statistics.median(runs)
    else:
        print("pip-audit: not installed (pip install pip-audit)")
    if args.modelscan:
        timed([args.modelscan, "-p", str(project / "models")])
        parts["modelscan"] = statistics.median(
            timed([args.modelscan, "-p", str(project / "models")])[0] for _ in range(args.runs)
        )
    else:
        print("modelscan: not installed (pip install modelscan)")
    if args.guarddog_python:
        from guarddog_env import guarddog_env  # type: ignore[import-not-found]

        names = "\n".join(
            ln.split("==")[0] for ln in (project / "requirements.txt").read_text().splitlines()
        )
        gd_env = guarddog_env(args.guarddog_python)
        script = ROOT / "benchmarks" / "packages" / "guarddog_names.py"
        runs = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(
                [args.guarddog_python, str(script)],
                input=names,
                text=True,
                capture_output=True,
                env=gd_env,
                check=False,
            )
            runs.append(time.perf_counter() - start)
        parts["guarddog (typosquat rule)"] = statistics.median(runs)
    else:
        print("guarddog: give --guarddog-python (a venv with guarddog installed)")
    if server is not None:
        server.terminate()
    for name, seconds in parts.items():
        print(f"{name}: median {seconds:.2f} s")
    if parts:
        total = sum(parts.values())
        print(f"anchors together: {total:.2f} s ({', '.join(parts)})")
        print(f"ratio anchors / chainward scan: {total / cw_median:.1f}x")


if __name__ == "__main__":
    main()
