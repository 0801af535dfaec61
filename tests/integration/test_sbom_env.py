"""SBOM of a real virtualenv: local wheels installed by pip, read through ``--python``."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.unit.sbom.validate import assert_valid_cyclonedx_json, assert_valid_spdx_json

WHEELS = {
    "alpha": (
        "1.2.0",
        ["beta>=0.1"],
        [
            "License-Expression: MIT",
            "Author-email: Ada Example <ada@example.org>",
        ],
    ),
    "beta": (
        "0.3.1",
        [],
        [
            "License: BSD-3-Clause",
            "Classifier: License :: OSI Approved :: BSD License",
            "Author: Bo Example",
        ],
    ),
}


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(
    directory: Path, name: str, version: str, requires: list[str], headers: list[str]
) -> Path:
    """A minimal, valid pure-Python wheel (PEP 427) pip can install offline."""
    dist_info = f"{name}-{version}.dist-info"
    metadata = (
        "\n".join(
            [
                "Metadata-Version: 2.4",
                f"Name: {name}",
                f"Version: {version}",
                *headers,
                *(f"Requires-Dist: {r}" for r in requires),
            ]
        )
        + "\n\n"
    )
    files = {
        f"{name}/__init__.py": f"__version__ = {version!r}\n".encode(),
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: chainward-tests\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [_record_line(path, data) for path, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    path = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return path


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sbom-env")
    wheels = root / "wheels"
    wheels.mkdir()
    for name, (version, requires, headers) in WHEELS.items():
        build_wheel(wheels, name, version, requires, headers)
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    alpha = next(wheels.glob("alpha-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-index",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "-q",
            "--find-links",
            str(wheels),
            str(alpha),
        ],
        check=True,
        timeout=120,
    )
    return python


def test_environment_sbom_lists_installed_wheels(venv_python: Path) -> None:
    result = run_cli("sbom", "--python", str(venv_python), "--deterministic")
    assert result.code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)
    libs = {c["name"]: c for c in doc["components"]}
    assert set(libs) == {"alpha", "beta"}
    alpha, beta = libs["alpha"], libs["beta"]
    assert alpha["version"] == "1.2.0" and alpha["purl"] == "pkg:pypi/alpha@1.2.0"
    assert alpha["licenses"] == [{"license": {"id": "MIT"}}]
    assert alpha["authors"] == [{"name": "Ada Example"}]
    assert beta["licenses"] == [{"license": {"id": "BSD-3-Clause"}}]
    assert beta["authors"] == [{"name": "Bo Example"}]
    # pip records the hash of the wheel it installed from a file
    wheel_hash = [h for h in alpha.get("hashes", []) if h["alg"] == "SHA-256"]
    assert len(wheel_hash) == 1 and len(wheel_hash[0]["content"]) == 64
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert deps["pkg:pypi/alpha@1.2.0"] == ["pkg:pypi/beta@0.3.1"]
    assert "pkg:pypi/alpha@1.2.0" in deps["root"]


def test_environment_spdx(venv_python: Path) -> None:
    result = run_cli("sbom", "--python", str(venv_python), "-f", "spdx-json")
    assert result.code == 0, result.stderr
    doc = assert_valid_spdx_json(result.stdout)
    assert {p["name"] for p in doc["packages"]} >= {"alpha", "beta"}


def test_running_interpreter_environment_is_schema_valid() -> None:
    result = run_cli("sbom", "--env")
    assert result.code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)
    names = {c["name"] for c in doc["components"]}
    assert {"click", "cyclonedx-python-lib", "spdx-tools"} <= names
