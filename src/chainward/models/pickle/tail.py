"""Names a pickle imports past the opcode budget, found by searching its bytes.

The machine stops after ``max_pickle_ops`` opcodes, but the real unpickler reads on,
so a payload placed after enough padding would go unseen. The rest of the stream is
searched instead (by ``re``, chunk by chunk, never all in memory) for the ways writers
import a callable by name: a GLOBAL or INST line pair, and STACK_GLOBAL right after
two string literals (each maybe memoized). A name reached otherwise (a memo lookup, a computed string) is
not found here; the budget finding that comes with this search says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

_NAME = rb"[A-Za-z_][\w.]{0,254}"
_LINE_PAIR = re.compile(rb"([ci])(" + _NAME + rb")\n(" + _NAME + rb")\n")
# a string (SHORT_BINUNICODE or BINUNICODE), maybe memoized (MEMOIZE, BINPUT, LONG_BINPUT)
_STRING = rb"(?:\x8c([\x01-\xff])|X([\x01-\xff]\x00\x00\x00))(" + _NAME + rb")"
_MEMO = rb"(?:\x94|q[\x00-\xff]|r[\x00-\xff]{4})?"
_STACK_PAIR = re.compile(_STRING + _MEMO + _STRING + _MEMO + rb"\x93")
CHUNK = 4 << 20
OVERLAP = 1024  # longer than any match, so one spanning two chunks is seen whole
MAX_NAMES = 4096


def imported_names(fh: BinaryIO, *, base: int = 0) -> Iterator[tuple[str, str, int, str]]:
    """``(module, name, offset, opcode)`` for each import found in the rest of ``fh``.

    ``offset`` is ``base`` plus the match's position in ``fh``; at most
    :data:`MAX_NAMES` distinct names are given.
    """
    seen: set[tuple[str, str]] = set()
    done: set[int] = set()
    start = 0  # stream position of data[0]
    data = b""
    while len(seen) < MAX_NAMES:
        chunk = fh.read(CHUNK)
        data += chunk
        for found in _matches(data):
            module, name, at, opcode = found
            position = start + at
            if position in done:
                continue
            done.add(position)
            if (module, name) not in seen:
                seen.add((module, name))
                yield module, name, base + position, opcode
        if not chunk:
            return
        keep = min(OVERLAP, len(data))
        start += len(data) - keep
        data = data[len(data) - keep :]
        done = {p for p in done if p >= start}


def _matches(data: bytes) -> Iterator[tuple[str, str, int, str]]:
    for match in _LINE_PAIR.finditer(data):
        opcode = "GLOBAL" if match.group(1) == b"c" else "INST"
        yield match.group(2).decode(), match.group(3).decode(), match.start(), opcode
    for match in _STACK_PAIR.finditer(data):
        short1, long1, module, short2, long2, name = match.groups()
        if len(module) == _length(short1, long1) and len(name) == _length(short2, long2):
            yield module.decode(), name.decode(), match.start(), "STACK_GLOBAL"


def _length(short: bytes | None, long: bytes | None) -> int:
    return short[0] if short is not None else int.from_bytes(long or b"", "little")


__all__ = ["imported_names"]
