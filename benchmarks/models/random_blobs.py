"""False-positive probe: raw weight bytes that happen to look like a model format.

    python benchmarks/models/random_blobs.py [--count 40000] [--seed 1]

Model folders hold many files of raw tensor bytes (torch storages, ONNX external data,
TensorFlow variables, quantised blobs). Random bytes sometimes start like a pickle or a
protobuf; this scans ``--count`` random blobs (float32, float16 scaled like weights,
uint8, float64, in turn) with ``scan_bytes`` and prints what each was taken for and
every verdict that is not ``safe``. None should be ``unsafe``.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from chainward.models import scan_bytes


def blob(rng: np.random.Generator, index: int) -> bytes:
    mode = index % 4
    if mode == 0:
        return rng.standard_normal(4096, dtype=np.float32).tobytes()
    if mode == 1:
        return (rng.standard_normal(4096) * 0.02).astype(np.float16).tobytes()
    if mode == 2:
        return rng.integers(0, 256, 16384, dtype=np.uint8).tobytes()
    return rng.standard_normal(2048).astype(np.float64).tobytes()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    outcomes: Counter[tuple[str | None, str]] = Counter()
    for index in range(args.count):
        data = blob(rng, index)
        result = scan_bytes(data, "blob")
        outcomes[(result.format, result.verdict.value)] += 1
        if result.verdict.value == "unsafe":
            rules = [f.rule for f in result.findings]
            print(f"UNSAFE blob {index} ({data[:8].hex()}...): {rules}")
    for (fmt, verdict), n in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"{n:7d}  {fmt or 'not a model'}: {verdict}")


if __name__ == "__main__":
    main()
