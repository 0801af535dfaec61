"""Walk the opcodes of a pickle's rest without evaluating them: is it data only?

The pickle machine stops at its budgets, but the real unpickler reads on. What is
left may be a payload, or just more data: a vocabulary of millions of words pickles
to tens of millions of opcodes. This walk decodes opcodes and their argument sizes
exactly (as ``Modules/_pickle.c`` reads them) but keeps no values, so it runs in
constant memory and several times faster than the machine. It stops at the first
opcode that can run code or import a name: GLOBAL, INST, STACK_GLOBAL, EXT1/2/4,
REDUCE, BUILD, NEWOBJ, NEWOBJ_EX, OBJ, PERSID, BINPERSID. When the rest holds none
of those, nothing in it can call anything new: it only pushes, stores and fetches
values and fills plain containers.
"""

from __future__ import annotations

from chainward.models.detect import PICKLE_OPS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

# opcode -> how to step over it, one small int so the loop does one list lookup:
# 1..9 a fixed length (opcode and argument), 11/14/18 a size field of 1/4/8 bytes
# then that many bytes, 20 a line, 0 an opcode that can run code, -1 invalid
_CODE, _INVALID, _END, _SIZED, _LINE = 0, -1, -2, 10, 20
_CODE_OPS = frozenset(b"cibRo\x81\x92\x93\x82\x83\x84PQ")
_SIGNED_SIZES = frozenset(b"T\x8b")  # BINSTRING and LONG4: a negative size is an error
_SIZE_WIDTHS = {"len1": 1, "len4": 4, "len8": 8}


def _step(op: int) -> int:
    if op in _CODE_OPS:
        return _CODE
    if op not in PICKLE_OPS:
        return _INVALID
    kind = PICKLE_OPS[op][0]
    if kind is None:
        return 1
    if isinstance(kind, int):
        return 1 + kind
    if kind == "line":
        return _LINE
    return _SIZED + _SIZE_WIDTHS[str(kind)]


_STEPS = [_step(op) for op in range(256)]
_ONE_STREAM_STEPS = [_END if op == ord(".") else step for op, step in enumerate(_STEPS)]
WINDOW = 1 << 20
_SLACK = 9  # the longest fixed opcode (FRAME, BINFLOAT): refill before fewer are left


class DataTail:
    """What the walk found: ``code_at``/``code_op`` for the first opcode that can run
    code (None when there is none), else where and why it ended."""

    __slots__ = ("code_at", "code_op", "end", "stopped")

    def __init__(self) -> None:
        self.end = 0  # stream offset after the last whole opcode read
        self.code_at: int | None = None
        self.code_op = ""
        self.stopped = "end of data"

    @property
    def data_only(self) -> bool:
        return self.code_at is None


def walk_data(
    fh: BinaryIO, *, base: int = 0, max_bytes: int = 1 << 62, one_stream: bool = False
) -> DataTail:
    """Walk the opcodes of ``fh`` from its position to its end (several streams, each
    ended by STOP, as a loader calling ``pickle.load`` in a loop reads them), or with
    ``one_stream`` to the first STOP (then ``stopped`` is ``"STOP"``).

    ``base`` is the stream offset of ``fh``'s position (offsets are reported in it).
    Memory stays bounded by the read window, however long a literal or a line is;
    time by ``max_bytes`` (checked once per window, so a bound, not an exact size).
    """
    out = DataTail()
    steps = _ONE_STREAM_STEPS if one_stream else _STEPS
    data = b""
    pos = 0  # index in data
    start = base  # stream offset of data[0]
    eof = False
    limit = -1  # refill when pos passes this
    while True:
        if pos > limit:
            if pos > len(data):  # a fixed opcode cut by the end of the data
                out.stopped = "truncated opcode"
                pos = len(data)
                break
            if not eof:
                chunk = fh.read(WINDOW)
                eof = not chunk
                data = data[pos:] + chunk
                start += pos
                pos = 0
                limit = len(data) - 1 if eof else len(data) - _SLACK
            if pos >= len(data):
                break
            if start + pos - base > max_bytes:
                out.stopped = f"the walk's budget of {max_bytes} bytes"
                break
        op = data[pos]
        step = steps[op]
        if 0 < step < _SIZED:
            pos += step
        elif step > _LINE - 1:
            found = _line_end(fh, data, pos + 1)
            if found is None:
                out.stopped = "truncated line"
                break
            data, dropped, pos, ran_out = found
            start += dropped
            if dropped:
                eof = eof or ran_out
                limit = len(data) - 1 if eof else len(data) - _SLACK
        elif step > _SIZED:
            width = step - _SIZED
            if pos + 1 + width > len(data):
                out.stopped = "truncated opcode"
                break
            if width == 1:
                size = data[pos + 1]
            else:
                field = data[pos + 1 : pos + 1 + width]
                size = int.from_bytes(field, "little", signed=op in _SIGNED_SIZES)
                if size < 0:
                    out.stopped = "negative size"
                    break
            pos += 1 + width + size
            if pos > len(data):  # the literal runs past the window: skip it in the stream
                if not _skip(fh, pos - len(data)):
                    out.stopped = "truncated literal"
                    break
                start += pos
                data, pos, limit = b"", 0, -1
        elif step == _CODE:
            out.code_at, out.code_op = start + pos, _name(op)
            break
        elif step == _END:
            pos += 1
            out.stopped = "STOP"
            break
        else:
            out.stopped = f"invalid opcode {op:#04x}"  # the unpickler raises here
            break
    out.end = start + pos
    return out


def _skip(fh: BinaryIO, count: int) -> bool:
    """Move ``count`` bytes on in ``fh``; False if it ends first."""
    try:
        if fh.seekable():
            here = fh.tell()
            end = fh.seek(0, 2)
            if here + count > end:
                return False
            fh.seek(here + count)
            return True
    except OSError:
        pass
    while count > 0:
        chunk = fh.read(min(count, WINDOW))
        if not chunk:
            return False
        count -= len(chunk)
    return True


def _line_end(fh: BinaryIO, data: bytes, pos: int) -> tuple[bytes, int, int, bool] | None:
    """Find the newline ending the line at ``data[pos:]``, reading on as needed.

    Returns the window to go on with, how many bytes were dropped from its front,
    the index after the newline, and whether ``fh`` ran out; None if it ends first.
    """
    dropped = 0
    eof = False
    while True:
        newline = data.find(b"\n", pos)
        if newline >= 0:
            return data, dropped, newline + 1, eof
        if eof:
            return None
        dropped += len(data)
        pos = 0
        data = fh.read(WINDOW)
        eof = not data


_NAMES = {
    ord("c"): "GLOBAL",
    ord("i"): "INST",
    ord("b"): "BUILD",
    ord("R"): "REDUCE",
    ord("o"): "OBJ",
    0x81: "NEWOBJ",
    0x92: "NEWOBJ_EX",
    0x93: "STACK_GLOBAL",
    0x82: "EXT1",
    0x83: "EXT2",
    0x84: "EXT4",
    ord("P"): "PERSID",
    ord("Q"): "BINPERSID",
}


def _name(op: int) -> str:
    return _NAMES.get(op, f"{op:#04x}")


__all__ = ["DataTail", "walk_data"]
