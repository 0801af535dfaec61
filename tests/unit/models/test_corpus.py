"""The labelled corpus (tests/assets/models, made by generate.py with the real libraries).

Every malicious file must be ``unsafe``; every benign file made by a real library
must be ``safe`` (not even "suspicious"), except a ``torch.save`` of a whole module
whose class is the user's own: that is for review (``suspicious``), never ``unsafe``.
"""

from __future__ import annotations

import json

import pytest

from chainward.models import scan
from chainward.records import Verdict
from tests.conftest import asset

CORPUS = asset("models")
LABELS: dict[str, dict[str, str]] = json.loads((CORPUS / "labels.json").read_text())


def test_corpus_is_not_empty() -> None:
    kinds = [info["label"] for info in LABELS.values()]
    assert kinds.count("malicious") >= 120
    assert kinds.count("benign") >= 170
    for rel, info in LABELS.items():
        assert (CORPUS / rel).exists(), rel
        assert info["source"], rel  # every sample names what it imitates or who wrote it
        allowed = ("unsafe",) if info["label"] == "malicious" else ("safe", "suspicious")
        assert info["expect"] in allowed, rel


def _labelled() -> list[object]:
    """Every file; one whose fix is still pending (``"pending"``: why) is a strict xfail,
    so the fix that lands flips it."""
    return [
        pytest.param(rel, marks=pytest.mark.xfail(strict=True, reason=LABELS[rel]["pending"]))
        if "pending" in LABELS[rel]
        else rel
        for rel in sorted(LABELS)
    ]


@pytest.mark.parametrize("rel", _labelled())
def test_verdict_matches_label(rel: str) -> None:
    info = LABELS[rel]
    result = scan(CORPUS / rel)
    assert len(result.files) == 1
    file = result.files[0]
    assert file.format is not None, f"{rel}: format not detected"
    assert not any(f.rule == "internal-error" for f in file.findings)
    expected = Verdict(info["expect"])
    assert file.verdict is expected, (rel, info["source"], [f.message for f in file.findings])


def test_whole_corpus_in_one_walk() -> None:
    result = scan(CORPUS)
    by_path = {f.path: f for f in result.files}
    pending = {str(CORPUS / rel) for rel, info in LABELS.items() if "pending" in info}
    unsafe = [p for p, f in by_path.items() if f.verdict is Verdict.UNSAFE and p not in pending]
    assert all("/malicious/" in p for p in unsafe)
    # the walk also reaches formats2/ (its own labels file and generator)
    extra = json.loads((CORPUS / "formats2" / "labels.json").read_text())
    expected = [i for i in (*LABELS.values(), *extra.values()) if "pending" not in i]
    assert len(unsafe) == sum(1 for i in expected if i["expect"] == "unsafe")
