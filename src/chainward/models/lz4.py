"""LZ4 frame decoding in pure Python, bounded (no ``lz4`` library needed).

Implements the LZ4 Frame Format (lz4/doc/lz4_Frame_format.md, version 1.6.x)
and the block format it carries (lz4_Block_format.md): frame descriptor
(FLG/BD, optional content size and dictionary ID, header checksum byte),
compressed and stored blocks, linked or independent blocks (the whole output is
the window, so matches into earlier blocks resolve), optional block and content
checksums (skipped, not verified: a scanner reads what the decoder would),
skippable frames and several frames in a row, and the legacy frame format the
``lz4 -l`` command writes. Output beyond ``limit`` bytes stops decoding, so a
bomb costs at most ``limit`` bytes of memory.
"""

from __future__ import annotations

from typing import BinaryIO

FRAME_MAGIC = 0x184D2204
LEGACY_MAGIC = 0x184C2102
SKIPPABLE_MASK = 0xFFFFFFF0
SKIPPABLE_MAGIC = 0x184D2A50
LEGACY_BLOCK = 8 << 20
BLOCK_SIZES = {4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20}


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
        start = len(out) - offset
        if offset >= length:
            out += out[start : start + length]
        else:  # overlapping copy: the last `offset` bytes repeat
            pattern = bytes(out[start:])
            repeats, rest = divmod(length, offset)
            out += pattern * repeats + pattern[:rest]


def _read(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise Lz4Error("truncated LZ4 data")
    return data


def decompress_stream(fh: BinaryIO, limit: int) -> bytes:
    """Decode every frame of ``fh`` (at least one); raises :class:`Lz4Limit` past ``limit``."""
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
            _frame(fh, out, limit)
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


def _frame(fh: BinaryIO, out: bytearray, limit: int) -> None:
    flg, bd = _read(fh, 2)
    if flg >> 6 != 1:
        raise Lz4Error("unsupported LZ4 frame version")
    if flg & 0x01:
        raise Lz4Error("LZ4 frames that need a dictionary are not supported")
    block_max = BLOCK_SIZES.get((bd >> 4) & 0x07)
    if block_max is None:
        raise Lz4Error("bad LZ4 block maximum size")
    block_checksum = bool(flg & 0x10)
    _read(fh, (8 if flg & 0x08 else 0) + 1)  # content size, header checksum
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
            _read(fh, 4)
    if flg & 0x04:
        _read(fh, 4)  # content checksum


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


__all__ = ["Lz4Error", "Lz4Limit", "decompress_block", "decompress_stream"]
