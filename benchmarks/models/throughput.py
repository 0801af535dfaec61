"""Large-file throughput: chainward vs the anchors on big benign files (not committed).

    python benchmarks/models/throughput.py --anchors /tmp/mscan-anchors/bin --mb 512

Writes a safetensors file and a torch zip checkpoint of ``--mb`` MB of random
float32 tensors into a temporary folder (with torch and safetensors from the main
interpreter), then times one process per tool per file (wall clock, including
interpreter start-up; best of ``--repeat`` after one warm-up run) and prints MB/s
and the ratio to chainward. ``--chainward`` names the command that runs chainward
(for a fair start-up comparison, a virtual environment like the anchors', e.g.
``/tmp/cw-venv/bin/chainward``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_workloads import bench_env, best_of


def make_files(folder: Path, mb: int) -> list[Path]:
    import numpy as np
    import torch
    from safetensors.numpy import save_file

    count = max(1, mb // 16)
    side = 2048
    tensors = {
        f"layer{i}.weight": np.random.rand(side, side).astype(np.float32) for i in range(count)
    }
    st = folder / "large.safetensors"
    save_file(tensors, st)
    pt = folder / "large_pytorch_model.bin"
    torch.save({k: torch.from_numpy(v) for k, v in tensors.items()}, pt)
    return [st, pt]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--anchors", type=Path, default=Path("/tmp/mscan-anchors/bin"))
    parser.add_argument("--mb", type=int, default=512)
    parser.add_argument("--skip-modelaudit", action="store_true")
    parser.add_argument("--chainward", default=f"{sys.executable} -m chainward")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = bench_env()
    cmds = {
        "chainward": [*args.chainward.split(), "model", "scan", "--format", "json"],
        "picklescan": [str(args.anchors / "picklescan"), "-p"],
        "modelscan": [str(args.anchors / "modelscan"), "-p"],
        "fickling": [str(args.anchors / "fickling"), "--check-safety"],
        "modelaudit": [str(args.anchors / "modelaudit"), "scan", "--no-cache"],
    }
    if args.skip_modelaudit:
        del cmds["modelaudit"]
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp), args.mb)
        print(f"| tool | file | exit | wall s (best of {args.repeat}) | MB/s | x chainward time |")
        print("|---|---|---|---|---|---|")
        base: dict[str, float] = {}
        for tool, cmd in cmds.items():
            for path in files:
                size_mb = path.stat().st_size / 1e6

                def run(cmd: list[str] = cmd, path: Path = path) -> int:
                    p = subprocess.run([*cmd, str(path)], capture_output=True, env=env, timeout=900)
                    return p.returncode

                repeat = 1 if tool == "modelaudit" else args.repeat
                if repeat > 1:
                    run()
                wall, code = best_of(repeat, run)
                if tool == "chainward":
                    base[path.name] = wall
                ratio = wall / base[path.name]
                print(
                    f"| {tool} | {path.name} ({size_mb:.0f} MB) | {code} | "
                    f"{wall:.2f} | {size_mb / wall:.0f} | {ratio:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
