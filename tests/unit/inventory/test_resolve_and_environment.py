"""--resolve through pip's resolver and installed environments, on real wheels (no network)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from chainward.inventory import InventoryError, collect
from chainward.inventory.requirements import read_requirements
from chainward.inventory.resolve import pip_report
from chainward.records import Scope
from tests.unit.inventory.wheels import wheelhouse


@pytest.fixture
def offline_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pip configured (as a user would) to install only from a local wheelhouse."""
    house = wheelhouse(tmp_path / "wheelhouse")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(house))
    return house


def test_resolve_gives_exact_transitive_set(offline_index: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("cw-app[fast]>=1.0\n")
    unresolved = collect([req])
    assert [c.version for c in unresolved.components] == [None] and unresolved.skipped
    inv = collect([req], resolve=True, platform="linux")
    comps = {c.name: c for c in inv.components}
    assert {n: c.version for n, c in comps.items()} == {
        "cw-app": "1.0",
        "cw-lib": "1.1",
        "cw-base": "2.0",
        "cw-extra": "1.0",
    }
    assert comps["cw-app"].scope is Scope.DIRECT
    assert comps["cw-app"].source is not None and comps["cw-app"].source.line == 1
    assert comps["cw-base"].scope is Scope.TRANSITIVE
    assert comps["cw-base"].path == ("cw-app", "cw-lib", "cw-base")
    assert comps["cw-extra"].path == ("cw-app", "cw-extra")
    assert all(c.hashes for c in inv.components)
    assert inv.skipped == ()


def test_resolve_failure_is_one_clean_error(offline_index: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("cw-lib>=5\n")
    with pytest.raises(InventoryError, match="pip could not resolve"):
        collect([req], resolve=True)


def test_pinned_requirements_match_what_pip_would_install(
    offline_index: Path, tmp_path: Path
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(
        "cw-lib==1.0\n"
        'cw-win==1.0 ; sys_platform == "win32"\n'
        'cw-extra==1.0 ; python_version >= "3.8"\n'
        "-c constraints.txt\ncw-tool\n"
    )
    (tmp_path / "constraints.txt").write_text("cw-tool==0.5\ncw-base==2.0\n")
    ours = {c.name: c.version for c in read_requirements(req).components}
    report = pip_report(["--no-deps", "-r", str(req)], what=str(req))
    pips = {i["metadata"]["name"]: i["metadata"]["version"] for i in report["install"]}
    assert ours == pips == {"cw-lib": "1.0", "cw-extra": "1.0", "cw-tool": "0.5"}


def test_includes_extras_and_markers_match_pip(offline_index: Path, tmp_path: Path) -> None:
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "base.txt").write_text(
        "Cw_Lib==1.1  # spelled as people do\n-c ../pins.txt\n"
    )
    (tmp_path / "pins.txt").write_text("cw-base==2.0\ncw-tool==0.5\ncw-win==1.0\n")
    req = tmp_path / "requirements.txt"
    req.write_text(
        "--only-binary :all:\n"
        "-r reqs/base.txt\n"
        "cw-app[fast] == 1.0 \\\n"
        '    ; python_version >= "3.6" and platform_system != "Windows"\n'
        "cw-base ; os_name == 'posix' or os_name == 'nt'\n"
        "cw-win ; sys_platform == 'win32'\n"
        "cw-tool===0.5\n"
    )
    ours = {c.name: c.version for c in read_requirements(req).components}
    report = pip_report(["--no-deps", "-r", str(req)], what=str(req))
    pips = {i["metadata"]["name"]: i["metadata"]["version"] for i in report["install"]}
    assert ours == pips
    assert set(ours) == {"cw-lib", "cw-app", "cw-base", "cw-tool"}


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real virtualenv (no pip in it) with cw-app[fast] and cw-tool installed by pip."""
    root = tmp_path_factory.mktemp("venv")
    house = wheelhouse(root / "wheelhouse")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
            str(house),
            "--target",
            site,
            "cw-app[fast]",
            "cw-tool",
        ],
        check=True,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
    )
    return python


def test_other_interpreter_with_manifest(venv_python: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("cw-app[fast]==1.0\nmissing-pkg==1.0\n")
    inv = collect([req], python=str(venv_python))
    comps = {c.name: c for c in inv.components}
    assert {n: c.version for n, c in comps.items()} == {
        "cw-app": "1.0",
        "cw-lib": "1.1",
        "cw-base": "2.0",
        "cw-extra": "1.0",
        "cw-tool": "0.5",
    }
    assert comps["cw-app"].scope is Scope.DIRECT
    assert comps["cw-base"].scope is Scope.TRANSITIVE
    assert comps["cw-base"].path == ("cw-app", "cw-lib", "cw-base")
    assert comps["cw-tool"].scope is Scope.DIRECT  # installed, undeclared, nothing needs it
    assert comps["cw-lib"].requires == ("cw-base",)
    assert comps["cw-app"].source is not None and "dist-info" in comps["cw-app"].source.file
    assert [s.entry for s in inv.skipped] == ["missing-pkg"]


def test_other_interpreter_without_manifest_uses_roots(venv_python: Path) -> None:
    comps = {c.name: c for c in collect(python=str(venv_python)).components}
    assert {n for n, c in comps.items() if c.scope is Scope.DIRECT} == {"cw-app", "cw-tool"}
    assert comps["cw-lib"].scope is Scope.TRANSITIVE
    assert comps["cw-extra"].path == ("cw-app", "cw-extra")


def test_running_interpreter() -> None:
    comps = {c.name: c for c in collect(env=True).components}
    import packaging

    assert comps["packaging"].version == packaging.__version__
    assert comps["pytest"].scope in (Scope.DIRECT, Scope.TRANSITIVE)


@pytest.mark.parametrize("python", ["/nonexistent/python", os.devnull])
def test_bad_interpreter(python: str) -> None:
    with pytest.raises(InventoryError):
        collect(python=python)


def test_interpreter_that_fails(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho boom >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(InventoryError, match="boom"):
        collect(python=str(fake))


def test_resolve_for_another_python(offline_index: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("cw-app>=1.0\n")
    inv = collect([req], resolve=True, python_version="3.9")
    assert {c.name: c.version for c in inv.components} == {
        "cw-app": "1.0",
        "cw-lib": "1.1",
        "cw-base": "2.0",
    }


def test_resolve_pyproject(offline_index: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["cw-lib<1.1"]\n'
        '[dependency-groups]\ndev = ["cw-tool"]\n'
    )
    inv = collect([tmp_path], resolve=True)
    comps = {c.name: c for c in inv.components}
    assert {n: c.version for n, c in comps.items()} == {"cw-lib": "1.0", "cw-tool": None}
    assert comps["cw-tool"].scope is Scope.DEV  # groups are not installed: left as declared
    assert [s.entry for s in inv.skipped] == ["cw-tool"]
    assert comps["cw-lib"].source is not None and comps["cw-lib"].source.line == 4


def test_environment_with_a_project_directory(venv_python: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1"\ndependencies = ["cw-lib>=1"]\n'
        '[dependency-groups]\ndev = ["cw-tool"]\n'
    )
    (tmp_path / "model.pkl").write_bytes(pickle.dumps({"weights": list(range(50))}, protocol=4))
    inv = collect([tmp_path], python=str(venv_python))
    comps = {c.name: c for c in inv.components}
    assert comps["cw-lib"].version == "1.1" and comps["cw-lib"].scope is Scope.DIRECT
    assert comps["cw-tool"].scope is Scope.DEV and comps["cw-tool"].groups == ("dev",)
    assert comps["cw-app"].scope is Scope.DIRECT  # installed, not declared, a root
    # the declared ranges are answered by what is installed: no "cannot audit" left
    assert not [s for s in inv.skipped if "pinned" in s.reason]
    assert [Path(m.path).name for m in inv.models] == ["model.pkl"]


def test_resolve_never_builds_source_distributions(offline_index: Path, tmp_path: Path) -> None:
    from tests.unit.inventory.wheels import build_sdist

    marker = tmp_path / "setup-ran"
    sdist = build_sdist(offline_index, "cw-sdist-only", "1.0", marker)
    assert sdist.is_file()  # the sample exists: the test cannot pass vacuously
    req = tmp_path / "requirements.txt"
    req.write_text("cw-sdist-only>=1\n")
    with pytest.raises(InventoryError, match="from wheels"):
        collect([req], resolve=True)
    local = tmp_path / "requirements-local.txt"
    local.write_text(f"{sdist}\n")
    with pytest.raises(InventoryError, match=r"build .* from source"):
        collect([local], resolve=True)
    assert not marker.exists()


def test_probe_runs_no_pth_code_of_the_environment(venv_python: Path, tmp_path: Path) -> None:
    site = subprocess.run(
        [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    marker = tmp_path / "pth-ran"
    pth = Path(site) / "zz_chainward_test_hook.pth"
    # inert stand-in for a malicious .pth hook: it would only create a file in tmp_path
    pth.write_text(f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n")
    try:
        subprocess.run([str(venv_python), "-c", "pass"], check=True)
        assert marker.exists()  # the hook is live: the interpreter runs it on a normal start
        marker.unlink()
        names = {c.name for c in collect(python=str(venv_python)).components}
        assert {"cw-app", "cw-lib", "cw-tool"} <= names
        assert not marker.exists()
    finally:
        pth.unlink()
