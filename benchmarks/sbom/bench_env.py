"""chainward sbom --python vs cyclonedx-py environment on the same virtualenv.

Usage: python benchmarks/sbom/bench_env.py [--workdir DIR] [--runs N] [--keep] [--existing PY]

Creates a virtualenv in DIR (default: a temp dir), installs PACKAGES into it with the
venv's pip (your pip configuration decides the index), then times both tools
(best of N runs, whole command) and compares the component sets by purl.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGES = ["requests", "flask", "pyyaml", "numpy", "rich", "attrs", "packaging", "click"]


def run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return min(w for w, _ in samples), min(c for _, c in samples)


def purls(path: Path) -> set[str]:
    doc = json.loads(path.read_text())
    out = set()
    for component in doc.get("components", []):
        purl = component.get("purl", "")
        if not purl and component.get("type") == "library":
            # installed from a local folder: both tools leave the index purl out
            out.add(f"local:{component['name'].lower()}@{component.get('version')}")
        if purl.startswith("pkg:pypi/"):
            # cyclonedx-py keeps the distribution's spelling; compare PEP 503 names
            name, _, version = purl[len("pkg:pypi/") :].partition("@")
            out.add(f"{name.lower().replace('_', '-').replace('.', '-')}@{version.split('?')[0]}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--existing", type=Path, help="use this interpreter's environment instead")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="chainward-sbom-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    venv = work / "venv"
    python = args.existing or venv / "bin" / "python"
    if args.existing:
        venv = args.existing
    elif not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    cdx_out, cdx_nv_out, cw_out = work / "cyclonedx-py.json", work / "cdx-nv.json", work / "cw.json"
    cdx = [
        sys.executable,
        "-m",
        "cyclonedx_py",
        "environment",
        "--of",
        "JSON",
        "--sv",
        "1.6",
        "-o",
        str(cdx_out),
        str(python),
    ]
    cdx_nv = [*cdx[:-3], "--no-validate", "-o", str(cdx_nv_out), str(python)]
    chainward = [
        sys.executable,
        "-m",
        "chainward",
        "-q",
        "sbom",
        "--python",
        str(python),
        "-f",
        "cyclonedx-json",
        "-o",
        str(cw_out),
    ]
    commands = {
        "cyclonedx-py environment (validates)": cdx,
        "cyclonedx-py environment --no-validate": cdx_nv,
        "chainward sbom --python": chainward,
    }
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(args.runs):  # interleaved, so load changes hit every tool alike
        for label, cmd in commands.items():
            samples[label].append(run(cmd))
    times = {label: best(values) for label, values in samples.items()}
    theirs, ours = purls(cdx_out), purls(cw_out)
    print(f"virtualenv: {venv} ({len(theirs)} components per cyclonedx-py)")
    print(f"  {'command':42s} {'wall (best)':>12s} {'CPU (best)':>12s}")
    for label, (wall, cpu) in times.items():
        print(f"  {label:42s} {wall:10.2f} s {cpu:10.2f} s")
    ours_wall, ours_cpu = times["chainward sbom --python"]
    for label in list(commands)[:2]:
        wall, cpu = times[label]
        print(
            f"  ratio {label} / chainward: wall {wall / ours_wall:.2f}x, CPU {cpu / ours_cpu:.2f}x"
        )
    print(f"component sets equal: {theirs == ours}")
    if theirs != ours:
        print(f"  only cyclonedx-py: {sorted(theirs - ours)}")
        print(f"  only chainward:    {sorted(ours - theirs)}")
    if not args.keep and args.workdir is None:
        shutil.rmtree(work)
    return 0 if theirs == ours else 1


if __name__ == "__main__":
    sys.exit(main())
