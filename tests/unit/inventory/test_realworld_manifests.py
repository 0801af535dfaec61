"""Real-world manifests of every format: chainward finds what pip-audit finds.

tests/assets/realworld/ holds real files from public projects (SOURCES.md says which).
pip-audit-findings.json beside them is pip-audit's own answer for each, recorded by
``python benchmarks/audit/compare_pip_audit.py --realworld --record
tests/assets/realworld/pip-audit-findings.json`` against the loopback OSV server serving
PyPI-all.zip: the exact pins it audited (for a lock: its registry pins as ``name==version``
lines) and every vulnerability it reported, as the set of ids and aliases. chainward must
audit the same pins and report the same vulnerabilities (alias-aware), reading the file
itself. The other tests pin down bugs these files exposed.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

import pytest

from chainward.audit import audit
from chainward.inventory import collect
from chainward.inventory.interface import InventoryError
from chainward.vulndb import SqliteAdvisoryStore
from tests.conftest import asset, run_cli

ROOT = asset("realworld")
RECORDED: dict[str, dict[str, Any]] = json.loads((ROOT / "pip-audit-findings.json").read_text())
# pip-audit was recorded on CPython 3.11, x86_64 Linux: markers in ml-service depend on it
HOST_LIKE_RECORDING = (
    sys.version_info >= (3, 9) and platform.machine() != "aarch64" and sys.platform == "linux"
)
# the generated projects' exports and manifests carry python_version forks (uv, poetry)
GEN_LIKE_RECORDING = HOST_LIKE_RECORDING and sys.version_info[:2] == (3, 11)


def _ours(path: Path, store: SqliteAdvisoryStore) -> dict[str, list[frozenset[str]]]:
    result = audit(collect([path], include_models=False), store)
    out: dict[str, list[frozenset[str]]] = {}
    for dep in result.dependencies:
        pin = f"{dep.component.name}=={dep.component.version}"
        out.setdefault(pin, []).extend(frozenset(v.ids) for v in dep.vulns)
    return out


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_same_pins_and_findings_as_pip_audit(name: str, store: SqliteAdvisoryStore) -> None:
    if name.startswith("requirements/ml-service/") and not HOST_LIKE_RECORDING:
        pytest.skip("environment markers evaluate differently here than where recorded")
    if "/gen-" in name and not GEN_LIKE_RECORDING:
        pytest.skip("python_version markers of the generated files evaluate differently here")
    expected = RECORDED[name]
    ours = _ours(ROOT / name, store)
    assert sorted(ours) == expected["pins"]
    for pin in expected["pins"]:
        theirs = [frozenset(ids) for ids in expected["findings"].get(pin, [])]
        mine = ours[pin]
        assert len(mine) == len(theirs), pin
        for ids in theirs:
            assert sum(1 for m in mine if m & ids) == 1, (pin, sorted(ids))


def test_every_format_is_covered() -> None:
    formats = {entry["format"] for entry in RECORDED.values()}
    assert formats >= {
        "requirements",
        "Pipfile",
        "Pipfile.lock",
        "poetry.lock",
        "uv.lock",
        "pdm.lock",
        "pylock.toml",
        "pyproject.toml",
        "setup.cfg",
        "sbom",
    }
    findings = sum(len(v) for e in RECORDED.values() for v in e["findings"].values())
    assert findings >= 150  # the data is old enough to matter


def test_every_real_file_audits_without_an_error() -> None:
    paths = [str(ROOT / name) for name in sorted(RECORDED)]
    result = run_cli("audit", *paths, "-f", "json")
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert result.json()["summary"]["dependencies"] >= 250  # merged across files


def test_pipfile_warning_lines_point_at_the_key_itself() -> None:
    # "click" must not be found inside "sphinx-click" two lines earlier
    pipfile = ROOT / "pipfile-lock" / "pipenv-2018" / "Pipfile"
    lines = {s.entry.split(" = ")[0]: s.source.line for s in collect([pipfile]).skipped if s.source}
    text = pipfile.read_text().splitlines()
    assert text[lines["click"] - 1].startswith("click = ")
    assert text[lines["sphinx-click"] - 1].startswith("sphinx-click = ")
    assert text[lines["pipenv"] - 1].startswith('"pipenv" = ')


def test_path_entries_are_shown_as_written_not_as_star() -> None:
    pipfile = ROOT / "pipfile-lock" / "pipenv-2018" / "Pipfile"
    entries = {s.entry for s in collect([pipfile]).skipped}
    assert 'pipenv = {path = ".", editable = true}' in entries
    pyproject = ROOT / "poetry-lock" / "poetry-with-path-dependency" / "pyproject.toml"
    [skip] = collect([pyproject]).skipped
    assert skip.entry == 'bazz = {path = "./bazz", develop = true}'


def test_lock_entries_without_a_version_are_warned_once_by_package_name() -> None:
    lock = ROOT / "pipfile-lock" / "pipenv-2018" / "Pipfile.lock"
    result = run_cli("audit", str(lock), "-f", "json")
    assert result.code == 1, result.stderr
    warned = [line for line in result.stderr.splitlines() if "pytest-pypi" in line]
    assert len(warned) == 1, warned
    assert "pytest-pypy @ ./tests/pytest-pypi" in warned[0]
    skipped = {s["entry"] for s in result.json()["summary"]["skipped"]}
    assert skipped == {"pipenv @ .", "pytest-pypy @ ./tests/pytest-pypi"}


def test_nested_requirements_are_audited_with_their_includes(store: SqliteAdvisoryStore) -> None:
    # pip-audit --disable-pip does not follow -r; chainward does (docs.txt -r system.txt)
    ours = _ours(ROOT / "requirements" / "addons-server" / "docs.txt", store)
    assert {"cryptography==3.4.8", "urllib3==1.26.6", "jinja2==3.0.1"} <= set(ours)
    assert ours["cryptography==3.4.8"]


def test_local_versions_and_arbitrary_equality_are_audited(store: SqliteAdvisoryStore) -> None:
    if not HOST_LIKE_RECORDING:
        pytest.skip("environment markers evaluate differently here than where recorded")
    ours = _ours(ROOT / "requirements" / "ml-service" / "requirements.txt", store)
    assert ours["torch==1.7.1+cpu"]  # a local version matches the release's advisories
    assert "torchaudio==0.7.2" in ours  # === pins exactly
    assert ours.get("flask-cors==3.0.8")  # Flask_Cors spelled oddly
    assert "tensorflow==2.4.0" not in ours  # python_version < "3.9" does not apply here
    assert "lxml==4.6.2" not in ours  # a constraint alone installs nothing


def test_each_skipped_requirement_line_is_warned_once() -> None:
    reqs = ROOT / "requirements" / "cyclonedx-python" / "with-urls.txt"
    result = run_cli("audit", "-r", str(reqs), "-f", "json")
    assert result.code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "wxPython_Phoenix" in line]
    assert len(warned) == 1, warned


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("sbom/cyclonedx-python/with-comments.cdx.json", "malformed JSON"),
        ("pipfile-lock/pipenv-2018/Pipfile.lock", "malformed JSON"),
        ("setup-cfg/spectree/setup.cfg", "malformed setup.cfg: cannot parse line"),
        ("poetry-lock/pydantic-sqlalchemy-2020/poetry.lock", "malformed TOML"),
        ("uv-lock/uv-conflicting-extras/uv.lock", "malformed TOML"),
    ],
)
def test_a_truncated_real_file_is_one_clear_error(name: str, message: str, tmp_path: Path) -> None:
    # cut mid-file, as an interrupted download or copy leaves it: one line on stderr,
    # naming what is wrong and where (a truncated .cdx.json used to be read as a
    # requirements file and reported as "invalid requirement line '{'")
    data = (ROOT / name).read_bytes()
    cut = tmp_path / Path(name).name
    cut.write_bytes(data[: int(len(data) * 0.37)])
    result = run_cli("audit", str(cut))
    assert result.code == 2
    [line] = result.stderr.strip().splitlines()
    assert message in line and f"{cut}:" in line, line


POETRY_PYPROJECT = """\
[tool.poetry]
name = "worker"
version = "0.1.0"
description = ""
authors = []

[tool.poetry.dependencies]
python = "^3.7"
pathlib2 = [
  { version = "2.3.7.post1", python = ">=3.7" },
  { version = "2.3.5", python = "<3.7", platform = "linux" },
  { git = "https://github.com/jazzband/pathlib2.git", tag = "2.3.5", python = "<3.7" },
]
werkzeug = "0.14.1 || 0.15.0"
urllib3 = "1.24.1 || 1.24.1"
Zope_interface = "6.3"
requests = { version = "2.19.1", python = "^2.7 || ^3.6", markers = "os_name == 'posix' or os_name == 'nt'" }
"""


def test_poetry_alternatives_and_python_keys(tmp_path: Path) -> None:
    # "A || B" used to abort the whole audit ("invalid version specifier"); the table keys
    # python/platform were ignored, so a pin meant for Python < 3.7 was audited on 3.11
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(POETRY_PYPROJECT)
    here = {
        (c.name, c.version)
        for c in collect([pyproject], python_version="3.11", platform="linux").components
    }
    assert ("pathlib2", "2.3.7.post1") in here and ("pathlib2", "2.3.5") not in here
    assert ("werkzeug", None) in here  # two versions: a range, skipped with a warning
    assert ("urllib3", "1.24.1") in here  # both alternatives pin the same version
    assert ("zope-interface", "6.3") in here and ("requests", "2.19.1") in here
    old = {
        (c.name, c.version)
        for c in collect([pyproject], python_version="3.6", platform="linux").components
    }
    assert ("pathlib2", "2.3.5") in old and ("pathlib2", "2.3.7.post1") not in old
    skipped = {
        s.entry: s.reason
        for s in collect([pyproject], python_version="3.11", platform="linux").skipped
    }
    assert "not pinned" in skipped["werkzeug = '0.14.1 || 0.15.0'"]
    result = run_cli("audit", str(pyproject), "-f", "json")
    assert result.code == 1, result.stderr


def test_poetry_1_0_lock_markers_apply_to_a_target_python() -> None:
    # Poetry 1.0 writes "marker" (not "markers"): dataclasses is for Python < 3.7 only,
    # pywin32 for Windows only; every package is kept when no target is named
    lock = ROOT / "poetry-lock" / "pydantic-sqlalchemy-2020" / "poetry.lock"
    every = {c.name for c in collect([lock]).components}
    linux38 = {c.name for c in collect([lock], python_version="3.8", platform="linux").components}
    assert {"dataclasses", "pywin32", "importlib-metadata"} <= every
    assert every - linux38 == {
        "appnope",
        "atomicwrites",
        "colorama",
        "dataclasses",
        "importlib-metadata",
        "pywin32",
        "pywinpty",
        "zipp",
    }


def test_spdx_document_describing_every_package_is_not_all_root() -> None:
    # spdx-tools (and other generators) DESCRIBE each package of a flat list; they are
    # the content, not the project: all 49 used to be dropped as "the described root"
    sbom = ROOT / "sbom" / "spdx-tools" / "flask-dev-2020.spdx.json"
    components = collect([sbom]).components
    assert len(components) == 49
    assert {("jinja2", "2.11.2"), ("urllib3", "1.25.9")} <= {
        (c.name, c.version) for c in components
    }


def test_a_directory_with_nothing_to_audit_says_so(tmp_path: Path) -> None:
    # the addons-server files outside a requirements/ folder are not recognised by name:
    # "0 of 0 dependencies" and no word about it read as a clean result
    (tmp_path / "docs.txt").write_text("Sphinx==4.0.3\n")
    result = run_cli("audit", str(tmp_path), "-f", "json")
    assert result.code == 0, result.stderr
    assert result.json()["summary"]["dependencies"] == 0
    assert "no requirements, pyproject, Pipfile, setup.cfg, lock or SBOM file found" in (
        result.stderr
    )
    named = tmp_path / "requirements"
    named.mkdir()
    (tmp_path / "docs.txt").rename(named / "docs.txt")  # the folder name makes it one
    found = run_cli("audit", str(tmp_path), "-f", "json")
    assert found.json()["summary"]["dependencies"] == 1
    assert "found here" not in found.stderr


def test_pipfile_marker_keys_apply_like_markers() -> None:
    # pipenv's own Pipfile: stdeb = {version="*", sys_platform="== 'linux'"}
    pipfile = ROOT / "pipfile-lock" / "pipenv-2018" / "Pipfile"
    linux = {
        c.name: c for c in collect([pipfile], python_version="3.11", platform="linux").components
    }
    assert linux["stdeb"].marker == "sys_platform == 'linux'"
    darwin = {
        c.name for c in collect([pipfile], python_version="3.11", platform="darwin").components
    }
    assert "stdeb" not in darwin and "pytest" in darwin


def test_setuptools_dynamic_dependencies_are_read_from_their_files(tmp_path: Path) -> None:
    # [tool.setuptools.dynamic] dependencies = {file = [...]}: the pins are in the files,
    # and auditing pyproject.toml alone used to report nothing but "dynamic"
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0"\n'
        'dynamic = ["dependencies", "optional-dependencies"]\n\n'
        "[tool.setuptools.dynamic]\n"
        'dependencies = {file = ["requirements/base.txt"]}\n'
        'optional-dependencies.dev = {file = ["requirements/dev.txt", "missing.txt"]}\n'
    )
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("django==2.2.4\n")
    (tmp_path / "requirements" / "dev.txt").write_text("pytest==3.4.2\n")
    inv = collect([tmp_path / "pyproject.toml"])
    found = {(c.name, c.version, c.scope.value, c.groups) for c in inv.components}
    assert found == {("django", "2.2.4", "direct", ()), ("pytest", "3.4.2", "optional", ("dev",))}
    assert [(s.entry, s.source.line if s.source else None) for s in inv.skipped] == [
        ("missing.txt", 8)
    ]


def test_setup_cfg_file_directive_is_read_not_an_error(tmp_path: Path) -> None:
    # install_requires = file: requirements.txt (setuptools >= 62.6) used to abort the
    # audit with "invalid requirement 'file: requirements.txt'"
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = svc\n\n[options]\ninstall_requires = file: requirements.txt\n\n"
        '[options.extras_require]\ntest =\n    pytest==3.4.2\n    mock ; python_version < "3.3"\n'
    )
    (tmp_path / "requirements.txt").write_text("django==2.2.4\n")
    inv = collect([tmp_path / "setup.cfg"], python_version="3.11")
    assert {(c.name, c.version, c.scope.value) for c in inv.components} == {
        ("django", "2.2.4", "direct"),
        ("pytest", "3.4.2", "optional"),
    }
    result = run_cli("audit", str(tmp_path / "setup.cfg"), "-f", "json")
    assert result.code == 1, result.stderr


def test_hatch_environment_dependencies_are_dev_declarations(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "lib"\nversion = "1.0"\ndependencies = ["requests==2.19.1"]\n\n'
        "[tool.hatch.envs.default]\n"
        'dependencies = ["pytest==3.4.2", "mylib @ {root:uri}/libs/mylib"]\n\n'
        '[tool.hatch.envs.docs]\nextra-dependencies = ["sphinx==1.5.5"]\n'
    )
    inv = collect([tmp_path / "pyproject.toml"])
    found = {(c.name, c.version, c.scope.value, c.groups) for c in inv.components}
    assert found == {
        ("requests", "2.19.1", "direct", ()),
        ("pytest", "3.4.2", "dev", ("default",)),
        ("sphinx", "1.5.5", "dev", ("docs",)),
    }


RYE_LOCK = """\
# generated by rye
# use `rye lock` or `rye sync` to update this lockfile
#
# last locked with the following flags:
#   pre: false
#   features: []
#   all-features: false
#   with-sources: false

-e file:.
django==2.2.4
    # via svc
sqlparse==0.3.0
    # via django
"""
HELM_LOCK = "dependencies:\\n- name: redis\\n  repository: https://charts.example.invalid\\n"


def test_rye_requirements_lock_is_found_in_a_project(tmp_path: Path) -> None:
    # rye writes requirements.lock / requirements-dev.lock; a project walk skipped them,
    # while a Helm chart's YAML requirements.lock must not be read as one
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0"\ndependencies = ["django>=2.2"]\n'
    )
    (tmp_path / "requirements.lock").write_text(RYE_LOCK)
    (tmp_path / "requirements-dev.lock").write_text(
        RYE_LOCK.replace("django==2.2.4", "pytest==3.4.2")
    )
    (tmp_path / "chart").mkdir()
    (tmp_path / "chart" / "requirements.lock").write_text(HELM_LOCK)
    inv = collect([tmp_path])
    assert {(c.name, c.version) for c in inv.components} >= {
        ("django", "2.2.4"),
        ("sqlparse", "0.3.0"),
        ("pytest", "3.4.2"),
    }
    assert not any("chart" in (s.source.file if s.source else s.entry) for s in inv.skipped)


def test_cyclonedx_py_sbom_with_bom_format_after_the_components_is_read(tmp_path: Path) -> None:
    # cyclonedx-py writes "$schema"/"bomFormat"/"specVersion" last: a 250 kB SBOM shows
    # them only in its tail, and was "unrecognised JSON file"
    sbom = ROOT / "sbom" / "gen-ml-churn" / "requirements.cdx.json"
    head = sbom.read_bytes()[: 64 * 1024]
    assert b'"bomFormat"' not in head and sbom.stat().st_size > 128 * 1024
    inv = collect([sbom])
    assert ("pillow", "9.3.0") in {(c.name, c.version) for c in inv.components}
    # a large JSON file whose tail merely mentions the words is still no SBOM
    other = tmp_path / "notes.json"
    other.write_text(json.dumps({"items": ["x" * 70_000], "note": "bomFormat CycloneDX"}))
    with pytest.raises(InventoryError, match="unrecognised JSON file"):
        collect([other])


def test_purl_whose_name_is_no_python_package_is_skipped_with_a_warning() -> None:
    # sbom4python names scipy's vendored libgfortran "pkg:pypi/gcc runtime library@1.9.3"
    sbom = ROOT / "sbom" / "gen-ml-churn" / "environment.spdx.json"
    inv = collect([sbom])
    names = {c.name for c in inv.components}
    assert "numpy" in names and not any(" " in n for n in names)
    [skip] = [s for s in inv.skipped if "gcc runtime library" in s.entry]
    assert "not a Python package name" in skip.reason
