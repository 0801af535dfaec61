"""LZ4 (pure-Python decoder) and zstd wrappers around real model files.

Samples from tests/assets/models/formats2/generate.py: joblib.dump(compress="lz4"),
torch.save piped through the lz4 frame/legacy and zstd compressors.
"""

from __future__ import annotations

import io
import sys
import zipfile

import pytest

from chainward.models import ScanOptions, scan, scan_bytes
from chainward.models.lz4 import Lz4Error, Lz4Limit, decompress_block, decompress_stream
from chainward.records import Verdict
from tests.conftest import asset

ROOT = asset("models") / "formats2"
LZ4_FILES = [
    "benign/compressed/estimator.joblib.lz4",
    "benign/compressed/state_dict.pt.lz4",
    "benign/compressed/state_dict.pt.legacy.lz4",
    "malicious/compressed/estimator_payload.joblib.lz4",
    "malicious/compressed/padded_pickle.lz4",
]


@pytest.fixture
def pure_lz4(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide the optional C library so the pure-Python decoder runs."""
    monkeypatch.setitem(sys.modules, "lz4", None)
    monkeypatch.setitem(sys.modules, "lz4.frame", None)


def _decode(rel: str, limit: int = 1 << 30) -> bytes:
    with (ROOT / rel).open("rb") as fh:
        return decompress_stream(fh, limit)


def test_pure_decoder_reads_real_frames() -> None:
    frame = _decode("benign/compressed/state_dict.pt.lz4")
    legacy = _decode("benign/compressed/state_dict.pt.legacy.lz4")
    assert frame == legacy  # the same torch.save bytes, two framings
    assert zipfile.ZipFile(io.BytesIO(frame)).testzip() is None  # a valid torch zip, CRCs ok
    joblib_pickle = _decode("benign/compressed/estimator.joblib.lz4")
    assert joblib_pickle[:2] == b"\x80\x04" and b"NumpyArrayWrapper" in joblib_pickle
    two = _decode("malicious/compressed/padded_pickle.lz4")
    assert two.count(b"system") == 2 and bytes(200_000) in two


@pytest.mark.usefixtures("pure_lz4")
@pytest.mark.parametrize("rel", LZ4_FILES)
def test_verdicts_with_the_pure_decoder(rel: str) -> None:
    (file,) = scan(ROOT / rel).files
    expected = Verdict.UNSAFE if rel.startswith("malicious/") else Verdict.SAFE
    assert file.verdict is expected, [f.message for f in file.findings]


@pytest.mark.usefixtures("pure_lz4")
def test_lz4_bomb_and_damage() -> None:
    data = (ROOT / "benign/compressed/state_dict.pt.lz4").read_bytes()
    result = scan_bytes(data, "x.lz4", ScanOptions(max_member_bytes=10_000))
    assert [f.rule for f in result.findings] == ["decompression-bomb"]
    with pytest.raises(Lz4Limit):
        _decode("benign/compressed/state_dict.pt.lz4", limit=10_000)
    for cut in (4, 7, 20, len(data) // 2, len(data) - 3):
        result = scan_bytes(data[:cut], "cut.lz4")
        assert result.verdict is Verdict.ERROR
        assert not any(f.rule == "internal-error" for f in result.findings)


def test_block_decoder_edge_cases() -> None:
    out = bytearray(b"ab")
    decompress_block(bytes([0x04, 0x02, 0x00]) + b"", out, 100)  # no literals, overlap copy
    assert out == b"ab" + b"abababab"[:8]
    with pytest.raises(Lz4Error):
        decompress_block(bytes([0x00, 0x09, 0x00]), bytearray(b"ab"), 100)  # offset too far
    with pytest.raises(Lz4Error):
        decompress_block(bytes([0xF0]), bytearray(), 100)  # truncated literal length
    with pytest.raises(Lz4Limit):
        # one literal then a run of 4 + 15 + 255*40 bytes: past a 1000-byte budget
        decompress_block(
            bytes([0x1F]) + b"x" + b"\x01\x00" + b"\xff" * 40 + b"\x00", bytearray(), 1000
        )
    with pytest.raises(Lz4Error):
        decompress_stream(io.BytesIO(b"not lz4 at all"), 100)


def test_zstd_samples() -> None:
    for rel, expected in (
        ("benign/compressed/state_dict.pt.zst", Verdict.SAFE),
        ("malicious/compressed/checkpoint.pt.zst", Verdict.UNSAFE),
        ("malicious/compressed/pickle_after_skippable.zst", Verdict.UNSAFE),
    ):
        (file,) = scan(ROOT / rel).files
        assert file.format == "zstd"
        assert file.verdict is expected, (rel, [f.message for f in file.findings])


def test_zstd_without_a_decoder_is_an_error_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import chainward.models.containers as containers

    monkeypatch.setattr(containers, "zstd_module", lambda: None)
    (file,) = scan(ROOT / "malicious/compressed/checkpoint.pt.zst").files
    assert file.verdict is Verdict.ERROR
    assert "chainward[zstd]" in file.findings[0].message


def test_zstd_bomb_and_truncation() -> None:
    data = (ROOT / "benign/compressed/state_dict.pt.zst").read_bytes()
    result = scan_bytes(data, "x.zst", ScanOptions(max_member_bytes=5_000))
    assert [f.rule for f in result.findings] == ["decompression-bomb"]
    result = scan_bytes(data[: len(data) // 2], "cut.zst")
    assert result.verdict is Verdict.ERROR
    assert not any(f.rule == "internal-error" for f in result.findings)


def test_frame_then_legacy_frame_reads_both() -> None:
    # a frame followed by a legacy frame: the C library stops with an error, the pure
    # decoder (and the lz4 tool) read both; the scanner must see the second payload
    first = (ROOT / "malicious/compressed/padded_pickle.lz4").read_bytes()
    legacy = (ROOT / "benign/compressed/state_dict.pt.legacy.lz4").read_bytes()
    with io.BytesIO(first + legacy) as fh:
        data = decompress_stream(fh, 1 << 30)
    assert data.endswith(_decode("benign/compressed/state_dict.pt.legacy.lz4"))
    (file,) = [scan_bytes(first + legacy, "two.lz4")]
    assert file.verdict is Verdict.UNSAFE


def test_every_gzip_member_and_bz2_stream_is_read() -> None:
    import bz2
    import gzip

    from chainward.models.containers import _decompress_stream

    evil = ROOT / "malicious/compressed/pickle_split_members.pkl.gz"
    data = evil.read_bytes()
    whole = gzip.decompress(data)
    assert _decompress_stream("gzip", io.BytesIO(data), 1 << 20) == whole
    padded = data.replace(b"\x1f\x8b", b"\x00" * 16 + b"\x1f\x8b")[16:]  # zeros between
    assert _decompress_stream("gzip", io.BytesIO(b"\x1f\x8b" + padded[2:]), 1 << 20) == whole
    assert _decompress_stream("gzip", io.BytesIO(data + b"trailing junk"), 1 << 20) == whole
    streams = (ROOT / "malicious/compressed/pickle_split_streams.pkl.bz2").read_bytes()
    assert _decompress_stream("bz2", io.BytesIO(streams), 1 << 20) == bz2.decompress(streams)
    # the budget holds across members
    assert len(_decompress_stream("gzip", io.BytesIO(data), 100)) == 101
