"""Table reporter: rich tables for people at a terminal."""

from __future__ import annotations

import io
import os

from chainward.report.interface import Report, Reporter
from chainward.report.plaintable import render_plain


class TableReporter(Reporter):
    def __init__(self, width: int | None = None) -> None:
        self.width = width

    def render(self, report: Report) -> str:
        width = self.width or int(os.environ.get("COLUMNS", "0") or 0) or 120
        plain = render_plain(report, width)
        return plain if plain is not None else render_rich(report, width)


def render_rich(report: Report, width: int) -> str:
    """What rich prints for ``report`` (colourless, ``width`` columns)."""
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=False,
        no_color=True,
        highlight=False,
        soft_wrap=False,
    )
    for section in report.sections:
        if not section.rows:
            console.print(f"{section.title}: {section.empty}")
        else:
            table = Table(title=section.title, title_justify="left", expand=False)
            for column in section.columns:
                table.add_column(column, overflow="fold")
            for row in section.rows:
                table.add_row(*row)
            console.print(table)
        for note in section.notes:
            console.print(f"  {note}")
        console.print()
    for line in report.summary_lines:
        console.print(line)
    return buffer.getvalue()
