"""A fast path for requirements files made only of plain pins.

Lock-style files (``pip freeze``, ``pip-compile``, constraints files) hold nothing but
``name==version`` lines, optionally with extras, an environment marker, ``--hash``
options and comments. For those, :func:`plain_requirements` reads the file with pip's
own line rules (``\\`` continuations, ``#`` comments after whitespace, arguments before
the first ``-`` token) without building pip-requirements-parser's objects or importing
it. Anything else in the file (includes, options, URLs, other operators, unusual
spellings, ``${VAR}``, non-ASCII text) returns None, and the caller reads the file with
pip-requirements-parser: both give identical results (see tests/unit/inventory).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# pip's comment rule (pip_requirements_parser.COMMENT_RE)
_COMMENT = re.compile(r"(^|\s+)(#.*)$")
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_EXTRA = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
# a canonical PEP 440 public version: its "==" specifier and Version parse always succeed
_VERSION = r"[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
_PIN = re.compile(
    rf"(?P<name>{_NAME})(?:\[ *(?P<extras>{_EXTRA}(?: *, *{_EXTRA})*)? *\])? *== *"
    rf"(?P<version>{_VERSION}) *"
)
_HASH_VALUE = re.compile(r"(?:sha256|sha384|sha512):[0-9A-Fa-f]+")
_ENCODING_HINT = b"coding"


@dataclass(frozen=True)
class PlainPin:
    """One ``name==version`` requirement line, as pip-requirements-parser would see it."""

    line_number: int
    line: str  # the logical line without its comment
    name: str
    version: str
    extras: tuple[str, ...]
    marker: Any  # packaging.markers.Marker or None
    hashes: tuple[str, ...]


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """pip's ``join_lines``: a line ending in ``\\`` continues on the next one."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.endswith("\\") or _COMMENT.match(line):
            if _COMMENT.match(line):
                line = " " + line
            if pending:
                pending.append(line)
                out.append((first, "".join(pending)))
                pending = []
            else:
                out.append((number, line))
        else:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
    if pending:
        out.append((first, "".join(pending)))
    return out


def _hashes(options: str) -> tuple[str, ...] | None:
    tokens = options.split()
    hashes: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.startswith("--hash="):
            value = token[len("--hash=") :]
        elif token == "--hash" and index + 1 < len(tokens):
            index += 1
            value = tokens[index]
        else:
            return None
        if _HASH_VALUE.fullmatch(value) is None:
            return None
        hashes.append(value)
        index += 1
    return tuple(hashes)


def plain_requirements(data: bytes) -> list[PlainPin] | None:
    """Every requirement of a file of plain pins, or None when the file holds more."""
    if not data.isascii() or b"${" in data or data.startswith(b"\xef\xbb\xbf"):
        return None
    head = data.split(b"\n", 2)[:2]
    if any(_ENCODING_HINT in line for line in head):
        return None  # a PEP 263 coding line: let the library decode it
    pins: list[PlainPin] = []
    for number, raw in _logical_lines(data.decode("ascii")):
        match = _COMMENT.search(raw)
        line = (raw[: match.start()] if match else raw).strip()
        if not line:
            continue
        # pip's break_args_options: arguments end at the first token starting with "-"
        tokens = line.split(" ")
        cut = next((i for i, t in enumerate(tokens) if t.startswith("-")), len(tokens))
        args, options = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        hashes = _hashes(options) if options else ()
        if hashes is None:
            return None
        requirement, sep, marker_text = args.partition(";")
        pin = _PIN.fullmatch(requirement.strip())
        if pin is None:
            return None
        marker = None
        if sep and marker_text.strip():
            marker = _marker(marker_text.strip())
            if marker is None:
                return None
        extras = pin["extras"]
        pins.append(
            PlainPin(
                line_number=number,
                line=line,
                name=pin["name"],
                version=pin["version"],
                extras=tuple(e.strip() for e in extras.split(",")) if extras else (),
                marker=marker,
                hashes=hashes,
            )
        )
    return pins


def _marker(text: str) -> Any:
    from packaging.markers import InvalidMarker

    from chainward.inventory._build import parse_marker

    try:
        return parse_marker(text)
    except InvalidMarker:
        return None  # the library reports it, with its own message


__all__ = ["PlainPin", "plain_requirements"]
