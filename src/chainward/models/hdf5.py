"""A minimal, bounded HDF5 reader for the root group's attributes (no h5py).

Enough of the HDF5 File Format Specification (version 3.0) to read what Keras
stores in the root group of a legacy ``.h5`` model — ``model_config``,
``training_config``, ``keras_version``, ``backend`` — as fixed-length or
variable-length string attributes: superblock versions 0-3, object header
versions 1 and 2 with continuation blocks, attribute messages versions 1-3,
datatype classes 3 (string) and 9 (variable-length string, through the global
heap), scalar and simple dataspaces. Attributes kept in dense storage — used
when an object has many attributes, tracks their creation order or has one too
large for its header — are read through the attribute info message: the
version-2 B-tree name index (type 8 records) gives heap IDs, resolved in the
fractal heap (managed objects through the doubling table of direct and indirect
blocks, tiny objects inline, huge objects directly or through the huge-object
B-tree). Filtered (compressed) heaps and shared attribute messages are reported
as unreadable. Every offset and length is checked against the file size;
message, record, node and block counts are capped, and every structure is
visited at most once.

:func:`find_pickles` walks every group (symbol-table groups with their v1
B-trees and local heaps; compact and dense link storage) for what PyTables —
and so pandas ``HDFStore`` — unpickles when it reads a node: any string
attribute ending in ``.`` (``tables/attributeset.py``: pandas keeps
``non_index_axes``, ``info``, an index ``freq`` there as protocol-0 pickles)
and every row of a variable-length ``uint8`` array (``VLArray`` of
``ObjectAtom``: pandas' object columns in ``format="fixed"``), read through
contiguous, compact or chunked (v1 B-tree; deflate, shuffle, bzip2 and Blosc
filters, see :mod:`chainward.models.blosc`) layouts and the global heap.
"""

from __future__ import annotations

import bz2
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from chainward.models import blosc

SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_MESSAGES = 10_000
MAX_BLOCKS = 256
MAX_ATTRIBUTE = 64 << 20


class Hdf5Error(ValueError):
    """The file is not HDF5 as far as this reader understands it."""


@dataclass
class RootAttributes:
    """The root group's attributes, from its object header and dense storage."""

    values: dict[str, str | bytes]
    dense: bool = False  # some attributes live in dense storage
    dense_error: str | None = None  # why dense storage could not be read (None: it was)
    # names found both in the header and in dense storage: HDF5 reads only the dense
    # copy when dense storage exists, other readers may take the header one; both are kept
    shadowed: list[tuple[str, str | bytes]] = field(default_factory=list)


class _File:
    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh = fh
        self.size = size
        self.base = 0
        self.offset_size = 8
        self.length_size = 8
        # global heap collections already read, with their objects by index
        self.collections: dict[int, tuple[bytes, dict[int, tuple[int, int]]]] = {}
        # bytes of global heap collections (re-reads included) and object-array chunks read
        self.heap_budget = 2 * size + (64 << 20)

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
    root = _root_address(f, fh, size)
    messages = _object_header_messages(f, root)
    values: dict[str, str | bytes] = {}
    dense = False
    dense_error: str | None = None
    shadowed: list[tuple[str, str | bytes]] = []
    for mtype, body in messages:
        if mtype == 0x000C:
            name, value = _attribute(f, body)
            if name is not None and value is not None:
                values[name] = value
        elif mtype == 0x0015:
            # attribute info: addresses of dense storage (fractal heap + v2 B-tree)
            flags = body[1] if len(body) > 1 else 0
            pos = 2 + (2 if flags & 1 else 0)
            o = f.offset_size
            heap = f.uint(body, pos, o) if pos + o <= len(body) else 0
            names = f.uint(body, pos + o, o) if pos + 2 * o <= len(body) else 0
            if not f.undefined(heap, o):
                dense = True
                try:
                    for message in _dense_attribute_messages(f, heap, names):
                        name, value = _attribute(f, message)
                        if name is not None and value is not None:
                            if name in values and values[name] != value:
                                shadowed.append((name, values[name]))
                            values[name] = value
                except (Hdf5Error, IndexError) as exc:
                    dense_error = str(exc) or type(exc).__name__
    return RootAttributes(values, dense, dense_error, shadowed)


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
    parsed = _attribute_parts(f, body)
    if parsed is None:
        return None, None
    name, dtype, count, data = parsed
    if count != 1 or not dtype:
        return name, None
    klass = dtype[0] & 0x0F
    elem_size = f.uint(dtype, 4, 4)
    if klass == 3:
        return name, data[:elem_size].rstrip(b"\x00")
    if klass == 9 and (dtype[1] & 0x0F) == 1:
        return name, _vlen_string(f, data)
    return name, None


def _attribute_parts(f: _File, body: bytes) -> tuple[str, bytes, int, bytes] | None:
    """(name, datatype message, element count, raw data) of an attribute message."""
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
        return None
    name = body[pos : pos + name_size].split(b"\x00", 1)[0].decode("utf-8", errors="replace")
    pos += pad(name_size)
    dtype = body[pos : pos + type_size]
    pos += pad(type_size)
    space = body[pos : pos + space_size]
    pos += pad(space_size)
    return name, dtype, _dataspace_count(f, space), body[pos:]


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
    heap, objects = _collection(f, collection)
    found = objects.get(index)
    if found is None:
        return None
    start, size = found
    return heap[start : start + min(size, length)]


def _collection(f: _File, address: int) -> tuple[bytes, dict[int, tuple[int, int]]]:
    """A global heap collection and its objects' (start, size) by index, read once."""
    cached = f.collections.get(address)
    if cached is not None:
        return cached
    head = f.read_at(address, 8 + f.length_size)
    if head[:4] != b"GCOL":
        raise Hdf5Error("bad global heap collection")
    size = f.uint(head, 8, f.length_size)
    if size > min(f.size, MAX_ATTRIBUTE + 4096):
        raise Hdf5Error("global heap collection over the size limit")
    f.heap_budget -= size
    if f.heap_budget < 0:
        raise Hdf5Error("global heap collections re-read past the read budget")
    heap = f.read_at(address, size)
    objects: dict[int, tuple[int, int]] = {}
    entry = 8 + f.length_size
    pos = entry
    while pos + entry <= len(heap):
        obj_index = f.uint(heap, pos, 2)
        obj_size = f.uint(heap, pos + 8, f.length_size)
        if obj_index == 0:
            break
        objects.setdefault(obj_index, (pos + entry, obj_size))
        pos += entry + ((obj_size + 7) & ~7)
    if len(f.collections) >= 16:
        f.collections.pop(next(iter(f.collections)))  # keep the most recent few
    f.collections[address] = (heap, objects)
    return heap, objects


# ---------------------------------------------------------------- dense attribute storage

MAX_BTREE_NODES = 100_000
MAX_HEAP_BLOCKS = 100_000
MAX_HEAP_OBJECT = MAX_ATTRIBUTE + 4096


def _limit_enc_size(value: int) -> int:
    """Bytes HDF5 uses to encode counts up to ``value`` (H5VM_limit_enc_size)."""
    return (max(value, 1).bit_length() - 1) // 8 + 1


@dataclass
class _Heap:
    """A fractal heap header (``FRHP``), the parts needed to find objects."""

    address: int
    id_length: int
    filtered: bool
    flags: int
    max_managed: int
    huge_btree: int
    table_width: int
    start_block: int
    max_direct: int
    max_heap_bits: int
    root: int
    root_rows: int

    @property
    def offset_bytes(self) -> int:
        return (self.max_heap_bits + 7) // 8

    @property
    def length_bytes(self) -> int:
        direct_bits = max(self.max_direct, 1).bit_length() - 1
        return min((direct_bits + 7) // 8, _limit_enc_size(self.max_managed))

    @property
    def max_direct_rows(self) -> int:
        return (self.max_direct.bit_length() - 1) - (self.start_block.bit_length() - 1) + 2

    def row_block_size(self, row: int) -> int:
        return self.start_block if row == 0 else self.start_block << (row - 1)


def _read_heap(f: _File, address: int) -> _Heap:
    o, n = f.offset_size, f.length_size
    size = 4 + 1 + 2 + 2 + 1 + 4 + n + o + n + o + 8 * n + 2 + n + n + 2 + 2 + o + 2
    data = f.read_at(address, size)
    if data[:4] != b"FRHP" or data[4] != 0:
        raise Hdf5Error("bad fractal heap header")
    pos = 5
    id_length = f.uint(data, pos, 2)
    filter_length = f.uint(data, pos + 2, 2)
    flags = data[pos + 4]
    max_managed = f.uint(data, pos + 5, 4)
    pos += 9 + n  # next huge object id
    huge_btree = f.uint(data, pos, o)
    pos += o + n + o + 8 * n  # free space, free-space manager, 8 statistics
    table_width = f.uint(data, pos, 2)
    start_block = f.uint(data, pos + 2, n)
    max_direct = f.uint(data, pos + 2 + n, n)
    max_heap_bits = f.uint(data, pos + 2 + 2 * n, 2)
    pos += 2 + 2 * n + 2 + 2  # ... starting rows in root indirect block
    root = f.uint(data, pos, o)
    root_rows = f.uint(data, pos + o, 2)
    power_of_two = all(v > 0 and v & (v - 1) == 0 for v in (table_width, start_block, max_direct))
    if not power_of_two or max_direct < start_block or not 0 < max_heap_bits <= 64:
        raise Hdf5Error("fractal heap doubling table is inconsistent")
    if not 0 < id_length <= 64:
        raise Hdf5Error("fractal heap ID length is out of range")
    return _Heap(
        address, id_length, filter_length > 0, flags, max_managed, huge_btree,
        table_width, start_block, max_direct, max_heap_bits, root, root_rows,
    )  # fmt: skip


def _dense_attribute_messages(f: _File, heap_address: int, names_btree: int) -> list[bytes]:
    """Every attribute message in dense storage, in name-index order."""
    heap = _read_heap(f, heap_address)
    if f.undefined(names_btree, f.offset_size):
        raise Hdf5Error("dense attribute storage without a name index")
    out: list[bytes] = []
    for record in _btree_records(f, names_btree, expect_type=8):
        heap_id = record[: heap.id_length]
        message_flags = record[heap.id_length] if len(record) > heap.id_length else 0
        if message_flags & 0x02:
            raise Hdf5Error("shared attribute messages are not supported")
        out.append(_heap_object(f, heap, heap_id))
        if len(out) > MAX_MESSAGES:
            raise Hdf5Error("too many dense attributes")
    return out


def _btree_records(f: _File, address: int, expect_type: int) -> list[bytes]:
    """All records of a version-2 B-tree (``BTHD``/``BTIN``/``BTLF``), depth first."""
    o, n = f.offset_size, f.length_size
    head = f.read_at(address, 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + o + 2 + n)
    if head[:4] != b"BTHD" or head[4] != 0:
        raise Hdf5Error("bad v2 B-tree header")
    if head[5] != expect_type:
        raise Hdf5Error(f"v2 B-tree of type {head[5]}, expected {expect_type}")
    node_size = f.uint(head, 6, 4)
    record_size = f.uint(head, 10, 2)
    depth = f.uint(head, 12, 2)
    root = f.uint(head, 16, o)
    root_records = f.uint(head, 16 + o, 2)
    if record_size == 0 or node_size < 16 or node_size > 1 << 24 or depth > 32:
        raise Hdf5Error("v2 B-tree header is inconsistent")
    # per level: max records in a node, its encoded size, cumulative max and its size (H5B2hdr.c)
    prefix = 10  # signature, version, type, checksum
    max_nrec = [(node_size - prefix) // record_size]
    nrec_size = [_limit_enc_size(max_nrec[0])]
    cum_max = [max_nrec[0]]
    cum_size = [nrec_size[0]]
    for level in range(1, depth + 1):
        pointer = o + nrec_size[level - 1] + (cum_size[level - 1] if level > 1 else 0)
        count = (node_size - (prefix + pointer)) // (record_size + pointer)
        if count <= 0:
            raise Hdf5Error("v2 B-tree nodes are too small for their depth")
        max_nrec.append(count)
        nrec_size.append(_limit_enc_size(count))
        cum_max.append((count + 1) * cum_max[level - 1] + count)
        cum_size.append(_limit_enc_size(cum_max[level]))
    out: list[bytes] = []
    seen: set[int] = set()
    stack = [(root, root_records, depth)]
    while stack:
        node, records, level = stack.pop()
        if f.undefined(node, o) or records == 0:
            continue
        if node in seen or len(seen) >= MAX_BTREE_NODES:
            raise Hdf5Error("v2 B-tree has a cycle or too many nodes")
        seen.add(node)
        if records > max_nrec[level]:
            raise Hdf5Error("v2 B-tree node claims more records than fit")
        data = f.read_at(node, min(node_size, f.size))
        signature = b"BTLF" if level == 0 else b"BTIN"
        if data[:4] != signature or data[5] != expect_type:
            raise Hdf5Error("bad v2 B-tree node")
        pos = 6
        for _ in range(records):
            out.append(data[pos : pos + record_size])
            pos += record_size
        if level == 0:
            continue
        children = []
        for _ in range(records + 1):
            child = f.uint(data, pos, o)
            child_records = f.uint(data, pos + o, nrec_size[level - 1])
            pos += o + nrec_size[level - 1] + (cum_size[level - 1] if level > 1 else 0)
            children.append((child, child_records, level - 1))
        stack.extend(reversed(children))
        if len(out) > MAX_MESSAGES:
            raise Hdf5Error("too many v2 B-tree records")
    return out


def _heap_object(f: _File, heap: _Heap, heap_id: bytes) -> bytes:
    if not heap_id:
        raise Hdf5Error("empty fractal heap ID")
    kind = (heap_id[0] >> 4) & 0x03
    if heap_id[0] >> 6 != 0:
        raise Hdf5Error("unsupported fractal heap ID version")
    if kind == 2:  # tiny: the object is in the ID itself
        if heap.id_length <= 18:
            length = (heap_id[0] & 0x0F) + 1
            return heap_id[1 : 1 + length]
        length = (((heap_id[0] & 0x0F) << 8) | heap_id[1]) + 1
        return heap_id[2 : 2 + length]
    if kind == 1:
        return _huge_object(f, heap, heap_id)
    if kind != 0:
        raise Hdf5Error("unknown fractal heap ID type")
    if heap.filtered:
        raise Hdf5Error("filtered (compressed) fractal heap blocks are not supported")
    offset = int.from_bytes(heap_id[1 : 1 + heap.offset_bytes], "little")
    start = 1 + heap.offset_bytes
    length = int.from_bytes(heap_id[start : start + heap.length_bytes], "little")
    if length > MAX_HEAP_OBJECT:
        raise Hdf5Error("fractal heap object over the size limit")
    block_address, block_offset = _find_direct_block(f, heap, offset)
    return f.read_at(block_address + (offset - block_offset), length)


def _huge_object(f: _File, heap: _Heap, heap_id: bytes) -> bytes:
    o, n = f.offset_size, f.length_size
    if heap.filtered:
        raise Hdf5Error("filtered huge heap objects are not supported")
    if heap.id_length >= 1 + o + n:  # the ID holds the address and length directly
        address = int.from_bytes(heap_id[1 : 1 + o], "little")
        length = int.from_bytes(heap_id[1 + o : 1 + o + n], "little")
    else:
        key = int.from_bytes(heap_id[1:], "little")
        for record in _btree_records(f, heap.huge_btree, expect_type=1):
            if int.from_bytes(record[o + n : o + n + n], "little") == key:
                address = int.from_bytes(record[:o], "little")
                length = int.from_bytes(record[o : o + n], "little")
                break
        else:
            raise Hdf5Error("huge heap object not found in its B-tree")
    if length > MAX_HEAP_OBJECT:
        raise Hdf5Error("huge heap object over the size limit")
    return f.read_at(address, length)


def _find_direct_block(f: _File, heap: _Heap, offset: int) -> tuple[int, int]:
    """(file address, heap offset) of the direct block holding heap ``offset``."""
    if offset >= 1 << heap.max_heap_bits:
        raise Hdf5Error("fractal heap offset out of range")
    if heap.root_rows == 0:  # the root is a single direct block
        if offset >= heap.start_block:
            raise Hdf5Error("fractal heap offset beyond its root block")
        return heap.root, 0
    address, rows, block_offset = heap.root, heap.root_rows, 0
    for _ in range(MAX_HEAP_BLOCKS):
        o = f.offset_size
        header = 4 + 1 + o + heap.offset_bytes
        direct_rows = min(rows, heap.max_direct_rows)
        indirect_rows = rows - direct_rows
        entry = o + (f.length_size + 4 if heap.filtered else 0)
        size = header + heap.table_width * (direct_rows * entry + indirect_rows * o)
        data = f.read_at(address, size)
        if data[:4] != b"FHIB":
            raise Hdf5Error("bad fractal heap indirect block")
        # find the row and column covering `offset` inside this block
        relative = offset - block_offset
        row_start = 0
        for row in range(rows):
            block = heap.row_block_size(row)
            span = block * heap.table_width
            if relative < row_start + span:
                column = (relative - row_start) // block
                child_offset = block_offset + row_start + column * block
                index = row * heap.table_width + column
                if row < direct_rows:
                    child = f.uint(data, header + index * entry, o)
                    if f.undefined(child, o):
                        raise Hdf5Error("fractal heap object in an unallocated block")
                    return child, child_offset
                slot = header + heap.table_width * direct_rows * entry
                slot += (index - heap.table_width * direct_rows) * o
                child = f.uint(data, slot, o)
                if f.undefined(child, o):
                    raise Hdf5Error("fractal heap object in an unallocated block")
                # a child indirect block of size S has log2(S / (start * width)) + 1 rows
                child_rows = (
                    (block.bit_length() - 1)
                    - ((heap.start_block * heap.table_width).bit_length() - 1)
                    + 1
                )
                if child_rows <= 0 or child_rows >= rows:
                    raise Hdf5Error("fractal heap indirect block rows are inconsistent")
                address, rows, block_offset = child, child_rows, child_offset
                break
            row_start += span
        else:
            raise Hdf5Error("fractal heap offset beyond its root block")
    raise Hdf5Error("fractal heap is nested too deeply")


# ---------------------------------------------------------------- pickles in any node

MAX_OBJECTS = 20_000  # groups and datasets visited
MAX_PICKLE_BYTES = 64 << 20  # candidate bytes collected from one file
MAX_VLEN_ROWS = 100_000
MAX_CHUNK = 64 << 20


@dataclass
class Hdf5Pickles:
    """What PyTables would unpickle: ``(where, bytes)``, and what could not be read."""

    items: list[tuple[str, bytes]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    objects: int = 0
    size: int = 0

    def add(self, where: str, data: bytes) -> None:
        if self.size + len(data) > MAX_PICKLE_BYTES:
            raise Hdf5Error(f"more than {MAX_PICKLE_BYTES} bytes of pickled attributes/rows")
        self.size += len(data)
        self.items.append((where, data))


def find_pickles(fh: BinaryIO, size: int) -> Hdf5Pickles:
    """Pickled attribute values and object-array rows of every node (see the module doc)."""
    f = _File(fh, size)
    root = _root_address(f, fh, size)
    out = Hdf5Pickles()
    queue: list[tuple[int, str]] = [(root, "/")]
    seen: set[int] = set()
    while queue:
        address, path = queue.pop(0)
        if address in seen or f.undefined(address, f.offset_size):
            continue
        seen.add(address)
        out.objects += 1
        if out.objects > MAX_OBJECTS:
            out.problems.append(f"more than {MAX_OBJECTS} objects; the rest were not read")
            break
        try:
            messages = _object_header_messages(f, address)
            children = _node_pickles(f, messages, path, out)
        except (Hdf5Error, IndexError, struct.error, zlib.error) as exc:
            out.problems.append(f"{path}: {exc or type(exc).__name__}")
            continue
        for name, child in children:
            queue.append((child, path.rstrip("/") + "/" + name))
    return out


def _root_address(f: _File, fh: BinaryIO, size: int) -> int:
    base = _find_superblock(fh, size)
    sb = f.read_at(base, 96 if size - base >= 96 else size - base)
    version = sb[8]
    if version in (0, 1):
        f.offset_size, f.length_size = sb[13], sb[14]
        o = f.offset_size
        pos = 24 if version == 0 else 28
        base_address = f.uint(sb, pos, o)
        root = f.uint(sb, pos + 4 * o + o, o)
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
    return root


def _node_pickles(
    f: _File, messages: list[tuple[int, bytes]], path: str, out: Hdf5Pickles
) -> list[tuple[str, int]]:
    """Collect one object's pickles; return its children (name, object header address)."""
    children: list[tuple[str, int]] = []
    attributes: list[bytes] = []
    dtype = layout = filters = b""
    for mtype, body in messages:
        if mtype == 0x000C:
            attributes.append(body)
        elif mtype == 0x0015:
            attributes.extend(_dense_attributes_of(f, body))
        elif mtype == 0x0011:
            children.extend(_symbol_table_children(f, body))
        elif mtype == 0x0006:
            link = _hard_link(f, body)
            if link is not None:
                children.append(link)
        elif mtype == 0x0002:
            children.extend(_dense_links(f, body))
        elif mtype == 0x0003:
            dtype = body
        elif mtype == 0x0008:
            layout = body
        elif mtype == 0x000B:
            filters = body
    object_rows = False
    for body in attributes:
        parsed = _attribute_parts(f, body)
        if parsed is None:
            continue
        name, atype, count, data = parsed
        value = _scalar_bytes(f, atype, count, data)
        if value is None:
            continue
        value = value.rstrip(b"\x00")
        if name == "PSEUDOATOM" and value == b"object":
            object_rows = True
        # tables/attributeset.py: a string attribute ending in "." is handed to pickle.loads
        if value.endswith(b".") and len(value) > 2:
            out.add(f"{path} attribute {name!r}", value)
    # PyTables unpickles every row of a VLArray of ObjectAtom (PSEUDOATOM "object");
    # other variable-length byte datasets (encoded images...) are data, never read here
    if object_rows and dtype and layout and _is_byte_sequence(dtype):
        for index, row in enumerate(_vlen_rows(f, layout, filters)):
            if row:
                out.add(f"{path} row {index}", row)
    return children


def _scalar_bytes(f: _File, dtype: bytes, count: int, data: bytes) -> bytes | None:
    if count != 1 or len(dtype) < 8:
        return None
    klass = dtype[0] & 0x0F
    if klass in (3, 5):  # fixed-length string, opaque
        return data[: f.uint(dtype, 4, 4)]
    if klass == 9 and ((dtype[1] & 0x0F) == 1 or _is_byte_sequence(dtype)):
        return _vlen_string(f, data)
    return None


def _is_byte_sequence(dtype: bytes) -> bool:
    """A variable-length sequence of 1-byte integers (PyTables' ObjectAtom rows)."""
    if len(dtype) < 16 or dtype[0] & 0x0F != 9 or dtype[1] & 0x0F != 0:
        return False
    base = dtype[8:]
    return base[0] & 0x0F == 0 and int.from_bytes(base[4:8], "little") == 1


def _vlen_rows(f: _File, layout: bytes, filters: bytes) -> Iterator[bytes]:
    ref = 4 + f.offset_size + 4
    rows = 0
    for block in _layout_blocks(f, layout, filters):
        # rows fill a chunk from its start; the unused rest is zeros (skip it at C speed)
        used = len(block.rstrip(b"\x00"))
        for pos in range(0, min(used, len(block) - ref + 1), ref):
            length = f.uint(block, pos, 4)
            collection = f.uint(block, pos + 4, f.offset_size)
            if length == 0 or collection == 0 or f.undefined(collection, f.offset_size):
                continue
            rows += 1
            if rows > MAX_VLEN_ROWS:
                raise Hdf5Error(f"more than {MAX_VLEN_ROWS} variable-length rows")
            value = _vlen_string(f, block[pos : pos + ref])
            if value is not None:
                yield value


def _layout_blocks(f: _File, layout: bytes, filters: bytes) -> Iterator[bytes]:
    """The raw bytes of a dataset, block by block (compact, contiguous or v1-B-tree chunks)."""
    o, n = f.offset_size, f.length_size
    if not layout or layout[0] != 3:
        raise Hdf5Error(f"data layout message version {layout[:1].hex() or '?'} is not supported")
    klass = layout[1]
    if klass == 0:
        size = f.uint(layout, 2, 2)
        yield layout[4 : 4 + size]
        return
    if klass == 1:
        address = f.uint(layout, 2, o)
        size = f.uint(layout, 2 + o, n)
        if f.undefined(address, o):
            return
        if size > MAX_CHUNK:
            raise Hdf5Error("variable-length dataset over the size limit")
        yield f.read_at(address, size)
        return
    if klass != 2:
        raise Hdf5Error(f"data layout class {klass} is not supported")
    rank = layout[2]
    btree = f.uint(layout, 3, o)
    if f.undefined(btree, o):
        return
    pipeline = _filters(f, filters)
    for chunk_size, mask, address in _chunk_index(f, btree, rank):
        if chunk_size > MAX_CHUNK:
            raise Hdf5Error("chunk over the size limit")
        data = f.read_at(address, chunk_size)
        # filters run in order when writing, so in reverse when reading
        for index in reversed(range(len(pipeline))):
            if mask & (1 << index):
                continue  # this filter was skipped for this chunk
            ident, values = pipeline[index]
            data = _unfilter(ident, values, data)
        f.heap_budget -= len(data)  # decompressed chunks count against the same budget
        if f.heap_budget < 0:
            raise Hdf5Error("object-array chunks decompress past the read budget")
        yield data


_FILTER_NAMES = {
    1: "deflate",
    2: "shuffle",
    3: "fletcher32",
    307: "bzip2",  # PyTables' H5Zbzip2.c
    32001: "blosc",  # PyTables' hdf5-blosc (its client values are hints: the chunk header rules)
}


def _filters(f: _File, body: bytes) -> list[tuple[int, list[int]]]:
    """The filter pipeline message: (filter id, client values) in writing order."""
    if not body:
        return []
    version, count = body[0], body[1]
    pos = 8 if version == 1 else 2
    out = []
    for _ in range(min(count, 32)):
        ident = f.uint(body, pos, 2)
        named = version == 1 or ident >= 256
        name_len = f.uint(body, pos + 2, 2) if named else 0
        pos += 4 if named else 2
        pos += 2  # flags
        nvalues = f.uint(body, pos, 2)
        pos += 2
        pos += (name_len + 7) & ~7 if version == 1 else name_len
        values = [f.uint(body, pos + 4 * i, 4) for i in range(min(nvalues, 64))]
        pos += 4 * nvalues + (4 if version == 1 and nvalues % 2 else 0)
        if ident not in _FILTER_NAMES:
            known = ", ".join(_FILTER_NAMES.values())
            raise Hdf5Error(f"chunk filter {ident} cannot be undone here (only {known})")
        out.append((ident, values))
    return out


def _unfilter(ident: int, values: list[int], data: bytes) -> bytes:
    if ident == 1:
        inflater = zlib.decompressobj()
        data = inflater.decompress(data, MAX_CHUNK)
        if inflater.unconsumed_tail:
            raise Hdf5Error("chunk inflates past the size limit")
        return data
    if ident == 3:
        return data[:-4]  # the Fletcher-32 checksum trails the chunk
    if ident == 32001:
        try:
            return blosc.decompress(data, MAX_CHUNK)
        except blosc.BloscError as exc:
            raise Hdf5Error(str(exc)) from None
    if ident == 307:
        return _bunzip2(data)
    # shuffle: its first client value is the element size
    return blosc.unshuffle(data, values[0] if values else 1)


def _bunzip2(data: bytes) -> bytes:
    """One bzip2 stream, as PyTables' filter reads it, at most MAX_CHUNK bytes."""
    decoder = bz2.BZ2Decompressor()
    try:
        out = decoder.decompress(data, MAX_CHUNK)
    except (OSError, ValueError, EOFError) as exc:
        raise Hdf5Error(f"bzip2 chunk: {exc}") from None
    if not decoder.eof:
        if not decoder.needs_input:
            raise Hdf5Error("bzip2 chunk decompresses past the size limit")
        raise Hdf5Error("bzip2 chunk is truncated")
    return out


def _btree_v1_leaves(
    f: _File, address: int, node_type: int, key_size: int, what: str
) -> Iterator[tuple[bytes, int, int]]:
    """(node body, key offset, child address) of every leaf entry of a version 1 B-tree
    (node type 0: group symbol table nodes, 1: dataset chunks)."""
    o = f.offset_size
    stack = [address]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node in seen or len(seen) >= MAX_BTREE_NODES:
            raise Hdf5Error(f"{what} B-tree has a cycle or too many nodes")
        seen.add(node)
        head = f.read_at(node, 8 + 2 * o)
        if head[:4] != b"TREE" or head[4] != node_type:
            raise Hdf5Error(f"bad {what} B-tree node")
        level, entries = head[5], f.uint(head, 6, 2)
        body = f.read_at(node + 8 + 2 * o, entries * (key_size + o) + key_size)
        for i in range(entries):
            pos = i * (key_size + o)
            child = f.uint(body, pos + key_size, o)
            if level:
                stack.append(child)
            else:
                yield body, pos, child


def _chunk_index(f: _File, address: int, rank: int) -> Iterator[tuple[int, int, int]]:
    """(chunk size, filter mask, address) of every chunk in a v1 B-tree (node type 1)."""
    for body, pos, child in _btree_v1_leaves(f, address, 1, 8 + 8 * rank, "chunk"):
        yield f.uint(body, pos, 4), f.uint(body, pos + 4, 4), child


def _symbol_table_children(f: _File, body: bytes) -> list[tuple[str, int]]:
    """Old-style group: its v1 B-tree (node type 0) of symbol table nodes, names in a local heap."""
    o, n = f.offset_size, f.length_size
    btree = f.uint(body, 0, o)
    heap = f.read_at(f.uint(body, o, o), 8 + 2 * n + o)
    if heap[:4] != b"HEAP":
        raise Hdf5Error("bad local heap")
    heap_size = f.uint(heap, 8, n)
    names = f.read_at(f.uint(heap, 8 + 2 * n, o), min(heap_size, MAX_ATTRIBUTE))
    out: list[tuple[str, int]] = []
    for _body, _pos, child in _btree_v1_leaves(f, btree, 0, n, "group"):
        snod = f.read_at(child, 8)
        if snod[:4] != b"SNOD":
            raise Hdf5Error("bad symbol table node")
        count = f.uint(snod, 6, 2)
        entry = 2 * o + 24
        table = f.read_at(child + 8, count * entry)
        for k in range(count):
            name_at = f.uint(table, k * entry, o)
            header = f.uint(table, k * entry + o, o)
            name = names[name_at:].split(b"\x00", 1)[0].decode("utf-8", "replace")
            out.append((name, header))
            if len(out) > MAX_OBJECTS:
                raise Hdf5Error("too many group members")
    return out


def _hard_link(f: _File, body: bytes) -> tuple[str, int] | None:
    """A link message's (name, object header address), for hard links."""
    flags = body[1]
    pos = 2
    link_type = 0
    if flags & 0x08:
        link_type = body[pos]
        pos += 1
    if flags & 0x04:
        pos += 8
    if flags & 0x10:
        pos += 1
    width = 1 << (flags & 3)
    name_len = f.uint(body, pos, width)
    pos += width
    name = body[pos : pos + name_len].decode("utf-8", "replace")
    pos += name_len
    if link_type != 0:
        return None  # soft and external links name other places, not objects here
    return name, f.uint(body, pos, f.offset_size)


def _dense_links(f: _File, body: bytes) -> list[tuple[str, int]]:
    o = f.offset_size
    flags = body[1]
    pos = 2 + (8 if flags & 1 else 0)
    heap_address = f.uint(body, pos, o)
    names = f.uint(body, pos + o, o)
    if f.undefined(heap_address, o):
        return []
    heap = _read_heap(f, heap_address)
    out = []
    for record in _btree_records(f, names, expect_type=5):
        link = _hard_link(f, _heap_object(f, heap, record[4 : 4 + heap.id_length]))
        if link is not None:
            out.append(link)
    return out


def _dense_attributes_of(f: _File, body: bytes) -> list[bytes]:
    flags = body[1] if len(body) > 1 else 0
    pos = 2 + (2 if flags & 1 else 0)
    o = f.offset_size
    heap = f.uint(body, pos, o) if pos + o <= len(body) else 0
    names = f.uint(body, pos + o, o) if pos + 2 * o <= len(body) else 0
    if f.undefined(heap, o):
        return []
    return _dense_attribute_messages(f, heap, names)


def as_text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8", errors="replace")


__all__ = [
    "Hdf5Error",
    "Hdf5Pickles",
    "RootAttributes",
    "as_text",
    "find_pickles",
    "read_root_attributes",
    "struct",
]
