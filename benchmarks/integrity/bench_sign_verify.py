"""Sign and verify the same models with chainward and model-signing 1.1.1, in one run.

Inputs (generated under a temporary folder in /tmp, deleted at the end):
  * big:    one 2 GiB file;
  * folder: 200 files, ~2 GB (190 files of 1-9 MB and 10 of ~105 MB, like a sharded
            checkpoint with its tokenizer and configs);
  * lock:   a ~10 GB model (sparse files, so it costs no disk) for the lock
            re-verification after touching one small file.

Both tools run in-process through their Python APIs (so start-up time is not
counted), with a warm page cache (each input is read once before timing). For each
step the wall time, the process CPU time and CPU/wall (cores used) are printed.

    python benchmarks/integrity/bench_sign_verify.py [--repeat N] [--skip-lock]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

GiB = 1024**3
MB = 1000**2


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall time over ``repeat`` runs, and the CPU seconds of that run."""
    best: tuple[float, float] | None = None
    for _ in range(repeat):
        c0, t0 = cpu(), time.perf_counter()
        fn()
        wall, used = time.perf_counter() - t0, cpu() - c0
        if best is None or wall < best[0]:
            best = (wall, used)
    assert best is not None
    return best


def write_random(path: Path, size: int, block: bytes) -> None:
    with open(path, "wb") as fh:
        written, counter = 0, 0
        while written < size:
            chunk = counter.to_bytes(8, "little") + block[8 : min(len(block), size - written)]
            fh.write(chunk[: size - written])
            written += len(chunk[: size - written])
            counter += 1


def make_inputs(root: Path, scale: float) -> tuple[Path, Path]:
    block = os.urandom(64 * 1024 * 1024)
    big = root / "big" / "model.bin"
    big.parent.mkdir(parents=True)
    write_random(big, int(2 * GiB * scale), block)
    folder = root / "folder"
    folder.mkdir()
    rng = __import__("random").Random(7)
    for i in range(190):
        write_random(
            folder / f"shard-small-{i:03d}.bin", int(rng.randint(1 * MB, 9 * MB) * scale), block
        )
    for i in range(10):
        write_random(folder / f"model-{i:05d}-of-00010.safetensors", int(105 * MB * scale), block)
    return big.parent, folder


def warm(path: Path) -> None:
    for p in [path] if path.is_file() else sorted(path.rglob("*")):
        if p.is_file():
            with open(p, "rb", buffering=0) as fh:
                while fh.read(16 * 1024 * 1024):
                    pass


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _ms_hashing(shard_size: int | None, algorithm: str) -> object:
    import model_signing as ms

    config = ms.hashing.Config()
    if shard_size is None:
        return config.use_file_serialization(hashing_algorithm=algorithm)
    return config.use_shard_serialization(hashing_algorithm=algorithm, shard_size=shard_size)


def _bench_config(
    label: str,
    model: Path,
    keys: tuple[Path, Path],
    sigs: tuple[Path, Path],
    shard_size: int | None,
    algorithm: str,
    repeat: int,
) -> list[tuple[str, str, tuple[float, float]]]:
    import model_signing as ms

    from chainward.integrity import (
        HashAlgorithm,
        KeySigner,
        PublicKeyPolicy,
        sign_model,
        verify_signature,
    )
    from chainward.integrity.keys import load_private_key, load_public_key

    priv, pub = keys
    cw_sig, ms_sig = sigs
    signer = KeySigner(private_key=load_private_key(priv))
    policy = PublicKeyPolicy(key=load_public_key(pub))
    flavour = "model-signing" if shard_size else "spec"

    def cw_sign() -> None:
        sign_model(
            model,
            signer=signer,
            signature=cw_sig,
            shard_size=shard_size,
            flavour=flavour,
            algorithm=HashAlgorithm.parse(algorithm),
        )

    def ms_sign() -> None:
        ms.signing.Config().use_elliptic_key_signer(private_key=priv).set_hashing_config(
            _ms_hashing(shard_size, algorithm)
        ).sign(model, ms_sig)

    def cw_verify() -> None:
        verify_signature(model, cw_sig, policy=policy)

    def cw_verify_1() -> None:
        verify_signature(model, cw_sig, policy=policy, workers=1)

    def ms_verify() -> None:
        ms.verifying.Config().use_elliptic_key_verifier(public_key=pub).set_hashing_config(
            _ms_hashing(shard_size, algorithm)
        ).verify(model, ms_sig)

    rows = [
        (label, "chainward sign", measure(cw_sign, repeat)),
        (label, "model-signing sign", measure(ms_sign, repeat)),
        (label, "chainward verify", measure(cw_verify, repeat)),
        (label, "model-signing verify", measure(ms_verify, repeat)),
        (label, "chainward verify 1 thr", measure(cw_verify_1, repeat)),
    ]
    # cross-check: each tool accepts the other's signature
    verify_signature(model, ms_sig, policy=policy)
    ms.verifying.Config().use_elliptic_key_verifier(public_key=pub).set_hashing_config(
        _ms_hashing(shard_size, algorithm)
    ).verify(model, cw_sig)
    return rows


def _cli_rows(model: Path, keys: tuple[Path, Path], sigdir: Path, repeat: int) -> list[Any]:
    """Whole commands (start-up included), default files/sha256: the only hashing the
    model-signing 1.1.1 command line can verify."""
    priv, pub = keys
    py = sys.executable
    cw_sig, ms_sig = sigdir / "cli-cw.sig", sigdir / "cli-ms.sig"
    commands = {
        "chainward sign": [
            py,
            "-m",
            "chainward",
            "-q",
            "model",
            "sign",
            str(model),
            "--key",
            str(priv),
            "--signature",
            str(cw_sig),
        ],
        "model-signing sign": [
            py,
            "-m",
            "model_signing",
            "sign",
            "key",
            str(model),
            "--private_key",
            str(priv),
            "--signature",
            str(ms_sig),
        ],
        "chainward verify": [
            py,
            "-m",
            "chainward",
            "-q",
            "model",
            "verify",
            str(model),
            "--signature",
            str(cw_sig),
            "--key",
            str(pub),
        ],
        "model-signing verify": [
            py,
            "-m",
            "model_signing",
            "verify",
            "key",
            str(model),
            "--public_key",
            str(pub),
            "--signature",
            str(ms_sig),
        ],
    }
    rows = []
    for step, argv in commands.items():
        best: tuple[float, float] | None = None
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            if best is None or wall < best[0]:
                best = (wall, used)
        assert best is not None
        rows.append(("CLI files/sha256", step, best))
    return rows


def bench_model(name: str, model: Path, keys: tuple[Path, Path], sigdir: Path, repeat: int) -> None:
    size = size_of(model)
    shard = 256 * 1024 * 1024
    rows = []
    configs = (
        ("files/sha256", None, "sha256"),
        (f"shards/sha256 ({shard >> 20} MiB)", shard, "sha256"),
        ("files/blake3", None, "blake3"),
    )
    for label, shard_size, algorithm in configs:
        sigs = (sigdir / f"{name}-cw.sig", sigdir / f"{name}-ms.sig")
        rows += _bench_config(label, model, keys, sigs, shard_size, algorithm, repeat)
    rows += _cli_rows(model, keys, sigdir, repeat)
    files = sum(1 for p in model.rglob("*") if p.is_file())
    print(f"\n## {name}: {size / 1e9:.2f} GB, {files} files")
    print(
        f"{'serialization':<26}{'step':<22}{'wall s':>8}{'GB/s':>7}{'cpu s':>8}{'cores':>7}{'ratio':>8}"
    )
    by_key = {(r[0], r[1]): r[2] for r in rows}
    for label, step, (wall, used) in rows:
        other = (
            step.replace("chainward", "model-signing")
            if step in ("chainward sign", "chainward verify")
            else None
        )
        ratio = f"{by_key[(label, other)][0] / wall:6.2f}x" if other else ""
        print(
            f"{label:<26}{step:<22}{wall:8.2f}{size / 1e9 / wall:7.2f}{used:8.2f}"
            f"{used / wall:7.2f}{ratio:>8}"
        )


def bench_lock(root: Path, scale: float) -> None:
    from chainward.integrity import verify
    from chainward.integrity.lock import LockFile, lock_model, resolve_target, write_lock

    model = root / "ten-gb"
    model.mkdir()
    for i in range(4):  # sparse: 10 GB on paper, nothing on disk
        with open(model / f"model-{i:05d}-of-00004.safetensors", "wb") as fh:
            fh.truncate(int(2_500_000_000 * scale))
    for i in range(40):
        (model / f"tokenizer-{i}.json").write_text(f'{{"vocab": {i}}}\n')
    lock_path = root / "models.lock"
    t0 = time.perf_counter()
    resolved = resolve_target(str(model), lock_dir=root)
    write_lock(lock_path, LockFile(models=(lock_model(resolved, lock_path=lock_path),)))
    locked = time.perf_counter() - t0
    (model / "tokenizer-7.json").write_text('{"vocab": 7}\n')  # touched, same content
    t0 = time.perf_counter()
    verify(model, lock=lock_path)
    touched = time.perf_counter() - t0
    t0 = time.perf_counter()
    verify(model, lock=lock_path)
    clean = time.perf_counter() - t0
    print(f"\n## lock: {size_of(model) / 1e9:.1f} GB model, 44 files (sparse)")
    print(f"lock (hash everything)                 {locked:8.2f} s")
    print(f"verify after touching one small file   {touched * 1000:8.1f} ms")
    print(f"verify, nothing changed                {clean * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-lock", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0, help="shrink inputs (smoke test)")
    parser.add_argument("--only", choices=["big", "folder"], default=None)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="chainward-bench-", dir="/tmp"))
    os.environ.setdefault("CHAINWARD_HOME", str(root / "home"))
    try:
        key = ec.generate_private_key(ec.SECP256R1())
        priv, pub = root / "k.pem", root / "k.pub"
        priv.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        pub.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        print(
            f"cpus: {len(os.sched_getaffinity(0))}, load average: "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        big, folder = make_inputs(root, args.scale)
        sigdir = root / "sigs"
        sigdir.mkdir()
        for name, model in (("big", big), ("folder", folder)):
            if args.only and args.only != name:
                continue
            warm(model)
            bench_model(name, model, (priv, pub), sigdir, args.repeat)
        if not args.skip_lock:
            bench_lock(root, args.scale)
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
