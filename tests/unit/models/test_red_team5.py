"""Fifth red-team pass (tar members, safetensors headers): V7 tar headers without the
ustar magic, GNU sparse members scanned as extracted, and headers serde_json refuses.

The corpus samples are in tests/assets/models/{benign,malicious}/redteam5 (generate.py
red_team5_*); these build the same shapes by hand.
"""

from __future__ import annotations

import pickle
import struct
import tarfile

from chainward.models import ScanOptions, scan_bytes
from chainward.models.detect import detect_bytes
from chainward.models.safetensors import check_header
from chainward.records import Verdict

SYSTEM = b"cposix\nsystem\nX\x04\x00\x00\x00true\x85R."


def _checksummed(header: bytearray) -> bytes:
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\x00 " % sum(header)
    return bytes(header)


def _block(name: str, data: bytes, *, v7: bool = False) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    header = bytearray(info.tobuf(tarfile.GNU_FORMAT)[:512])
    if v7:
        header[257:265] = bytes(8)
    return _checksummed(header) + data + bytes(-len(data) % 512)


def _sparse_block(name: str, chunks: list[tuple[int, bytes]], real_size: int) -> bytes:
    data = b"".join(chunk for _offset, chunk in chunks)
    info = tarfile.TarInfo(name)
    info.size, info.type = len(data), tarfile.GNUTYPE_SPARSE
    header = bytearray(info.tobuf(tarfile.GNU_FORMAT)[:512])
    assert real_size < 8**11
    for i, (offset, chunk) in enumerate(chunks):
        header[386 + 24 * i : 410 + 24 * i] = b"%011o\x00%011o\x00" % (offset, len(chunk))
    header[483:495] = b"%011o\x00" % real_size
    return _checksummed(header) + data + bytes(-len(data) % 512)


def _hole_hidden(body: bytes, hole: int = 1024) -> bytes:
    """Stored, BINBYTES swallows ``body``; extracted, it swallows the hole's zeros."""
    lead = b"\x80\x02B" + struct.pack("<I", hole)
    rest = b"0" + body + bytes(hole - 1 - len(body)) + b"}."
    return _sparse_block(
        "storages", [(0, lead), (len(lead) + hole, rest)], len(lead) + hole + len(rest)
    )


def _legacy(storages: bytes, *, v7: bool = False) -> bytes:
    return (
        _block("sys_info", pickle.dumps({"protocol_version": 1001}, protocol=2), v7=v7)
        + _block("pickle", pickle.dumps({"epoch": 3}, protocol=2), v7=v7)
        + storages
        + bytes(10240)
    )


def test_v7_tar_headers_are_tar() -> None:
    evil = _legacy(_block("storages", b"\x80\x02" + SYSTEM, v7=True), v7=True)
    assert detect_bytes(evil) == "pytorch"
    assert scan_bytes(evil, "legacy.tar").verdict is Verdict.UNSAFE
    benign = _legacy(_block("storages", pickle.dumps(0, protocol=2), v7=True), v7=True)
    assert scan_bytes(benign, "legacy.tar").verdict is Verdict.SAFE


def test_random_block_with_bad_checksum_is_not_tar() -> None:
    header = bytearray(_block("x", b"", v7=True)[:512])
    header[0] ^= 1
    assert detect_bytes(bytes(header) + bytes(1024)) != "pytorch"


def test_sparse_member_is_scanned_as_extracted() -> None:
    assert scan_bytes(_legacy(_hole_hidden(SYSTEM)), "legacy.tar").verdict is Verdict.UNSAFE
    assert scan_bytes(_legacy(_hole_hidden(b"N.")), "legacy.tar").verdict is Verdict.SAFE


def test_sparse_member_past_budget_is_a_bomb() -> None:
    far = 0o77777777775  # the largest offset an 11-digit octal field holds, less 2
    huge = _sparse_block("storages", [(far, b"N.")], far + 2)
    result = scan_bytes(_legacy(huge), "legacy.tar", ScanOptions())
    assert any(f.rule == "decompression-bomb" for f in result.findings)


def test_headers_serde_json_refuses() -> None:
    tensor = b'{"dtype":"F32","shape":[1],"data_offsets":[0,4]}'
    assert check_header(b'{"\\ud800":' + tensor + b"}", 4)
    assert check_header(b'{"w":' + tensor[:-1] + b',"x":NaN}}', 4)
    assert not check_header(b'{"\\ud83d\\ude00":' + tensor + b"}", 4)
    shape = b'{"w":{"dtype":"F32","shape":[' + b",".join([b"4294967296"] * 8) + b"],"
    problems = check_header(shape + b'"data_offsets":[0,4]}}', 4)
    assert problems and "overflows" in problems[0]
