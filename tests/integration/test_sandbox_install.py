"""``chainward sandbox install``: a malicious sdist's setup.py is caught; a clean wheel is clean.

The malicious sdist is packed at test time from tests/assets/sandbox/evil_sdist/ (its
setup.py runs ``id -u``, connects to 127.0.0.1:9 and reads an SSH key path) and is only
ever installed inside the sandbox. pip's own probes are subtracted as the baseline.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chainward.sandbox.dynamic import analyze_package
from tests.conftest import asset, run_cli
from tests.integration._sandbox_helpers import needs_sandbox

pytestmark = [pytest.mark.sandbox, needs_sandbox()]


def _evil_sdist(tmp_path: Path) -> Path:
    template = asset("sandbox", "evil_sdist")
    archive = tmp_path / "evilpkg-0.1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in ("setup.py", "evilpkg.py", "PKG-INFO"):
            tar.add(template / name, arcname=f"evilpkg-0.1/{name}")
    return archive


def _clean_wheel(directory: Path) -> Path:
    path = directory / "tidyutil-2.0-py3-none-any.whl"
    meta = "Metadata-Version: 2.1\nName: tidyutil\nVersion: 2.0\n"
    files = {
        "tidyutil/__init__.py": "def tidy(text):\n    return ' '.join(text.split())\n",
        "tidyutil-2.0.dist-info/METADATA": meta,
        "tidyutil-2.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files["tidyutil-2.0.dist-info/RECORD"] = (
        "".join(f"{n},,\n" for n in files) + "tidyutil-2.0.dist-info/RECORD,,\n"
    )
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def _install(*args: str) -> tuple[int, Any]:
    result = run_cli("sandbox", "install", "--format", "json", *args)
    assert result.code in (0, 1), result.stderr
    return result.code, result.json()


def test_malicious_sdist_reports_exec_connect_and_secret_read(tmp_path: Path) -> None:
    code, doc = _install(str(_evil_sdist(tmp_path)))
    assert code == 1
    messages = [f["message"] for f in doc["findings"]]
    assert any('/usr/bin/id ["id", "-u"]' in m for m in messages)
    assert any("connect 127.0.0.1:9" in m for m in messages)
    assert any("/root/.ssh/id_rsa-canary" in m for m in messages)
    # pip's own probes are the baseline, not findings
    assert not any("lsb_release" in m or "_in_process.py" in m for m in messages)
    assert doc["exit_status"] == 0  # the install itself succeeded, inside the sandbox


def test_clean_wheel_has_no_findings(tmp_path: Path) -> None:
    # through the library API other commands' --dynamic flags use
    assert analyze_package(_clean_wheel(tmp_path)) == []


def test_requirement_from_a_wheelhouse(tmp_path: Path) -> None:
    house = tmp_path / "house"
    house.mkdir()
    _clean_wheel(house)
    code, doc = _install("tidyutil==2.0", "--wheelhouse", str(house))
    assert code == 0 and doc["exit_status"] == 0


def test_requirement_without_wheelhouse_is_refused() -> None:
    result = run_cli("sandbox", "install", "tidyutil==2.0")
    assert result.code == 2 and "--wheelhouse" in result.stderr
