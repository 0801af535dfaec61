"""Blosc1 chunk decoding in pure Python, bounded (PyTables' HDF5 filter 32001).

A Blosc1 buffer (c-blosc 1.x, ``blosc.c``) is a 16-byte header — format version,
codec version, flags, type size, uncompressed size, block size, compressed
size, all little-endian — then, unless the buffer was stored raw (the
"memcpyed" flag), one int32 start offset per block. A block is one stream, or
``typesize`` streams when it was split, each prefixed by its int32 compressed
size; a stream whose size equals its uncompressed size is stored raw. Blocks
are byte-shuffled per block when the shuffle flag is set (``typesize > 1``).

Codecs: BloscLZ (decoded here), LZ4 and LZ4HC (the LZ4 block format, with
:func:`chainward.models.lz4.decompress_block`), zlib, and zstd when the standard
library's ``compression.zstd`` or ``backports.zstd`` is importable. Blocks may be
bit-shuffled instead (:func:`bitunshuffle`). Snappy and delta are reported as not
supported. Every size comes from the
data and is checked: output never exceeds the caller's ``limit``.
"""

from __future__ import annotations

import zlib
from typing import Any

from chainward.models.lz4 import Lz4Error, copy_match, decompress_block
from chainward.models.zipread import zstd_module

HEADER_SIZE = 16
MAX_FORMAT_VERSION = 2  # c-blosc 1.x writes 2 (1 in the oldest releases)

FLAG_SHUFFLE = 0x01
FLAG_MEMCPYED = 0x02
FLAG_BITSHUFFLE = 0x04
FLAG_DELTA = 0x08  # c-blosc2 only; a Blosc1 reader would not undo it
FLAG_DONT_SPLIT = 0x10

CODEC_BLOSCLZ, CODEC_LZ4, CODEC_SNAPPY, CODEC_ZLIB, CODEC_ZSTD = range(5)
CODEC_NAMES = {
    CODEC_BLOSCLZ: "blosclz",
    CODEC_LZ4: "lz4/lz4hc",
    CODEC_SNAPPY: "snappy",
    CODEC_ZLIB: "zlib",
    CODEC_ZSTD: "zstd",
}

BLOSCLZ_MAX_DISTANCE = 8191


class BloscError(ValueError):
    """The chunk is not a Blosc1 buffer this module can decode (the message says why)."""


def decompress(data: bytes | memoryview, limit: int) -> bytes:
    """The uncompressed bytes of the Blosc1 buffer ``data``, at most ``limit`` of them."""
    view = memoryview(data)
    if len(view) < HEADER_SIZE:
        raise BloscError("blosc chunk shorter than its 16-byte header")
    version, _codec_version, flags, typesize = view[0], view[1], view[2], view[3]
    nbytes = int.from_bytes(view[4:8], "little")
    blocksize = int.from_bytes(view[8:12], "little")
    cbytes = int.from_bytes(view[12:16], "little")
    if version == 0 or version > MAX_FORMAT_VERSION:
        raise BloscError(f"blosc format version {version} is not supported")
    if nbytes > limit:
        raise BloscError(f"blosc chunk claims {nbytes} bytes, over the {limit}-byte limit")
    if cbytes < HEADER_SIZE or cbytes > len(view):
        raise BloscError(f"blosc compressed size {cbytes} does not fit the {len(view)}-byte chunk")
    if nbytes == 0:
        return b""
    if typesize == 0:
        raise BloscError("blosc type size is 0")
    view = view[:cbytes]
    if flags & FLAG_MEMCPYED:
        if HEADER_SIZE + nbytes > cbytes:
            raise BloscError("stored (memcpyed) blosc chunk is shorter than its size")
        return bytes(view[HEADER_SIZE : HEADER_SIZE + nbytes])
    if flags & FLAG_DELTA:
        raise BloscError("blosc delta filter is not supported (not fully analysed)")
    if blocksize == 0 or blocksize > nbytes:
        raise BloscError(f"blosc block size {blocksize} is inconsistent with size {nbytes}")
    codec = flags >> 5
    nblocks = -(-nbytes // blocksize)
    starts_end = HEADER_SIZE + 4 * nblocks
    if starts_end > cbytes:
        raise BloscError("blosc block offsets run past the chunk")
    out = bytearray()
    for index in range(nblocks):
        entry = HEADER_SIZE + 4 * index
        start = int.from_bytes(view[entry : entry + 4], "little")
        if not starts_end <= start < cbytes:
            raise BloscError(f"blosc block {index} starts outside the chunk")
        last = index == nblocks - 1
        size = nbytes - index * blocksize if last else blocksize
        leftover = last and nbytes % blocksize != 0
        block = _block(view, start, size, flags, typesize, codec, leftover)
        if flags & FLAG_SHUFFLE and typesize > 1:
            block = unshuffle(block, typesize)
        elif flags & FLAG_BITSHUFFLE and len(block) >= typesize:
            block = bitunshuffle(block, typesize)
        out += block
    return bytes(out)


def _block(
    view: memoryview, start: int, size: int, flags: int, typesize: int, codec: int, leftover: bool
) -> bytes:
    # c-blosc 1.21's blosc_d: a block that is not the short last one is split in
    # `typesize` streams unless the writer set the don't-split flag
    splits = 1 if flags & FLAG_DONT_SPLIT or leftover else typesize
    if size % splits:
        raise BloscError(f"blosc block of {size} bytes cannot be split in {splits} streams")
    part = size // splits
    pos = start
    out = bytearray()
    for _ in range(splits):
        if pos + 4 > len(view):
            raise BloscError("blosc stream size runs past the chunk")
        csize = int.from_bytes(view[pos : pos + 4], "little", signed=True)
        pos += 4
        if csize < 0 or pos + csize > len(view):
            raise BloscError(f"blosc stream of {csize} bytes runs past the chunk")
        stream = view[pos : pos + csize]
        pos += csize
        if csize == part:
            out += stream  # stored: the codec could not shrink it
        else:
            decoded = _decode(codec, stream, part)
            if len(decoded) != part:
                raise BloscError(
                    f"blosc {CODEC_NAMES.get(codec, codec)} stream decoded to "
                    f"{len(decoded)} bytes, expected {part}"
                )
            out += decoded
    return bytes(out)


def _decode(codec: int, stream: memoryview, size: int) -> bytes:
    if codec == CODEC_BLOSCLZ:
        return blosclz_decompress(stream, size)
    if codec == CODEC_LZ4:
        out = bytearray()
        try:
            decompress_block(stream, out, size)
        except Lz4Error as exc:
            raise BloscError(f"blosc lz4 stream: {exc}") from None
        return bytes(out)
    if codec == CODEC_ZLIB:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(stream, size)
        except zlib.error as exc:
            raise BloscError(f"blosc zlib stream: {exc}") from None
        if not inflater.eof:
            raise BloscError("blosc zlib stream is truncated or larger than its block")
        return data
    if codec == CODEC_ZSTD:
        return _zstd(stream, size)
    name = CODEC_NAMES.get(codec, f"#{codec}")
    raise BloscError(f"blosc codec {name} is not supported (not fully analysed)")


def _zstd(stream: memoryview, size: int) -> bytes:
    zstd: Any = zstd_module()
    if zstd is None:
        raise BloscError(
            "blosc zstd chunk could not be analysed: it needs Python 3.14's compression.zstd "
            "or chainward[zstd] (backports.zstd)"
        )
    decoder = zstd.ZstdDecompressor()
    try:
        data: bytes = decoder.decompress(bytes(stream), size + 1)
    except zstd.ZstdError as exc:
        raise BloscError(f"blosc zstd stream: {exc}") from None
    if not decoder.eof:
        raise BloscError("blosc zstd stream is truncated or larger than its block")
    return data


def blosclz_decompress(src: bytes | memoryview, size: int) -> bytes:
    """Decode one BloscLZ stream (a FastLZ level-2 variant) of at most ``size`` bytes.

    Control byte: below 32, a literal run of ``ctrl + 1`` bytes; otherwise a match
    of ``(ctrl >> 5) + 2`` bytes (7 means more length bytes follow, 255 each until a
    smaller one) at distance ``((ctrl & 31) << 8) + next byte + 1``; a distance
    byte of 255 with the high bits all set takes a further 16-bit big-endian
    distance beyond 8191. The first control byte carries a marker in its top bits.
    """
    end = len(src)
    if end == 0:
        raise BloscError("empty blosclz stream")
    out = bytearray()
    pos = 1
    ctrl = src[0] & 31
    while True:
        if ctrl < 32:
            run = ctrl + 1
            if len(out) + run > size or pos + run > end:
                raise BloscError("blosclz literal run past its bounds")
            out += src[pos : pos + run]
            pos += run
            if pos >= end:
                break
            ctrl = src[pos]
            pos += 1
            continue
        length = (ctrl >> 5) - 1
        high = (ctrl & 31) << 8
        if length == 6:
            while True:
                if pos + 1 >= end:
                    raise BloscError("truncated blosclz match length")
                code = src[pos]
                pos += 1
                length += code
                if code != 255:
                    break
        elif pos >= end:
            raise BloscError("truncated blosclz match distance")
        code = src[pos]
        pos += 1
        distance = high + code + 1
        if code == 255 and high == 31 << 8:
            if pos + 1 >= end:
                raise BloscError("truncated blosclz far distance")
            distance = (src[pos] << 8) + src[pos + 1] + BLOSCLZ_MAX_DISTANCE + 1
            pos += 2
        length += 3
        if len(out) + length > size:
            raise BloscError("blosclz match past the block size")
        if distance > len(out):
            raise BloscError("blosclz match before the start of the block")
        copy_match(out, distance, length)
        if pos >= end:
            break
        ctrl = src[pos]
        pos += 1
    return bytes(out)


def unshuffle(block: bytes, typesize: int) -> bytes:
    """Undo a byte shuffle (Blosc's, and HDF5's filter 2): byte ``j`` of every element
    was stored together."""
    count = len(block) // typesize
    if count < 2 or typesize < 2:
        return block
    out = bytearray(block)
    for j in range(typesize):
        out[j : count * typesize : typesize] = block[j * count : (j + 1) * count]
    # bytes past the last whole element are stored unshuffled at the end (already in place)
    return bytes(out)


# _BIT_TABLES[m][k]: byte x -> bit m of x, moved to bit k
_BIT_TABLES = [[bytes(((x >> m) & 1) << k for x in range(256)) for k in range(8)] for m in range(8)]


def bitunshuffle(block: bytes, typesize: int) -> bytes:
    """Undo Blosc1's bit shuffle (bitshuffle's ``bshuf_untrans_bit_elem``) of one block.

    The shuffled block holds ``8 * typesize`` bit planes of ``count / 8`` bytes: plane
    ``8 * j + k`` has bit ``k`` of byte ``j`` of every element, eight elements per
    byte, the first in the lowest bit. Blosc1 (format version 2) shuffles only blocks
    whose element count is a multiple of 8 and stores the others as they are; bytes
    past the last whole element are stored unshuffled at the end.
    """
    count = len(block) // typesize
    if count % 8:
        return block
    row = count // 8
    out = bytearray(block)
    for j in range(typesize):
        planes = [block[(8 * j + k) * row : (8 * j + k + 1) * row] for k in range(8)]
        for m, tables in enumerate(_BIT_TABLES):
            value = 0
            for k, plane in enumerate(planes):
                value |= int.from_bytes(plane.translate(tables[k]), "little")
            # byte j of elements m, m + 8, m + 16, ...
            out[m * typesize + j : count * typesize : 8 * typesize] = value.to_bytes(row, "little")
    return bytes(out)


__all__ = ["BloscError", "bitunshuffle", "blosclz_decompress", "decompress", "unshuffle"]
