"""Options shared by every reporting command, and the one way a report is written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from chainward._internal.fastcli import render
from chainward.records import Finding, Severity
from chainward.report.interface import Report
from chainward.report.registry import FORMAT_NAMES

F = TypeVar("F", bound=Callable[..., Any])

SEVERITY_NAMES = tuple(s.label for s in Severity if s is not Severity.NONE)


def report_options(func: F) -> F:
    """``--format`` and ``--output`` (the report goes to stdout unless ``--output``)."""
    func = click.option(
        "--output",
        "-o",
        "output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the report to FILE instead of stdout.",
    )(func)
    func = click.option(
        "--format",
        "-f",
        "output_format",
        type=click.Choice(FORMAT_NAMES, case_sensitive=False),
        default="table",
        show_default=True,
        help="Report format.",
    )(func)
    return func


def fail_on_option(default: str = "low") -> Callable[[F], F]:
    """``--fail-on SEVERITY``: exit 1 when a finding is at or above it."""

    def decorate(func: F) -> F:
        return click.option(
            "--fail-on",
            "fail_on",
            type=click.Choice(SEVERITY_NAMES, case_sensitive=False),
            default=default,
            show_default=True,
            help="Exit 1 when any finding is at or above this severity.",
        )(func)

    return decorate


def db_option(func: F) -> F:
    """``--db PATH`` (also ``CHAINWARD_DB``): the advisory database to use."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="CHAINWARD_DB",
        default=None,
        help="Advisory database (default: the bundled snapshot in the user data dir).",
    )(func)


def emit(report: Report, output_format: str, output: Path | None, *, quiet: bool = False) -> None:
    """Render ``report`` in the chosen format to stdout or ``output``; warnings go to stderr."""
    render(report, output_format, output, quiet=quiet)


def reached(findings: Iterable[Finding], threshold: str | Severity) -> bool:
    """True when any finding is at or above ``threshold``."""
    level = threshold if isinstance(threshold, Severity) else Severity.parse(threshold)
    return any(f.severity >= level for f in findings)


def is_quiet(ctx: click.Context | None = None) -> bool:
    ctx = ctx or click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and isinstance(root.obj, dict) and root.obj.get("quiet"))


__all__ = ["db_option", "emit", "fail_on_option", "is_quiet", "reached", "report_options"]
