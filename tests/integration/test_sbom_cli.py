"""``chainward sbom`` end to end through ``cli.main``, validated with the official schemas."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from chainward.inventory.sbom_in import read_sbom
from tests.conftest import asset, run_cli
from tests.unit.sbom.validate import (
    assert_valid_cyclonedx_json,
    assert_valid_cyclonedx_xml,
    assert_valid_spdx_json,
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(asset("sbom", "project"), target)
    return target


def test_project_with_models_cyclonedx_json(project: Path) -> None:
    result = run_cli("sbom", str(project))
    assert result.code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)
    assert doc["metadata"]["component"]["name"] == "demo-ml-app"
    assert doc["metadata"]["component"]["version"] == "0.3.0"
    libs = {c["name"]: c for c in doc["components"] if c["type"] == "library"}
    assert {"requests", "numpy"} <= set(libs)
    models = {c["name"]: c for c in doc["components"] if c["type"] == "machine-learning-model"}
    assert set(models) == {"sentiment", "embeddings.npy"}
    card = models["sentiment"]["modelCard"]["modelParameters"]
    assert card["task"] == "text-classification"
    assert card["modelArchitecture"] == "DistilBertForSequenceClassification"
    weights = next(
        f for f in models["sentiment"]["components"] if f["name"].endswith("model.safetensors")
    )
    digest = hashlib.sha256((project / "models/sentiment/model.safetensors").read_bytes())
    assert weights["hashes"] == [{"alg": "SHA-256", "content": digest.hexdigest()}]
    assert [c["name"] for c in doc["components"] if c["type"] == "data"] == ["stanfordnlp/sst2"]


def test_xml_to_file_and_spdx(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "bom.cdx.xml"
    result = run_cli("sbom", str(project), "--format", "cyclonedx-xml", "-o", str(out))
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    assert "wrote cyclonedx-xml SBOM" in result.stderr
    assert_valid_cyclonedx_xml(out.read_text())
    spdx = run_cli("sbom", str(project), "-f", "spdx-json")
    assert spdx.code == 0, spdx.stderr
    doc = assert_valid_spdx_json(spdx.stdout)
    assert any(p["name"] == "sentiment" for p in doc["packages"])


def test_deterministic_output_is_byte_identical(project: Path) -> None:
    for fmt in ("cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx3-json"):
        first = run_cli("sbom", str(project), "-f", fmt, "--deterministic")
        second = run_cli("sbom", str(project), "-f", fmt, "--deterministic")
        assert first.code == 0 and first.stdout == second.stdout, fmt


def test_sbom_in_sbom_out_round_trip(project: Path, tmp_path: Path) -> None:
    cdx = tmp_path / "bom.cdx.json"
    assert run_cli("sbom", str(project), "-o", str(cdx)).code == 0
    converted = run_cli("sbom", str(cdx), "-f", "spdx-json")
    assert converted.code == 0, converted.stderr
    spdx = tmp_path / "bom.spdx.json"
    spdx.write_text(converted.stdout)
    original, again = read_sbom(cdx), read_sbom(spdx)
    assert {(c.name, c.version, c.scope) for c in again.components} == {
        (c.name, c.version, c.scope) for c in original.components
    }
    assert {m.sha256 for m in again.models} == {m.sha256 for m in original.models}
    listed = run_cli("inventory", str(cdx), "--format", "json")
    assert listed.code == 0, listed.stderr
    assert {c["name"] for c in listed.json()["components"]} == {c.name for c in original.components}


def test_with_vulns_and_suppression(project: Path, tmp_path: Path) -> None:
    db = tmp_path / "advisories.sqlite"
    result = run_cli("sbom", str(project), "--with-vulns", "--db", str(db), "--deterministic")
    assert result.code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)
    vulns = doc.get("vulnerabilities", [])
    on_requests = [v for v in vulns if v["affects"] == [{"ref": "pkg:pypi/requests@2.31.0"}]]
    assert on_requests, "requests 2.31.0 has published advisories in the bundled snapshot"
    target = on_requests[0]["id"]
    suppressed = run_cli("sbom", str(project), "--with-vulns", "--db", str(db), "--ignore", target)
    assert suppressed.code == 0, suppressed.stderr
    after = {v["id"]: v for v in assert_valid_cyclonedx_json(suppressed.stdout)["vulnerabilities"]}
    assert after[target]["analysis"]["state"] == "not_affected"
    assert "suppressed by ignore" in after[target]["analysis"]["detail"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sbom", "/nonexistent/project"], "no such file"),
        (["sbom", "--env", "--python", "python3"], "cannot be used together"),
        (["sbom", ".", "--ignore", "GHSA-x"], "only make sense with --with-vulns"),
        (["sbom", ".", "-f", "spdx-yaml"], "spdx-yaml"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("name", ["entities.cdx.xml", "truncated.cdx.json", "deep.cdx.json"])
def test_malformed_sbom_input_exit_2(name: str) -> None:
    result = run_cli("sbom", str(asset("sbom", "malformed", name)))
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


class _InertPayload:
    """Pickles as a call to os.system('true'): the shape of a real attack, harmless."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, ("true",))


def test_scan_models_records_verdicts(project: Path) -> None:
    import pickle

    (project / "models" / "tokenizer.pkl").write_bytes(pickle.dumps(_InertPayload(), protocol=2))
    result = run_cli("sbom", str(project), "--scan-models", "--deterministic")
    assert result.code == 0, result.stderr
    doc = assert_valid_cyclonedx_json(result.stdout)

    def verdicts(component: dict) -> dict[str, str]:
        props = {p["name"]: p["value"] for p in component.get("properties", [])}
        return {props.get("chainward:path", ""): props.get("chainward:model:scan-verdict", "")}

    found: dict[str, str] = {}
    for component in doc["components"]:
        if component["type"] == "machine-learning-model":
            found.update(verdicts(component))
            for member in component.get("components", []):
                found.update(verdicts(member))
    assert found["models/tokenizer.pkl"] == "unsafe"
    assert found["models/sentiment/model.safetensors"] == "safe"
    assert found["models/sentiment/config.json"] == ""  # card files are not model weights


def test_unwritable_output_exit_2(project: Path, tmp_path: Path) -> None:
    result = run_cli("sbom", str(project), "-o", str(tmp_path / "missing-dir" / "bom.json"))
    assert result.code == 2
    assert "cannot write SBOM" in result.stderr and "Traceback" not in result.stderr
