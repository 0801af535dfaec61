from __future__ import annotations

import json
from pathlib import Path

import pytest
from spdx_tools.spdx.writer.json.json_writer import write_document_to_file

from chainward.inventory.interface import InventoryError
from chainward.inventory.sbom_in import looks_like_sbom, read_sbom
from chainward.records import Inventory, Scope
from chainward.sbom import SbomFormat, Subject, build_content, render
from tests.conftest import asset

SUFFIX = {
    SbomFormat.CYCLONEDX_JSON: ".cdx.json",
    SbomFormat.CYCLONEDX_XML: ".cdx.xml",
    SbomFormat.SPDX_JSON: ".spdx.json",
    SbomFormat.SPDX3_JSON: ".spdx3.json",
}


def _key(inventory: Inventory) -> set[tuple[object, ...]]:
    return {
        (c.ecosystem, c.name, c.version, c.purl, c.scope, tuple(sorted(c.requires)), c.hashes)
        for c in inventory.components
    }


@pytest.mark.parametrize("fmt", list(SbomFormat))
def test_round_trip_gives_the_same_components(
    fmt: SbomFormat, sample_inventory: Inventory, tmp_path: Path
) -> None:
    path = tmp_path / f"bom{SUFFIX[fmt]}"
    path.write_text(render(build_content(sample_inventory, Subject("demo")), fmt))
    assert looks_like_sbom(path)
    back = read_sbom(path)
    expected = build_content(sample_inventory, Subject("demo"))
    assert {(c.name, c.version, c.scope) for c in back.components} == {
        (p.name, p.version, p.scope) for p in expected.packages
    }
    requests = next(c for c in back.components if c.name == "requests")
    assert set(requests.requires) == {"urllib3", "idna", "charset-normalizer"}
    assert requests.hashes == sample_inventory.components[0].hashes
    assert requests.licenses == ("Apache-2.0",)
    assert {(m.path, m.format, m.size, m.sha256) for m in back.models} == {
        (m.path, m.format, m.size, m.sha256) for m in sample_inventory.models
    }
    assert back.skipped == ()
    # and reading it again and writing it again changes nothing
    again = tmp_path / f"again{SUFFIX[fmt]}"
    again.write_text(render(build_content(back, Subject("demo")), fmt))
    assert _key(read_sbom(again)) == _key(back)


@pytest.mark.parametrize("name", ["cyclonedx-py-env.cdx.json", "cyclonedx-py-env.cdx.xml"])
def test_reads_cyclonedx_py_output(name: str) -> None:
    inventory = read_sbom(asset("sbom", "third-party", name))
    names = {c.name for c in inventory.components}
    assert len(inventory.components) == 22
    assert {"requests", "flask", "pyyaml", "markupsafe", "charset-normalizer"} <= names
    assert all(c.ecosystem == "PyPI" and c.version for c in inventory.components)
    flask = next(c for c in inventory.components if c.name == "flask")
    assert {"werkzeug", "jinja2", "click"} <= set(flask.requires)
    # cyclonedx-py has no root component for an environment: nothing is "transitive"
    assert {c.scope for c in inventory.components} == {Scope.DIRECT}


def test_reads_spdx_22_written_by_spdx_tools(tmp_path: Path, sample_inventory: Inventory) -> None:
    from chainward.sbom.spdx import build_document

    document = build_document(build_content(sample_inventory, Subject("demo")))
    document.creation_info.spdx_version = "SPDX-2.2"
    for package in document.packages:
        package.primary_package_purpose = None
    path = tmp_path / "bom.spdx.json"
    write_document_to_file(document, str(path), validate=True)
    back = read_sbom(path)
    assert {c.name for c in back.components} >= {"requests", "numpy", "pytest"}


def test_reads_spdx_3(tmp_path: Path) -> None:
    doc = {
        "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
        "@graph": [
            {"type": "SpdxDocument", "spdxId": "urn:x#doc", "rootElement": ["urn:x#app"]},
            {"type": "software_Package", "spdxId": "urn:x#app", "name": "app"},
            {
                "type": "software_Package",
                "spdxId": "urn:x#req",
                "name": "requests",
                "software_packageVersion": "2.31.0",
                "externalIdentifier": [
                    {
                        "type": "ExternalIdentifier",
                        "externalIdentifierType": "packageUrl",
                        "identifier": "pkg:pypi/requests@2.31.0",
                    }
                ],
            },
            {
                "type": "software_Package",
                "spdxId": "urn:x#idna",
                "name": "idna",
                "software_packageUrl": "pkg:pypi/idna@3.6",
            },
            {
                "type": "Relationship",
                "spdxId": "urn:x#r1",
                "from": "urn:x#app",
                "relationshipType": "dependsOn",
                "to": ["urn:x#req"],
            },
            {
                "type": "Relationship",
                "spdxId": "urn:x#r2",
                "from": "urn:x#req",
                "relationshipType": "dependsOn",
                "to": ["urn:x#idna"],
            },
            {
                "type": "ai_AIPackage",
                "spdxId": "urn:x#model",
                "name": "tiny-model",
                "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": "AB" * 32}],
            },
        ],
    }
    path = tmp_path / "bom.spdx3.json"
    path.write_text(json.dumps(doc))
    inventory = read_sbom(path)
    scopes = {c.name: c.scope for c in inventory.components}
    assert scopes == {"requests": Scope.DIRECT, "idna": Scope.TRANSITIVE}
    assert inventory.models[0].sha256 == "ab" * 32


def test_components_without_purl_are_reported_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [
                    {"type": "library", "name": "vendored-thing", "version": "1"},
                    {"type": "library", "name": "ok", "version": "1", "purl": "pkg:pypi/ok@1"},
                    {"type": "library", "name": "bad", "purl": "not a purl"},
                ],
            }
        )
    )
    inventory = read_sbom(path)
    assert [c.name for c in inventory.components] == ["ok"]
    assert {s.entry for s in inventory.skipped} == {"vendored-thing", "bad"}


@pytest.mark.parametrize(
    "name",
    [
        "truncated.cdx.json",
        "deep.cdx.json",
        "entities.cdx.xml",
        "broken.cdx.xml",
        "spdx-1.2.spdx.json",
        "array.cdx.json",
    ],
)
def test_malformed_input_raises_inventory_error(name: str) -> None:
    with pytest.raises(InventoryError):
        read_sbom(asset("sbom", "malformed", name))


def test_looks_like_sbom_by_content(tmp_path: Path) -> None:
    assert looks_like_sbom(asset("sbom", "third-party", "cyclonedx-py-env.cdx.xml"))
    other = tmp_path / "package.json"
    other.write_text('{"name": "x", "dependencies": {}}')
    assert not looks_like_sbom(other)
    assert not looks_like_sbom(tmp_path / "missing.json")
    assert not looks_like_sbom(asset("sbom", "project", "models", "embeddings.npy"))


def test_special_files_are_not_opened(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "bom.cdx.json"
    os.mkfifo(fifo)
    assert not looks_like_sbom(fifo)
    with pytest.raises(InventoryError):
        read_sbom(fifo)
