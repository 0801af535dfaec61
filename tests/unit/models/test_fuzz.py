"""Property test: hostile bytes never crash, hang or blow up the scanner.

Inputs are random bytes, random opcode soups and mutations of real corpus files
(every format). Each scan must finish quickly, give a verdict, and never hit an
internal error.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainward.models import ScanOptions, scan_bytes
from tests.conftest import asset

CORPUS = asset("models")
SEEDS = [
    p.read_bytes()
    for p in sorted(CORPUS.rglob("*"))
    if p.is_file() and p.suffix not in (".py", ".json") and p.stat().st_size < 200_000
]
OPTIONS = ScanOptions(max_member_bytes=8 << 20, max_total_bytes=32 << 20, max_pickle_ops=200_000)
OPCODES = b"()./0123FGIJKLMNPQRSTUVXabcdeghijlopqrstu}]\x80\x81\x82\x85\x86\x87\x88\x89\x8a\x8c\x93\x94\x95"


def _check(data: bytes) -> None:
    start = time.monotonic()
    result = scan_bytes(data, "fuzz", OPTIONS)
    assert time.monotonic() - start < 10
    assert result.verdict is not None
    internal = [f.message for f in result.findings if f.rule == "internal-error"]
    assert not internal, internal


def test_seeds_exist() -> None:
    assert len(SEEDS) > 50


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    _check(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list(OPCODES)) | st.integers(0, 255), max_size=400))
def test_opcode_soup(ops: list[int]) -> None:
    _check(b"\x80\x04" + bytes(ops))
    _check(bytes(ops))


@pytest.mark.parametrize("seed_index", range(0, len(SEEDS), max(1, len(SEEDS) // 24)))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_corpus_files(seed_index: int, data: st.DataObject) -> None:
    seed = bytearray(SEEDS[seed_index])
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "truncate", "insert", "u32"]))
        pos = data.draw(st.integers(0, max(0, len(seed) - 1)))
        if kind == "flip" and seed:
            seed[pos] ^= data.draw(st.integers(1, 255))
        elif kind == "truncate":
            del seed[pos:]
        elif kind == "insert":
            seed[pos:pos] = data.draw(st.binary(min_size=1, max_size=16))
        elif kind == "u32" and len(seed) >= pos + 4:
            seed[pos : pos + 4] = data.draw(
                st.sampled_from([b"\xff\xff\xff\xff", b"\x00\x00\x00\x80", b"\xff\xff\xff\x7f"])
            )
    _check(bytes(seed))
