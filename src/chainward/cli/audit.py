"""``chainward audit``: known vulnerabilities (and known-malicious releases) in dependencies.

The command itself is ``chainward.audit.command``; this module is its click interface.
"""

from __future__ import annotations

from pathlib import Path

import click

from chainward.audit.command import (
    DEFAULT_IGNORE_FILE,
    AuditOptions,
    audit_report,
    run_audit_command,
)
from chainward.cli.db import db_option, max_age_option
from chainward.cli.options import fail_on_option, is_quiet, report_options


@click.command("audit")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-r",
    "--requirement",
    "requirements",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Audit a pip requirements file (repeatable).",
)
@click.option("--env", "use_env", is_flag=True, help="Audit the running interpreter's packages.")
@click.option("--python", "python", metavar="PY", help="Audit another interpreter's packages.")
@click.option(
    "--sbom",
    "sboms",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Audit the components of a CycloneDX or SPDX SBOM (repeatable).",
)
@click.option(
    "--resolve", is_flag=True, help="Resolve unpinned requirements with pip (uses your pip index)."
)
@click.option(
    "--ignore",
    "ignore_ids",
    multiple=True,
    metavar="ID",
    help="Do not report this vulnerability id or alias (repeatable).",
)
@click.option(
    "--ignore-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"TOML file of [[ignore]] rules with id, reason, expires "
    f"(default: {DEFAULT_IGNORE_FILE} in the project directory, else the current "
    "directory, if present).",
)
@click.option(
    "--vex",
    "vex_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="CycloneDX VEX or OpenVEX document; not_affected statements suppress "
    "findings (repeatable).",
)
@click.option(
    "--cyclonedx",
    "cyclonedx_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a CycloneDX 1.6 JSON SBOM with the "
    "vulnerabilities (suppressed ones marked not_affected) to FILE.",
)
@click.option("--fix", is_flag=True, help="Rewrite vulnerable pins to their fix versions.")
@click.option("--dry-run", is_flag=True, help="With --fix: show the diff, change nothing.")
@click.option("--strict", is_flag=True, help="Exit 1 when any dependency could not be audited.")
@db_option
@max_age_option
@fail_on_option("low")
@report_options
def audit(
    paths: tuple[Path, ...],
    requirements: tuple[Path, ...],
    use_env: bool,
    python: str | None,
    sboms: tuple[Path, ...],
    resolve: bool,
    ignore_ids: tuple[str, ...],
    ignore_file: Path | None,
    vex_files: tuple[Path, ...],
    cyclonedx_out: Path | None,
    fix: bool,
    dry_run: bool,
    strict: bool,
    db_path: Path | None,
    max_age: int | None,
    fail_on: str,
    output_format: str,
    output: Path | None,
) -> int:
    """Find known vulnerabilities in the dependencies of PATH (a project directory or any
    manifest, lock or SBOM file; default: the current directory)."""
    options = AuditOptions(
        paths=paths,
        requirements=requirements,
        use_env=use_env,
        python=python,
        sboms=sboms,
        resolve=resolve,
        ignore_ids=ignore_ids,
        ignore_file=ignore_file,
        vex_files=vex_files,
        cyclonedx_out=cyclonedx_out,
        fix=fix,
        dry_run=dry_run,
        strict=strict,
        db_path=db_path,
        max_age=max_age,
        fail_on=fail_on,
        output_format=output_format,
        output=output,
    )
    return run_audit_command(options, quiet=is_quiet())


__all__ = ["audit", "audit_report"]
