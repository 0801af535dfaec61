"""Regenerate the example's two model files.

- sentiment-classifier.safetensors: a small, safe weight file written by the real
  `safetensors` library.
- legacy-tokenizer.pkl: an UNSAFE pickle in the shape of real-world attacks (a
  `__reduce__` that makes the unpickler call `exec` on attacker code). The payload
  is inert: it only runs `os.system("true")`. Writing it does not execute it.

Run:  python examples/ml-app/models/make_models.py
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

HERE = Path(__file__).parent


class _ExecOnLoad:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, ("import os; os.system('true')",))


def main() -> None:
    rng = np.random.default_rng(7)
    weights = {
        "embedding.weight": rng.standard_normal((64, 16)).astype(np.float32),
        "classifier.weight": rng.standard_normal((2, 16)).astype(np.float32),
        "classifier.bias": np.zeros(2, dtype=np.float32),
    }
    save_file(weights, str(HERE / "sentiment-classifier.safetensors"), metadata={"format": "np"})
    vocabulary = {"<pad>": 0, "<unk>": 1, "good": 2, "bad": 3}
    payload = {"vocab": vocabulary, "hook": _ExecOnLoad()}
    (HERE / "legacy-tokenizer.pkl").write_bytes(pickle.dumps(payload, protocol=2))


if __name__ == "__main__":
    main()
