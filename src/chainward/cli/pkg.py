"""``chainward pkg check``: malicious and impostor packages (names, archives, requirement files)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from chainward.cli.options import emit, fail_on_option, is_quiet, reached, report_options
from chainward.errors import InputError
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.records import Finding, PackageVerdict, Severity
from chainward.report.interface import Report, Section

_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz")


@click.group()
def pkg() -> None:
    """Check packages for malware and impostor names."""


def _dynamic_hook() -> Callable[[Path], list[Finding]]:
    try:
        from chainward.sandbox.dynamic import analyze_package
    except ImportError:
        raise InputError("--dynamic needs the sandbox part of chainward") from None
    return analyze_package


@pkg.command("check")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--download",
    is_flag=True,
    help="Fetch each named package with pip (your configured index) and analyse "
    "its archive; wheels first, sdists are fetched without being built.",
)
@click.option(
    "--dynamic",
    is_flag=True,
    help="Also install each archive in the sandbox and report what it tried.",
)
@click.option(
    "--allow",
    "allow_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Allow-list of reviewed findings (TOML, see docs).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Advisory database file (default: $CHAINWARD_DB, else the user data dir).",
)
@click.option("--no-names", is_flag=True, help="Skip the typosquat check.")
@fail_on_option(default="medium")
@report_options
def check(
    targets: tuple[str, ...],
    download: bool,
    dynamic: bool,
    allow_file: Path | None,
    db_path: Path | None,
    no_names: bool,
    fail_on: str,
    output_format: str,
    output: Path | None,
) -> int:
    """Check TARGETS: package names (NAME or NAME==VERSION), sdist/wheel archives, or
    requirements/lock files (every package in them is checked)."""
    from chainward.packages import Checker, load_allowlist

    allow = load_allowlist(allow_file) if allow_file is not None else []
    checker = Checker(
        db_path=db_path,
        allow=allow,
        names=not no_names,
        dynamic=_dynamic_hook() if dynamic else None,
    )
    results = []
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="chainward-pkg-") as tmp:
        for index, target in enumerate(targets):
            for spec, label, archive in _expand(target, warnings):
                if archive is not None:
                    results.append(checker.check_archive(archive, target=label))
                elif download:
                    from chainward.packages.download import download as fetch

                    where = Path(tmp) / str(index) / spec.replace("/", "_")
                    where.mkdir(parents=True, exist_ok=True)
                    fetched = fetch(spec, where)
                    results.append(checker.check_archive(fetched, target=label))
                else:
                    name, _, version = spec.partition("==")
                    results.append(
                        checker.check_name(name.strip(), version.strip() or None, target=label)
                    )
    for result in results:
        warnings.extend(f"{result.target}: {s.entry}: {s.reason}" for s in result.skipped)
    report = _report(results, tuple(dict.fromkeys(warnings)))
    emit(report, output_format, output, quiet=is_quiet())
    threshold = Severity.parse(fail_on)
    flagged = any(
        r.verdict is not PackageVerdict.CLEAN and reached(r.findings, threshold) for r in results
    )
    return EXIT_FINDINGS if flagged else EXIT_OK


def _expand(target: str, warnings: list[str]) -> list[tuple[str, str, Path | None]]:
    """(requirement spec, label, archive path or None) for one command-line target."""
    path = Path(target)
    # a bare word naming a directory in the current folder is still a package name
    if path.exists() and (path.is_file() or "/" in target or target in (".", "..")):
        if path.is_file() and path.name.lower().endswith(_ARCHIVE_SUFFIXES):
            return [(target, target, path)]
        return _from_manifest(path, warnings)
    if target.lower().endswith(_ARCHIVE_SUFFIXES) or "/" in target or "\\" in target:
        raise InputError("no such file", path=target)
    name, sep, version = target.partition("==")
    if not name.strip() or (sep and not version.strip()):
        raise InputError(f"not a package name or NAME==VERSION: {target!r}")
    return [(target, target, None)]


def _from_manifest(path: Path, warnings: list[str]) -> list[tuple[str, str, Path | None]]:
    from chainward.inventory import collect

    try:
        inventory = collect([path], include_models=False)
    except InputError:
        if path.is_dir():
            raise
        inventory = collect(requirements=[path], include_models=False)
    out: list[tuple[str, str, Path | None]] = []
    seen: set[tuple[str, str | None]] = set()
    for component in inventory.components:
        if component.ecosystem != "PyPI" or (component.name, component.version) in seen:
            continue
        seen.add((component.name, component.version))
        spec = f"{component.name}=={component.version}" if component.version else component.name
        out.append((spec, spec, None))
    warnings.extend(f"{path}: {s.entry}: {s.reason}" for s in inventory.skipped)
    return out


def _report(results: list[Any], warnings: tuple[str, ...]) -> Report:
    rows = []
    for result in results:
        if not result.findings:
            rows.append((result.target, result.verdict.value, "", "", "", ""))
        for item in result.findings:
            rows.append(
                (
                    result.target,
                    result.verdict.value,
                    item.severity.label,
                    item.rule,
                    str(item.location or ""),
                    item.message if len(item.message) <= 100 else item.message[:99] + "…",
                )
            )
    counts = {v: sum(1 for r in results if r.verdict is v) for v in PackageVerdict}
    summary = (
        f"{len(results)} package(s): {counts[PackageVerdict.MALICIOUS]} malicious, "
        f"{counts[PackageVerdict.SUSPICIOUS]} suspicious, {counts[PackageVerdict.CLEAN]} clean "
        "(clean means no known-malicious advisory and no risky construct found)"
    )
    suppressed = sum(len(r.suppressed) for r in results)
    lines = [summary] + (
        [f"{suppressed} finding(s) suppressed by the allow-list"] if suppressed else []
    )
    return Report(
        kind="pkg",
        document={"packages": [r.to_json() for r in results]},
        findings=[f for r in results for f in r.findings],
        sections=(
            Section(
                "Packages",
                ("target", "verdict", "severity", "rule", "location", "message"),
                rows,
                empty="no packages checked",
            ),
        ),
        summary_lines=tuple(lines),
        warnings=warnings,
    )


__all__ = ["check", "pkg"]
