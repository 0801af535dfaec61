"""``chainward audit`` end to end through ``cli.main`` on real manifests and OSV data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chainward.vulndb import open_store
from tests.conftest import OSV_UPDATE, CliResult, asset, run_cli


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auditdb") / "advisories.sqlite"
    open_store(path).close()  # the bundled snapshot, as a fresh install gets it
    return path


def audit(db: Path, *args: str) -> CliResult:
    return run_cli("audit", "--db", str(db), *args)


def test_vulnerable_requirements_json_contract(db: Path) -> None:
    result = audit(db, "-r", str(asset("audit", "requirements-vulnerable.txt")), "-f", "json")
    assert result.code == 1, result.stderr
    doc = result.json()  # stdout is exactly one JSON document
    assert set(doc) == {"dependencies", "summary"}
    deps = {d["name"]: d for d in doc["dependencies"]}
    assert set(deps) == {"idna", "jinja2", "pytorchh", "pyyaml", "urllib3"}  # -r include read
    assert deps["idna"]["vulns"] == []
    jinja_ids = {v["id"] for v in deps["jinja2"]["vulns"]}
    assert {"PYSEC-2019-217", "PYSEC-2021-66", "CVE-2024-22195"} == jinja_ids
    assert deps["pytorchh"]["vulns"][0]["id"] == "MAL-2023-2133"
    assert deps["pytorchh"]["vulns"][0]["severity"] == "critical"
    assert doc["summary"]["malicious"] == ["pytorchh==1.0"]
    skipped = {s["entry"] for s in doc["summary"]["skipped"]}
    assert any("requests" in s for s in skipped) and any("mylib" in s for s in skipped)
    assert "not pinned" in result.stderr  # warned, not aborted
    assert "days old" in result.stderr  # the bundled data says how old it is


def test_clean_requirements_exit_zero(db: Path) -> None:
    result = audit(db, "-r", str(asset("audit", "requirements-clean.txt")))
    assert result.code == 0, result.stderr
    assert "no known vulnerabilities found" in result.stdout


def test_project_directory_pyproject(db: Path) -> None:
    result = audit(db, str(asset("audit", "project")), "-f", "json")
    assert result.code == 1
    names = {d["name"] for d in result.json()["dependencies"] if d["vulns"]}
    assert names == {"django", "requests"}


def test_fail_on_threshold(db: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10\n")  # high, medium and unrated findings; nothing critical
    assert audit(db, "-r", str(req), "--fail-on", "critical").code == 0
    assert audit(db, "-r", str(req), "--fail-on", "high").code == 1


def test_ignore_option_and_ignore_file(db: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("pyyaml==5.3\n")
    ignore = tmp_path / "ignore.toml"
    ignore.write_text(
        '[[ignore]]\nid = "CVE-2020-1747"\nreason = "FullLoader unused"\nexpires = 2099-01-01\n'
        '[[ignore]]\nid = "GHSA-8q59-q68h-6hv4"\nreason = "old"\nexpires = 2021-01-01\n'
    )
    result = audit(db, "-r", str(req), "--ignore-file", str(ignore), "-f", "json")
    ids = {v["id"] for v in result.json()["dependencies"][0]["vulns"]}
    assert ids == {"PYSEC-2021-142"}  # the expired rule is not applied
    assert "EXPIRED IGNORE" in result.stderr and "GHSA-8q59-q68h-6hv4" in result.stderr
    assert result.json()["summary"]["expired_ignores"][0]["id"] == "GHSA-8q59-q68h-6hv4"
    both = audit(
        db, "-r", str(req), "--ignore-file", str(ignore), "--ignore", "PYSEC-2021-142", "-f", "json"
    )
    assert both.code == 0 and both.json()["dependencies"][0]["vulns"] == []


def test_vex_documents_suppress_not_affected(db: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10\npyyaml==5.3\n")
    result = audit(
        db,
        "-r",
        str(req),
        "--vex",
        str(asset("audit", "cyclonedx-vex.json")),
        "--vex",
        str(asset("audit", "openvex.json")),
        "-f",
        "json",
    )
    doc = result.json()
    ids = {v["id"] for d in doc["dependencies"] for v in d["vulns"]}
    assert "PYSEC-2021-66" not in ids  # CVE-2020-28493 not_affected (CycloneDX)
    assert "PYSEC-2020-96" not in ids  # CVE-2020-1747 not_affected (OpenVEX)
    assert {"PYSEC-2019-217", "PYSEC-2021-142"} <= ids  # exploitable / under investigation
    assert {s["by"] for s in doc["summary"]["suppressed"]} == {"vex"}


@pytest.mark.parametrize("fmt", ["sarif", "markdown", "table"])
def test_other_formats(db: Path, fmt: str) -> None:
    result = audit(db, "-r", str(asset("audit", "requirements-vulnerable.txt")), "-f", fmt)
    assert result.code == 1
    if fmt == "sarif":
        sarif = json.loads(result.stdout)
        results = sarif["runs"][0]["results"]
        assert any(r["ruleId"] == "audit/PYSEC-2019-217" for r in results)
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
        assert any(u.endswith("requirements-base.txt") for u in uris)
    else:
        assert "PYSEC-2019-217" in result.stdout and "MAL-2023-2133" in result.stdout


def test_fix_dry_run_then_fix(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    shutil.copy(asset("audit", "requirements-base.txt"), project / "requirements.txt")
    monkeypatch.chdir(project)
    before = (project / "requirements.txt").read_text()
    dry = audit(db, "-r", "requirements.txt", "--fix", "--dry-run")
    assert dry.code == 1
    assert "-urllib3==1.24.2" in dry.stderr and "+urllib3==" in dry.stderr
    assert (project / "requirements.txt").read_text() == before
    fixed = audit(db, "-r", "requirements.txt", "--fix")
    assert "fixed: urllib3 1.24.2 ->" in fixed.stderr
    assert audit(db, "-r", "requirements.txt").code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-r", "missing-requirements.txt"), "missing-requirements.txt"),
        (("--vex", "missing-vex.json", "-r", "x"), "missing-vex.json"),
        (("--dry-run",), "--dry-run"),
        (("--env", "--python", "python3"), "--env"),
    ],
)
def test_bad_input_is_one_line_exit_2(db: Path, args: tuple[str, ...], message: str) -> None:
    result = audit(db, *args)
    assert result.code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_db_import_and_status(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    missing = run_cli("db", "import", str(tmp_path / "missing.zip"), "--db", str(path))
    assert missing.code == 2 and "no such file" in missing.stderr
    imported = run_cli("db", "import", str(OSV_UPDATE), "--db", str(path), "-f", "json")
    assert imported.code == 0, imported.stderr
    assert imported.json()["import"]["added"] == 20  # on top of the bundled snapshot
    status = run_cli("db", "status", "--db", str(path), "-f", "json", "--max-age", "100000")
    assert status.code == 0
    doc = status.json()
    assert doc["records"] == 2674 and doc["stale"] is False
    assert [i["added"] for i in doc["imports"]] == [2654, 20]
    stale = run_cli("db", "status", "--db", str(path), "--max-age", "1")
    assert "days old" in stale.stderr and stale.code == 0


def test_cyclonedx_output_with_vulnerabilities(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    result = audit(
        db,
        "-r",
        str(asset("audit", "requirements-base.txt")),
        "--cyclonedx",
        str(out),
        "--ignore",
        "CVE-2019-11236",
    )
    assert result.code == 1, result.stderr
    bom = json.loads(out.read_text())
    assert bom["bomFormat"] == "CycloneDX"
    vulns = {v["id"]: v for v in bom["vulnerabilities"]}
    assert "PYSEC-2023-192" in vulns
    assert any("pkg:pypi/urllib3@1.24.2" in a["ref"] for a in vulns["PYSEC-2023-192"]["affects"])
    assert vulns["PYSEC-2019-132"]["analysis"]["state"] == "not_affected"  # the ignored one


def test_project_ignore_file_is_picked_up(db: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(asset("audit", "project"), project)
    (project / ".chainward-ignore.toml").write_text(
        '[[ignore]]\nid = "PYSEC-2018-28"\nreason = "no proxies"\n'
    )
    doc = audit(db, str(project), "-f", "json").json()
    assert [s["id"] for s in doc["summary"]["suppressed"]] == ["PYSEC-2018-28"]
