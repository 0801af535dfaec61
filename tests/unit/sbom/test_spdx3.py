from __future__ import annotations

import io
import json

from spdx_python_model import v3_0_1 as spdx3

from chainward.records import Inventory
from chainward.sbom import SbomFormat, Subject, build_content, render

SUBJECT = Subject("demo-ml-app", "0.3.0")


def _load(text: str) -> spdx3.SHACLObjectSet:
    """Read back with the SPDX 3 model bindings (types and references are checked)."""
    objects = spdx3.SHACLObjectSet()
    spdx3.JSONLDDeserializer().read(io.BytesIO(text.encode()), objects)
    return objects


def test_ai_and_dataset_profiles(sample_inventory: Inventory) -> None:
    text = render(build_content(sample_inventory, SUBJECT), SbomFormat.SPDX3_JSON)
    doc = json.loads(text)
    assert doc["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    objects = _load(text)
    models = {o.name: o for o in objects.foreach_type(spdx3.ai_AIPackage)}
    sentiment = models["sentiment"]
    assert list(sentiment.ai_typeOfModel) == ["DistilBertForSequenceClassification", "distilbert"]
    assert list(sentiment.ai_domain) == ["text-classification"]
    datasets = [o.name for o in objects.foreach_type(spdx3.dataset_DatasetPackage)]
    assert datasets == ["stanfordnlp/sst2"]
    rels = {
        (r.from_.name, str(r.relationshipType).rsplit("/", 1)[-1], t.name)
        for r in objects.foreach_type(spdx3.Relationship)
        for t in r.to
        if getattr(r.from_, "name", None) and getattr(t, "name", None)
    }
    assert ("sentiment", "trainedOn", "stanfordnlp/sst2") in rels
    assert ("distilbert/distilbert-base-uncased", "ancestorOf", "sentiment") in rels
    assert ("demo-ml-app", "dependsOn", "requests") in rels
    assert ("requests", "dependsOn", "urllib3") in rels
    files = {o.name: o for o in objects.foreach_type(spdx3.software_File)}
    weights = next(f for name, f in files.items() if name.endswith("model.safetensors"))
    assert weights.verifiedUsing[0].hashValue == sample_inventory.models[1].sha256


def test_dev_dependencies_are_lifecycle_scoped(sample_inventory: Inventory) -> None:
    text = render(build_content(sample_inventory, SUBJECT), SbomFormat.SPDX3_JSON)
    scoped = [n for n in json.loads(text)["@graph"] if n["type"] == "LifecycleScopedRelationship"]
    assert len(scoped) == 1 and scoped[0]["scope"] == "development"


def test_deterministic_spdx3(sample_inventory: Inventory) -> None:
    first = render(
        build_content(sample_inventory, SUBJECT), SbomFormat.SPDX3_JSON, deterministic=True
    )
    assert first == render(
        build_content(sample_inventory, SUBJECT), SbomFormat.SPDX3_JSON, deterministic=True
    )
