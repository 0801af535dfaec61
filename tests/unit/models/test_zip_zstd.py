"""ZIP members compressed with Zstandard (method 93).

Python 3.14's ``zipfile`` reads and writes them (``ZIP_ZSTANDARD``), so ``np.load``
and ``zipfile`` users load such members; 3.11 cannot write them, so the archives
here are assembled by hand (APPNOTE 4.3: local header, data, central directory)
around frames made by ``backports.zstd`` (the ``test`` extra). Payloads are inert.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import zlib

import numpy as np
import pytest

from chainward.models import ScanOptions, scan_bytes, zipread
from chainward.records import Verdict

zstd = zipread.zstd_module()
pytestmark = pytest.mark.skipif(zstd is None, reason="needs backports.zstd (the test extra)")


class _Inert:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("true",))


def zip_with(members: list[tuple[str, bytes, int, bytes]]) -> bytes:
    """A ZIP of (name, plain data, method, stored bytes) members."""
    out = io.BytesIO()
    central = []
    for name, plain, method, stored in members:
        raw = name.encode()
        offset = out.tell()
        crc = zlib.crc32(plain)
        version = 63 if method == 93 else 20
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, version, 0, method, 0, 0x21,
                              crc, len(stored), len(plain), len(raw), 0))  # fmt: skip
        out.write(raw + stored)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, 0,
                                   method, 0, 0x21, crc, len(stored), len(plain), len(raw),
                                   0, 0, 0, 0, 0, offset) + raw)  # fmt: skip
    start = out.tell()
    for record in central:
        out.write(record)
    size = out.tell() - start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), size,
                          start, 0))  # fmt: skip
    return out.getvalue()


def zstd_member(name: str, plain: bytes) -> tuple[str, bytes, int, bytes]:
    assert zstd is not None
    return (name, plain, 93, zstd.compress(plain))


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def test_npz_with_zstd_members_is_read() -> None:
    data = zip_with([zstd_member("w.npy", npy(np.arange(1000.0)))])
    result = scan_bytes(data, "weights.npz")
    assert result.verdict is Verdict.SAFE, [f.message for f in result.findings]


def test_object_array_pickle_in_a_zstd_member_is_found() -> None:
    evil = np.array([_Inert(), 1], dtype=object)
    data = zip_with([zstd_member("a.npy", npy(np.arange(3))), zstd_member("b.npy", npy(evil))])
    result = scan_bytes(data, "data.npz")
    assert result.verdict is Verdict.UNSAFE
    assert any("posix.system" in f.message for f in result.findings)


def test_pickle_in_a_zstd_zip_member() -> None:
    payload = pickle.dumps({"model": _Inert()}, protocol=4)
    data = zip_with([("readme.txt", b"hi", 0, b"hi"), zstd_member("model.pkl", payload)])
    result = scan_bytes(data, "bundle.zip")
    assert result.verdict is Verdict.UNSAFE


def test_without_zstd_the_member_is_not_fully_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipread, "zstd_module", lambda: None)
    payload = pickle.dumps({"model": _Inert()}, protocol=4)
    result = scan_bytes(zip_with([zstd_member("model.pkl", payload)]), "bundle.zip")
    assert result.verdict is Verdict.ERROR
    assert any("method 93" in f.message and "zstd" in f.message for f in result.findings)


def test_zstd_member_bomb_stays_within_budget() -> None:
    plain = pickle.dumps(b"\x00" * 5_000_000, protocol=4)
    data = zip_with([zstd_member("big.pkl", plain)])
    assert len(data) < 2_000
    result = scan_bytes(data, "bomb.zip", ScanOptions(max_member_bytes=100_000))
    assert any(f.rule == "decompression-bomb" for f in result.findings)
    assert not any(f.rule == "internal-error" for f in result.findings)


def test_corrupt_and_truncated_zstd_members() -> None:
    good = zstd_member("model.pkl", pickle.dumps(list(range(1000)), protocol=4))
    name, plain, method, stored = good
    for broken in (stored[: len(stored) // 2], stored[:8] + b"\xff" * 40 + stored[48:]):
        result = scan_bytes(zip_with([(name, plain, method, broken)]), "broken.zip")
        assert not any(f.rule == "internal-error" for f in result.findings)
        assert result.verdict in (Verdict.ERROR, Verdict.SAFE), result.verdict
