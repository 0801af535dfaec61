"""Minimal, bounded protobuf wire-format reader (no schema compiler, no library).

Only what the ONNX and TensorFlow scanners need: iterate the fields of a
message held in a buffer (bytes or mmap), returning varints as ints and
length-delimited fields as (start, end) spans, so that large tensor payloads are
never copied.
"""

from __future__ import annotations

from collections.abc import Iterator

Buffer = bytes | memoryview


class ProtobufError(ValueError):
    """The bytes are not a well-formed protobuf message."""


class ProtobufTruncated(ProtobufError):
    """The message runs past the bytes given (a prefix of it may still be well formed)."""


def read_varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise ProtobufTruncated("truncated varint")
        if shift > 63:
            raise ProtobufError("overlong varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def iter_fields(buf: Buffer, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """Yield (field number, wire type, a, b) for each field of buf[start:end].

    Varint/fixed fields: a is the value, b is 0. Length-delimited: the span [a, b).
    """
    pos = start
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ProtobufError("field number 0")
        if wire == 0:
            value, pos = read_varint(buf, pos, end)
            yield number, wire, value, 0
        elif wire == 1:
            if pos + 8 > end:
                raise ProtobufError("truncated fixed64")
            yield number, wire, int.from_bytes(buf[pos : pos + 8], "little"), 0
            pos += 8
        elif wire == 5:
            if pos + 4 > end:
                raise ProtobufError("truncated fixed32")
            yield number, wire, int.from_bytes(buf[pos : pos + 4], "little"), 0
            pos += 4
        elif wire == 2:
            length, pos = read_varint(buf, pos, end)
            if pos + length > end:
                raise ProtobufError("length-delimited field runs past its message")
            yield number, wire, pos, pos + length
            pos += length
        elif wire == 3:
            # a group (deprecated, still valid): protobuf keeps it as an unknown field
            # and reads on, so an attacker's group must not stop our reading either
            inner = pos
            pos, close = skip_group(buf, pos, end, number)
            yield number, wire, inner, close
        else:  # 4 (an end-group with no group open), 6, 7: protobuf rejects these too
            raise ProtobufError(f"unsupported wire type {wire}")


MAX_GROUP_DEPTH = 100  # protobuf's own recursion limit


def skip_group(buf: Buffer, pos: int, end: int, number: int) -> tuple[int, int]:
    """Skip the fields of a group opened for ``number``: (position after its end tag,
    position of that tag)."""
    open_groups = [number]
    while pos < end:
        tag_start = pos
        key, pos = read_varint(buf, pos, end)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise ProtobufError("field number 0")
        if wire == 0:
            _value, pos = read_varint(buf, pos, end)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length, pos = read_varint(buf, pos, end)
            pos += length
        elif wire == 3:
            if len(open_groups) >= MAX_GROUP_DEPTH:
                raise ProtobufError("groups nested too deeply")
            open_groups.append(field)
        elif wire == 4:
            if open_groups.pop() != field:
                raise ProtobufError("end-group tag does not match its group")
            if not open_groups:
                return pos, tag_start
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        if pos > end:
            raise ProtobufTruncated("field runs past its message")
    raise ProtobufTruncated("group is not closed")


def text(buf: Buffer, a: int, b: int, limit: int = 4096) -> str:
    return bytes(buf[a : min(b, a + limit)]).decode("utf-8", errors="replace")


__all__ = [
    "Buffer",
    "ProtobufError",
    "ProtobufTruncated",
    "iter_fields",
    "read_varint",
    "skip_group",
    "text",
]
