"""The click-free ``audit`` path: the same output and exit code as the full CLI, no click."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chainward.audit.command import FORMATS, SEVERITIES, fast_main
from chainward.cli.options import SEVERITY_NAMES
from chainward.report.registry import FORMAT_NAMES
from tests.conftest import asset, modules_after, run_cli, run_fast

AUDIT = asset("audit")
VULNERABLE = str(AUDIT / "requirements-vulnerable.txt")
CLEAN = str(AUDIT / "requirements-clean.txt")


def test_choices_are_the_cli_choices() -> None:
    assert FORMATS == FORMAT_NAMES
    assert SEVERITIES == SEVERITY_NAMES


@pytest.fixture
def project(tmp_path: Path) -> str:
    shutil.copytree(AUDIT / "project", tmp_path / "project")
    for name in ("requirements-vulnerable.txt", "requirements-base.txt"):
        shutil.copy(AUDIT / name, tmp_path / name)
    (tmp_path / ".chainward-ignore.toml").write_text(
        '[[ignore]]\nid = "PYSEC-2021-66"\nreason = "template input is trusted"\n'
        "expires = 2000-01-01\n"
    )
    return str(tmp_path)


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "-r", VULNERABLE, "--db", "{db}", "--format", "json"),
        ("audit", "-r", VULNERABLE, "--db", "{db}"),
        ("-q", "audit", "--requirement={dir}/requirements-vulnerable.txt", "--db={db}"),
        ("audit", "{dir}/project", "--db", "{db}", "-f", "markdown", "--fail-on", "critical"),
        ("audit", "-r", CLEAN, "--db", "{db}", "-f", "sarif", "--strict"),
        ("audit", "{dir}", "--db", "{db}", "-f", "JSON", "--max-age", "100000"),
        ("audit", "-r", VULNERABLE, "--db", "{db}", "--ignore", "PYSEC-2019-217", "-f", "json"),
        ("audit", "-r", "{dir}/missing.txt", "--db", "{db}"),
        ("--debug", "audit", "-r", VULNERABLE, "--db", "{dir}/project/pyproject.toml"),
        ("audit", "-r", "{dir}/project/pyproject.toml", "--db", "{db}"),
    ],
)
def test_same_output_and_exit_code_as_the_cli(
    args: tuple[str, ...], project: str, osv_db_file: Path
) -> None:
    argv = [a.replace("{dir}", project).replace("{db}", str(osv_db_file)) for a in args]
    fast = run_fast(fast_main, *argv)
    assert fast is not None, argv
    full = run_cli(*argv)
    assert (fast.code, fast.stdout) == (full.code, full.stdout)
    assert fast.stderr.splitlines()[-1:] == full.stderr.splitlines()[-1:]
    assert ("Traceback" in fast.stderr) == ("Traceback" in full.stderr)
    assert fast.code in (0, 1, 2)


def test_expired_ignore_and_skipped_entries_are_reported_alike(
    project: str, osv_db_file: Path
) -> None:
    argv = ["audit", f"{project}", "-r", f"{project}/requirements-vulnerable.txt"]
    argv += ["--db", str(osv_db_file), "-f", "json"]
    fast = run_fast(fast_main, *argv)
    assert fast is not None
    full = run_cli(*argv)
    assert "EXPIRED IGNORE" in fast.stderr
    assert fast.stderr == full.stderr
    assert fast.code == full.code == 1


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "--help"),
        ("audit", "-r"),
        ("audit", "-r=x.txt"),
        ("audit", "-rx.txt"),
        ("audit", "--fix", "-r", VULNERABLE),
        ("audit", "-r", VULNERABLE, "--output", "report.json"),
        ("audit", "--python", "python3"),
        ("audit", "--sbom", "bom.json"),
        ("audit", "--vex", "vex.json"),
        ("audit", "--format", "yaml"),
        ("audit", "--fail-on", "none"),
        ("audit", "--max-age", "-1"),
        ("audit", "--strict=yes"),
        ("audit", "--db", ""),
        ("audit", "--db", "."),  # a directory: click says so
        ("audit", "-", VULNERABLE),
        ("audit", "--", VULNERABLE),
        ("audit", ""),
        ("db", "status"),
        ("--version",),
        ("model", "scan", VULNERABLE),
    ],
)
def test_anything_unusual_goes_to_the_full_cli(args: tuple[str, ...]) -> None:
    assert run_fast(fast_main, *args) is None


def test_plain_audit_does_not_import_the_command_line_framework(
    project: str, osv_db_file: Path
) -> None:
    argv = ("audit", "-r", VULNERABLE, "--db", str(osv_db_file))
    status, modules = modules_after(*argv, "-f", "json")
    assert status == 1
    assert "chainward.audit.auditor" in modules
    assert not {"click", "chainward.cli", "rich", "chainward.report.table"} & modules
    status, modules = modules_after(*argv)  # a table: rich draws it
    assert status == 1
    assert not {"click", "chainward.cli"} & modules

    copy = f"{project}/requirements-vulnerable.txt"
    status, modules = modules_after("audit", "-r", copy, "--db", str(osv_db_file), "--dry-run")
    assert "click" in modules and "chainward.cli.audit" in modules
