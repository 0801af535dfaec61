from __future__ import annotations

import json

from chainward.records import Inventory
from chainward.sbom import SbomFormat, Subject, build_content, render
from tests.unit.sbom.validate import assert_valid_spdx_json

SUBJECT = Subject("demo-ml-app", "0.3.0")


def _doc(inventory: Inventory, deterministic: bool = False) -> dict:
    text = render(
        build_content(inventory, SUBJECT), SbomFormat.SPDX_JSON, deterministic=deterministic
    )
    return assert_valid_spdx_json(text)


def _rels(doc: dict) -> set[tuple[str, str, str]]:
    names = {p["SPDXID"]: p["name"] for p in doc["packages"]}
    names["SPDXRef-DOCUMENT"] = "DOCUMENT"
    return {
        (names[r["spdxElementId"]], r["relationshipType"], names[r["relatedSpdxElement"]])
        for r in doc["relationships"]
    }


def test_packages_relationships_and_licenses(sample_inventory: Inventory) -> None:
    doc = _doc(sample_inventory)
    assert doc["spdxVersion"] == "SPDX-2.3"
    rels = _rels(doc)
    assert ("DOCUMENT", "DESCRIBES", "demo-ml-app") in rels
    assert ("demo-ml-app", "DEPENDS_ON", "requests") in rels
    assert ("requests", "DEPENDS_ON", "urllib3") in rels
    assert ("demo-ml-app", "DEPENDS_ON", "urllib3") not in rels
    assert ("pytest", "DEV_DEPENDENCY_OF", "demo-ml-app") in rels
    requests = next(p for p in doc["packages"] if p["name"] == "requests")
    assert requests["licenseDeclared"] == "Apache-2.0"
    assert requests["checksums"][0]["algorithm"] == "SHA256"
    assert requests["externalRefs"][0]["referenceLocator"] == "pkg:pypi/requests@2.31.0"
    assert requests["originator"] == "Person: Kenneth Reitz"


def test_models_are_packages_with_file_checksums(sample_inventory: Inventory) -> None:
    doc = _doc(sample_inventory)
    rels = _rels(doc)
    model = next(p for p in doc["packages"] if p["name"] == "sentiment")
    assert model["licenseDeclared"] == "Apache-2.0"
    assert "task: text-classification" in model["comment"]
    assert "architecture: DistilBertForSequenceClassification" in model["comment"]
    contained = {b for a, kind, b in rels if a == "sentiment" and kind == "CONTAINS"}
    assert {name.rsplit("/", 1)[-1] for name in contained} == {
        "model.safetensors",
        "config.json",
        "README.md",
    }
    weights = next(p for p in doc["packages"] if p["name"].endswith("model.safetensors"))
    assert weights["checksums"] == [
        {"algorithm": "SHA256", "checksumValue": sample_inventory.models[1].sha256}
    ]
    assert ("distilbert/distilbert-base-uncased", "ANCESTOR_OF", "sentiment") in rels
    assert ("sentiment", "GENERATED_FROM", "stanfordnlp/sst2") in rels


def test_deterministic_spdx(sample_inventory: Inventory) -> None:
    first = render(
        build_content(sample_inventory, SUBJECT), SbomFormat.SPDX_JSON, deterministic=True
    )
    assert first == render(
        build_content(sample_inventory, SUBJECT), SbomFormat.SPDX_JSON, deterministic=True
    )
    assert json.loads(first)["creationInfo"]["created"] == "1970-01-01T00:00:00Z"
    other = _doc(Inventory(sample_inventory.components[:1]), deterministic=True)
    assert other["documentNamespace"] != json.loads(first)["documentNamespace"]
