"""Lock files: one project locked by five tools must give one inventory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chainward.inventory import InventoryError, collect
from chainward.records import Scope
from tests.conftest import asset

PROJECTS = {
    "poetry": "poetry.lock",
    "uv": "uv.lock",
    "pdm": "pdm.lock",
    "pylock": "pylock.toml",
    "pipenv": "Pipfile.lock",
}
ALL = {
    "annotated-types": "0.7.0",
    "anyio": "4.6.0",
    "async-timeout": "4.0.3",
    "certifi": "2024.8.30",
    "colorama": "0.4.6",
    "exceptiongroup": "1.2.2",
    "fastapi": "0.115.0",
    "h11": "0.14.0",
    "httpcore": "1.0.6",
    "httpx": "0.27.2",
    "idna": "3.10",
    "iniconfig": "2.0.0",
    "packaging": "24.1",
    "pluggy": "1.5.0",
    "pydantic": "2.9.2",
    "pydantic-core": "2.23.4",
    "pytest": "8.3.3",
    "redis": "5.1.1",
    "sniffio": "1.3.1",
    "starlette": "0.38.6",
    "tomli": "2.0.2",
    "typing-extensions": "4.12.2",
}
DEV = {"pytest", "iniconfig", "packaging", "pluggy", "tomli", "colorama"}
OPTIONAL = {"redis", "async-timeout"}
DIRECT = {"fastapi", "httpx"}


def project(name: str) -> Path:
    return asset("inventory", "projects", name)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_every_lock_gives_the_same_packages_and_versions(name: str) -> None:
    inv = collect([project(name)])
    assert {c.name: c.version for c in inv.components} == ALL
    assert inv.skipped == ()
    for comp in inv.components:
        assert comp.source is not None and comp.source.file.endswith(PROJECTS[name])
        assert comp.source.line is not None and comp.source.line > 0
        assert comp.hashes, comp.name
        assert all(algo == "sha256" and len(d) == 64 for algo, d in comp.hashes)


@pytest.mark.parametrize("name", ["poetry", "uv", "pdm", "pylock"])
def test_scopes_from_graph_and_manifest(name: str) -> None:
    comps = {c.name: c for c in collect([project(name)]).components}
    assert {n for n, c in comps.items() if c.scope is Scope.DIRECT} == DIRECT
    assert {n for n, c in comps.items() if c.scope is Scope.DEV} == DEV
    assert {n for n, c in comps.items() if c.scope is Scope.OPTIONAL} == OPTIONAL
    assert comps["pytest"].groups == ("dev",)
    assert comps["redis"].groups == ("cache",)
    # needed by both the app and pytest: it ships, so it is transitive, not dev
    assert comps["exceptiongroup"].scope is Scope.TRANSITIVE


@pytest.mark.parametrize("name", ["poetry", "uv", "pdm"])
def test_dependency_paths_come_from_the_lock_graph(name: str) -> None:
    comps = {c.name: c for c in collect([project(name)]).components}
    assert comps["h11"].path == ("httpx", "httpcore", "h11")
    assert comps["pluggy"].path == ("pytest", "pluggy")
    assert comps["async-timeout"].path == ("redis", "async-timeout")
    assert comps["fastapi"].path == ()
    assert "starlette" in comps["fastapi"].requires


def test_pipfile_lock_sections_and_pipfile() -> None:
    comps = {c.name: c for c in collect([project("pipenv")]).components}
    assert comps["fastapi"].scope is Scope.DIRECT
    assert comps["anyio"].scope is Scope.TRANSITIVE  # not in the Pipfile
    assert comps["pytest"].scope is Scope.DEV and comps["pytest"].groups == ("develop",)


@pytest.mark.parametrize("name", ["poetry", "uv", "pdm"])
def test_lock_without_its_manifest_uses_graph_roots(name: str, tmp_path: Path) -> None:
    lock = tmp_path / PROJECTS[name]
    shutil.copy(project(name) / PROJECTS[name], lock)
    comps = {c.name: c for c in collect([lock]).components}
    assert set(comps) == set(ALL)
    assert comps["h11"].scope is Scope.TRANSITIVE
    assert comps["pytest"].scope is Scope.DEV


def test_markers_filter_only_when_a_target_is_named() -> None:
    lock = project("uv") / "uv.lock"
    assert "colorama" in {c.name for c in collect([lock]).components}
    pylock = project("pylock") / "pylock.toml"
    linux = {c.name for c in collect([pylock], python_version="3.12", platform="linux").components}
    assert "colorama" not in linux and "tomli" not in linux and "fastapi" in linux
    old = {c.name for c in collect([pylock], python_version="3.10", platform="win32").components}
    assert {"colorama", "tomli", "exceptiongroup"} <= old


def test_uv_workspace_member_is_not_a_component() -> None:
    names = {c.name for c in collect([project("uv")]).components}
    assert "weather-api" not in names


def test_vcs_package_without_version_is_skipped(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "pip"\n\n[[packages]]\nname = "theme"\n'
        '[packages.vcs]\ntype = "git"\nurl = "https://example.invalid/theme.git"\n'
        'commit-id = "4f5c3a2b1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"\n'
        '\n[[packages]]\nname = "six"\nversion = "1.16.0"\n'
    )
    inv = collect([lock])
    assert {c.name: c.version for c in inv.components} == {"six": "1.16.0", "theme": None}
    assert inv.skipped[0].entry.endswith("@4f5c3a2b1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a")


BROKEN = {
    "poetry.lock": [
        '[[package]]\nname = "x"\n',  # no version
        '[[package]\nname = "x"\n',  # bad TOML
        '[[package]]\nname = "x"\nversion = "1"\nfiles = "nope"\n',
        "[metadata]\n",
    ],
    "uv.lock": [
        'version = 1\n[[package]]\nversion = "1.0"\n',
        "version = 99\n",
        'version = 1\n[[package]]\nname = "x"\ndependencies = [{ version = "1" }]\n',
        "version = 1\npackage = 3\n",
    ],
    "pdm.lock": [
        "[metadata]\ngroups = []\n",
        '[metadata]\nlock_version = "4.5.0"\n[[package]]\nname = "x"\nversion = "1"\n'
        'dependencies = ["not a requirement !!"]\n',
        "[metadata\n",
    ],
    "pylock.toml": [
        'lock-version = "2.0"\npackages = []\n',
        'lock-version = "1.0"\n[[packages]]\nversion = "1"\n',
        'lock-version = "1.0"\n[[packages]]\nname = "x"\nversion = 1\n',
    ],
    "Pipfile.lock": [
        '{"_meta": {}, "default": {"x": "==1.0"}}',
        '{"_meta": {}, "default": [1, 2]}',
        '{"_meta": {}, "default": {"x": {"version": "=!1.0"}}}',
        "{not json",
    ],
}


@pytest.mark.parametrize(("name", "text"), [(n, t) for n, texts in BROKEN.items() for t in texts])
def test_malformed_lock_files_raise_inventory_error(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InventoryError) as info:
        collect([path])
    assert info.value.path == str(path)
    assert "\n" not in info.value.diagnostics()


def test_bad_toml_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "uv.lock"
    path.write_text('version = 1\n\n[[package]]\nname = "x\n')
    with pytest.raises(InventoryError) as info:
        collect([path])
    assert info.value.line == 4


def test_pipfile_lock_lines_point_at_entries() -> None:
    lock = project("pipenv") / "Pipfile.lock"
    lines = lock.read_text().splitlines()
    for comp in collect([lock]).components:
        assert comp.source is not None and comp.source.line is not None
        assert lines[comp.source.line - 1].strip().startswith(f'"{comp.name}"')
    assert json.loads(lock.read_text())["_meta"]["pipfile-spec"] == 6


@pytest.mark.parametrize("name", ["poetry", "pdm", "pipenv"])
def test_lock_named_directly_still_reads_its_manifest(name: str) -> None:
    comps = {c.name: c for c in collect([project(name) / PROJECTS[name]]).components}
    assert comps["fastapi"].scope is Scope.DIRECT
    assert comps["starlette"].scope is Scope.TRANSITIVE


def test_pipfile_without_lock(tmp_path: Path) -> None:
    shutil.copy(project("pipenv") / "Pipfile", tmp_path / "Pipfile")
    inv = collect([tmp_path])
    comps = {c.name: c for c in inv.components}
    assert comps["pytest"].scope is Scope.DEV and comps["pytest"].version is None
    assert comps["redis"].marker == "python_version >= '3.8'"
    assert {s.entry for s in inv.skipped} == {
        "fastapi = '>=0.110,<0.116'",
        "httpx = '>=0.27.0'",
        "pytest = '>=8.2'",
        "redis = '>=5.0'",
    }
    old = {c.name for c in collect([tmp_path], python_version="3.7").components}
    assert "redis" not in old


def test_pylock_export_with_the_project_itself(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "uv"\n\n[[packages]]\nname = "weather-api"\n'
        'directory = { path = ".", editable = true }\n\n'
        '[[packages]]\nname = "six"\nversion = "1.16.0"\n'
        'index = "https://example.invalid/simple"\n'
    )
    inv = collect([lock])
    assert [(c.name, c.version) for c in inv.components] == [("six", "1.16.0")]
    assert inv.skipped == ()


def test_uv_lock_matches_uvs_own_exports_of_it() -> None:
    """uv itself (export_with_uv.sh) wrote pylock.toml and requirements.txt from our uv.lock."""
    export = asset("inventory", "projects", "uv-export")
    lock = {c.name: c.version for c in collect([project("uv") / "uv.lock"]).components}
    pylock = {c.name: c.version for c in collect([export / "pylock.toml"]).components}
    every_marker = collect([export / "requirements.txt"], python_version="3.10", platform="win32")
    compiled = {c.name: c for c in every_marker.components}
    assert lock == pylock == {n: c.version for n, c in compiled.items()} == ALL
    # the export's "# via" comments carry the graph
    assert compiled["h11"].path == ("httpx", "httpcore", "h11")
    assert compiled["fastapi"].scope is Scope.DIRECT
    assert all(c.hashes for c in compiled.values())
    # the project itself ("-e .") is reported, not audited
    assert [s.entry for s in every_marker.skipped] == ["-e ."]
    here = {
        c.name
        for c in collect(
            [export / "requirements.txt"], python_version="3.12", platform="linux"
        ).components
    }
    assert here == set(ALL) - {"colorama", "tomli", "exceptiongroup", "async-timeout"}


def test_uv_lock_written_by_uv() -> None:
    """projects/uv-real/uv.lock is uv's own output (make_uv_real.py), extras and groups."""
    comps = {c.name: c for c in collect([project("uv-real")]).components}
    assert {n: (c.version, c.scope) for n, c in comps.items()} == {
        "cw-app": ("1.0", Scope.DIRECT),
        "cw-lib": ("1.0", Scope.TRANSITIVE),
        "cw-win": ("1.0", Scope.TRANSITIVE),
        "cw-extra": ("1.0", Scope.TRANSITIVE),  # pulled in by cw-app[fast]
        "cw-tool": ("0.5", Scope.OPTIONAL),
        "cw-base": ("2.0", Scope.DEV),
    }
    assert comps["cw-extra"].path == ("cw-app", "cw-extra")
    assert comps["cw-tool"].groups == ("tools",) and comps["cw-base"].groups == ("dev",)
    assert "forecast-worker" not in comps


@pytest.mark.parametrize("name", ["poetry", "uv", "pdm"])
def test_a_named_target_keeps_only_what_installs_there(name: str) -> None:
    inv = collect([project(name)], python_version="3.12", platform="linux")
    names = {c.name for c in inv.components}
    # exceptiongroup/tomli (< 3.11), async-timeout (< 3.11.3), colorama (win32) are not
    assert names == set(ALL) - {"exceptiongroup", "tomli", "async-timeout", "colorama"}
    old = {
        c.name for c in collect([project(name)], python_version="3.10", platform="win32").components
    }
    assert old == set(ALL)


def test_pylock_in_the_specification_layout(tmp_path: Path) -> None:
    """Array-of-tables wheels, attestation identities and a [tool] table, as in PEP 751."""
    lock = tmp_path / "pylock.api.toml"
    lock.write_text(
        "lock-version = '1.0'\n"
        "environments = [\"sys_platform == 'linux'\"]\n"
        "requires-python = '== 3.12.*'\ncreated-by = 'mousebender'\n\n"
        "[[packages]]\nname = 'markupsafe'\nversion = '3.0.2'\n\n"
        "    [[packages.wheels]]\n    name = 'markupsafe-3.0.2-py3-none-any.whl'\n"
        "    upload-time = 2024-10-18T15:21:00+00:00\n"
        "    url = 'https://example.invalid/markupsafe-3.0.2-py3-none-any.whl'\n"
        "    size = 15000\n    hashes = {sha256 = '" + "a" * 64 + "'}\n\n"
        "    [[packages.attestation-identities]]\n    kind = 'GitHub'\n"
        "    repository = 'pallets/markupsafe'\n\n"
        "[[packages]]\nname = 'Jinja2'\nversion = '3.1.4'\n"
        "dependencies = [\n    {name = 'markupsafe'},\n]\n\n"
        "    [[packages.wheels]]\n    name = 'jinja2-3.1.4-py3-none-any.whl'\n"
        "    url = 'https://example.invalid/jinja2-3.1.4-py3-none-any.whl'\n"
        "    hashes = {sha256 = '" + "b" * 64 + "'}\n\n"
        "[tool.mousebender]\ncommand = ['.', 'lock', 'jinja2']\n"
    )
    comps = {c.name: c for c in collect([lock]).components}
    assert comps["jinja2"].scope is Scope.DIRECT
    assert comps["markupsafe"].scope is Scope.TRANSITIVE
    assert comps["markupsafe"].path == ("jinja2", "markupsafe")
    assert comps["markupsafe"].source is not None and comps["markupsafe"].source.line == 6
    assert comps["jinja2"].hashes == (("sha256", "b" * 64),)
