"""pyproject.toml: PEP 621, PEP 735 groups, Poetry sections."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.inventory import InventoryError, collect
from chainward.inventory.pyproject import declared, poetry_specifier
from chainward.records import Scope

PEP621 = """\
[project]
name = "shop"
version = "1.0"
dependencies = [
    "Django==4.2.13",
    "requests[socks]>=2.31",
    "uvloop==0.19.0; sys_platform == 'win32' and sys_platform == 'linux'",
    "theme @ https://example.invalid/theme-1.0.tar.gz",
]

[project.optional-dependencies]
Postgres = ["psycopg==3.1.19"]

[dependency-groups]
test = ["pytest==8.2.2", {include-group = "coverage"}]
coverage = ["coverage[toml]==7.5.4"]
lint = ["ruff==0.4.10"]
"""

POETRY = """\
[tool.poetry]
name = "shop"
version = "1.0"

[tool.poetry.dependencies]
python = "^3.10"
Django = "4.2.13"
requests = {version = "^2.31", extras = ["socks"]}
redis = {version = "5.0.7", optional = true}
theme = {git = "https://example.invalid/theme.git", tag = "v1"}

[tool.poetry.extras]
cache = ["redis"]

[tool.poetry.dev-dependencies]
black = "==24.4.2"

[tool.poetry.group.test.dependencies]
pytest = "~8.2"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_pep621_and_pep735(tmp_path: Path) -> None:
    inv = collect([write(tmp_path, PEP621)])
    comps = {c.name: c for c in inv.components}
    assert comps["django"].version == "4.2.13" and comps["django"].scope is Scope.DIRECT
    assert comps["django"].source is not None and comps["django"].source.line == 5
    assert comps["requests"].version is None and comps["requests"].extras == ("socks",)
    assert "uvloop" not in comps  # marker never true
    assert comps["psycopg"].scope is Scope.OPTIONAL and comps["psycopg"].groups == ("postgres",)
    assert comps["pytest"].scope is Scope.DEV and comps["pytest"].groups == ("test",)
    # include-group pulls coverage into "test" as well as its own group
    assert comps["coverage"].groups == ("coverage", "test")
    assert comps["ruff"].groups == ("lint",)
    reasons = {s.entry: s.reason for s in inv.skipped}
    assert "cannot audit exactly" in reasons["requests[socks]>=2.31"]
    assert "URL" in reasons["theme @ https://example.invalid/theme-1.0.tar.gz"]


def test_poetry_sections(tmp_path: Path) -> None:
    comps = {c.name: c for c in collect([write(tmp_path, POETRY)]).components}
    assert "python" not in comps
    assert comps["django"].version == "4.2.13"  # a bare Poetry version is exact
    assert comps["requests"].version is None and comps["requests"].specifier == ">=2.31,<3"
    assert comps["redis"].scope is Scope.OPTIONAL and comps["redis"].groups == ("cache",)
    assert comps["black"].scope is Scope.DEV and comps["black"].groups == ("dev",)
    assert comps["pytest"].scope is Scope.DEV and comps["pytest"].groups == ("test",)
    assert comps["theme"].url == "https://example.invalid/theme.git"


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.2.3", ">=1.2.3,<2"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("~1.2.3", ">=1.2.3,<1.3"),
        ("~1", ">=1,<2"),
        ("1.2.3", "==1.2.3"),
        ("*", ""),
        (">=2.0 <3.0", ">=2.0,<3.0"),
        ("~=1.4", "~=1.4"),
    ],
)
def test_poetry_constraints(constraint: str, expected: str) -> None:
    assert poetry_specifier(constraint) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[project]\ndependencies = 'requests'\n",
        "[project]\ndependencies = ['requests >>> 2']\n",
        "[dependency-groups]\na = [{include-group = 'b'}]\nb = [{include-group = 'a'}]\n",
        "[dependency-groups]\na = [{include-group = 'missing'}]\n",
        "[tool.poetry.dependencies]\nrequests = 3\n",
        "[tool.poetry.dependencies]\nrequests = '^^2'\n",
        "[project\n",
    ],
)
def test_malformed_pyproject(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InventoryError) as info:
        declared(path)
    assert info.value.path == str(path)


def test_pdm_dev_dependencies_and_dynamic(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[project]\nname = "x"\nversion = "1"\ndynamic = ["dependencies"]\n\n'
        '[tool.pdm.dev-dependencies]\nlint = ["ruff==0.4.10", "-e file:///${PROJECT_ROOT}/lib"]\n',
    )
    inv = collect([path])
    assert [(c.name, c.scope, c.groups) for c in inv.components] == [("ruff", Scope.DEV, ("lint",))]
    assert [s.entry for s in inv.skipped] == ["project.dependencies"]


def test_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = legacy\n\n[options]\npackages = find:\ninstall_requires =\n"
        "    requests==2.31.0\n    click>=8  # cli\n    pywin32==306; sys_platform == 'win32'\n"
        "tests_require = pytest==8.2.2\n\n[options.extras_require]\nyaml =\n    PyYAML==6.0.1\n"
        "\n[flake8]\nmax-line-length = 100\n"
    )
    inv = collect([tmp_path])
    comps = {c.name: c for c in inv.components}
    assert comps["requests"].version == "2.31.0" and comps["requests"].source is not None
    assert comps["requests"].source.line == 7
    assert "pywin32" not in comps or comps["pywin32"].marker
    assert comps["pytest"].scope is Scope.DEV
    assert comps["pyyaml"].scope is Scope.OPTIONAL and comps["pyyaml"].groups == ("yaml",)
    assert [s.entry for s in inv.skipped] == ["click>=8"]


def test_malformed_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[options]\ninstall_requires =\n    requests >>> 2\n")
    with pytest.raises(InventoryError):
        collect([tmp_path])
    (tmp_path / "setup.cfg").write_text("no section header\n")
    with pytest.raises(InventoryError):
        collect([tmp_path])
