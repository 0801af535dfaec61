"""A minimal, bounded HDF5 reader for the root group's attributes (no h5py).

Enough of the HDF5 File Format Specification (version 3.0) to read what Keras
stores in the root group of a legacy ``.h5`` model — ``model_config``,
``training_config``, ``keras_version``, ``backend`` — as fixed-length or
variable-length string attributes: superblock versions 0-3, object header
versions 1 and 2 with continuation blocks, attribute messages versions 1-3,
datatype classes 3 (string) and 9 (variable-length string, through the global
heap), scalar and simple dataspaces. Attributes kept in dense storage (fractal
heap) are reported as unreadable rather than guessed. Every offset and length is
checked against the file size; message and block counts are capped.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_MESSAGES = 10_000
MAX_BLOCKS = 256
MAX_ATTRIBUTE = 64 << 20


class Hdf5Error(ValueError):
    """The file is not HDF5 as far as this reader understands it."""


@dataclass
class RootAttributes:
    values: dict[str, str | bytes]
    dense: bool = False  # some attributes live in dense storage and were not read


class _File:
    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh = fh
        self.size = size
        self.base = 0
        self.offset_size = 8
        self.length_size = 8

    def read_at(self, pos: int, n: int) -> bytes:
        pos += self.base
        if pos < 0 or n < 0 or pos + n > self.size:
            raise Hdf5Error(f"read of {n} bytes at {pos} is outside the file")
        self.fh.seek(pos)
        data = self.fh.read(n)
        if len(data) != n:
            raise Hdf5Error("truncated file")
        return data

    def uint(self, data: bytes, pos: int, width: int) -> int:
        if pos + width > len(data):
            raise Hdf5Error("field runs past its structure")
        return int.from_bytes(data[pos : pos + width], "little")

    def undefined(self, value: int, width: int) -> bool:
        return value == (1 << (8 * width)) - 1


def read_root_attributes(fh: BinaryIO, size: int) -> RootAttributes:
    f = _File(fh, size)
    base = _find_superblock(fh, size)
    sb = f.read_at(base, 96 if size - base >= 96 else size - base)
    f.base = 0
    version = sb[8]
    if version in (0, 1):
        f.offset_size, f.length_size = sb[13], sb[14]
        pos = 24 if version == 0 else 28
        o = f.offset_size
        base_address = f.uint(sb, pos, o)
        pos += 4 * o  # base, free-space, EOF, driver info addresses
        # root group symbol table entry: link name offset, object header address
        root = f.uint(sb, pos + o, o)
    elif version in (2, 3):
        f.offset_size, f.length_size = sb[9], sb[10]
        o = f.offset_size
        base_address = f.uint(sb, 12, o)
        root = f.uint(sb, 12 + 3 * o, o)
    else:
        raise Hdf5Error(f"unsupported superblock version {version}")
    if f.offset_size not in (2, 4, 8) or f.length_size not in (2, 4, 8):
        raise Hdf5Error("unsupported offset or length size")
    f.base = base_address if base_address else base
    messages = _object_header_messages(f, root)
    values: dict[str, str | bytes] = {}
    dense = False
    for mtype, body in messages:
        if mtype == 0x000C:
            name, value = _attribute(f, body)
            if name is not None and value is not None:
                values[name] = value
        elif mtype == 0x0015:
            # attribute info: addresses of dense storage (fractal heap + v2 B-tree)
            flags = body[1] if len(body) > 1 else 0
            pos = 2 + (2 if flags & 1 else 0)
            heap = f.uint(body, pos, f.offset_size) if pos + f.offset_size <= len(body) else 0
            if not f.undefined(heap, f.offset_size):
                dense = True
    return RootAttributes(values, dense)


def _find_superblock(fh: BinaryIO, size: int) -> int:
    offset = 0
    while offset + 8 <= size:
        fh.seek(offset)
        if fh.read(8) == SIGNATURE:
            return offset
        offset = 512 if offset == 0 else offset * 2
    raise Hdf5Error("no HDF5 superblock")


def _object_header_messages(f: _File, address: int) -> list[tuple[int, bytes]]:
    first = f.read_at(address, 16)
    if first[:4] == b"OHDR":
        return _v2_messages(f, address)
    if first[0] != 1:
        raise Hdf5Error(f"unsupported object header version {first[0]}")
    total = f.uint(first, 2, 2)
    header_size = f.uint(first, 8, 4)
    blocks = [(address + 16, header_size)]
    out: list[tuple[int, bytes]] = []
    seen = 0
    while blocks:
        if seen > MAX_BLOCKS:
            raise Hdf5Error("too many object header continuation blocks")
        seen += 1
        start, length = blocks.pop(0)
        data = f.read_at(start, length)
        pos = 0
        while pos + 8 <= len(data) and len(out) < min(total, MAX_MESSAGES):
            mtype = f.uint(data, pos, 2)
            msize = f.uint(data, pos + 2, 2)
            body = data[pos + 8 : pos + 8 + msize]
            pos += 8 + msize
            pos = (pos + 7) & ~7
            if mtype == 0x0010:
                blocks.append(_continuation(f, body))
            else:
                out.append((mtype, body))
    return out


def _continuation(f: _File, body: bytes) -> tuple[int, int]:
    offset = f.uint(body, 0, f.offset_size)
    length = f.uint(body, f.offset_size, f.length_size)
    if length > f.size:
        raise Hdf5Error("continuation block larger than the file")
    return offset, length


def _v2_messages(f: _File, address: int) -> list[tuple[int, bytes]]:
    head = f.read_at(address, 32)
    flags = head[5]
    pos = 6
    if flags & 0x20:
        pos += 16
    if flags & 0x10:
        pos += 4
    width = 1 << (flags & 3)
    chunk_size = f.uint(head, pos, width)
    pos += width
    blocks = [(address + pos, chunk_size)]
    creation_order = bool(flags & 0x04)
    out: list[tuple[int, bytes]] = []
    seen = 0
    while blocks:
        if seen > MAX_BLOCKS:
            raise Hdf5Error("too many object header continuation blocks")
        seen += 1
        start, length = blocks.pop(0)
        data = f.read_at(start, length)
        p = 0
        if data[:4] == b"OCHK":
            p = 4
            data = data[: len(data) - 4]  # checksum
        header_len = 4 + (2 if creation_order else 0)
        while p + header_len <= len(data) and len(out) < MAX_MESSAGES:
            mtype = data[p]
            msize = f.uint(data, p + 1, 2)
            body = data[p + header_len : p + header_len + msize]
            p += header_len + msize
            if mtype == 0x10:
                blocks.append(_continuation(f, body))
            elif mtype != 0:
                out.append((mtype, body))
    return out


def _attribute(f: _File, body: bytes) -> tuple[str | None, str | bytes | None]:
    version = body[0]
    name_size = f.uint(body, 2, 2)
    type_size = f.uint(body, 4, 2)
    space_size = f.uint(body, 6, 2)
    if version == 1:
        pos = 8

        def pad(n: int) -> int:
            return (n + 7) & ~7

    elif version in (2, 3):
        pos = 8 if version == 2 else 9

        def pad(n: int) -> int:
            return n

    else:
        return None, None
    name = body[pos : pos + name_size].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
    pos += pad(name_size)
    dtype = body[pos : pos + type_size]
    pos += pad(type_size)
    space = body[pos : pos + space_size]
    pos += pad(space_size)
    data = body[pos:]
    count = _dataspace_count(f, space)
    if count != 1 or not dtype:
        return name, None
    klass = dtype[0] & 0x0F
    elem_size = f.uint(dtype, 4, 4)
    if klass == 3:
        return name, data[:elem_size].rstrip(b"\x00")
    if klass == 9 and (dtype[1] & 0x0F) == 1:
        return name, _vlen_string(f, data)
    return name, None


def _dataspace_count(f: _File, space: bytes) -> int:
    if not space:
        return 0
    version = space[0]
    rank = space[1]
    if version == 1:
        dims_at = 8
    elif version == 2:
        if space[3] == 0:  # scalar
            return 1
        if space[3] == 2:  # null
            return 0
        dims_at = 4
    else:
        return 0
    count = 1
    for i in range(rank):
        count *= f.uint(space, dims_at + i * f.length_size, f.length_size)
    return count


def _vlen_string(f: _File, data: bytes) -> bytes | None:
    o = f.offset_size
    length = f.uint(data, 0, 4)
    collection = f.uint(data, 4, o)
    index = f.uint(data, 4 + o, 4)
    if length > MAX_ATTRIBUTE:
        raise Hdf5Error("variable-length attribute over the size limit")
    head = f.read_at(collection, 8 + f.length_size)
    if head[:4] != b"GCOL":
        raise Hdf5Error("bad global heap collection")
    size = f.uint(head, 8, f.length_size)
    if size > min(f.size, MAX_ATTRIBUTE + 4096):
        raise Hdf5Error("global heap collection over the size limit")
    heap = f.read_at(collection, size)
    pos = 8 + f.length_size
    entry = 8 + f.length_size
    while pos + entry <= len(heap):
        obj_index = f.uint(heap, pos, 2)
        obj_size = f.uint(heap, pos + 8, f.length_size)
        if obj_index == 0:
            break
        if obj_index == index:
            return heap[pos + entry : pos + entry + min(obj_size, length)]
        pos += entry + ((obj_size + 7) & ~7)
    return None


def as_text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


__all__ = ["Hdf5Error", "RootAttributes", "as_text", "read_root_attributes", "struct"]
