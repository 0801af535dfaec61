"""The second labelled corpus (tests/assets/models/formats2, made by its generate.py).

TorchScript code, HDF5 dense attributes, TFLite flatbuffers and lz4/zstd
wrappers, written by the real libraries: every malicious file ``unsafe``, every
benign file ``safe``.
"""

from __future__ import annotations

import json

import pytest

from chainward.models import scan
from chainward.records import Verdict
from tests.conftest import asset

CORPUS = asset("models")
LABELS: dict[str, dict[str, str]] = json.loads((CORPUS / "formats2" / "labels.json").read_text())


def test_labels_point_at_files() -> None:
    assert sum(i["label"] == "malicious" for i in LABELS.values()) >= 3
    for rel in LABELS:
        assert rel.startswith("formats2/"), rel
        assert (CORPUS / rel).is_file(), rel


@pytest.mark.parametrize("rel", sorted(LABELS))
def test_verdict_matches_label(rel: str) -> None:
    info = LABELS[rel]
    result = scan(CORPUS / rel)
    assert len(result.files) == 1
    file = result.files[0]
    assert file.format is not None, f"{rel}: format not detected"
    assert not any(f.rule == "internal-error" for f in file.findings)
    assert file.verdict is Verdict(info["expect"]), (
        rel,
        info["source"],
        [f.message for f in file.findings],
    )
