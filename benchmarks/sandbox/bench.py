"""Sandbox overhead: start-up per backend, and wall time of two real workloads vs unsandboxed.

usage: python benchmarks/sandbox/bench.py [--runs N] [--startup-runs N] [--wheel PATH]
                                          [--backends bwrap,landlock,gvisor] [--skip ...]

Workloads (modes interleaved round-robin so machine load hits all of them alike):
  startup  /bin/true and ``python -c pass``: direct, and through each backend with the
           observer off, in fast mode (strace --seccomp-bpf) and in full ptrace mode.
  pip      ``pip install --no-deps --no-index --target DIR WHEEL``: direct vs
           ``chainward sandbox install`` (fast trace, baseline not counted).
  load     a 100 MB checkpoint (torch when installed, else a pickled bytes blob): direct
           ``torch.load``/``pickle.load`` in a fresh interpreter vs ``chainward sandbox load``.
Only the local machine is touched; nothing goes to the network.
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from chainward.sandbox.analysis import install_package, load_model
from chainward.sandbox.backends import available
from chainward.sandbox.capabilities import detect
from chainward.sandbox.policy import Limits, Policy, TraceMode
from chainward.sandbox.runner import run

HAS_TORCH = importlib.util.find_spec("torch") is not None


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rounds(modes: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(runs):
        for name, fn in modes.items():
            samples[name].append(timed(fn))
    return {name: statistics.median(values) for name, values in samples.items()}


def synthetic_wheel(directory: Path, files: int = 3000) -> Path:
    """A pure wheel of ``files`` modules (~10 MB): many small files, like sympy."""
    path = directory / "cwbench-1.0-py3-none-any.whl"
    body = "\n".join(f"def f{i}(x):\n    return x * {i}\n" for i in range(120))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        names = []
        for i in range(files):
            name = f"cwbench/sub{i // 100}/m{i}.py"
            zf.writestr(name, body)
            names.append(name)
        meta = "Metadata-Version: 2.1\nName: cwbench\nVersion: 1.0\n"
        wheel = "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        zf.writestr("cwbench-1.0.dist-info/METADATA", meta)
        zf.writestr("cwbench-1.0.dist-info/WHEEL", wheel)
        names += ["cwbench-1.0.dist-info/METADATA", "cwbench-1.0.dist-info/WHEEL"]
        zf.writestr(
            "cwbench-1.0.dist-info/RECORD",
            "".join(f"{n},,\n" for n in names) + "cwbench-1.0.dist-info/RECORD,,\n",
        )
    return path


def checkpoint(directory: Path) -> Path:
    if HAS_TORCH:
        import torch

        path = directory / "benign_100mb.pt"
        torch.save({"w": torch.zeros(25 * 1024 * 1024, dtype=torch.float32)}, path)
        return path
    path = directory / "benign_100mb.pkl"
    path.write_bytes(pickle.dumps({"w": bytes(100 * 1024 * 1024)}, protocol=4))
    return path


def report(title: str, medians: dict[str, float], base: str) -> None:
    print(f"\n{title}")
    ref = medians[base]
    for name, value in medians.items():
        print(f"  {name:28} {value * 1000:9.1f} ms   {value / ref:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--startup-runs", type=int, default=10)
    parser.add_argument("--wheel", type=Path)
    parser.add_argument("--backends", default="")
    parser.add_argument("--skip", default="", help="comma list of startup,pip,load")
    args = parser.parse_args()
    status = available(detect())
    backends = [b for b, reason in status.items() if reason is None]
    if args.backends:
        backends = [b for b in args.backends.split(",") if b in backends]
    skip = set(args.skip.split(","))
    print(f"backends: {', '.join(backends)}; python {sys.version.split()[0]}")
    policy = Policy(limits=Limits(wall_s=600, cpu_s=600, memory_mb=8192, scratch_mb=4096))

    if "startup" not in skip:
        for label, cmd in (
            ("/bin/true", ["/bin/true"]),
            ("python -c pass", [sys.executable, "-c", "pass"]),
        ):
            modes: dict[str, Callable[[], object]] = {
                "direct": lambda cmd=cmd: subprocess.run(cmd, check=True)
            }
            for backend in backends:
                for trace in (TraceMode.OFF, TraceMode.FAST, TraceMode.FULL):
                    if backend == "gvisor" and trace is TraceMode.FULL:
                        continue
                    pol = replace(policy, trace=trace, python=label != "/bin/true")
                    modes[f"{backend} trace={trace.value}"] = (
                        lambda cmd=cmd, backend=backend, pol=pol: run(cmd, pol, backend=backend)
                    )
            runs = args.startup_runs
            report(f"start-up: {label} (median of {runs})", rounds(modes, runs), "direct")

    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        work = Path(tmp)
        if "pip" not in skip:
            wheel = args.wheel or synthetic_wheel(work)
            counter = iter(range(10**6))

            def direct_pip() -> None:
                target = work / f"direct-{next(counter)}"
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pip",
                        "--isolated",
                        "install",
                        "--no-deps",
                        "--no-index",
                        "--no-compile",
                        "--target",
                        str(target),
                        "--progress-bar",
                        "off",
                        "-q",
                        str(wheel),
                    ],
                    check=True,
                )

            modes = {"direct": direct_pip}
            for backend in backends:
                pol = replace(policy, trace=TraceMode.FAST)
                modes[f"{backend} trace=fast"] = lambda backend=backend, pol=pol: install_package(
                    str(wheel), backend=backend, policy=pol, use_baseline=False
                )
            size = wheel.stat().st_size / 1e6
            report(
                f"pip install {wheel.name} ({size:.1f} MB, median of {args.runs})",
                rounds(modes, args.runs),
                "direct",
            )
        if "load" not in skip:
            ckpt = checkpoint(work)
            loader = "torch" if HAS_TORCH else "pickle"
            code = (
                "import torch,sys; torch.load(sys.argv[1], map_location='cpu', weights_only=False)"
                if HAS_TORCH
                else "import pickle,sys; pickle.load(open(sys.argv[1],'rb'))"
            )
            modes = {
                "direct": lambda: subprocess.run(
                    [sys.executable, "-c", code, str(ckpt)], check=True
                )
            }
            for backend in backends:
                for trace in (TraceMode.FAST, TraceMode.FULL):
                    if backend == "gvisor" and trace is TraceMode.FULL:
                        continue
                    pol = replace(policy, trace=trace)
                    modes[f"{backend} trace={trace.value}"] = lambda backend=backend, pol=pol: (
                        load_model(ckpt, backend=backend, loader=loader, policy=pol)
                    )
            report(
                f"load {ckpt.name} with {loader} (median of {args.runs})",
                rounds(modes, args.runs),
                "direct",
            )


if __name__ == "__main__":
    main()
