"""safetensors (huggingface/safetensors, docs/format): header checks only.

Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping
tensor names to {dtype, shape, data_offsets: [begin, end]} (plus an optional
``__metadata__`` string map), then the byte buffer. Only the header is read.
The format has no code path; what is checked is what the reference loader
refuses or what hides data: header size, JSON validity, dtype x shape sizes,
offsets in range, overlaps, holes and bytes after the buffer (room for a
polyglot payload). Metadata strings are data and are not judged as code.
"""

from __future__ import annotations

import json
import math

from chainward.models.context import ScanContext, Source
from chainward.models.interface import FormatScanner
from chainward.records import Severity

DTYPE_BITS = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "F64": 64,
    "I64": 64,
    "U64": 64,
    "C64": 64,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "E8M0": 8,
}
MAX_HEADER = 100_000_000  # the reference implementation's limit


class SafetensorsScanner(FormatScanner):
    formats = ("safetensors",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        where = source.display
        with source.open() as fh:
            raw = fh.read(8)
            if len(raw) < 8:
                ctx.error(where, "truncated safetensors header length")
                return
            length = int.from_bytes(raw, "little")
            if length > min(MAX_HEADER, ctx.options.max_header_bytes) or length + 8 > source.size:
                ctx.add(
                    "safetensors-malformed",
                    Severity.MEDIUM,
                    f"header length {length} is out of range for a {source.size}-byte file",
                    where,
                )
                return
            header_bytes = fh.read(length)
        problems = check_header(header_bytes, source.size - 8 - length)
        for problem in problems:
            ctx.add("safetensors-malformed", Severity.MEDIUM, problem, where, "header")


def check_header(header_bytes: bytes, data_len: int) -> list[str]:
    """Problems with a safetensors header (empty when the reference loader would accept it)."""
    try:
        header = json.loads(header_bytes.decode("utf-8").rstrip(" "), parse_constant=_not_json)
        # serde_json (the reference loader) refuses lone surrogate escapes that json accepts
        json.dumps(header, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError):
        return ["header is not valid UTF-8 JSON; loaders refuse the file"]
    if not isinstance(header, dict):
        return ["header is not a JSON object"]
    problems: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        if name == "__metadata__":
            if not isinstance(info, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in info.items()
            ):
                problems.append("__metadata__ must map strings to strings")
            continue
        if not isinstance(info, dict):
            problems.append(f"tensor {name!r}: entry is not an object")
            continue
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dtype not in DTYPE_BITS:
            problems.append(f"tensor {name!r}: unknown dtype {dtype!r}")
            continue
        if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            problems.append(f"tensor {name!r}: shape must be a list of non-negative integers")
            continue
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
        ):
            problems.append(f"tensor {name!r}: data_offsets must be two integers")
            continue
        begin, end = offsets
        nbits = math.prod(shape) * DTYPE_BITS[dtype]
        if nbits // 8 > 1 << 62:
            problems.append(f"tensor {name!r}: dtype x shape overflows a 64-bit size")
            continue
        if nbits % 8:
            problems.append(f"tensor {name!r}: dtype x shape is not a whole number of bytes")
            continue
        if not 0 <= begin <= end <= data_len:
            problems.append(
                f"tensor {name!r}: data_offsets [{begin}, {end}] are outside the "
                f"{data_len}-byte buffer"
            )
            continue
        if end - begin != nbits // 8:
            problems.append(
                f"tensor {name!r}: {end - begin} bytes do not match dtype x shape "
                f"({nbits // 8} bytes)"
            )
        spans.append((begin, end, name))
    spans.sort()
    cursor = 0
    for begin, end, name in spans:
        if begin < cursor:
            problems.append(f"tensor {name!r} overlaps the previous tensor")
        elif begin > cursor:
            problems.append(f"{begin - cursor} unused bytes before tensor {name!r}")
        cursor = max(cursor, end)
    if not problems and cursor != data_len:
        problems.append(
            f"{data_len - cursor} bytes after the last tensor are not described by "
            "the header (room for a hidden payload)"
        )
    return problems


def _not_json(constant: str) -> object:
    raise ValueError(f"{constant} is not JSON")


__all__ = ["SafetensorsScanner", "check_header"]
