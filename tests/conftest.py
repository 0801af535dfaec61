"""Shared test helpers: paths to shared data and assets, and a CLI runner."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chainward.cli import main
from chainward.vulndb import SqliteAdvisoryStore, build_database
from chainward.vulndb.loader import iter_entries

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "tests" / "assets"
GOLDENS = ASSETS / "goldens"
SHARED = Path(os.environ.get("CHAINWARD_SHARED", ROOT.parent / "shared"))
OSV_ALL = SHARED / "osv" / "PyPI-all.zip"
OSV_UPDATE = SHARED / "osv" / "PyPI-update.zip"


def asset(*parts: str) -> Path:
    path = ASSETS.joinpath(*parts)
    assert path.exists(), f"missing test asset {path}"
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite golden files")


def run_fast(fast_main: Callable[[list[str]], int | None], *args: str) -> CliResult | None:
    """Run a click-free fast path (``fast_main(argv)``) in-process, like :func:`run_cli`;
    None when it hands the command line to the full CLI."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = fast_main(list(args))
    if code is None:
        return None
    return CliResult(code, out.getvalue(), err.getvalue())


def modules_after(*argv: str) -> tuple[int, set[str]]:
    """Run the ``chainward`` script with ARGV in a fresh interpreter: its exit status and
    every module it imported."""
    code = (
        "import json, runpy, sys\n"
        f"sys.argv = ['chainward', *{list(argv)!r}]\n"
        "try:\n"
        "    runpy.run_module('chainward', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "sys.stderr.write('\\n' + json.dumps([status, sorted(sys.modules)]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    status, modules = json.loads(proc.stderr.strip().splitlines()[-1])
    return status, set(modules)


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str) -> CliResult:
    """Run ``chainward ARGS`` in-process through ``cli.main``."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Any:
    return run_cli


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Keep every test's chainward data dir out of the real user data dir."""
    if "CHAINWARD_HOME" not in os.environ:
        monkeypatch.setenv("CHAINWARD_HOME", str(tmp_path_factory.getbasetemp() / "chainward-home"))
    yield


@pytest.fixture(scope="session")
def osv_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding PyPI-all.zip, built once per session (do not modify)."""
    assert OSV_ALL.is_file(), f"missing shared OSV export {OSV_ALL}"
    path = tmp_path_factory.mktemp("osvdb") / "advisories.sqlite"
    build_database(path, iter_entries(OSV_ALL), source=str(OSV_ALL))
    return path


@pytest.fixture
def store(osv_db_file: Path, tmp_path: Path) -> Iterator[SqliteAdvisoryStore]:
    """A private, writable copy of the PyPI-all.zip database."""
    path = tmp_path / "advisories.sqlite"
    shutil.copyfile(osv_db_file, path)
    with SqliteAdvisoryStore(path) as opened:
        yield opened
