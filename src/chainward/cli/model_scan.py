"""``chainward model scan PATH...``: static scan of model files, folders and archives."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

from chainward.cli.options import emit, fail_on_option, is_quiet, report_options
from chainward.errors import ChainwardError
from chainward.records import Finding
from chainward.report.interface import Report


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
    from chainward.models.command import exit_code

    result = scan_models(list(paths), ScanOptions(follow_symlinks=follow_symlinks, jobs=jobs))
    if dynamic:
        result = _with_dynamic(result, paths)
    report = build_report(result)
    emit(report, output_format, output, quiet=is_quiet())
    return exit_code(result, report.findings, fail_on, strict)


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
        files.append(file.replace(findings=findings, verdict=verdict))
    return ScanResult(tuple(files), result.skipped)


def build_report(result: Any) -> Report:
    """The contract document plus tables for people."""
    from chainward.models.command import build_report as build

    report: Report = build(result)
    return report


__all__ = ["build_report", "scan"]
