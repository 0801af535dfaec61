"""The table reporter's output for plain reports, written without rich.

Importing rich and building its console costs more than a whole model scan of one
file, so reports that rich would render without markup, emoji or wide characters are
written here, byte for byte as ``TableReporter`` prints them (rich, no colour, box
``HEAVY_HEAD``, ``expand=False``, every column ``overflow="fold"``). Tables wider than
the console are shrunk as ``rich.table.Table._calculate_column_widths`` shrinks them and
every text is wrapped as ``rich.text.Text.wrap`` wraps it. Anything else returns None
and goes to rich; a test compares both on generated reports.
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
    if width < 1:
        return None
    out: list[str] = []
    for section in report.sections:
        if not section.rows:
            if not _print(f"{section.title}: {section.empty}", width, out):
                return None
        else:
            table = _table(section.title, section.columns, section.rows, width)
            if table is None:
                return None
            out.extend(table)
        for note in section.notes:
            if not _print(f"  {note}", width, out):
                return None
        out.append("")
    for line in report.summary_lines:
        if not _print(line, width, out):
            return None
    return "".join(line + "\n" for line in out)


def _plain(text: str) -> bool:
    return _NOT_PLAIN.search(text) is None


def _print(text: str, width: int, out: list[str]) -> bool:
    """Append ``text`` as ``console.print(text)`` prints it; False if rich must do it."""
    if not _plain(text):
        return False
    out.extend(_fold(text, width, pad=False))
    return True


def _table(
    title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]], width: int
) -> list[str] | None:
    cells = [columns, *rows]
    if any(len(row) != len(columns) for row in cells):
        return None
    if not all(_plain(text) for row in cells for text in row) or not _plain(title):
        return None
    natural = [max(len(row[index]) for row in cells) + 2 for index in range(len(columns))]
    borders = len(columns) + 1
    widths = _column_widths(natural, width - borders)
    # a column narrower than its padding: rich's measurements take other branches
    if widths is None or min(widths) < 3:
        return None
    total = sum(widths) + borders
    if total > width:
        return None

    def rule(left: str, fill: str, cross: str, right: str) -> str:
        return left + cross.join(fill * w for w in widths) + right

    lines = _fold(title, total, pad=True) if title else []  # no title, no line
    lines.append(rule("┏", "━", "┳", "┓"))
    lines.extend(_row(columns, widths, "┃", header=True))
    lines.append(rule("┡", "━", "╇", "┩"))
    for row in rows:
        lines.extend(_row(row, widths, "│", header=False))
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _column_widths(natural: list[int], available: int) -> list[int] | None:
    """Column widths (padding included) as rich's ``Table`` computes them, not expanded.

    ``natural`` holds each column's widest cell plus its padding, ``available`` the
    console width less the borders.
    """
    if available < 1:
        return None  # rich measures every column as empty
    widths = [min(size, available) for size in natural]
    if sum(widths) <= available:
        return widths
    widths = _collapse_widths(widths, available)
    excess = sum(widths) - available
    if excess > 0:  # rich's last resort: shrink every column evenly
        widths = _ratio_reduce(excess, [1] * len(widths), widths, widths)
    # rich measures each column again at its new width; a cell never measures wider
    return [min(size, width) for size, width in zip(natural, widths, strict=True)]


def _collapse_widths(widths: list[int], max_width: int) -> list[int]:
    """``rich.table.Table._collapse_widths`` with every column wrapable."""
    total = sum(widths)
    excess = total - max_width
    while total and excess > 0:
        widest = max(widths)
        second = max(width if width != widest else 0 for width in widths)
        difference = widest - second
        if not difference:
            break
        ratios = [1 if width == widest else 0 for width in widths]
        widths = _ratio_reduce(excess, ratios, [min(excess, difference)] * len(widths), widths)
        total = sum(widths)
        excess = total - max_width
    return widths


def _ratio_reduce(
    total: int, ratios: list[int], maximums: list[int], values: list[int]
) -> list[int]:
    """``rich._ratio.ratio_reduce``, rounding included (``round`` of a float)."""
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result: list[int] = []
    for ratio, maximum, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            result.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _row(row: Sequence[str], widths: list[int], bar: str, *, header: bool) -> list[str]:
    """The lines of one table row; shorter cells get blank lines (above in the header)."""
    cells: list[list[str]] = []
    for text, width in zip(row, widths, strict=True):
        if len(text) <= width - 2:
            cells.append([" " + text.ljust(width - 2) + " "])
        else:
            cells.append([" " + piece + " " for piece in _fold(text, width - 2, pad=True)])
    height = max(len(cell) for cell in cells)
    if height > 1:
        for cell, width in zip(cells, widths, strict=True):
            blank = [" " * width] * (height - len(cell))
            cell[:] = blank + cell if header else cell + blank
    return [bar + bar.join(parts) + bar for parts in zip(*cells, strict=True)]


def _fold(text: str, width: int, *, pad: bool) -> list[str]:
    """``Text(text).wrap(width, overflow="fold")`` for one printable ASCII line.

    ``pad`` pads every line to ``width`` (justify "left") as a table cell or title is;
    ``console.print`` does not.
    """
    bounds = [0, *_divide_line(text, width), len(text)]
    # rich strips the trailing spaces beyond the width, then crops: the same as [:width]
    lines = [text[begin:end][:width] for begin, end in itertools.pairwise(bounds)]
    if pad:
        return [line.ljust(width) for line in lines]
    return lines


def _divide_line(text: str, width: int) -> list[int]:
    """``rich._wrap.divide_line(text, width, fold=True)`` for single-cell characters."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            # chop_cells: the word, trailing spaces included, in pieces of ``width``
            pieces = [word[index : index + width] for index in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            offset = len(pieces[-1])
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


__all__ = ["render_plain"]
