"""LZ4 frame decoding in pure Python, bounded (no ``lz4`` library needed).

Implements the LZ4 Frame Format (lz4/doc/lz4_Frame_format.md, version 1.6.x)
and the block format it carries (lz4_Block_format.md): frame descriptor
(FLG/BD, optional content size and dictionary ID, header checksum byte),
compressed and stored blocks, linked or independent blocks (the whole output is
the window, so matches into earlier blocks resolve), skippable frames and
several frames in a row, and the legacy frame format the ``lz4 -l`` command
writes. Output beyond ``limit`` bytes stops decoding, so a bomb costs at most
``limit`` bytes of memory.

The header, block and content checksums (xxHash32) are verified — with the
``xxhash`` module when it is installed, else in pure Python for the first
``VERIFY_BUDGET`` bytes of a stream (beyond that they are skipped, so large files
do not slow down). A mismatch does not stop decoding: the scanner reads what a
streaming loader would already have consumed (``lz4.frame`` raises on a bad
content checksum only at the end of the frame, after joblib has unpickled the
data), and the caller reports it.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

FRAME_MAGIC = 0x184D2204
LEGACY_MAGIC = 0x184C2102
SKIPPABLE_MASK = 0xFFFFFFF0
SKIPPABLE_MAGIC = 0x184D2A50
LEGACY_BLOCK = 8 << 20
BLOCK_SIZES = {4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20}


VERIFY_BUDGET = 4 << 20  # bytes hashed in pure Python per stream (~0.4 s; xxhash: unlimited)
_P1, _P2, _P3, _P4, _P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
_M = 0xFFFFFFFF


def _xxh32_python(data: bytes | bytearray | memoryview, seed: int = 0) -> int:
    """xxHash32 (xxhash_spec.md), 16-byte stripes through struct.iter_unpack."""
    n = len(data)
    view = memoryview(data)
    pos = n - n % 16
    if n >= 16:
        v1, v2, v3, v4 = (seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M
        for a, b, c, d in struct.iter_unpack("<4I", view[:pos]):
            v1 = (v1 + a * _P2) & _M
            v1 = (((v1 << 13) | (v1 >> 19)) & _M) * _P1 & _M
            v2 = (v2 + b * _P2) & _M
            v2 = (((v2 << 13) | (v2 >> 19)) & _M) * _P1 & _M
            v3 = (v3 + c * _P2) & _M
            v3 = (((v3 << 13) | (v3 >> 19)) & _M) * _P1 & _M
            v4 = (v4 + d * _P2) & _M
            v4 = (((v4 << 13) | (v4 >> 19)) & _M) * _P1 & _M
        h = (
            ((v1 << 1) | (v1 >> 31))
            + ((v2 << 7) | (v2 >> 25))
            + ((v3 << 12) | (v3 >> 20))
            + ((v4 << 18) | (v4 >> 14))
        ) & _M
    else:
        h = (seed + _P5) & _M
        pos = 0
    h = (h + n) & _M
    while pos + 4 <= n:
        h = (h + int.from_bytes(view[pos : pos + 4], "little") * _P3) & _M
        h = (((h << 17) | (h >> 15)) & _M) * _P4 & _M
        pos += 4
    while pos < n:
        h = (h + view[pos] * _P5) & _M
        h = (((h << 11) | (h >> 21)) & _M) * _P1 & _M
        pos += 1
    h ^= h >> 15
    h = (h * _P2) & _M
    h ^= h >> 13
    h = (h * _P3) & _M
    h ^= h >> 16
    return h


def xxh32(data: bytes | bytearray | memoryview, seed: int = 0) -> int:
    """xxHash32 of ``data``: the ``xxhash`` module when installed, else pure Python."""
    try:
        import xxhash
    except ImportError:
        return _xxh32_python(data, seed)
    return int(xxhash.xxh32_intdigest(data, seed))


class _Checker:
    """Verifies a stream's checksums within a hashing budget; collects mismatches."""

    def __init__(self, problems: list[str] | None) -> None:
        self.problems = problems
        try:
            import xxhash  # noqa: F401
        except ImportError:
            self.budget = VERIFY_BUDGET
        else:
            self.budget = 1 << 62

    def check(self, what: str, data: bytes | bytearray | memoryview, expected: int) -> None:
        if self.problems is None:
            return
        if len(data) > self.budget:
            return  # past the pure-Python budget: not verified (large files stay fast)
        self.budget -= len(data)
        actual = xxh32(data)
        if what == "header":
            actual = (actual >> 8) & 0xFF
        if actual != expected:
            self.problems.append(
                f"{what} checksum mismatch (stored {expected:#x}, computed {actual:#x})"
            )


class Lz4Error(ValueError):
    """The data is not a valid LZ4 frame."""


class Lz4Limit(Lz4Error):
    """Decompressed output went past the caller's limit."""


def decompress_block(src: bytes | memoryview, out: bytearray, limit: int) -> None:
    """Append the decoded LZ4 block ``src`` to ``out`` (matches may reach into ``out``)."""
    pos = 0
    end = len(src)
    while pos < end:
        token = src[pos]
        pos += 1
        literal = token >> 4
        if literal == 15:
            while True:
                if pos >= end:
                    raise Lz4Error("truncated literal length")
                byte = src[pos]
                pos += 1
                literal += byte
                if byte != 255:
                    break
        if pos + literal > end:
            raise Lz4Error("literals run past the block")
        if len(out) + literal > limit:
            raise Lz4Limit(f"decompressed data is over {limit} bytes")
        out += src[pos : pos + literal]
        pos += literal
        if pos >= end:
            break  # the last sequence has literals only
        if pos + 2 > end:
            raise Lz4Error("truncated match offset")
        offset = src[pos] | (src[pos + 1] << 8)
        pos += 2
        if offset == 0 or offset > len(out):
            raise Lz4Error("match offset outside the decoded data")
        length = token & 0x0F
        if length == 15:
            while True:
                if pos >= end:
                    raise Lz4Error("truncated match length")
                byte = src[pos]
                pos += 1
                length += byte
                if byte != 255:
                    break
        length += 4
        if len(out) + length > limit:
            raise Lz4Limit(f"decompressed data is over {limit} bytes")
        copy_match(out, offset, length)


def copy_match(out: bytearray, distance: int, length: int) -> None:
    """Append ``length`` bytes copied from ``distance`` back in ``out`` (LZ77 matches;
    when the match overlaps its own output, the last ``distance`` bytes repeat)."""
    start = len(out) - distance
    if distance >= length:
        out += out[start : start + length]
    else:
        pattern = bytes(out[start:])
        repeats, rest = divmod(length, distance)
        out += pattern * repeats + pattern[:rest]


def _read(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise Lz4Error("truncated LZ4 data")
    return data


def decompress_stream(fh: BinaryIO, limit: int, problems: list[str] | None = None) -> bytes:
    """Decode every frame of ``fh`` (at least one); raises :class:`Lz4Limit` past ``limit``.

    With ``problems``, checksums are verified and each mismatch is appended to it.
    """
    checker = _Checker(problems)
    out = bytearray()
    frames = 0
    while True:
        magic_bytes = fh.read(4)
        if not magic_bytes and frames:
            break
        if len(magic_bytes) != 4:
            if frames:
                break  # trailing garbage shorter than a magic number: ignored like lz4 does
            raise Lz4Error("truncated LZ4 magic number")
        magic = int.from_bytes(magic_bytes, "little")
        if magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC:
            size = int.from_bytes(_read(fh, 4), "little")
            fh.seek(size, 1)
        elif magic == FRAME_MAGIC:
            _frame(fh, out, limit, checker)
        elif magic == LEGACY_MAGIC:
            if _legacy(fh, out, limit):
                frames += 1
                continue
        elif frames:
            break  # lz4 stops at data that is not a frame
        else:
            raise Lz4Error("not an LZ4 frame")
        frames += 1
    return bytes(out)


def _frame(fh: BinaryIO, out: bytearray, limit: int, checker: _Checker) -> None:
    start = len(out)
    flg, bd = _read(fh, 2)
    if flg >> 6 != 1:
        raise Lz4Error("unsupported LZ4 frame version")
    if flg & 0x01:
        raise Lz4Error("LZ4 frames that need a dictionary are not supported")
    block_max = BLOCK_SIZES.get((bd >> 4) & 0x07)
    if block_max is None:
        raise Lz4Error("bad LZ4 block maximum size")
    block_checksum = bool(flg & 0x10)
    descriptor = _read(fh, (8 if flg & 0x08 else 0) + 1)  # content size, header checksum
    checker.check("header", bytes([flg, bd]) + descriptor[:-1], descriptor[-1])
    while True:
        word = int.from_bytes(_read(fh, 4), "little")
        if word == 0:
            break  # end mark
        stored = bool(word & 0x80000000)
        size = word & 0x7FFFFFFF
        if size > block_max:
            raise Lz4Error("LZ4 block larger than the frame allows")
        block = _read(fh, size)
        if stored:
            if len(out) + size > limit:
                raise Lz4Limit(f"decompressed data is over {limit} bytes")
            out += block
        else:
            decompress_block(block, out, limit)
        if block_checksum:
            checker.check("block", block, int.from_bytes(_read(fh, 4), "little"))
    if flg & 0x04:
        content = int.from_bytes(_read(fh, 4), "little")
        view = memoryview(out)[start:]
        try:
            checker.check("content", view, content)
        finally:
            view.release()  # `out` grows again in the next frame


def _legacy(fh: BinaryIO, out: bytearray, limit: int) -> bool:
    """Legacy frame: compressed blocks of up to 8 MB output until EOF or another magic."""
    while True:
        head = fh.read(4)
        if len(head) < 4:
            return True
        size = int.from_bytes(head, "little")
        if size in (FRAME_MAGIC, LEGACY_MAGIC) or size & SKIPPABLE_MASK == SKIPPABLE_MAGIC:
            fh.seek(-4, 1)
            return True
        if size > LEGACY_BLOCK + LEGACY_BLOCK // 255 + 16:
            raise Lz4Error("LZ4 legacy block too large")
        block = _read(fh, size)
        # legacy blocks are independent: decode each on its own, then append
        part = bytearray()
        decompress_block(block, part, min(LEGACY_BLOCK, limit - len(out)))
        out += part


__all__ = ["Lz4Error", "Lz4Limit", "copy_match", "decompress_block", "decompress_stream", "xxh32"]
