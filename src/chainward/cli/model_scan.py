"""``chainward model scan PATH...``: static scan of model files, folders and archives."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from chainward.cli.options import emit, fail_on_option, is_quiet, reached, report_options
from chainward.errors import ChainwardError
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.records import Finding, Severity, Verdict
from chainward.report.interface import Report, Section

_VERDICT_TEXT = {
    Verdict.SAFE: "no known-unsafe constructs found",
    Verdict.SUSPICIOUS: "review needed",
    Verdict.UNSAFE: "UNSAFE: runs code when loaded",
    Verdict.ERROR: "not fully analysed",
}


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@report_options
@fail_on_option("high")
@click.option(
    "--strict",
    is_flag=True,
    help="Fail closed: also exit 1 on 'suspicious' (review) findings and on files that "
    "could not be fully analysed.",
)
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Follow symbolic links that leave the scanned folder (Hugging Face cache links "
    "inside the cache are always followed).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes for folders (0: one per core when there are enough files; "
    "1: scan in this process).",
)
@click.option(
    "--dynamic",
    is_flag=True,
    help="Also load each model inside the sandbox and report what it tried to do.",
)
def scan(
    paths: tuple[Path, ...],
    output_format: str,
    output: Path | None,
    fail_on: str,
    strict: bool,
    follow_symlinks: bool,
    jobs: int,
    dynamic: bool,
) -> int:
    """Scan model files for code that would run when they are loaded (nothing is loaded)."""
    from chainward.models import ScanOptions
    from chainward.models import scan as scan_models

    result = scan_models(list(paths), ScanOptions(follow_symlinks=follow_symlinks, jobs=jobs))
    if dynamic:
        result = _with_dynamic(result, paths)
    report = build_report(result)
    emit(report, output_format, output, quiet=is_quiet())
    threshold = Severity.MEDIUM if strict else Severity.parse(fail_on)
    failed = reached(report.findings, threshold)
    if strict and any(f.verdict in (Verdict.ERROR, Verdict.SUSPICIOUS) for f in result.files):
        failed = True
    return EXIT_FINDINGS if failed else EXIT_OK


def _with_dynamic(result: Any, paths: tuple[Path, ...]) -> Any:
    try:
        dynamic = importlib.import_module("chainward.sandbox.dynamic")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("chainward"):
            raise ChainwardError(
                "--dynamic needs the sandbox's dynamic analysis (chainward.sandbox.dynamic), "
                "which is not available in this build"
            ) from None
        raise
    from chainward.models.interface import ScanResult, verdict_of

    files = []
    for file in result.files:
        extra: list[Finding] = []
        if any(Path(file.path) == p or Path(file.path).is_relative_to(p) for p in paths):
            extra = list(dynamic.analyze_model(Path(file.path)))
        findings = (*file.findings, *extra)
        verdict = file.verdict if not extra else verdict_of(list(findings))
        files.append(replace(file, findings=findings, verdict=verdict))
    return ScanResult(tuple(files), result.skipped)


def build_report(result: Any) -> Report:
    """The contract document plus tables for people."""
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


__all__ = ["build_report", "scan"]
