"""``chainward scan PATH``: every static check on a project, one report, exit code by policy."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from chainward.cli.options import SEVERITY_NAMES, db_option, emit, is_quiet, report_options
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.records import Severity
from chainward.report.interface import Report, Section
from chainward.report.rows import FINDING_COLUMNS, finding_rows
from chainward.scan.policy import CHECKS, Policy, load_policy
from chainward.scan.runner import Progress, ScanOutcome, scan_project

_TITLES = {
    "audit": "Known vulnerabilities",
    "packages": "Malicious and impostor packages",
    "models": "Model findings",
    "integrity": "Model integrity",
}


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress]:
    if not enabled:
        yield lambda _text: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("scanning") as status:
        yield lambda text: status.update(f"chainward scan: {text}")


def build_report(outcome: ScanOutcome) -> Report:
    sections: list[Section] = []
    columns = FINDING_COLUMNS
    for check in CHECKS:
        part = outcome.parts[check]
        notes = tuple(
            f"suppressed {f.rule} for {f.subject}: {i.reason} (until {i.expires.isoformat()})"
            for f, i in part.suppressed
        )
        if check == "models":
            files = outcome.parts["models"].document.get("files", [])
            sections.append(
                Section(
                    "Model files scanned",
                    ("path", "format", "verdict", "findings"),
                    [
                        (
                            str(f["path"]),
                            str(f.get("format") or "-"),
                            str(f["verdict"]),
                            str(len(f.get("findings", []))),
                        )
                        for f in files
                    ],
                    empty="no model files found",
                )
            )
        sections.append(
            Section(
                _TITLES[check],
                columns,
                finding_rows(part.findings),
                empty="nothing found",
                notes=notes,
            )
        )
    if outcome.policy_findings:
        sections.append(Section("Policy", columns, finding_rows(outcome.policy_findings)))
    if outcome.inventory.skipped:
        sections.append(
            Section(
                "Not analysed",
                ("entry", "reason"),
                [(s.entry, s.reason) for s in outcome.inventory.skipped],
            )
        )
    summary = outcome.summary()
    lines = [
        f"{summary['dependencies']} dependencies and {summary['models']} model files checked"
        + (f" (policy: {outcome.policy.source})" if outcome.policy.source else "")
    ]
    for check in CHECKS:
        info = summary["checks"][check]
        counts = ", ".join(f"{n} {label}" for label, n in info["by_severity"].items() if n)
        state = "FAIL" if info["failed"] else "ok"
        lines.append(
            f"{check}: {state} — {info['findings']} findings"
            + (f" ({counts})" if counts else "")
            + f", threshold {info['threshold']}"
        )
    lines.append(
        "result: "
        + ("FAILED (" + ", ".join(summary["failed"]) + ")" if summary["failed"] else "passed")
    )
    all_findings = outcome.findings()
    return Report(
        kind="scan",
        document=outcome.to_document(),
        findings=all_findings,
        sections=sections,
        summary_lines=tuple(lines),
    )


@click.command("scan")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@report_options
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(SEVERITY_NAMES, case_sensitive=False),
    default=None,
    help="Exit 1 when any finding is at or above this severity (overrides the policy).",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Policy file (default: chainward.toml or [tool.chainward] in pyproject.toml).",
)
@db_option
def scan(
    path: Path,
    output_format: str,
    output: Path | None,
    fail_on: str | None,
    policy_file: Path | None,
    db_path: Path | None,
) -> int:
    """Run every static check on a project: vulnerabilities, malicious and impostor
    packages, unsafe model files, and model integrity."""
    from chainward.errors import InputError

    if not path.exists():
        raise InputError("no such file or directory", path=str(path))
    policy = load_policy(path, policy_file)
    if fail_on is not None:
        level = Severity.parse(fail_on)
        policy = Policy(
            fail_on=dict.fromkeys(CHECKS, level),
            ignores=policy.ignores,
            models=policy.models,
            source=policy.source,
        )
    quiet = is_quiet()
    with _progress(enabled=not quiet and sys.stderr.isatty()) as progress:
        outcome = scan_project(path, policy, db_path=db_path, progress=progress)
    emit(build_report(outcome), output_format, output, quiet=quiet)
    return EXIT_FINDINGS if outcome.failed_checks() else EXIT_OK
