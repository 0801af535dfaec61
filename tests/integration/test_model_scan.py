"""``chainward model scan`` through cli.main: contract JSON, exit codes, formats."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import asset, run_cli

CORPUS = asset("models")
EVIL = CORPUS / "malicious/pickle/os_system_proto2.pkl"
GOOD = CORPUS / "benign/torch/state_dict.pt"


def test_json_contract_and_exit_codes() -> None:
    result = run_cli("model", "scan", str(GOOD), str(EVIL), "--format", "json")
    assert result.code == 1
    doc = result.json()
    assert set(doc) == {"files", "summary"}
    assert [f["verdict"] for f in doc["files"]] == ["safe", "unsafe"]
    for file in doc["files"]:
        assert set(file) == {"path", "format", "verdict", "findings"}
        for finding in file["findings"]:
            assert set(finding) == {"rule", "severity", "message", "location"}
    assert doc["summary"]["unsafe"] == 1
    assert doc["summary"]["safe"] == 1
    assert doc["files"][1]["findings"][0]["severity"] == "critical"


def test_clean_file_exits_zero() -> None:
    result = run_cli("model", "scan", str(GOOD))
    assert result.code == 0, result.stderr
    assert "no known-unsafe constructs found" in result.stdout


def test_directory_and_sarif(tmp_path: Path) -> None:
    shutil.copy(EVIL, tmp_path / "weights.bin")
    shutil.copy(GOOD, tmp_path / "model.pt")
    (tmp_path / "README.md").write_text("hello")
    result = run_cli("model", "scan", str(tmp_path), "--format", "sarif")
    assert result.code == 1
    sarif = json.loads(result.stdout)
    assert sarif["runs"][0]["results"]


def test_strict_fails_on_review_and_errors(tmp_path: Path) -> None:
    suspicious = tmp_path / "custom.pkl"
    suspicious.write_bytes(b"\x80\x02cmylib.models\nNet\n)\x81}b.")
    assert run_cli("model", "scan", str(suspicious)).code == 0
    assert run_cli("model", "scan", str(suspicious), "--strict").code == 1
    assert run_cli("model", "scan", str(suspicious), "--fail-on", "medium").code == 1
    broken = tmp_path / "broken.7z"
    broken.write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\x00" * 40)
    doc = run_cli("model", "scan", str(broken), "--format", "json").json()
    assert doc["files"][0]["verdict"] == "error"
    assert run_cli("model", "scan", str(broken), "--strict").code == 1


def test_missing_path_is_usage_error(tmp_path: Path) -> None:
    result = run_cli("model", "scan", str(tmp_path / "nope.pt"))
    assert result.code == 2
    assert "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run_cli("model", "scan", str(EVIL), "-f", "json", "-o", str(out))
    assert result.code == 1
    assert result.stdout == ""
    assert json.loads(out.read_text())["files"][0]["verdict"] == "unsafe"


def test_dynamic_hook(tmp_path: Path) -> None:
    import importlib.util

    result = run_cli("model", "scan", str(GOOD), "--dynamic")
    if importlib.util.find_spec("chainward.sandbox.dynamic") is None:
        assert result.code == 2
        assert "sandbox" in result.stderr
    else:
        assert result.code in (0, 1)


def test_explicit_non_model_file_is_not_called_safe(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just text\n")
    doc = run_cli("model", "scan", str(text), "-f", "json").json()
    assert doc["files"][0]["verdict"] == "error"
    assert doc["files"][0]["findings"][0]["rule"] == "unknown-format"


def test_special_files_are_refused(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_cli("model", "scan", str(fifo))
    assert result.code == 2
    assert "not a regular file" in result.stderr
    assert run_cli("model", "scan", str(tmp_path)).code == 0
