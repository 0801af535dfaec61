"""The table reporter's output for plain reports, written without rich.

Importing rich and building its console costs more than a whole model scan of one
file, so reports that rich would render without markup, emoji, wide characters or
shrunk columns are written here, byte for byte as ``TableReporter`` (rich, no colour,
box ``HEAVY_HEAD``, columns at their natural width, lines word-wrapped like
``rich._wrap.divide_line``). Anything else returns None and goes to rich; a test
compares both on generated reports.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from chainward.report.interface import Report

_WORD = re.compile(r"\s*\S+\s*")
# rich reads "[" as markup, "\\" as its escape and ":name:" as an emoji code
_NOT_PLAIN = re.compile(r"[^\x20-\x7e]|\[|\\|:\S*:")


def render_plain(report: Report, width: int) -> str | None:
    """The table reporter's text for ``report``, or None if rich must render it."""
    out: list[str] = []
    for section in report.sections:
        if not section.rows:
            if not _wrap(f"{section.title}: {section.empty}", width, out):
                return None
        else:
            table = _table(section.title, section.columns, section.rows, width)
            if table is None:
                return None
            out.extend(table)
        for note in section.notes:
            if not _wrap(f"  {note}", width, out):
                return None
        out.append("")
    for line in report.summary_lines:
        if not _wrap(line, width, out):
            return None
    return "".join(line + "\n" for line in out)


def _plain(text: str) -> bool:
    return _NOT_PLAIN.search(text) is None


def _table(
    title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]], width: int
) -> list[str] | None:
    cells = [list(columns), *[list(row) for row in rows]]
    if any(len(row) != len(columns) for row in cells):
        return None
    if not all(_plain(text) for row in cells for text in row) or not _plain(title):
        return None
    widths = [max(len(row[index]) for row in cells) + 2 for index in range(len(columns))]
    total = sum(widths) + len(widths) + 1
    if total > width or min(widths) < 3 or len(title) > total:
        return None

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * w for w in widths) + right

    def line(row: list[str], bar: str) -> str:
        parts = [" " + text.ljust(w - 2) + " " for text, w in zip(row, widths, strict=True)]
        return bar + bar.join(parts) + bar

    lines = [title.ljust(total)] if title else []  # rich prints no line for no title
    lines += [rule("┏", "━", "┳", "┓"), line(cells[0], "┃")]
    lines.append(rule("┡", "━", "╇", "┩"))
    lines.extend(line(row, "│") for row in cells[1:])
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _wrap(text: str, width: int, out: list[str]) -> bool:
    """Append ``text`` wrapped like ``console.print(text)``; False if rich must do it."""
    if not _plain(text):
        return False
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            return False  # a word folded across lines: rare enough to leave to rich
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    if not text.strip():
        out.append(text)
        return len(text) <= width
    bounds = [0, *breaks, len(text)]
    for begin, end in itertools.pairwise(bounds):
        piece = text[begin:end]
        if len(piece) > width:  # rich crops trailing spaces beyond the width
            excess = len(piece) - width
            spaces = len(piece) - len(piece.rstrip())
            piece = piece[: len(piece) - min(spaces, excess)]
        out.append(piece)
    return True


__all__ = ["render_plain"]
