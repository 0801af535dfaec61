"""Blosc1 chunks (chainward.models.blosc) and the HDF5 Blosc/bzip2 filters built on them.

The ``.blosc`` files are real chunks written by PyTables' c-blosc
(tests/assets/blosc/generate.py); the others are built here byte by byte.
"""

from __future__ import annotations

import bz2
import json
import struct
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainward.models import blosc, hdf5, scan_bytes
from chainward.models.blosc import BloscError, blosclz_decompress, decompress
from chainward.records import Verdict
from tests.conftest import asset

CHUNKS = asset("blosc")
MANIFEST: dict[str, dict[str, object]] = json.loads((CHUNKS / "chunks.json").read_text())
LIMIT = 64 << 20


def expected_values(count: int) -> bytes:
    """The data generate.py stored (the same formula)."""
    return struct.pack(f"<{count}i", *((i // 3) % 1000 + (i % 7) * 100_000 for i in range(count)))


def header(
    nbytes: int,
    blocksize: int,
    cbytes: int,
    *,
    flags: int = 0x10,
    typesize: int = 1,
    version: int = 2,
) -> bytes:
    return bytes([version, 1, flags, typesize]) + struct.pack("<3I", nbytes, blocksize, cbytes)


def chunk(blocks: list[list[bytes]], nbytes: int, blocksize: int, **kw: int) -> bytes:
    """A Blosc1 buffer from per-block lists of already-encoded streams."""
    starts_end = 16 + 4 * len(blocks)
    body = b""
    starts = []
    for streams in blocks:
        starts.append(starts_end + len(body))
        body += b"".join(struct.pack("<i", len(s)) + s for s in streams)
    total = starts_end + len(body)
    return header(nbytes, blocksize, total, **kw) + struct.pack(f"<{len(starts)}I", *starts) + body


def real(name: str) -> bytes:
    return (CHUNKS / f"{name}.blosc").read_bytes()


DECODABLE = sorted(MANIFEST)


# ---------------------------------------------------------------- real chunks


@pytest.mark.parametrize("name", DECODABLE)
def test_real_chunks_decode_to_what_was_written(name: str) -> None:
    count = MANIFEST[name]["count"]
    assert isinstance(count, int)
    assert decompress(real(name), LIMIT) == expected_values(count)


def test_real_chunks_cover_codecs_splits_and_several_blocks() -> None:
    codecs = {real(n)[2] >> 5 for n in DECODABLE}
    assert codecs >= {blosc.CODEC_BLOSCLZ, blosc.CODEC_LZ4, blosc.CODEC_ZLIB, blosc.CODEC_ZSTD}
    data = real("blosclz_shuffle")
    nbytes, blocksize = struct.unpack_from("<2I", data, 4)
    assert not data[2] & blosc.FLAG_DONT_SPLIT and data[2] & blosc.FLAG_SHUFFLE
    assert nbytes // blocksize >= 2 and nbytes % blocksize  # a short last block too


def test_real_chunks_cover_bit_shuffle_and_a_short_last_block() -> None:
    assert {"bitshuffle", "bitshuffle_blocks"} <= set(MANIFEST)
    assert MANIFEST["bitshuffle_blocks"]["count"] == 300_001  # not a multiple of 8 elements


@pytest.mark.parametrize("typesize", [1, 2, 3, 4, 8, 16])
def test_bitunshuffle_puts_every_bit_back(typesize: int) -> None:
    count = 8 * 37
    elements = [bytes((i * 31 + j * 7) % 256 for j in range(typesize)) for i in range(count)]
    # bitshuffle's layout, written out bit by bit: plane 8j+k holds bit k of byte j
    planes = bytearray()
    for j in range(typesize):
        for k in range(8):
            for first in range(0, count, 8):
                planes.append(sum(((elements[first + m][j] >> k) & 1) << m for m in range(8)))
    tail = b"xyz"[: typesize - 1]  # bytes past the last whole element stay as they are
    assert blosc.bitunshuffle(bytes(planes) + tail, typesize) == b"".join(elements) + tail


def test_bitunshuffle_leaves_a_block_of_uneven_element_count_as_it_is() -> None:
    assert blosc.bitunshuffle(bytes(range(36)), 4) == bytes(range(36))  # 9 elements


@pytest.mark.parametrize(
    ("name", "verdict"),
    [("object_rows_bitshuffle", Verdict.SAFE), ("object_rows_bitshuffle_payload", Verdict.UNSAFE)],
)
def test_pickled_rows_in_bit_shuffled_chunks_are_analysed(name: str, verdict: Verdict) -> None:
    result = scan_bytes((CHUNKS / f"{name}.h5").read_bytes(), f"{name}.h5")
    assert result.verdict is verdict, [f.message for f in result.findings]


def test_every_truncation_of_a_real_chunk_is_an_error() -> None:
    data = real("blosclz_small")
    for cut in range(0, len(data), 37):
        with pytest.raises(BloscError):
            decompress(data[:cut], LIMIT)


def test_limit_below_the_real_size_is_an_error() -> None:
    with pytest.raises(BloscError, match="over the"):
        decompress(real("zstd_shuffle"), 1000)


# ---------------------------------------------------------------- built chunks


def test_memcpyed_chunk_is_the_bytes_after_the_header() -> None:
    payload = bytes(range(100))
    data = header(100, 100, 116, flags=0x02 | 0x01, typesize=4) + payload
    assert decompress(data, LIMIT) == payload
    with pytest.raises(BloscError, match="shorter"):
        decompress(header(101, 101, 116, flags=0x02) + payload, LIMIT)


def test_stored_streams_unshuffle_per_block_and_keep_the_tail() -> None:
    # typesize 4, two blocks of 10 bytes: 2 whole elements shuffled + 2 trailing bytes each
    plain = bytes(range(20))
    blocks = []
    for start in (0, 10):
        block = plain[start : start + 10]
        shuffled = bytes(block[j + 4 * i] for j in range(4) for i in range(2)) + block[8:]
        blocks.append([shuffled])
    data = chunk(blocks, 20, 10, flags=0x10 | 0x01, typesize=4)
    assert decompress(data, LIMIT) == plain


def test_split_streams_are_joined_in_order() -> None:
    # not don't-split: a full block is `typesize` streams, the short last one is one stream
    data = chunk([[b"aa", b"bb"], [b"c"]], 5, 4, flags=0x00, typesize=2)
    assert decompress(data, LIMIT) == b"aabbc"


def test_zlib_and_blosclz_streams() -> None:
    text = b"chainward " * 30
    zdata = chunk([[zlib.compress(text)]], len(text), len(text), flags=0x10 | (3 << 5))
    assert decompress(zdata, LIMIT) == text
    # BloscLZ: literal run "ab", then a 7-byte match at distance 2 -> "ababababa"
    stream = bytes([0x01]) + b"ab" + bytes([(5 << 5) | 0, 1])
    assert blosclz_decompress(stream, 9) == b"ababababa"
    assert decompress(chunk([[stream]], 9, 9), LIMIT) == b"ababababa"


def test_blosclz_far_match_and_long_length() -> None:
    literal = bytes(range(256)) * 40  # 10240 bytes, longer than the near window
    stream = b""
    for pos in range(0, len(literal), 32):
        part = literal[pos : pos + 32]
        stream += bytes([len(part) - 1]) + part
    # match of (7 - 1) + 255 + 3, plus 3 = 267 bytes at distance 8192 + 1000 (far form)
    far = 1000
    stream += bytes([(7 << 5) | 31, 255, 3, 255, far >> 8, far & 255])
    out = blosclz_decompress(stream, len(literal) + 267)
    start = len(literal) - (8192 + far)
    assert out[len(literal) :] == literal[start : start + 267]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x02\x01\x10\x01", "shorter than its 16-byte header"),
        (header(10, 10, 16, version=0), "format version"),
        (header(10, 10, 16, version=3), "format version"),
        (header(10, 10, 17), "does not fit"),
        (header(10, 10, 15) + b"\0", "does not fit"),
        (header(10, 0, 16), "block size"),
        (header(10, 11, 16), "block size"),
        (header(10, 10, 16, typesize=0), "type size"),
        (header(10, 1, 20) + b"\0" * 4, "offsets run past"),
        (header(4, 4, 20) + struct.pack("<I", 2), "starts outside"),
        (header(4, 4, 24) + struct.pack("<Ii", 20, -1), "runs past"),
        (header(4, 4, 24) + struct.pack("<Ii", 20, 9), "runs past"),
        (header(4, 4, 22) + struct.pack("<I", 20) + b"\0\0", "size runs past"),
        (chunk([[b"abcdef"]], 6, 6, flags=0x00, typesize=4), "cannot be split"),
        (header(4, 4, 16, flags=0x10 | 0x08), "not fully analysed"),
        (chunk([[b"xyz"]], 4, 4, flags=0x10 | (2 << 5)), "snappy is not supported"),
        (chunk([[b"xyz"]], 4, 4, flags=0x10 | (6 << 5)), "#6 is not supported"),
        (chunk([[b"\x00z"]], 4, 4), "decoded to 1 bytes, expected 4"),
        (chunk([[b"\xff\xff\xff"]], 4, 4, flags=0x10 | (1 << 5)), "lz4"),
        (chunk([[b"not zlib"]], 4, 4, flags=0x10 | (3 << 5)), "zlib"),
        (chunk([[zlib.compress(b"x" * 8)]], 4, 4, flags=0x10 | (3 << 5)), "larger than"),
        (chunk([[b"not zstd"]], 4, 4, flags=0x10 | (4 << 5)), "zstd"),
    ],
)
def test_inconsistent_chunks_are_errors(data: bytes, message: str) -> None:
    with pytest.raises(BloscError, match=message):
        decompress(data, LIMIT)


@pytest.mark.parametrize(
    "stream",
    [
        b"",
        b"\x05ab",  # literal run past the stream
        bytes([0x00, 0x61, 0x20]),  # match without its distance byte
        bytes([0x00, 0x61, 0xE0, 0xFF]),  # long match without the length end
        bytes([0x00, 0x61, 0x3F, 0xFF, 0x01]),  # far distance cut short
        bytes([0x00, 0x61, 0x20, 0x05]),  # match before the start of the block
    ],
)
def test_broken_blosclz_streams(stream: bytes) -> None:
    with pytest.raises(BloscError):
        blosclz_decompress(stream, 1000)


def test_bomb_header_is_refused_before_any_work() -> None:
    # 4 GB claimed from a 20-byte chunk: refused from the header alone
    data = header(0xFFFFFFFF, 0xFFFFFFFF, 20) + struct.pack("<I", 20)
    started = time.perf_counter()
    with pytest.raises(BloscError, match="over the"):
        decompress(data, hdf5.MAX_CHUNK)
    assert time.perf_counter() - started < 0.1


def test_runs_stop_at_the_block_size() -> None:
    # a BloscLZ stream of long runs that would expand far past its 64-byte block
    stream = bytes([0x00, 0x41]) + bytes([0xE0, 0xFF, 0xFF, 0xFF, 0x00, 0x00]) * 50
    with pytest.raises(BloscError, match="past the block size"):
        decompress(chunk([[stream]], 64, 64), LIMIT)


def test_zstd_missing_is_reported_as_not_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blosc, "zstd_module", lambda: None)
    with pytest.raises(BloscError, match="could not be analysed"):
        decompress(real("zstd_shuffle"), LIMIT)


# ---------------------------------------------------------------- HDF5 filters


def test_hdf5_filters_turn_errors_into_hdf5_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    assert hdf5._unfilter(32001, [2, 2, 4, 0, 9, 1, 0], real("blosclz_small")) == expected_values(
        20_000
    )
    with pytest.raises(hdf5.Hdf5Error):
        hdf5._unfilter(32001, [], real("blosclz_small")[:100])
    assert hdf5._unfilter(307, [9], bz2.compress(b"row" * 10)) == b"row" * 10
    with pytest.raises(hdf5.Hdf5Error, match="truncated"):
        hdf5._unfilter(307, [9], bz2.compress(b"row" * 10)[:-5])
    with pytest.raises(hdf5.Hdf5Error, match="bzip2"):
        hdf5._unfilter(307, [9], b"not bzip2")
    monkeypatch.setattr(hdf5, "MAX_CHUNK", 1000)
    with pytest.raises(hdf5.Hdf5Error, match="past the size limit"):
        hdf5._unfilter(307, [9], bz2.compress(b"\0" * 100_000))
    with pytest.raises(hdf5.Hdf5Error, match="over the"):
        hdf5._unfilter(32001, [], real("blosclz_small"))


# ---------------------------------------------------------------- fuzzing


def _decode_or_error(data: bytes, limit: int = 1 << 20) -> None:
    try:
        out = decompress(data, limit)
    except BloscError:
        return
    assert len(out) <= limit


SEEDS = [real(n) for n in DECODABLE if len(real(n)) < 16_000] + [
    chunk([[bytes([0x01]) + b"ab" + bytes([(5 << 5) | 0, 1])]], 9, 9),
    chunk([[b"aa", b"bb"], [b"c"]], 5, 4, flags=0x01, typesize=2),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(data: bytes) -> None:
    _decode_or_error(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8),
    st.integers(0, 1 << 20),
)
def test_fuzz_mutated_chunks(seed: bytes, edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(seed)
    for where, value in edits:
        # header bytes are mutated more often: they steer every other read
        data[where % (min(32, len(data)) if where & 1 else len(data))] = value
    _decode_or_error(bytes(data[: len(data) - cut % 4 if cut & 8 else len(data)]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=120), st.integers(1, 4096))
def test_fuzz_blosclz_streams(stream: bytes, size: int) -> None:
    try:
        out = blosclz_decompress(stream, size)
    except BloscError:
        return
    assert len(out) <= size


def test_a_blosc_chunk_that_cannot_be_read_is_reported_not_safe() -> None:
    path = asset("models", "malicious", "pandas_hdf", "object_column_blosc.h5")
    data = path.read_bytes()
    start = data.index(bytes.fromhex("0201010300001000"))  # the object column's chunk header
    assert scan_bytes(data, "blosc.h5").verdict is Verdict.UNSAFE
    for patch in (b"\x09", b"\x02\x01\x09"):  # format version 9; delta filter flag
        result = scan_bytes(data[:start] + patch + data[start + len(patch) :], "blosc.h5")
        assert result.verdict is Verdict.ERROR, [f.message for f in result.findings]
        assert any("blosc" in f.message for f in result.findings)
