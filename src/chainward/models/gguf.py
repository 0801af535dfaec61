"""GGUF (ggml-org/ggml docs/gguf.md): bounded metadata parsing and chat-template analysis.

Header: magic ``GGUF``, uint32 version (1-3; byte-swapped means big-endian),
tensor count and key/value count (uint64; uint32 in version 1), then typed
key/value pairs. Every length and count is checked against the file size and
the header budget before anything is allocated; tensor data is never read.
String values under ``tokenizer.chat_template`` (and ``.<name>`` variants) are
Jinja2 programs that runtimes render; they go to :mod:`chainward.models.jinja`.

The tensor-info table is checked too, against the published memory-safety bugs of
llama.cpp's loader: counts and lengths that only overflow size computations
(ggml-org/llama.cpp#15711, PR #19856), more than 4 dimensions, dimensions whose
byte size wraps (PR #18674), tokenizer arrays of the wrong element type (PR #26690)
and a ``block_count`` past ``LLAMA_MAX_LAYERS`` (PR #25821). Ordinary files never
hold such values, so they are ``unsafe``; a file that merely ends early is malformed.
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


MAX_DIMS = 4  # GGML_MAX_DIMS
MAX_LAYERS = 512  # LLAMA_MAX_LAYERS
TYPE_COUNT = 64  # ggml type ids stay far below this
OVERFLOW = 1 << 48  # no real length, count or dimension comes near this
MIN_TENSOR_INFO = 8 + 4 + 8 + 4 + 8  # empty name, one dimension, type, offset
# tokenizer arrays llama.cpp casts to a fixed element type without checking it
_ARRAY_TYPES = {"tokenizer.ggml.scores": 6, "tokenizer.ggml.token_type": 5}


class GgufError(ValueError):
    pass


class GgufOverflow(GgufError):
    """A value whose only use is to overflow a loader's size computation."""


class _Reader:
    def __init__(self, fh: BinaryIO, size: int, budget: int, endian: str) -> None:
        self.fh = fh
        self.size = size
        self.budget = budget
        self.endian = endian
        self.pos = 0

    def read(self, n: int) -> bytes:
        if n >= OVERFLOW:
            raise GgufOverflow(f"a length of {n} bytes (sized to overflow, not to be read)")
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
        if n >= OVERFLOW:
            raise GgufOverflow(f"a length of {n} bytes (sized to overflow, not to be read)")
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
                info = read_gguf(fh, source.size, ctx.options.max_header_bytes)
            except GgufOverflow as exc:
                ctx.add(
                    "gguf-overflow",
                    Severity.HIGH,
                    f"GGUF header holds {exc}: a crafted file aimed at the loader's memory safety",
                    where,
                )
                return
            except (GgufError, struct.error, UnicodeDecodeError) as exc:
                ctx.add(
                    "gguf-malformed", Severity.MEDIUM, f"GGUF metadata is malformed: {exc}", where
                )
                return
        for rule, severity, message in info.issues:
            ctx.add(rule, severity, message, where)
        templates = info.templates
        for key, template in templates:
            for issue in analyze_template(template):
                detail = key if issue.line is None else f"{key}, template line {issue.line}"
                ctx.add(issue.rule, issue.severity, f"chat template {issue.message}", where, detail)


class GgufInfo:
    def __init__(self) -> None:
        self.templates: list[tuple[str, str]] = []
        self.issues: list[tuple[str, Severity, str]] = []


def read_templates(fh: BinaryIO, size: int, budget: int) -> list[tuple[str, str]]:
    """The chat templates in a GGUF file's metadata, after validating every length."""
    return read_gguf(fh, size, budget).templates


def read_gguf(fh: BinaryIO, size: int, budget: int) -> GgufInfo:
    """Chat templates and loader-safety issues of a GGUF file (tensor data is never read)."""
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
    tensor_count = reader.u64(v1)
    kv_count = reader.u64(v1)
    if tensor_count >= OVERFLOW or kv_count >= OVERFLOW:
        raise GgufOverflow(f"{tensor_count} tensors and {kv_count} metadata entries")
    if kv_count > MAX_KV:
        raise GgufError(f"{kv_count} metadata entries is over the limit")
    info = GgufInfo()
    for _ in range(kv_count):
        key = reader.string(v1)
        vtype = int(reader.scalar("I"))
        is_template = key == "tokenizer.chat_template" or key.startswith("tokenizer.chat_template.")
        if vtype == STRING:
            value = reader.string(v1, keep=is_template)
            if is_template:
                info.templates.append((key, value))
        elif vtype == ARRAY:
            item_type = _skip_array(reader, v1, depth=0)
            expected = _ARRAY_TYPES.get(key)
            if expected is not None and item_type != expected:
                info.issues.append(
                    (
                        "gguf-overflow",
                        Severity.HIGH,
                        f"{key} is an array of type {item_type}, not {expected}: llama.cpp "
                        "reads it with the wider element size, past its end (PR #26690)",
                    )
                )
        elif vtype in _SCALARS:
            number = reader.scalar(_SCALARS[vtype])
            if key.endswith(".block_count") and isinstance(number, int) and number > MAX_LAYERS:
                info.issues.append(
                    (
                        "gguf-overflow",
                        Severity.HIGH,
                        f"{key} = {number} is over llama.cpp's {MAX_LAYERS}-layer arrays "
                        "(out-of-bounds write, PR #25821)",
                    )
                )
        else:
            raise GgufError(f"unknown value type {vtype} for key {key[:80]!r}")
    if tensor_count * MIN_TENSOR_INFO > size - reader.pos:
        raise GgufOverflow(f"{tensor_count} tensor entries in a {size}-byte file")
    _check_tensors(reader, v1, tensor_count, info)
    return info


def _check_tensors(reader: _Reader, v1: bool, count: int, info: GgufInfo) -> None:
    for index in range(count):
        name = reader.string(v1)[:80]
        n_dims = int(reader.scalar("I"))
        if n_dims > MAX_DIMS:
            raise GgufOverflow(f"tensor {index} ({name!r}) with {n_dims} dimensions (max 4)")
        dims = [reader.u64(v1) for _ in range(n_dims)]
        ggml_type = int(reader.scalar("I"))
        reader.u64()  # offset into the data section
        elements = 1
        for dim in dims:
            elements *= dim
        if any(dim >= OVERFLOW for dim in dims) or elements >= 1 << 50:
            raise GgufOverflow(f"tensor {name!r} of shape {dims} (its byte size wraps)")
        if ggml_type >= TYPE_COUNT:
            info.issues.append(
                (
                    "gguf-malformed",
                    Severity.MEDIUM,
                    f"tensor {name!r} has unknown type {ggml_type}; loaders refuse it",
                )
            )


def _skip_array(reader: _Reader, v1: bool, depth: int) -> int:
    if depth > 8:
        raise GgufError("arrays nested too deeply")
    item_type = int(reader.scalar("I"))
    count = reader.u64(v1)
    if count >= OVERFLOW:
        raise GgufOverflow(f"an array of {count} items")
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
    return item_type


__all__ = ["GgufInfo", "GgufScanner", "read_gguf", "read_templates"]
