"""Regenerate the SBOM test assets (run from anywhere: python make_assets.py).

- project/: a small application (pyproject.toml + requirements.txt) with a models/
  folder holding a Hugging Face style model (config.json, README.md front matter,
  weights written by the real safetensors library) and a lone ONNX-free NumPy file.
- third-party/: SBOMs written by other tools are produced by benchmarks/sbom/ and
  copied here by hand (see README.md); this script only writes the malformed inputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

HERE = Path(__file__).resolve().parent

PYPROJECT = """\
[project]
name = "demo-ml-app"
version = "0.3.0"
dependencies = ["requests==2.31.0", "numpy==1.26.4"]

[dependency-groups]
dev = ["pytest==8.0.0"]
"""

REQUIREMENTS = """\
requests==2.31.0
numpy==1.26.4
"""

CONFIG = {
    "architectures": ["DistilBertForSequenceClassification"],
    "model_type": "distilbert",
    "dim": 8,
    "n_layers": 1,
    "vocab_size": 16,
}

README = """\
---
license: apache-2.0
datasets:
- stanfordnlp/sst2
base_model: distilbert/distilbert-base-uncased
pipeline_tag: text-classification
language: en
---

# tiny sentiment classifier

A deliberately tiny model for chainward's SBOM tests.
"""


def make_project() -> None:
    root = HERE / "project"
    model_dir = root / "models" / "sentiment"
    model_dir.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "requirements.txt").write_text(REQUIREMENTS)
    (model_dir / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    (model_dir / "README.md").write_text(README)
    rng = np.random.default_rng(7)
    save_file(
        {
            "classifier.weight": rng.standard_normal((2, 8)).astype(np.float32),
            "classifier.bias": np.zeros(2, dtype=np.float32),
        },
        str(model_dir / "model.safetensors"),
        metadata={"format": "np"},
    )
    np.save(root / "models" / "embeddings.npy", rng.standard_normal((4, 4)).astype(np.float32))


def make_malformed() -> None:
    bad = HERE / "malformed"
    bad.mkdir(exist_ok=True)
    (bad / "truncated.cdx.json").write_text(
        '{"bomFormat": "CycloneDX", "specVersion": "1.6", "comp'
    )
    depth = 100_000
    (bad / "deep.cdx.json").write_text(
        '{"bomFormat": "CycloneDX", "specVersion": "1.6", "x": ' + "[" * depth + "]" * depth + "}"
    )
    (bad / "entities.cdx.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library">'
        "<name>&b;</name></component></components></bom>\n"
    )
    (bad / "broken.cdx.xml").write_text(
        '<?xml version="1.0"?>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>\n'
    )
    (bad / "spdx-1.2.spdx.json").write_text('{"spdxVersion": "SPDX-1.2", "packages": []}\n')
    (bad / "array.cdx.json").write_text('[{"bomFormat": "CycloneDX"}]\n')


if __name__ == "__main__":
    make_project()
    make_malformed()
