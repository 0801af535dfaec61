"""``chainward guard -- pip install ARGS...``: check before installing, then install."""

from __future__ import annotations

from pathlib import Path

import click

from chainward.cli.options import SEVERITY_NAMES, db_option, emit, is_quiet, report_options
from chainward.exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from chainward.records import Severity
from chainward.report.interface import Report, Section
from chainward.report.rows import FINDING_COLUMNS, finding_rows
from chainward.scan.guard import GuardOutcome, InstallCommand, check_install, run_install


def build_report(outcome: GuardOutcome) -> Report:
    columns = FINDING_COLUMNS
    sections = [
        Section(
            "Would install",
            ("package", "version", "scope"),
            [(c.name, c.version or "-", c.scope.value) for c in outcome.inventory.components],
            empty="nothing new to install",
        ),
        Section(
            "Known vulnerabilities",
            columns,
            finding_rows(outcome.parts["audit"].findings),
            empty="nothing found",
        ),
        Section(
            "Malicious and impostor packages",
            columns,
            finding_rows(outcome.parts["packages"].findings),
            empty="nothing found",
        ),
    ]
    verdict = (
        f"BLOCKED: findings at or above {outcome.threshold.label}; nothing was installed"
        if outcome.blocked
        else f"no findings at or above {outcome.threshold.label}"
    )
    return Report(
        kind="guard",
        document=outcome.to_document(),
        findings=outcome.findings(),
        sections=sections,
        summary_lines=(verdict,),
    )


@click.command(
    "guard", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@report_options
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(SEVERITY_NAMES, case_sensitive=False),
    default="high",
    show_default=True,
    help="Block the install when any finding is at or above this severity.",
)
@click.option("--deep", is_flag=True, help="Also download the archives and analyse their code.")
@click.option("--check-only", is_flag=True, help="Check and report, never install.")
@db_option
def guard(
    command: tuple[str, ...],
    output_format: str,
    output: Path | None,
    fail_on: str,
    deep: bool,
    check_only: bool,
    db_path: Path | None,
) -> int:
    """Ask the installer what it would install, check every package, and only then install.

    Example:  chainward guard -- pip install -r requirements.txt
    """
    install = InstallCommand.parse(command)
    outcome = check_install(install, threshold=Severity.parse(fail_on), deep=deep, db_path=db_path)
    if not outcome.blocked and not check_only:
        outcome.install_status = run_install(
            install, stdout_to_stderr=output is None and output_format != "table"
        )
    emit(build_report(outcome), output_format, output, quiet=is_quiet())
    if outcome.blocked:
        return EXIT_FINDINGS
    return EXIT_ERROR if outcome.install_status else EXIT_OK
