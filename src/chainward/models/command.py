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

from collections.abc import Sequence

from chainward._internal.fastcli import (
    FORMATS,
    SEVERITIES,
    parse_options,
    render,
    run_guarded,
    split_global_flags,
)
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.records import Severity, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_VERDICT_TEXT = {
    Verdict.SAFE: "no known-unsafe constructs found",
    Verdict.SUSPICIOUS: "review needed",
    Verdict.UNSAFE: "UNSAFE: runs code when loaded",
    Verdict.ERROR: "not fully analysed",
}


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


def fast_main(argv: Sequence[str]) -> int | None:
    """Run ``chainward ARGV`` if it is a plain ``model scan``; None to use the full CLI."""
    parsed = _parse(list(argv))
    if parsed is None:
        return None
    debug, quiet, paths, fmt, fail_on, strict, follow, jobs = parsed

    def action() -> int:
        from chainward.models import ScanOptions, scan

        result = scan(paths, ScanOptions(follow_symlinks=follow, jobs=jobs))
        report = build_report(result)
        render(report, fmt, None, quiet=quiet)
        return exit_code(result, report.findings, fail_on, strict)

    return run_guarded(action, debug=debug)


_Parsed = tuple[bool, bool, list[str], str, str, bool, bool, int]
_VALUED = {
    "--format": "--format",
    "-f": "--format",
    "--fail-on": "--fail-on",
    "--jobs": "--jobs",
    "-j": "--jobs",
}


def _parse(args: list[str]) -> _Parsed | None:
    debug, quiet, args = split_global_flags(args)
    if args[:2] != ["model", "scan"]:
        return None
    parsed = parse_options(args[2:], ("--strict", "--follow-symlinks"), _VALUED)
    if parsed is None:
        return None
    positional, options = parsed
    fmt = options.get("--format", ["table"])[-1].lower()
    fail_on = options.get("--fail-on", ["high"])[-1].lower()
    jobs = options.get("--jobs", ["0"])[-1]
    if fmt not in FORMATS or fail_on not in SEVERITIES:
        return None
    if not jobs.isdigit() or not jobs.isascii() or not positional:
        return None
    strict, follow = "--strict" in options, "--follow-symlinks" in options
    paths = positional
    return debug, quiet, paths, fmt, fail_on, strict, follow, int(jobs)


__all__ = ["FORMATS", "SEVERITIES", "build_report", "exit_code", "fast_main", "render"]
