"""``chainward audit`` without the command-line framework: the whole command, and a fast path.

:func:`run_audit_command` is the command (inventory, match, report, exit code); the
click command in ``cli/audit.py`` and :func:`fast_main` both call it. :func:`fast_main`
serves the common invocations (``audit [PATH...] [-r FILE]... [--db FILE] [--format F]
[--fail-on S] [--ignore ID]... [--max-age DAYS] [--strict] [--env]``, optionally after
``-q``/``--debug``) without importing click: on a few hundred pins, start-up is a good
part of the time the command takes. Anything else returns None and the full command
line runs.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chainward._internal.fastcli import (
    FORMATS,
    SEVERITIES,
    parse_options,
    render,
    run_guarded,
    split_global_flags,
)
from chainward.audit.auditor import AuditResult, data_age_days
from chainward.errors import ConfigError, InputError
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.records import Inventory, Severity
from chainward.report.interface import Report, Section

if TYPE_CHECKING:
    from chainward.audit.ignore import IgnoreRule

DEFAULT_IGNORE_FILE = ".chainward-ignore.toml"
_SUMMARY_WIDTH = 80


@dataclass(frozen=True)
class AuditOptions:
    """Everything ``chainward audit`` takes (the click command's parameters)."""

    paths: tuple[Path, ...] = ()
    requirements: tuple[Path, ...] = ()
    use_env: bool = False
    python: str | None = None
    sboms: tuple[Path, ...] = ()
    resolve: bool = False
    ignore_ids: tuple[str, ...] = ()
    ignore_file: Path | None = None
    vex_files: tuple[Path, ...] = ()
    cyclonedx_out: Path | None = None
    fix: bool = False
    dry_run: bool = False
    strict: bool = False
    db_path: Path | None = None
    max_age: int | None = None
    fail_on: str = "low"
    output_format: str = "table"
    output: Path | None = None


def _short(text: str, width: int = _SUMMARY_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def audit_report(
    result: AuditResult, extra_warnings: tuple[str, ...] = (), *, tables: bool = True
) -> Report:
    """The report of one audit (shared by ``chainward scan`` and the monitor).

    ``tables=False`` leaves out the sections, summary lines and findings, for the JSON
    format that prints only the document (so the findings are never built).
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


def run_audit_command(options: AuditOptions, *, quiet: bool = False) -> int:
    """Run ``chainward audit``: the report written, the exit code returned."""
    from chainward.audit import audit as run_audit
    from chainward.inventory import collect
    from chainward.vulndb import open_store
    from chainward.vulndb.freshness import resolve_max_age, staleness_warning

    o = options
    if o.use_env and o.python:
        raise ConfigError("--env and --python cannot be used together")
    if o.dry_run and not o.fix:
        raise ConfigError("--dry-run only makes sense with --fix")
    days = resolve_max_age(o.max_age)
    ignores = _ignores(o)
    statements = []
    if o.vex_files:
        from chainward.audit.vex import load_vex

        statements = [s for path in o.vex_files for s in load_vex(path)]

    targets = [*o.paths, *o.sboms]
    if not targets and not o.requirements and not o.use_env and not o.python:
        targets = [Path(".")]
    collecting = gc.isenabled()
    gc.disable()  # many small acyclic records: collections in the middle free nothing
    try:
        inventory = collect(
            targets,
            requirements=o.requirements,
            env=o.use_env,
            python=o.python,
            resolve=o.resolve,
            include_models=False,
        )
    finally:
        if collecting:
            gc.enable()
    with open_store(o.db_path) as store:
        result = run_audit(inventory, store, ignores=ignores, vex=statements)

    if o.cyclonedx_out is not None:
        _write_cyclonedx(o.cyclonedx_out, result, inventory, targets, o.use_env, o.python)
    extra: list[str] = []
    if result.database is not None:
        stale = staleness_warning(result.database, days)
        if stale:
            extra.append(stale)
    for rule in result.expired_ignores:
        sys.stderr.write(
            f"chainward: EXPIRED IGNORE: {rule.describe()} (expired {rule.expires}, "
            f"{rule.source}); the finding is reported again\n"
        )
    if o.fix:
        extra.extend(_fix(result, dry_run=o.dry_run))
    report = audit_report(result, tuple(extra), tables=o.output_format.lower() != "json")
    render(report, o.output_format, o.output, quiet=quiet)
    if result.reaches(Severity.parse(o.fail_on)):
        return EXIT_FINDINGS
    if o.strict and result.skipped:
        return EXIT_FINDINGS
    return EXIT_OK


def _ignores(o: AuditOptions) -> list[IgnoreRule]:
    ignores: list[IgnoreRule] = []
    if o.ignore_ids:
        from chainward.audit.ignore import IgnoreRule

        ignores = [IgnoreRule(i.strip()) for i in o.ignore_ids if i.strip()]
    ignore_file = o.ignore_file
    if ignore_file is None:
        # the project's own ignore file, else the current directory's
        places = [p / DEFAULT_IGNORE_FILE for p in o.paths if p.is_dir()]
        places.append(Path(DEFAULT_IGNORE_FILE))
        ignore_file = next((p for p in places if p.is_file()), None)
    if ignore_file is not None:
        from chainward.audit.ignore import load_ignore_file

        ignores.extend(load_ignore_file(ignore_file))
    return ignores


def _fix(result: AuditResult, *, dry_run: bool) -> list[str]:
    """Rewrite vulnerable pins (or show the diff); the warnings to report."""
    from chainward.audit.fix import apply_fixes, plan_fixes

    plan = plan_fixes(result.vulnerable)
    notes = list(plan.warnings)
    if dry_run:
        sys.stderr.write(plan.diff() or "chainward: --fix: nothing to change\n")
    else:
        apply_fixes(plan)
        notes.extend(f"fixed: {c.name} {c.old} -> {c.new}" for c in plan.changes)
    return notes


_FLAGS = ("--strict", "--env")
_VALUED = {
    "-r": "-r",
    "--requirement": "-r",
    "--db": "--db",
    "-f": "--format",
    "--format": "--format",
    "--fail-on": "--fail-on",
    "--ignore": "--ignore",
    "--max-age": "--max-age",
}


def fast_main(argv: Sequence[str]) -> int | None:
    """Run ``chainward ARGV`` if it is a plain ``audit``; None to use the full CLI."""
    debug, quiet, args = split_global_flags(list(argv))
    if args[:1] != ["audit"]:
        return None
    parsed = parse_options(args[1:], _FLAGS, _VALUED)
    if parsed is None:
        return None
    positional, values = parsed
    fmt = values.get("--format", ["table"])[-1].lower()
    fail_on = values.get("--fail-on", ["low"])[-1].lower()
    max_age = values.get("--max-age", [None])[-1]
    db = values.get("--db", [None])[-1]
    if fmt not in FORMATS or fail_on not in SEVERITIES or db == "":
        return None
    if db is not None and Path(db).is_dir():
        return None  # click's message
    if max_age is not None and not (max_age.isascii() and max_age.isdigit()):
        return None
    options = AuditOptions(
        paths=tuple(Path(p) for p in positional),
        requirements=tuple(Path(r) for r in values.get("-r", ())),
        use_env="--env" in values,
        ignore_ids=tuple(values.get("--ignore", ())),
        strict="--strict" in values,
        db_path=None if db is None else Path(db),
        max_age=None if max_age is None else int(max_age),
        fail_on=fail_on,
        output_format=fmt,
    )
    return run_guarded(lambda: run_audit_command(options, quiet=quiet), debug=debug)


__all__ = [
    "FORMATS",
    "SEVERITIES",
    "AuditOptions",
    "audit_report",
    "fast_main",
    "run_audit_command",
]
