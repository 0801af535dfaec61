"""``chainward model scan`` without the command-line framework: report, exit code, fast path.

:func:`run_scan` is the whole command (scan, report, exit code); the click
command in ``cli/model_scan.py`` and :func:`fast_main` both call it.

:func:`fast_main` serves the common invocations (``model scan PATH... [--format F]
[--fail-on S] [--strict] [--follow-symlinks] [--jobs N]``, optionally after
``-q``/``--debug``) without importing click, the CLI registry or reporters the
output does not use: a scan of one file is then mostly interpreter start-up.
Anything else (``--help``, ``--output``, ``--dynamic``, unknown or malformed
options) returns None and the caller runs the full command line, which gives
the same result and the usual messages.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chainward.errors import ChainwardError, InputError
from chainward.exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from chainward.records import Severity, Verdict

_VERDICT_TEXT = {
    Verdict.SAFE: "no known-unsafe constructs found",
    Verdict.SUSPICIOUS: "review needed",
    Verdict.UNSAFE: "UNSAFE: runs code when loaded",
    Verdict.ERROR: "not fully analysed",
}

FORMATS = ("table", "json", "markdown", "sarif")  # report.registry.FORMAT_NAMES (tested)
SEVERITIES = ("low", "medium", "high", "critical")  # cli.options.SEVERITY_NAMES (tested)


def build_report(result: Any) -> Any:
    """The contract document plus tables for people (a ``report.Report``)."""
    from chainward.report.interface import Report, Section

    counts = result.counts()
    document = result.to_document()
    file_rows = [
        (f.path, f.format or "-", f.verdict.value, str(len(f.findings))) for f in result.files
    ]
    finding_rows = [
        (f.severity.label, f.rule, f.message, str(f.location) if f.location else f.subject)
        for f in sorted(result.findings, key=lambda x: -int(x.severity))
    ]
    sections = (
        Section(
            "Model files",
            ("path", "format", "verdict", "findings"),
            file_rows,
            empty="no model files found",
        ),
        Section(
            "Findings",
            ("severity", "rule", "message", "location"),
            finding_rows,
            empty="no findings",
        ),
    )
    summary = (
        f"{len(result.files)} file(s): {counts['unsafe']} unsafe, {counts['suspicious']} "
        f"suspicious, {counts['error']} not fully analysed, {counts['safe']} with "
        f"{_VERDICT_TEXT[Verdict.SAFE]}; {len(result.skipped)} non-model file(s) skipped.",
    )
    return Report("model-scan", document, tuple(result.findings), sections, summary)


def exit_code(result: Any, findings: Sequence[Any], fail_on: str, strict: bool) -> int:
    threshold = Severity.MEDIUM if strict else Severity.parse(fail_on)
    failed = any(f.severity >= threshold for f in findings)
    if strict and any(f.verdict in (Verdict.ERROR, Verdict.SUSPICIOUS) for f in result.files):
        failed = True
    return EXIT_FINDINGS if failed else EXIT_OK


def render(report: Any, output_format: str, output: Path | None, *, quiet: bool) -> None:
    """Like ``cli.options.emit``: the report to stdout or ``output``, warnings to stderr."""
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


def fast_main(argv: Sequence[str]) -> int | None:
    """Run ``chainward ARGV`` if it is a plain ``model scan``; None to use the full CLI."""
    parsed = _parse(list(argv))
    if parsed is None:
        return None
    debug, quiet, paths, fmt, fail_on, strict, follow, jobs = parsed
    try:
        from chainward.models import ScanOptions, scan

        result = scan(paths, ScanOptions(follow_symlinks=follow, jobs=jobs))
        report = build_report(result)
        render(report, fmt, None, quiet=quiet)
        return exit_code(result, report.findings, fail_on, strict)
    # the same mapping as chainward.cli.main
    except ChainwardError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"chainward: error: {exc.diagnostics()}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("chainward: interrupted\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        message = " ".join(str(exc).split()) or exc.__class__.__name__
        sys.stderr.write(
            f"chainward: internal error: {exc.__class__.__name__}: {message} "
            "(run with --debug for a traceback)\n"
        )
        return EXIT_ERROR


_Parsed = tuple[bool, bool, list[Path], str, str, bool, bool, int]


def _parse(args: list[str]) -> _Parsed | None:
    debug = quiet = False
    while args and args[0] in ("-q", "--quiet", "--debug"):
        if args.pop(0) == "--debug":
            debug = True
        else:
            quiet = True
    if args[:2] != ["model", "scan"]:
        return None
    paths: list[Path] = []
    fmt, fail_on, strict, follow, jobs = "table", "high", False, False, 0
    rest = args[2:]
    index = 0
    while index < len(rest):
        token = rest[index]
        index += 1
        if not token.startswith("-"):
            if not token:
                return None
            paths.append(Path(token))
            continue
        name, eq, value = token.partition("=")
        if name in ("--strict", "--follow-symlinks"):
            if eq:
                return None
            strict = strict or name == "--strict"
            follow = follow or name == "--follow-symlinks"
            continue
        if name not in ("--format", "-f", "--fail-on", "--jobs", "-j"):
            return None  # --help, --output, --dynamic, "-", "--", anything unknown
        if not eq:
            if index >= len(rest):
                return None
            value = rest[index]
            index += 1
        elif len(name) == 2:
            return None  # "-f=json" means the value "=json" to click
        if name in ("--format", "-f"):
            if value.lower() not in FORMATS:
                return None
            fmt = value.lower()
        elif name == "--fail-on":
            if value.lower() not in SEVERITIES:
                return None
            fail_on = value.lower()
        else:
            if not value.isdigit() or not value.isascii():
                return None
            jobs = int(value)
    if not paths:
        return None
    return debug, quiet, paths, fmt, fail_on, strict, follow, jobs


__all__ = ["build_report", "exit_code", "fast_main", "render"]
