"""Cross-checks against uv as an installer: what it would install from a lock we read.

uv is a test dependency (the ``test`` extra); everything runs offline (``UV_OFFLINE``),
its dry runs need only the lock file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chainward.inventory import collect
from chainward.records import Scope
from tests.conftest import asset

UV = [sys.executable, "-m", "uv"]
ENV = {**os.environ, "UV_OFFLINE": "1", "UV_NO_CONFIG": "1"}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("uv") / "venv"
    subprocess.run([*UV, "venv", "-q", "--python", sys.executable, str(path)], check=True, env=ENV)
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def uv_plan(python: Path, lock: Path) -> set[str]:
    done = subprocess.run(
        [*UV, "pip", "install", "--python", str(python), "--dry-run", "-r", str(lock)],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
    )
    return {line.strip()[2:] for line in done.stderr.splitlines() if line.strip().startswith("+ ")}


@pytest.mark.parametrize(
    "lock",
    [("projects", "pylock", "pylock.toml"), ("projects", "uv-export", "pylock.toml")],
)
def test_pylock_matches_what_uv_would_install(venv: Path, lock: tuple[str, ...]) -> None:
    path = asset("inventory", *lock)
    here = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    inv = collect([path], python_version=here, platform=sys.platform)
    # uv installs no extras and no dependency groups unless asked
    ours = {
        f"{c.name}=={c.version}"
        for c in inv.components
        if c.scope in (Scope.DIRECT, Scope.TRANSITIVE) or lock[1] == "uv-export"
    }
    plan = uv_plan(venv, path)
    assert plan, "uv planned nothing: the comparison would be vacuous"
    # the project itself (an editable directory in the export) is not a dependency
    project = {p for p in plan if p.startswith("weather-api @ file:")}
    assert len(project) == (1 if lock[1] == "uv-export" else 0)
    assert ours == plan - project


def uv_sync_plan(project: Path, tmp: Path, *flags: str) -> set[str]:
    work = tmp / project.name
    shutil.copytree(project, work)
    done = subprocess.run(
        [*UV, "sync", "--frozen", "--dry-run", "--python", sys.executable, *flags],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
    )
    plan = {line.strip()[2:] for line in done.stderr.splitlines() if line.strip().startswith("+ ")}
    return {p for p in plan if " @ file:" not in p}  # the project itself


@pytest.mark.parametrize("name", ["uv", "uv-real"])
@pytest.mark.parametrize("all_extras", [False, True])
def test_uv_lock_matches_what_uv_sync_would_install(
    name: str, all_extras: bool, tmp_path: Path
) -> None:
    project = asset("inventory", "projects", name)
    here = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    inv = collect([project], python_version=here, platform=sys.platform)
    # uv sync installs the project's dependencies and its default (dev) group
    wanted = {Scope.DIRECT, Scope.TRANSITIVE, Scope.DEV} | (
        {Scope.OPTIONAL} if all_extras else set()
    )
    ours = {f"{c.name}=={c.version}" for c in inv.components if c.scope in wanted}
    plan = uv_sync_plan(project, tmp_path, *(["--all-extras"] if all_extras else []))
    assert plan
    assert ours == plan
