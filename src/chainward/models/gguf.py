"""GGUF (ggml-org/ggml docs/gguf.md): bounded metadata parsing and chat-template analysis.

Header: magic ``GGUF``, uint32 version (1-3; byte-swapped means big-endian),
tensor count and key/value count (uint64; uint32 in version 1), then typed
key/value pairs. Every length and count is checked against the file size and
the header budget before anything is allocated; tensor data is never read.
String values under ``tokenizer.chat_template`` (and ``.<name>`` variants) are
Jinja2 programs that runtimes render; they go to :mod:`chainward.models.jinja`.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from chainward.models.context import ScanContext, Source
from chainward.models.interface import FormatScanner
from chainward.models.jinja import analyze_template
from chainward.records import Severity

_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
STRING, ARRAY = 8, 9
MAX_KV = 1_000_000
MAX_ARRAY = 50_000_000


class GgufError(ValueError):
    pass


class _Reader:
    def __init__(self, fh: BinaryIO, size: int, budget: int, endian: str) -> None:
        self.fh = fh
        self.size = size
        self.budget = budget
        self.endian = endian
        self.pos = 0

    def read(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.size:
            raise GgufError(f"value of {n} bytes runs past the end of the file")
        self.budget -= n
        if self.budget < 0:
            raise GgufError("metadata is larger than the header budget")
        data = self.fh.read(n)
        if len(data) != n:
            raise GgufError("truncated metadata")
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > self.size:
            raise GgufError("array runs past the end of the file")
        self.fh.seek(n, 1)
        self.pos += n

    def scalar(self, code: str) -> int | float | bool:
        size = struct.calcsize(code)
        return struct.unpack(self.endian + code, self.read(size))[0]  # type: ignore[no-any-return]

    def u64(self, v1: bool = False) -> int:
        return int(self.scalar("I" if v1 else "Q"))

    def string(self, v1: bool = False, keep: bool = True) -> str:
        length = self.u64(v1)
        if not keep:
            self.skip(length)
            return ""
        return self.read(length).decode("utf-8", errors="replace")


class GgufScanner(FormatScanner):
    formats = ("gguf",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        where = source.display
        with source.open() as fh:
            try:
                templates = read_templates(fh, source.size, ctx.options.max_header_bytes)
            except (GgufError, struct.error, UnicodeDecodeError) as exc:
                ctx.add(
                    "gguf-malformed", Severity.MEDIUM, f"GGUF metadata is malformed: {exc}", where
                )
                return
        for key, template in templates:
            for issue in analyze_template(template):
                detail = key if issue.line is None else f"{key}, template line {issue.line}"
                ctx.add(issue.rule, issue.severity, f"chat template {issue.message}", where, detail)


def read_templates(fh: BinaryIO, size: int, budget: int) -> list[tuple[str, str]]:
    """The chat templates in a GGUF file's metadata, after validating every length."""
    magic = fh.read(4)
    if magic != b"GGUF":
        raise GgufError("bad magic")
    raw_version = fh.read(4)
    endian = "<"
    version = int.from_bytes(raw_version, "little")
    if version > 0xFFFF:
        endian, version = ">", int.from_bytes(raw_version, "big")
    if version not in (1, 2, 3):
        raise GgufError(f"unsupported GGUF version {version}")
    reader = _Reader(fh, size, budget, endian)
    reader.pos = 8
    v1 = version == 1
    reader.u64(v1)  # tensor count
    kv_count = reader.u64(v1)
    if kv_count > MAX_KV:
        raise GgufError(f"{kv_count} metadata entries is over the limit")
    templates: list[tuple[str, str]] = []
    for _ in range(kv_count):
        key = reader.string(v1)
        vtype = int(reader.scalar("I"))
        is_template = key == "tokenizer.chat_template" or key.startswith("tokenizer.chat_template.")
        if vtype == STRING:
            value = reader.string(v1, keep=is_template)
            if is_template:
                templates.append((key, value))
        elif vtype == ARRAY:
            _skip_array(reader, v1, depth=0)
        elif vtype in _SCALARS:
            reader.scalar(_SCALARS[vtype])
        else:
            raise GgufError(f"unknown value type {vtype} for key {key[:80]!r}")
    return templates


def _skip_array(reader: _Reader, v1: bool, depth: int) -> None:
    if depth > 8:
        raise GgufError("arrays nested too deeply")
    item_type = int(reader.scalar("I"))
    count = reader.u64(v1)
    if count > MAX_ARRAY:
        raise GgufError(f"array of {count} items is over the limit")
    if item_type in _SCALARS:
        reader.skip(count * struct.calcsize(_SCALARS[item_type]))
    elif item_type == STRING:
        for _ in range(count):
            reader.string(v1, keep=False)
    elif item_type == ARRAY:
        for _ in range(count):
            _skip_array(reader, v1, depth + 1)
    else:
        raise GgufError(f"unknown array item type {item_type}")


__all__ = ["GgufScanner", "read_templates"]
