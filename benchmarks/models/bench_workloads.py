"""Realistic scanning workloads: chainward vs picklescan, modelscan, fickling, modelaudit.

    python benchmarks/models/bench_workloads.py --anchors /tmp/mscan-anchors/bin \\
        --chainward /tmp/cw-venv/bin/chainward --repeat 3 [--big-gb 2] [--skip-modelaudit]

Inputs are made with the real libraries (torch, numpy, scikit-learn, joblib,
safetensors) in a temporary folder that is deleted afterwards (never committed):

* ``folder``: a Hugging-Face-cache-like tree of ``--repos`` model repositories, each
  with a torch zip checkpoint, a safetensors file, a scikit-learn pickle, a joblib
  dump, .npy arrays and config files (snapshot files are symlinks into ``blobs/``,
  as in a real cache); one process per tool over the folder (fickling, which has no
  folder mode, one process per file);
* ``small.safetensors`` / ``small.pkl``: one small file (start-up is everything);
* ``forest.joblib``: a scikit-learn RandomForest joblib dump (many small arrays);
* ``forest.pkl``: the same forest through ``pickle.dump`` (arrays inline as bytes);
* ``legacy.pt``: a legacy (non-zip) ``torch.save`` of thousands of tensors;
* ``many_tensors.pt``: a torch zip with thousands of tensors (a big ``data.pkl``);
* ``big.pt`` / ``big.safetensors``: ``--big-gb`` GB files (only with ``--big-gb``).

Every tool runs as a subprocess on the same input in the same run; wall time is
the best of ``--repeat`` runs (taken in turns: tool A, B, C, A, B, C...) and includes
interpreter start-up. The ratio column is the tool's time over chainward's.
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _forest(trees: int) -> object:
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 20))
    y = (x[:, 0] + rng.normal(size=4000) > 0).astype(int)
    return RandomForestClassifier(n_estimators=trees, random_state=0, n_jobs=1).fit(x, y)


def make_folder(root: Path, repos: int) -> Path:
    """A cache tree: models--org--nameN/{blobs,snapshots/REV} with links, like huggingface_hub."""
    import hashlib

    import joblib
    import numpy as np
    import torch
    from safetensors.numpy import save_file
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    small = LogisticRegression().fit(rng.normal(size=(50, 4)), np.arange(50) % 2)
    cache = root / "hub"
    for i in range(repos):
        repo = cache / f"models--org--model{i}"
        blobs = repo / "blobs"
        snap = repo / "snapshots" / f"{i:040x}"
        blobs.mkdir(parents=True)
        snap.mkdir(parents=True)
        tensors = {
            f"layer{j}.weight": rng.normal(size=(64, 64 + i % 7)).astype(np.float32)
            for j in range(8)
        }
        staged = root / "staging"
        staged.mkdir(exist_ok=True)
        torch.save(
            {k: torch.from_numpy(v) for k, v in tensors.items()}, staged / "pytorch_model.bin"
        )
        save_file(tensors, staged / "model.safetensors")
        with (staged / "classifier.pkl").open("wb") as fh:
            pickle.dump(small, fh, protocol=4)
        joblib.dump({"coef": tensors["layer0.weight"], "names": ["a", "b"]}, staged / "head.joblib")
        np.save(staged / "embeddings.npy", tensors["layer1.weight"])
        (staged / "config.json").write_text('{"model_type": "demo", "hidden_size": 64}\n')
        (staged / "README.md").write_text(f"# model {i}\n")
        for file in sorted(staged.iterdir()):
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
            blob = blobs / digest
            if not blob.exists():
                file.rename(blob)
            else:
                file.unlink()
            (snap / file.name).symlink_to(Path("../..") / "blobs" / digest)
    shutil.rmtree(root / "staging", ignore_errors=True)
    return cache


def make_small(root: Path) -> list[Path]:
    """One-file scans where start-up is everything: a tiny safetensors file, a small pickle."""
    import numpy as np
    from safetensors.numpy import save_file
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(2)
    st = root / "small.safetensors"
    save_file({"w": rng.normal(size=(16, 16)).astype(np.float32)}, st)
    pk = root / "small.pkl"
    model = LogisticRegression().fit(rng.normal(size=(50, 4)), np.arange(50) % 2)
    with pk.open("wb") as fh:
        pickle.dump(model, fh, protocol=4)
    return [st, pk]


def make_big_pickles(root: Path, trees: int, tensors: int) -> list[Path]:
    import joblib
    import torch

    forest = _forest(trees)
    out = []
    path = root / "forest.joblib"
    joblib.dump(forest, path)
    out.append(path)
    path = root / "forest.pkl"
    with path.open("wb") as fh:
        pickle.dump(forest, fh, protocol=4)
    out.append(path)
    state = {f"block{i // 8}.layer{i % 8}.weight": torch.randn(16, 16) for i in range(tensors)}
    path = root / "legacy.pt"
    torch.save(state, path, _use_new_zipfile_serialization=False)
    out.append(path)
    path = root / "many_tensors.pt"
    torch.save(state, path)
    out.append(path)
    return out


def make_big_files(root: Path, gb: float) -> list[Path]:
    import numpy as np
    import torch
    from safetensors.numpy import save_file

    count = max(1, int(gb * 1024 / 64))  # 64 MB tensors
    tensors = {f"h.{i}.w": np.zeros((4096, 4096), dtype=np.float32) for i in range(count)}
    st = root / "big.safetensors"
    save_file(tensors, st)
    pt = root / "big.pt"
    torch.save({k: torch.from_numpy(v) for k, v in tensors.items()}, pt)
    return [st, pt]


def bench_env() -> dict[str, str]:
    """The anchors' venv holds compiled bytecode; let an editable chainward cache its own
    (outside the source tree) instead of recompiling every module on every run."""
    env = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "cw-bench-pycache"))
    return env


def _files(folder: Path) -> list[Path]:
    """Every file a scanner reaches (cache links and the blobs they lead to both count)."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _runner(
    cmd: list[str], tool: str, path: Path, files: list[Path], env: dict[str, str]
) -> Callable[[], int]:
    """One run of ``tool`` over ``path``; its exit code."""
    if tool == "fickling" and path.is_dir():  # no folder mode: a process per file

        def each_file() -> int:
            worst = 0
            for f in files:
                p = subprocess.run([*cmd, str(f)], capture_output=True, env=env)
                worst = max(worst, p.returncode)
            return worst

        return each_file

    def whole() -> int:
        return subprocess.run(
            [*cmd, str(path)], capture_output=True, env=env, timeout=3600
        ).returncode

    return whole


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, int]:
    times = []
    code = 0
    for _ in range(repeat):
        start = time.perf_counter()
        code = run()
        times.append(time.perf_counter() - start)
    return min(times), code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--anchors", type=Path, default=Path("/tmp/mscan-anchors/bin"))
    parser.add_argument(
        "--chainward",
        default=f"{sys.executable} -m chainward",
        help="command that runs chainward (e.g. /tmp/cw-venv/bin/chainward)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repos", type=int, default=50, help="repositories in the folder tree")
    parser.add_argument("--trees", type=int, default=1000, help="RandomForest size")
    parser.add_argument("--tensors", type=int, default=20000, help="tensors in the torch files")
    parser.add_argument("--big-gb", type=float, default=0.0)
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--tools", default="chainward,picklescan,modelscan,fickling,modelaudit")
    parser.add_argument("--skip-modelaudit", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, help="generate into (and keep) DIR")
    args = parser.parse_args()
    env = bench_env()
    tools = [t for t in args.tools.split(",") if t]
    if args.skip_modelaudit and "modelaudit" in tools:
        tools.remove("modelaudit")
    cmds = {
        "chainward": [*args.chainward.split(), "model", "scan", "--format", "json"],
        "picklescan": [str(args.anchors / "picklescan"), "-p"],
        "modelscan": [str(args.anchors / "modelscan"), "-p"],
        "fickling": [str(args.anchors / "fickling"), "--check-safety"],
        "modelaudit": [str(args.anchors / "modelaudit"), "scan", "--no-cache"],
    }
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="cw-workloads-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        workloads: list[tuple[str, Path]] = []
        want = set(args.only.split(",")) - {""}
        if not want or "folder" in want:
            folder = tmp / "hub"
            if not folder.exists():
                folder = make_folder(tmp, args.repos)
            workloads.append(("folder", folder))
        small = ["small.safetensors", "small.pkl"]
        if not want or want & set(small):
            if not all((tmp / n).exists() for n in small):
                make_small(tmp)
            workloads += [(n, tmp / n) for n in small if not want or n in want]
        names = ["forest.joblib", "forest.pkl", "legacy.pt", "many_tensors.pt"]
        if not want or want & set(names):
            if not all((tmp / n).exists() for n in names):
                make_big_pickles(tmp, args.trees, args.tensors)
            workloads += [(n, tmp / n) for n in names if not want or n in want]
        if args.big_gb:
            free = shutil.disk_usage(tmp).free
            if free < args.big_gb * 2.5e9 + 5e9:
                sys.exit(f"not enough free disk for --big-gb {args.big_gb} ({free / 1e9:.0f} GB)")
            if not (tmp / "big.pt").exists():
                make_big_files(tmp, args.big_gb)
            workloads += [("big.safetensors", tmp / "big.safetensors"), ("big.pt", tmp / "big.pt")]
        print(
            f"| workload | size | tool | exit | wall s (best of {args.repeat}) | throughput "
            "| x chainward |"
        )
        print("|---|---|---|---|---|---|---|")
        for name, path in workloads:
            files = _files(path) if path.is_dir() else [path]
            size = sum(f.stat().st_size for f in files) / 1e6
            runs = {tool: _runner(cmds[tool], tool, path, files, env) for tool in tools}
            # warm-up (page cache, bytecode caches); minutes-long runs (modelaudit,
            # fickling's process per file, any warm-up over 10 s) are timed only once
            timed = {tool: best_of(1, run) for tool, run in runs.items()}
            again = [
                tool
                for tool in tools
                if tool != "modelaudit"
                and not (tool == "fickling" and path.is_dir())
                and timed[tool][0] < 10
            ]
            # the repeats go round the tools, so that a noisy moment of the machine
            # falls on all of them rather than on one tool's whole series
            for _ in range(args.repeat):
                for tool in again:
                    wall, code = best_of(1, runs[tool])
                    if wall < timed[tool][0]:
                        timed[tool] = (wall, code)
            base = timed["chainward"][0] if "chainward" in timed else None
            for tool in tools:
                wall, code = timed[tool]
                rate = (
                    f"{len(files) / wall:.0f} files/s"
                    if path.is_dir()
                    else f"{size / wall:.0f} MB/s"
                )
                ratio = f"{wall / base:.1f}" if base else "-"
                print(
                    f"| {name} | {len(files)} files, {size:.0f} MB | {tool} | {code} | "
                    f"{wall:.3f} | {rate} | {ratio} |",
                    flush=True,
                )
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
