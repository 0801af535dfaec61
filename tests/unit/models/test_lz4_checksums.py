"""LZ4 frame checksums (xxHash32): header, block and content, verified within a budget.

The frames are written by ``lz4.frame`` (``generate.py lz4_checksums``); the bad
ones have one checksum flipped. A mismatch is reported and the data is still
scanned, because a streaming loader has read it before the end-of-frame check.
"""

from __future__ import annotations

import io
import time

import pytest

from chainward.models import lz4, scan
from chainward.models.lz4 import _xxh32_python, decompress_stream, xxh32
from chainward.records import Verdict
from tests.conftest import asset

CORPUS = asset("models")


@pytest.mark.parametrize(
    ("data", "seed", "expected"),
    [
        # xxHash's reference values (xxhash_spec.md, the xxhsum tool)
        (b"", 0, 0x02CC5D05),
        (b"a", 0, 0x550D7456),
        (b"abc", 0, 0x32D153FF),
        (b"Nobody inspects the spammish repetition", 0, 0xE2293B2F),
        (b"", 1, 0x0B2CB792),
    ],
)
def test_xxh32_reference_values(data: bytes, seed: int, expected: int) -> None:
    assert _xxh32_python(data, seed) == expected
    assert xxh32(data, seed) == expected


def test_xxh32_matches_the_checksum_lz4_frame_stored() -> None:
    # the content checksum lz4.frame stored for a real 80 kB pickle (the 39-byte reference
    # value above goes through the 16-byte stripes, a 4-byte word and single bytes)
    raw = (CORPUS / "benign/lz4/state_checksums.pkl.lz4").read_bytes()
    problems: list[str] = []
    out = decompress_stream(io.BytesIO(raw), 1 << 24, problems)
    assert problems == []
    assert _xxh32_python(out) == int.from_bytes(raw[-4:], "little")


@pytest.mark.parametrize("name", ["state_checksums.pkl.lz4", "state_one_block.pkl.lz4"])
def test_valid_frames_have_no_findings(name: str) -> None:
    (file,) = scan(CORPUS / "benign" / "lz4" / name).files
    assert file.verdict is Verdict.SAFE
    assert not file.findings


@pytest.mark.parametrize("which", ["content", "header", "block"])
def test_a_bad_checksum_is_reported_and_the_payload_still_found(which: str) -> None:
    (file,) = scan(CORPUS / "malicious" / "lz4" / f"payload_bad_{which}_checksum.pkl.lz4").files
    assert file.verdict is Verdict.UNSAFE
    rules = [f.rule for f in file.findings]
    assert "pickle-dangerous-call" in rules
    mismatches = [f.message for f in file.findings if f.rule == "lz4-checksum-mismatch"]
    assert len(mismatches) == 1 and mismatches[0].startswith(f"lz4 {which} checksum mismatch")


def test_valid_payload_frame_has_only_the_payload_finding() -> None:
    (file,) = scan(CORPUS / "malicious" / "lz4" / "payload_checksums.pkl.lz4").files
    assert [f.rule for f in file.findings] == ["pickle-dangerous-call"]


def _stored_frame(payload: bytes, block: int = 1 << 20) -> bytes:
    """A frame of stored blocks with block and content checksums that are all wrong."""
    flg, bd = 0x40 | 0x20 | 0x10 | 0x04, 0x60  # independent, block + content checksum, 1 MB
    head = bytes([flg, bd])
    out = b"\x04\x22\x4d\x18" + head + bytes([(xxh32(head) >> 8) & 0xFF])
    for start in range(0, len(payload), block):
        chunk = payload[start : start + block]
        out += (len(chunk) | 0x80000000).to_bytes(4, "little") + chunk + b"\0\0\0\0"
    return out + b"\0\0\0\0" + b"\0\0\0\0"


def test_checksums_past_the_budget_are_not_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lz4, "VERIFY_BUDGET", (2 << 20) + 16)  # header + two blocks
    monkeypatch.setattr(lz4, "xxh32", _xxh32_python)  # as without the xxhash module
    monkeypatch.setitem(__import__("sys").modules, "xxhash", None)
    payload = bytes(range(256)) * (24 << 10)  # 6 MB in six 1 MB blocks
    problems: list[str] = []
    started = time.perf_counter()
    out = decompress_stream(io.BytesIO(_stored_frame(payload)), 1 << 24, problems)
    elapsed = time.perf_counter() - started
    assert out == payload
    # the first two blocks fit the budget (and are wrong); the rest and the content are skipped
    assert problems == [problems[0]] * 2 and problems[0].startswith("block checksum mismatch")
    assert elapsed < 2.0
