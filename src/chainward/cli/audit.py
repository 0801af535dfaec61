"""``chainward audit``: known vulnerabilities (and known-malicious releases) in dependencies."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chainward.audit.auditor import AuditResult, data_age_days
from chainward.cli.db import db_option, max_age_option, resolve_max_age, staleness_warning
from chainward.cli.options import emit, fail_on_option, is_quiet, reached, report_options
from chainward.errors import ConfigError, InputError
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.records import Inventory
from chainward.report.interface import Report, Section

if TYPE_CHECKING:
    from chainward.audit.ignore import IgnoreRule

DEFAULT_IGNORE_FILE = ".chainward-ignore.toml"
_SUMMARY_WIDTH = 80


def _short(text: str, width: int = _SUMMARY_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def audit_report(
    result: AuditResult, extra_warnings: tuple[str, ...] = (), *, tables: bool = True
) -> Report:
    """The report of one audit (shared by ``chainward scan`` and the monitor).

    ``tables=False`` leaves out the sections and summary lines, for the JSON format that
    prints only the document.
    """
    warnings = [
        *result.warnings,
        *(
            f"{s.source}: {s.entry}: {s.reason}" if s.source else f"{s.entry}: {s.reason}"
            for s in result.skipped
        ),
        *extra_warnings,
    ]
    if not tables:
        return Report(
            kind="audit",
            document=result.to_document(),
            findings=result.findings,
            warnings=tuple(warnings),
        )
    vuln_rows = []
    malicious_rows = []
    for dep in result.dependencies:
        comp = dep.component
        for vuln in dep.vulns:
            severity = vuln.severity.label if vuln.severity is not None else "unknown"
            if vuln.malicious:
                malicious_rows.append(
                    (comp.name, comp.version or "", vuln.id, _short(vuln.summary))
                )
                continue
            vuln_rows.append(
                (
                    comp.name,
                    comp.version or "",
                    vuln.id,
                    ", ".join(vuln.aliases[:3]) + (" …" if len(vuln.aliases) > 3 else ""),
                    severity,
                    ", ".join(vuln.fix_versions) or "-",
                    _short(vuln.summary),
                )
            )
    sections = [
        Section(
            "Known vulnerabilities",
            ("name", "version", "id", "aliases", "severity", "fix versions", "summary"),
            vuln_rows,
            empty="no known vulnerabilities found",
        )
    ]
    if malicious_rows:
        sections.append(
            Section(
                "Known-malicious packages",
                ("name", "version", "id", "summary"),
                malicious_rows,
                notes=("remove these packages: they are known malware",),
            )
        )
    if result.suppressed:
        sections.append(
            Section(
                "Suppressed",
                ("name", "version", "id", "by", "detail"),
                [
                    (
                        s.component.name,
                        s.component.version or "",
                        s.vulnerability.id,
                        s.by,
                        _short(s.detail),
                    )
                    for s in result.suppressed
                ],
            )
        )
    if result.skipped:
        sections.append(
            Section(
                "Not audited",
                ("entry", "reason", "source"),
                [(s.entry, s.reason, str(s.source) if s.source else "") for s in result.skipped],
            )
        )
    summary = result.summary()
    lines = [
        f"{summary['vulnerabilities']} known vulnerabilities in "
        f"{summary['vulnerable_dependencies']} of {summary['dependencies']} dependencies"
        f" ({summary['fixable']} fixable by upgrading)"
    ]
    if summary["malicious"]:
        lines.append(
            f"{len(summary['malicious'])} known-malicious: " + ", ".join(summary["malicious"])
        )
    fixes = [
        f"{d.component.name} {d.component.version} -> {d.fix_version}"
        for d in result.vulnerable
        if d.fix_version
    ]
    if fixes:
        lines.append("upgrade: " + "; ".join(fixes))
    if result.database is not None:
        meta = result.database
        lines.append(
            f"advisory data: {meta.records:,} records from {meta.source}, newest "
            f"{meta.newest_modified} ({data_age_days(meta)} days old)"
        )
    return Report(
        kind="audit",
        document=result.to_document(),
        findings=result.findings,
        sections=tuple(sections),
        summary_lines=tuple(lines),
        warnings=tuple(warnings),
    )


def _write_cyclonedx(
    path: Path,
    result: AuditResult,
    inventory: Inventory,
    targets: list[Path],
    use_env: bool,
    python: str | None,
) -> None:
    from chainward.sbom import SbomFormat, write_sbom
    from chainward.sbom.subject import subject_for
    from chainward.sbom.vulns import from_audit

    text = write_sbom(
        inventory,
        SbomFormat.CYCLONEDX_JSON,
        subject=subject_for(targets, env=use_env, python=python),
        vulnerabilities=from_audit(result),
    )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write SBOM: {exc.strerror}", path=str(path)) from None


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
    from chainward.audit import audit as run_audit
    from chainward.inventory import collect
    from chainward.vulndb import open_store

    if use_env and python:
        raise ConfigError("--env and --python cannot be used together")
    if dry_run and not fix:
        raise ConfigError("--dry-run only makes sense with --fix")
    days = resolve_max_age(max_age)
    ignores: list[IgnoreRule] = []
    if ignore_ids:
        from chainward.audit.ignore import IgnoreRule

        ignores = [IgnoreRule(i.strip()) for i in ignore_ids if i.strip()]
    if ignore_file is None:
        # the project's own ignore file, else the current directory's
        places = [p / DEFAULT_IGNORE_FILE for p in paths if p.is_dir()] + [
            Path(DEFAULT_IGNORE_FILE)
        ]
        ignore_file = next((p for p in places if p.is_file()), None)
    if ignore_file is not None:
        from chainward.audit.ignore import load_ignore_file

        ignores.extend(load_ignore_file(ignore_file))
    statements = []
    if vex_files:
        from chainward.audit.vex import load_vex

        statements = [s for path in vex_files for s in load_vex(path)]

    targets = [*paths, *sboms]
    if not targets and not requirements and not use_env and not python:
        targets = [Path(".")]
    collecting = gc.isenabled()
    gc.disable()  # many small acyclic records: collections in the middle free nothing
    try:
        inventory = collect(
            targets,
            requirements=requirements,
            env=use_env,
            python=python,
            resolve=resolve,
            include_models=False,
        )
    finally:
        if collecting:
            gc.enable()
    with open_store(db_path) as store:
        result = run_audit(inventory, store, ignores=ignores, vex=statements)

    if cyclonedx_out is not None:
        _write_cyclonedx(cyclonedx_out, result, inventory, targets, use_env, python)
    extra: list[str] = []
    if result.database is not None:
        stale = staleness_warning(result.database, days)
        if stale:
            extra.append(stale)
    for rule in result.expired_ignores:
        click.echo(
            f"chainward: EXPIRED IGNORE: {rule.describe()} (expired {rule.expires}, "
            f"{rule.source}); the finding is reported again",
            err=True,
        )
    if fix:
        from chainward.audit.fix import apply_fixes, plan_fixes

        plan = plan_fixes(result.vulnerable)
        extra.extend(plan.warnings)
        if dry_run:
            sys.stderr.write(plan.diff() or "chainward: --fix: nothing to change\n")
        else:
            apply_fixes(plan)
            for change in plan.changes:
                extra.append(f"fixed: {change.name} {change.old} -> {change.new}")
    report = audit_report(result, tuple(extra), tables=output_format.lower() != "json")
    emit(report, output_format, output, quiet=is_quiet())
    if reached(result.findings, fail_on):
        return EXIT_FINDINGS
    if strict and result.skipped:
        return EXIT_FINDINGS
    return EXIT_OK


__all__ = ["audit", "audit_report"]
