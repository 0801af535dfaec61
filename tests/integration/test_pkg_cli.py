"""``chainward pkg check`` through ``cli.main``: contract JSON, exit codes, inputs, --download."""

from __future__ import annotations

import functools
import gzip
import io
import os
import shutil
import tarfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import OSV_ALL, asset, run_cli

MALICIOUS = asset("packages", "malicious")
BENIGN = asset("packages", "benign")


def test_json_contract_and_exit_code() -> None:
    result = run_cli(
        "pkg", "check", "--format", "json", str(MALICIOUS / "colourama-0.4.7.tar.gz"), "requests"
    )
    assert result.code == 1, result.stderr
    document = result.json()
    assert set(document) == {"packages"}
    first, second = document["packages"]
    assert set(first) == {"target", "verdict", "findings"}
    assert first["verdict"] == "malicious" and second == {
        "target": "requests",
        "verdict": "clean",
        "findings": [],
    }
    rule = first["findings"][0]
    assert {"rule", "severity", "message", "location"} <= set(rule)
    assert rule["rule"] == "decode-exec" and rule["location"] == "setup.py:3"


def test_clean_targets_exit_zero() -> None:
    result = run_cli(
        "pkg", "check", "-f", "json", str(BENIGN / "six-1.17.0.tar.gz"), "numpy==2.0.0"
    )
    assert result.code == 0, result.stdout
    assert [p["verdict"] for p in result.json()["packages"]] == ["clean", "clean"]


def test_fail_on_threshold() -> None:
    # a medium typosquat finding: suspicious, but below --fail-on high
    args = ("pkg", "check", "-f", "json", "colourama")
    assert run_cli(*args).code == 1
    assert run_cli(*args, "--fail-on", "critical").code == 0


def test_requirements_file(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("requests==2.31.0\nreqeusts==1.0\nnumpy\n")
    result = run_cli("pkg", "check", "-f", "json", str(req))
    assert result.code == 1
    verdicts = {p["target"]: p["verdict"] for p in result.json()["packages"]}
    assert verdicts == {
        "requests==2.31.0": "clean",
        "reqeusts==1.0": "suspicious",
        "numpy": "clean",
    }


def test_table_output_is_honest() -> None:
    result = run_cli("pkg", "check", "requests")
    assert result.code == 0
    assert "no known-malicious advisory" in result.stdout


@pytest.mark.parametrize(
    "target",
    ["does/not/exist.whl", "bad name!", "pkg=="],
)
def test_bad_targets_exit_2(target: str) -> None:
    result = run_cli("pkg", "check", target)
    assert result.code == 2
    assert result.stderr.startswith("chainward: error:") and "Traceback" not in result.stderr


def test_not_an_archive_exit_2(tmp_path: Path) -> None:
    fake = tmp_path / "fake-1.0.tar.gz"
    fake.write_bytes(b"hello")
    result = run_cli("pkg", "check", str(fake))
    assert result.code == 2 and "not a tar" in result.stderr


def test_known_malicious_from_the_advisory_database(tmp_path: Path) -> None:
    from chainward.vulndb import import_path, open_store

    db = tmp_path / "db.sqlite"
    import_path(open_store(db, install_snapshot=False), OSV_ALL)
    result = run_cli("pkg", "check", "-f", "json", "--db", str(db), "--no-names", "tensorfllow")
    assert result.code == 1
    (package,) = result.json()["packages"]
    assert package["verdict"] == "malicious"
    assert package["findings"][0]["advisory"] == "MAL-2023-2300"


def test_dynamic_hook_is_the_sandbox_function() -> None:
    from chainward.cli.pkg import _dynamic_hook
    from chainward.sandbox.dynamic import analyze_package

    assert _dynamic_hook() is analyze_package


def test_allow_list_option(tmp_path: Path) -> None:
    allow = tmp_path / "allow.toml"
    allow.write_text('[[allow]]\npackage = "x"\nversion = "1"\nrule = "r"\nfile = "*.py"\n')
    result = run_cli("pkg", "check", "--allow", str(allow), "requests")
    assert result.code == 2 and "pattern" in result.stderr


# -- --download through a loopback package index -----------------------------------------


def _sdist_with_marker(directory: Path, marker: Path) -> Path:
    """An sdist whose setup.py would leave a marker file if anything ran it."""
    setup = (
        f"open({str(marker)!r}, 'w').write('built')\n"
        "import base64\nexec(base64.b64decode('aW1wb3J0IG9z'))\n"
        "from setuptools import setup\nsetup(name='markerpkg', version='1.0')\n"
    ).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in {
            "markerpkg-1.0/setup.py": setup,
            "markerpkg-1.0/PKG-INFO": b"Metadata-Version: 2.1\nName: markerpkg\nVersion: 1.0\n",
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path = directory / "markerpkg-1.0.tar.gz"
    path.write_bytes(gzip.compress(buffer.getvalue()))
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def loopback_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "index"
    files = root / "files"
    files.mkdir(parents=True)
    shutil.copy(MALICIOUS / "pyenv_shims-1.0.0-py3-none-any.whl", files)
    marker = tmp_path / "marker"
    _sdist_with_marker(files, marker)
    for project, filename in (
        ("pyenv-shims", "pyenv_shims-1.0.0-py3-none-any.whl"),
        ("markerpkg", "markerpkg-1.0.tar.gz"),
    ):
        page = root / "simple" / project
        page.mkdir(parents=True)
        (page / "index.html").write_text(
            f'<html><body><a href="../../files/{filename}">{filename}</a></body></html>'
        )
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for key in list(os.environ):
        if key.startswith("PIP_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{server.server_port}/simple/")
    monkeypatch.setenv("PIP_NO_INPUT", "1")
    try:
        yield marker
    finally:
        server.shutdown()


def test_download_wheel_and_sdist_without_building(loopback_index: Path) -> None:
    result = run_cli("pkg", "check", "--download", "-f", "json", "pyenv-shims", "markerpkg==1.0")
    assert result.code == 1, result.stderr
    packages = result.json()["packages"]
    assert [p["target"] for p in packages] == ["pyenv-shims", "markerpkg==1.0"]
    assert packages[0]["verdict"] == "suspicious"
    assert any(f["rule"] == "startup-hook" for f in packages[0]["findings"])
    assert packages[1]["verdict"] == "malicious"
    assert not loopback_index.exists(), "the sdist's setup.py was run"


def test_download_of_unknown_package_exit_2(loopback_index: Path) -> None:
    result = run_cli("pkg", "check", "--download", "no-such-package-here")
    assert result.code == 2 and "cannot download" in result.stderr
