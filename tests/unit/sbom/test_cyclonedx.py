from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chainward.records import Inventory, ModelArtifact
from chainward.sbom import SbomFormat, Subject, Vulnerability, build_content, render
from tests.unit.sbom.validate import assert_valid_cyclonedx_json, assert_valid_cyclonedx_xml

SUBJECT = Subject("demo-ml-app", "0.3.0")


def _json(inventory: Inventory, **kwargs: object) -> dict:
    content = build_content(inventory, SUBJECT, vulnerabilities=kwargs.pop("vulns", ()))  # type: ignore[arg-type]
    return assert_valid_cyclonedx_json(render(content, SbomFormat.CYCLONEDX_JSON, **kwargs))  # type: ignore[arg-type]


def test_packages_graph_and_scopes(sample_inventory: Inventory) -> None:
    doc = _json(sample_inventory)
    assert doc["specVersion"] == "1.6"
    libs = {c["name"]: c for c in doc["components"] if c["type"] == "library"}
    assert set(libs) == {"requests", "urllib3", "idna", "charset-normalizer", "numpy", "pytest"}
    requests = libs["requests"]
    assert requests["purl"] == "pkg:pypi/requests@2.31.0"
    assert requests["hashes"][0]["alg"] == "SHA-256"
    assert requests["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert requests["authors"] == [{"name": "Kenneth Reitz"}]
    assert libs["urllib3"]["licenses"] == [{"license": {"id": "MIT"}}]
    assert libs["pytest"]["scope"] == "optional"
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in doc["dependencies"]}
    # direct dependencies hang off the root, transitive ones off their parents
    assert doc["metadata"]["component"]["bom-ref"] == "root"
    assert {"pkg:pypi/requests@2.31.0", "pkg:pypi/numpy@1.26.4", "pkg:pypi/pytest@8.0.0"} <= deps[
        "root"
    ]
    assert "pkg:pypi/urllib3@2.2.1" not in deps["root"]
    assert deps["pkg:pypi/requests@2.31.0"] == {
        "pkg:pypi/urllib3@2.2.1",
        "pkg:pypi/idna@3.6",
        "pkg:pypi/charset-normalizer@3.3.2",
    }


def test_models_with_hashes_and_model_card(sample_inventory: Inventory) -> None:
    doc = _json(sample_inventory)
    models = {c["name"]: c for c in doc["components"] if c["type"] == "machine-learning-model"}
    assert set(models) == {"embeddings.npy", "sentiment"}
    lone = models["embeddings.npy"]
    assert lone["hashes"][0]["content"] == sample_inventory.models[0].sha256
    assert "modelCard" not in lone  # nothing on disk describes it: nothing invented
    folder = models["sentiment"]
    files = {Path(f["name"]).name: f for f in folder["components"]}
    assert set(files) == {"model.safetensors", "config.json", "README.md"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["hashes"][0]["content"]) for f in files.values())
    assert files["model.safetensors"]["hashes"][0]["content"] == sample_inventory.models[1].sha256
    assert folder["modelCard"]["modelParameters"] == {
        "task": "text-classification",
        "architectureFamily": "distilbert",
        "modelArchitecture": "DistilBertForSequenceClassification",
        "datasets": [{"ref": "data:stanfordnlp/sst2"}],
    }
    assert folder["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert folder["pedigree"]["ancestors"][0]["name"] == "distilbert/distilbert-base-uncased"
    data = [c for c in doc["components"] if c["type"] == "data"]
    assert [d["bom-ref"] for d in data] == ["data:stanfordnlp/sst2"]


def test_hf_cache_snapshot_gives_purl_and_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_inventory: Inventory
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    rev = "0123456789abcdef0123456789abcdef01234567"
    snap = tmp_path / "hub" / "models--acme--tiny-clf" / "snapshots" / rev
    snap.mkdir(parents=True)
    source = Path(sample_inventory.models[1].path)
    (snap / "model.safetensors").write_bytes(source.read_bytes())
    inventory = Inventory(
        models=(
            ModelArtifact(
                str(snap / "model.safetensors"), "safetensors", source.stat().st_size, None
            ),
        )
    )
    doc = _json(inventory)
    model = next(c for c in doc["components"] if c["type"] == "machine-learning-model")
    assert model["name"] == "acme/tiny-clf" and model["version"] == rev
    assert model["purl"] == f"pkg:huggingface/acme/tiny-clf@{rev}"
    assert model["externalReferences"][0]["url"] == f"http://127.0.0.1:9/acme/tiny-clf/tree/{rev}"
    # the hash was missing from the inventory and is computed from the file
    assert model["hashes"][0]["content"] == sample_inventory.models[1].sha256


def test_deterministic_output_is_reproducible(sample_inventory: Inventory) -> None:
    content = build_content(sample_inventory, SUBJECT)
    first = render(content, SbomFormat.CYCLONEDX_JSON, deterministic=True)
    second = render(
        build_content(sample_inventory, SUBJECT), SbomFormat.CYCLONEDX_JSON, deterministic=True
    )
    assert first == second
    doc = json.loads(first)
    assert "timestamp" not in doc["metadata"]
    other = render(
        build_content(Inventory(sample_inventory.components[:2]), SUBJECT),
        SbomFormat.CYCLONEDX_JSON,
        deterministic=True,
    )
    assert json.loads(other)["serialNumber"] != doc["serialNumber"]
    xml_a = render(content, SbomFormat.CYCLONEDX_XML, deterministic=True)
    assert xml_a == render(content, SbomFormat.CYCLONEDX_XML, deterministic=True)
    assert "<timestamp>" not in xml_a


def test_default_output_has_timestamp_and_fresh_serial(sample_inventory: Inventory) -> None:
    content = build_content(sample_inventory, SUBJECT)
    a = json.loads(render(content, SbomFormat.CYCLONEDX_JSON))
    b = json.loads(render(content, SbomFormat.CYCLONEDX_JSON))
    assert "timestamp" in a["metadata"] and a["serialNumber"] != b["serialNumber"]


def test_xml_is_schema_valid_with_model_card(sample_inventory: Inventory) -> None:
    text = render(build_content(sample_inventory, SUBJECT), SbomFormat.CYCLONEDX_XML)
    assert_valid_cyclonedx_xml(text)
    assert "<modelCard>" in text and "<task>text-classification</task>" in text


def test_vulnerabilities_with_vex_analysis(sample_inventory: Inventory) -> None:
    vulns = [
        Vulnerability(
            "GHSA-9wx4-h78v-vm56",
            "pkg:pypi/requests@2.31.0",
            aliases=("CVE-2024-35195",),
            severity="medium",
            summary="cert verify",
            fix_versions=("2.32.0",),
            source_url="https://osv.dev/vulnerability/x",
        ),
        Vulnerability(
            "PYSEC-2024-1",
            "pkg:pypi/numpy@1.26.4",
            severity="high",
            suppressed=True,
            suppression_reason="not reachable",
        ),
        Vulnerability("PYSEC-0000-0", "pkg:pypi/not-in-inventory@1"),
    ]
    doc = _json(sample_inventory, vulns=vulns)
    by_id = {v["id"]: v for v in doc["vulnerabilities"]}
    assert set(by_id) == {"GHSA-9wx4-h78v-vm56", "PYSEC-2024-1"}
    reported = by_id["GHSA-9wx4-h78v-vm56"]
    assert reported["affects"] == [{"ref": "pkg:pypi/requests@2.31.0"}]
    assert reported["ratings"][0]["severity"] == "medium"
    assert reported["recommendation"] == "Upgrade to 2.32.0"
    assert "analysis" not in reported
    assert by_id["PYSEC-2024-1"]["analysis"] == {"state": "not_affected", "detail": "not reachable"}
    text = render(
        build_content(sample_inventory, SUBJECT, vulnerabilities=vulns), SbomFormat.CYCLONEDX_XML
    )
    assert_valid_cyclonedx_xml(text)
