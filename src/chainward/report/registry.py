"""The registry of reporters, chosen by name (``--format``)."""

from __future__ import annotations

import enum

from chainward.report.interface import Reporter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


class OutputFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"

    def __str__(self) -> str:
        return self.value


def _assert_never(value: NoReturn) -> NoReturn:
    raise AssertionError(f"unhandled output format {value!r}")


def reporter_for(fmt: OutputFormat) -> Reporter:
    """The reporter for ``fmt``; every member of OutputFormat is handled."""
    if fmt is OutputFormat.TABLE:
        from chainward.report.table import TableReporter

        return TableReporter()
    if fmt is OutputFormat.JSON:
        from chainward.report.json import JsonReporter

        return JsonReporter()
    if fmt is OutputFormat.MARKDOWN:
        from chainward.report.markdown import MarkdownReporter

        return MarkdownReporter()
    if fmt is OutputFormat.SARIF:
        from chainward.report.sarif import SarifReporter

        return SarifReporter()
    _assert_never(fmt)


FORMAT_NAMES = tuple(f.value for f in OutputFormat)

__all__ = ["FORMAT_NAMES", "OutputFormat", "reporter_for"]
