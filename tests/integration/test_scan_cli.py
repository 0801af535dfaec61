"""``chainward scan`` end to end on the bundled example and on projects built in tmp dirs."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import jsonschema

from tests.conftest import ROOT, asset, run_cli

EXAMPLE = ROOT / "examples" / "ml-app"


class _Exec:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, ("import os; os.system('true')",))


def _project(tmp_path: Path, requirements: str, *, evil_model: bool = False) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "requirements.txt").write_text(requirements, encoding="utf-8")
    if evil_model:
        (project / "weights.bin").write_bytes(pickle.dumps({"w": [1.0], "x": _Exec()}, protocol=4))
    return project


def test_example_reports_every_problem_once() -> None:
    result = run_cli("scan", str(EXAMPLE), "--format", "json")
    assert result.code == 1, result.stderr
    doc = result.json()
    assert set(doc) == {"audit", "packages", "models", "integrity", "summary"}
    vulnerable = {d["name"] for d in doc["audit"]["dependencies"] if d["vulns"]}
    assert {"flask", "werkzeug", "requests", "pyyaml", "torch", "scikit-learn"} <= vulnerable
    ids = [v["id"] for d in doc["audit"]["dependencies"] for v in d["vulns"]]
    assert len(ids) == len(set(ids)), "a vulnerability is reported twice"
    verdicts = {Path(f["path"]).name: f["verdict"] for f in doc["models"]["files"]}
    assert verdicts == {
        "legacy-tokenizer.pkl": "unsafe",
        "sentiment-classifier.safetensors": "safe",
    }
    assert {p["verdict"] for p in doc["packages"]["packages"]} == {"clean"}
    assert doc["summary"]["failed"] == ["audit", "models"]
    assert doc["summary"]["passed"] is False


def test_example_table_is_readable() -> None:
    result = run_cli("scan", str(EXAMPLE))
    assert result.code == 1
    assert "legacy-tokenizer.pkl" in result.stdout
    assert "PYSEC-2021-142" in result.stdout
    assert "result: FAILED (audit, models)" in result.stdout


def test_sarif_output_is_valid(tmp_path: Path) -> None:
    out = tmp_path / "scan.sarif"
    result = run_cli("scan", str(EXAMPLE), "--format", "sarif", "--output", str(out))
    assert result.code == 1
    assert result.stdout == ""
    schema = json.loads(asset("schemas", "sarif-2.1.0-rtm.5.json").read_text())
    document = json.loads(out.read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    rules = {r["ruleId"] for r in document["runs"][0]["results"]}
    assert "audit/PYSEC-2021-142" in rules
    assert any(r.startswith("models/") for r in rules)


def test_clean_project_passes(tmp_path: Path) -> None:
    project = _project(tmp_path, "requests==2.32.3\nflask==3.0.3\n")
    result = run_cli("scan", str(project), "--format", "json")
    assert result.code == 0, result.stdout
    assert result.json()["summary"]["passed"] is True


def test_impostor_dependency_is_reported(tmp_path: Path) -> None:
    project = _project(tmp_path, "pytorchh==1.0.0\nrequests==2.32.3\n")
    result = run_cli("scan", str(project), "--format", "json")
    assert result.code == 1
    packages = {p["target"]: p for p in result.json()["packages"]["packages"]}
    flagged = [t for t, p in packages.items() if p["verdict"] == "malicious"]
    assert len(flagged) == 1 and flagged[0].startswith("pytorchh")


def test_policy_thresholds_ignores_and_forbidden_formats(tmp_path: Path) -> None:
    project = _project(tmp_path, "requests==2.25.0\n")
    shutil.copy(EXAMPLE / "models" / "sentiment-classifier.safetensors", project / "w.safetensors")
    (project / "chainward.toml").write_text(
        """
fail-on = "high"
[models]
forbid-formats = ["safetensors"]
[[ignore]]
id = "CVE-2023-32681"
reason = "no proxies in production"
expires = 2999-01-01
""",
        encoding="utf-8",
    )
    result = run_cli("scan", str(project), "--format", "json")
    doc = result.json()
    assert result.code == 1
    # PYSEC-2023-74 is suppressed through its CVE alias; the forbidden format fails integrity
    assert doc["summary"]["checks"]["audit"]["suppressed"] == 1
    assert doc["summary"]["failed"] == ["integrity"]
    rules = [f["rule"] for f in doc["integrity"]["findings"]]
    assert rules == ["forbidden-format"]


def test_expired_ignore_fails_loudly(tmp_path: Path) -> None:
    project = _project(tmp_path, "requests==2.32.3\n")
    (project / "chainward.toml").write_text(
        '[[ignore]]\nid = "PYSEC-2023-74"\nreason = "temporary"\nexpires = 2020-01-01\n',
        encoding="utf-8",
    )
    result = run_cli("scan", str(project), "--format", "json")
    assert result.code == 1
    assert "policy" in result.json()["summary"]["failed"]
    assert "expired on 2020-01-01" in result.json()["summary"]["policy"]["violations"][0]


def test_lock_drift_fails_integrity(tmp_path: Path) -> None:
    project = _project(tmp_path, "requests==2.32.3\n")
    models = project / "models"
    models.mkdir()
    shutil.copy(EXAMPLE / "models" / "sentiment-classifier.safetensors", models / "w.safetensors")
    locked = run_cli("model", "lock", str(models), "-o", str(project / "chainward-models.lock"))
    assert locked.code == 0, locked.stderr
    assert run_cli("scan", str(project), "--format", "json").code == 0
    (models / "w.safetensors").write_bytes((models / "w.safetensors").read_bytes()[:-1] + b"\0")
    result = run_cli("scan", str(project), "--format", "json")
    assert result.code == 1
    assert result.json()["summary"]["failed"] == ["integrity"]


def test_invalid_policy_is_exit_2(tmp_path: Path) -> None:
    project = _project(tmp_path, "requests==2.32.3\n")
    (project / "chainward.toml").write_text('fail-on = "sometimes"\n', encoding="utf-8")
    result = run_cli("scan", str(project))
    assert result.code == 2
    assert "unknown severity" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_is_exit_2(tmp_path: Path) -> None:
    result = run_cli("scan", str(tmp_path / "nope"))
    assert result.code == 2
    assert result.stderr.count("\n") == 1
