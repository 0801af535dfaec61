"""False-positive sweep: every model-format file shipped inside the installed libraries.

    python benchmarks/models/site_sweep.py [SITE_PACKAGES]

Walks site-packages for model-looking files (ONNX backend test models, scipy/numpy/
joblib/statsmodels/h5py test data, ...), scans each with chainward and prints the
verdict counts and every file that is not ``safe`` (files of no model format are
counted as ``error`` and listed apart). These are real files written by the real
libraries, so any ``unsafe`` here is a false positive.
"""

from __future__ import annotations

import site
import sys
from collections import Counter
from pathlib import Path

from chainward.models import scan

SUFFIXES = (".pkl", ".pickle", ".joblib", ".npy", ".npz", ".pt", ".ckpt", ".h5", ".hdf5")
SUFFIXES += (".onnx", ".gguf", ".safetensors", ".keras", ".bin")


def model_files(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        name = path.name
        if "chainward" in path.parts or not path.is_file():
            continue
        if name.endswith(SUFFIXES) or ".pkl." in name:
            found.append(path)
    return sorted(found)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(site.getsitepackages()[0])
    counts: Counter[str] = Counter()
    flagged = []
    for path in model_files(root):
        files = scan(path).files
        if not files:
            continue
        verdict = files[0].verdict.value
        counts[verdict] += 1
        if verdict != "safe":
            flagged.append(f"{verdict:10s} {path.relative_to(root)}")
    print(dict(counts))
    print("\n".join(flagged))


if __name__ == "__main__":
    main()
