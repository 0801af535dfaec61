"""Whole pickled Hugging Face objects (red team 3 follow-up, 2026-11-27).

``torch.save`` of a whole SentenceTransformer holds its BertTokenizer, and a pickled
image processor its PIL resampling enum: both were `unsafe` ("loads models"). They
are rebuilt with ``__new__`` and their ``__setstate__`` only; calling the same
classes (which may download or read files) stays `unsafe`.
"""

from __future__ import annotations

import pytest

from chainward.models import scan, scan_bytes
from chainward.records import Verdict
from tests.conftest import asset


@pytest.mark.parametrize("name", ["sentence_transformer.pt", "vit_image_processor.pkl"])
def test_real_whole_objects_are_safe(name: str) -> None:
    result = scan(asset("hf_whole", name))
    assert result.verdict is Verdict.SAFE, [f.message for f in result.findings]


@pytest.mark.parametrize(
    "global_line",
    [
        b"transformers.models.bert.tokenization_bert\nBertTokenizer",
        b"sentence_transformers.sentence_transformer.model\nSentenceTransformer",
        b"transformers.image_utils\nload_image",
    ],
)
def test_the_same_modules_called_are_unsafe(global_line: bytes) -> None:
    data = b"\x80\x02c" + global_line + b"\n(X\x08\x00\x00\x00/tmp/vocq\x00tR."
    assert scan_bytes(data, "called.pkl").verdict is Verdict.UNSAFE
