"""``chainward guard -- pip install``: real pip dry runs against a local wheelhouse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chainward.errors import ConfigError
from chainward.scan.guard import InstallCommand
from tests.conftest import run_cli
from tests.unit.inventory.wheels import build_wheel


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    house = tmp_path / "wheels"
    house.mkdir()
    build_wheel(house, "requests", "2.25.0", ["urllib3==1.26.4"])
    build_wheel(house, "requests", "2.32.3")
    build_wheel(house, "urllib3", "1.26.4")
    build_wheel(house, "pytorchh", "1.0.0")
    build_wheel(house, "cw-fine", "1.0")
    return house


def _pip(house: Path, target: Path, *requirements: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-index",
        "--find-links",
        str(house),
        "--target",
        str(target),
        *requirements,
    ]


def test_vulnerable_set_is_blocked_and_nothing_installed(wheelhouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    result = run_cli(
        "guard",
        "--format",
        "json",
        "--fail-on",
        "medium",
        "--",
        *_pip(wheelhouse, target, "requests==2.25.0"),
    )
    assert result.code == 1, result.stderr
    doc = result.json()
    assert doc["blocked"] is True
    assert {(p["name"], p["scope"]) for p in doc["install"]} == {
        ("requests", "direct"),
        ("urllib3", "transitive"),
    }
    vulnerable = {d["name"] for d in doc["audit"]["dependencies"] if d["vulns"]}
    assert vulnerable == {"requests", "urllib3"}
    assert doc["install_exit_status"] is None
    assert not target.exists()


def test_malicious_typosquat_is_blocked(wheelhouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    result = run_cli("guard", "--format", "json", "--", *_pip(wheelhouse, target, "pytorchh"))
    assert result.code == 1
    verdicts = {p["target"]: p["verdict"] for p in result.json()["packages"]["packages"]}
    assert "malicious" in verdicts.values()
    assert not target.exists()


def test_clean_set_is_installed(wheelhouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    result = run_cli(
        "guard", "--format", "json", "--", *_pip(wheelhouse, target, "requests==2.32.3", "cw-fine")
    )
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["blocked"] is False
    assert doc["install_exit_status"] == 0
    assert (target / "requests" / "__init__.py").is_file()
    assert (target / "cw_fine" / "__init__.py").is_file()


def test_deep_mode_analyses_the_downloaded_archives(wheelhouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    command = _pip(wheelhouse, target, "cw-fine")
    result = run_cli("guard", "--deep", "--check-only", "--format", "json", "--", *command)
    assert result.code == 0, result.stderr
    (package,) = result.json()["packages"]["packages"]
    assert package["target"].endswith(".whl")
    assert not target.exists()


def test_unresolvable_install_is_exit_2(wheelhouse: Path, tmp_path: Path) -> None:
    result = run_cli("guard", "--", *_pip(wheelhouse, tmp_path / "t", "no-such-package-xyz"))
    assert result.code == 2
    assert "dry run failed" in result.stderr


@pytest.mark.parametrize(
    "argv",
    [[], ["npm", "install", "x"], ["pip", "uninstall", "x"], ["python", "-m", "venv", "x"]],
)
def test_only_install_commands_are_understood(argv: list[str]) -> None:
    with pytest.raises(ConfigError):
        InstallCommand.parse(argv)


def test_dry_run_options_go_after_install() -> None:
    command = InstallCommand.parse(["pip", "install", "-r", "req.txt"])
    assert command.with_options("--dry-run") == ["pip", "install", "--dry-run", "-r", "req.txt"]
    command = InstallCommand.parse(["python3", "-m", "pip", "install", "x"])
    assert command.with_options("--dry-run")[:5] == ["python3", "-m", "pip", "install", "--dry-run"]
