"""The one thing every reporter renders: a :class:`Report`.

A command builds a ``Report`` holding its contract JSON document (``document``),
the findings it produced (for SARIF), and human-oriented ``sections`` (tables for
the table and Markdown reporters). Reporters never know which command made it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from chainward.errors import ChainwardError
from chainward.records import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class ReportError(ChainwardError):
    """A report could not be rendered or written."""


class Section:
    """One table of a human-readable report."""

    # Section and Report are plain classes: building a frozen dataclass costs about a
    # millisecond at every start-up, and they need nothing one generates but __init__
    __slots__ = ("columns", "empty", "notes", "rows", "title")

    def __init__(
        self,
        title: str,
        columns: tuple[str, ...],
        rows: Sequence[tuple[str, ...]],
        empty: str = "nothing to report",
        notes: tuple[str, ...] = (),
    ) -> None:
        self.title = title
        self.columns = columns
        self.rows = rows
        self.empty = empty
        self.notes = notes

    def __repr__(self) -> str:
        return f"Section({self.title!r}, {len(self.rows)} rows)"


class Report:
    """A command's result, ready for any reporter.

    ``kind`` names the command ("inventory", "audit", ...); ``document`` is exactly the
    JSON the contract in DESIGN.md specifies for that command.
    """

    __slots__ = (
        "artifacts",
        "document",
        "findings",
        "kind",
        "sections",
        "summary_lines",
        "warnings",
    )

    def __init__(
        self,
        kind: str,
        document: dict[str, Any],
        findings: Sequence[Finding] = (),
        sections: Sequence[Section] = (),
        summary_lines: tuple[str, ...] = (),
        warnings: tuple[str, ...] = (),
        artifacts: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.document = document
        self.findings = findings
        self.sections = sections
        self.summary_lines = summary_lines
        self.warnings = warnings
        self.artifacts = artifacts

    def with_document(self, document: dict[str, Any]) -> Report:
        """The same report around another JSON document."""
        return Report(
            self.kind,
            document,
            self.findings,
            self.sections,
            self.summary_lines,
            self.warnings,
            self.artifacts,
        )

    def __repr__(self) -> str:
        return f"Report({self.kind!r}, {len(self.findings)} findings)"


class Reporter(ABC):
    """Renders a report as text."""

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole output, ending with a newline."""


__all__ = ["Report", "ReportError", "Reporter", "Section"]
