"""The one thing every reporter renders: a :class:`Report`.

A command builds a ``Report`` holding its contract JSON document (``document``),
the findings it produced (for SARIF), and human-oriented ``sections`` (tables for
the table and Markdown reporters). Reporters never know which command made it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from chainward.errors import ChainwardError
from chainward.records import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class ReportError(ChainwardError):
    """A report could not be rendered or written."""


@dataclass(frozen=True)
class Section:
    """One table of a human-readable report."""

    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    empty: str = "nothing to report"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """A command's result, ready for any reporter.

    ``kind`` names the command ("inventory", "audit", ...); ``document`` is exactly the
    JSON the contract in DESIGN.md specifies for that command.
    """

    kind: str
    document: dict[str, Any]
    findings: Sequence[Finding] = ()
    sections: Sequence[Section] = ()
    summary_lines: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    artifacts: tuple[str, ...] = field(default=())


class Reporter(ABC):
    """Renders a report as text."""

    @abstractmethod
    def render(self, report: Report) -> str:
        """The whole output, ending with a newline."""


__all__ = ["Report", "ReportError", "Reporter", "Section"]
