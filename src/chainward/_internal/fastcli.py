"""What the click-free fast paths (``model scan``, ``audit``) share with ``chainward.cli``.

A fast path serves only invocations it understands completely and returns None for
anything else, so that the full command line gives its usual result and messages.
:func:`parse_options` is deliberately stricter than click: whatever it accepts, click
reads the same way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from chainward.errors import ChainwardError, InputError
from chainward.exitcodes import EXIT_ERROR

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

GLOBAL_FLAGS = ("-q", "--quiet", "--debug")
# the command line's choices, without importing what defines them (tests compare them)
FORMATS = ("table", "json", "markdown", "sarif")  # report.registry.FORMAT_NAMES
SEVERITIES = ("low", "medium", "high", "critical")  # cli.options.SEVERITY_NAMES


def split_global_flags(args: list[str]) -> tuple[bool, bool, list[str]]:
    """(debug, quiet, the rest) for ``[-q|--quiet|--debug]... COMMAND ...``."""
    debug = quiet = False
    index = 0
    while index < len(args) and args[index] in GLOBAL_FLAGS:
        if args[index] == "--debug":
            debug = True
        else:
            quiet = True
        index += 1
    return debug, quiet, args[index:]


Parsed = tuple[list[str], dict[str, list[str]]]


def parse_options(
    args: Iterable[str], flags: Iterable[str], valued: dict[str, str]
) -> Parsed | None:
    """Positional arguments and options of one command, or None when unsure.

    ``flags`` are boolean options (``--strict``); ``valued`` maps every spelling of an
    option that takes a value to its canonical name (``{"-f": "--format", "--format":
    "--format"}``). Values are collected per canonical name, in order; a flag's list
    holds one empty string per occurrence. None for ``-``, ``--``, an empty argument,
    ``-f=value`` (click reads the value ``=value``), ``--flag=value``, a missing value
    and any option not listed (``--help`` included).
    """
    flag_names = set(flags)
    rest = list(args)
    positional: list[str] = []
    options: dict[str, list[str]] = {}
    index = 0
    while index < len(rest):
        token = rest[index]
        index += 1
        if not token.startswith("-"):
            if not token:
                return None
            positional.append(token)
            continue
        name, eq, value = token.partition("=")
        if name in flag_names:
            if eq:
                return None
            options.setdefault(name, []).append("")
            continue
        canonical = valued.get(name)
        if canonical is None:
            return None
        if not eq:
            if index >= len(rest):
                return None
            value = rest[index]
            index += 1
        elif len(name) == 2:
            return None
        options.setdefault(canonical, []).append(value)
    return positional, options


def render(report: Any, output_format: str, output: Path | None, *, quiet: bool) -> None:
    """The one way a report is written: to stdout or ``output``; warnings to stderr."""
    from chainward.report.registry import OutputFormat, reporter_for

    text = reporter_for(OutputFormat(output_format.lower())).render(report)
    if not quiet:
        for warning in report.warnings:
            sys.stderr.write(f"warning: {warning}\n")
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror}", path=str(output)) from None


def run_guarded(action: Callable[[], int], *, debug: bool) -> int:
    """Run ``action``; every error becomes one line on stderr and exit code 2."""
    try:
        return action()
    except ChainwardError as exc:
        _traceback(debug)
        sys.stderr.write(f"chainward: error: {exc.diagnostics()}\n")
    except KeyboardInterrupt:
        sys.stderr.write("chainward: interrupted\n")
    except BrokenPipeError:
        pass
    except Exception as exc:  # the one place an unexpected error becomes exit 2
        _traceback(debug)
        message = " ".join(str(exc).split()) or exc.__class__.__name__
        sys.stderr.write(
            f"chainward: internal error: {exc.__class__.__name__}: {message} "
            "(run with --debug for a traceback)\n"
        )
    return EXIT_ERROR


def _traceback(debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc()


__all__ = ["FORMATS", "SEVERITIES", "parse_options", "render", "run_guarded", "split_global_flags"]
