"""CycloneDX 1.6 (JSON and XML) from SBOM content, via cyclonedx-python-lib.

The library builds and serialises everything it models. It has no model card yet
(``TODO since CDX1.5`` in ``cyclonedx.model.component``), so ``modelCard`` is added
to the serialised document afterwards, in the place the 1.6 schema puts it.
Deterministic output drops the timestamp and derives the serial number from the
content (UUIDv5).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from typing import Any
from xml.etree import ElementTree

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentScope, ComponentType, Pedigree
from cyclonedx.model.contact import OrganizationalContact
from cyclonedx.model.impact_analysis import ImpactAnalysisState
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL

from chainward import __version__
from chainward.records import Scope
from chainward.sbom.content import ROOT_REF, Package, SbomContent
from chainward.sbom.content import Vulnerability as VulnRecord
from chainward.sbom.licenses import Licenses, normalize
from chainward.sbom.mlmodels import ModelEntry, ModelFile

SCHEMA_VERSION = SchemaVersion.V1_6
XML_NS = "http://cyclonedx.org/schema/bom/1.6"
PROP = "chainward:"  # property namespace for what CycloneDX has no field for

_HASHES = {
    "md5": HashAlgorithm.MD5,
    "sha1": HashAlgorithm.SHA_1,
    "sha256": HashAlgorithm.SHA_256,
    "sha384": HashAlgorithm.SHA_384,
    "sha512": HashAlgorithm.SHA_512,
    "sha3-256": HashAlgorithm.SHA3_256,
    "sha3-512": HashAlgorithm.SHA3_512,
    "blake2b-256": HashAlgorithm.BLAKE2B_256,
    "blake2b-512": HashAlgorithm.BLAKE2B_512,
    "blake3": HashAlgorithm.BLAKE3,
}
_SEVERITIES = {
    "critical": VulnerabilitySeverity.CRITICAL,
    "high": VulnerabilitySeverity.HIGH,
    "medium": VulnerabilitySeverity.MEDIUM,
    "moderate": VulnerabilitySeverity.MEDIUM,
    "low": VulnerabilitySeverity.LOW,
    "none": VulnerabilitySeverity.NONE,
}
# Elements that follow modelCard inside <component> (CycloneDX 1.6 XSD order).
_AFTER_MODEL_CARD = {"data", "cryptoProperties", "tags", "signature"}


def hub_endpoint() -> str | None:
    """The Hugging Face Hub endpoint the user's tools are configured for, if any."""
    endpoint = os.environ.get("HF_ENDPOINT")
    if not endpoint:
        try:
            from huggingface_hub import constants  # optional; only its defaults are read
        except ImportError:
            return None
        endpoint = getattr(constants, "ENDPOINT", None)
    return endpoint.rstrip("/") if isinstance(endpoint, str) and endpoint else None


def _hashes(pairs: Iterable[tuple[str, str]]) -> list[HashType]:
    out = []
    for algorithm, digest in pairs:
        alg = _HASHES.get(algorithm.lower().replace("_", "-"))
        if alg is not None and digest:
            out.append(HashType(alg=alg, content=digest.lower()))
    return out


def _licenses(licenses: Licenses) -> list[License]:
    if licenses.expression is not None:
        if " " in licenses.expression:
            return [LicenseExpression(licenses.expression)]
        return [DisjunctiveLicense(id=licenses.expression)]
    return [DisjunctiveLicense(name=name) for name in licenses.names]


def _props(pairs: Iterable[tuple[str, str | None]]) -> list[Property]:
    return [Property(name=PROP + name, value=value) for name, value in pairs if value]


def _uri(text: str | None) -> XsUri | None:
    if not text:
        return None
    try:
        return XsUri(text)
    except Exception:  # the library raises its own InvalidUriException family
        return None


def _package(package: Package) -> Component:
    scope = (
        ComponentScope.OPTIONAL
        if package.scope in (Scope.DEV, Scope.OPTIONAL)
        else ComponentScope.REQUIRED
    )
    refs = []
    url = _uri(package.url)
    if url is not None:
        kind = (
            ExternalReferenceType.VCS
            if package.url and package.url.startswith("git+")
            else ExternalReferenceType.DISTRIBUTION
        )
        refs.append(ExternalReference(type=kind, url=url))
    return Component(
        type=ComponentType.LIBRARY,
        name=package.name,
        version=package.version,
        bom_ref=package.ref,
        purl=PackageURL.from_string(package.purl) if package.purl else None,
        scope=scope,
        hashes=_hashes(package.hashes),
        licenses=_licenses(package.licenses),
        authors=[OrganizationalContact(name=package.author)] if package.author else None,
        external_references=refs,
        properties=_props(
            [
                ("scope", package.scope.value),
                ("groups", ",".join(package.groups)),
                ("source", package.source),
            ]
        ),
    )


def _file_props(model_file: ModelFile) -> list[tuple[str, str | None]]:
    return [
        ("path", model_file.path),
        ("model:format", model_file.format),
        ("model:size", str(model_file.size)),
        ("model:role", model_file.role),
        ("model:scan-verdict", model_file.verdict),
    ]


def _file_hashes(model_file: ModelFile) -> list[HashType]:
    return _hashes([("sha256", model_file.sha256)] if model_file.sha256 else [])


def _dataset_ref(name: str) -> str:
    return f"data:{name}"


def _model(entry: ModelEntry, endpoint: str | None) -> Component:
    facts = entry.facts
    purl = None
    refs: list[ExternalReference] = []
    if facts.hf_repo:
        namespace, _, name = facts.hf_repo.rpartition("/")
        purl = PackageURL(
            type="huggingface", namespace=namespace or None, name=name, version=facts.hf_revision
        )
        url = (
            _uri(
                f"{endpoint}/{facts.hf_repo}"
                + (f"/tree/{facts.hf_revision}" if facts.hf_revision else "")
            )
            if endpoint
            else None
        )
        if url is not None:
            refs.append(ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=url))
    pedigree = None
    if facts.base_models:
        pedigree = Pedigree(
            ancestors=[
                Component(
                    type=ComponentType.MACHINE_LEARNING_MODEL,
                    name=base,
                    bom_ref=f"{entry.ref}#base:{base}",
                )
                for base in facts.base_models
            ]
        )
    single = len(entry.files) == 1 and entry.files[0].role == "weights"
    nested = (
        None
        if single
        else [
            Component(
                type=ComponentType.FILE,
                name=f.path,
                bom_ref=f"{entry.ref}#{f.path}",
                hashes=_file_hashes(f),
                properties=_props(_file_props(f)),
            )
            for f in entry.files
        ]
    )
    properties = _file_props(entry.files[0]) if single else [("path", entry.path)]
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=entry.name,
        version=entry.version,
        bom_ref=entry.ref,
        purl=purl,
        hashes=_file_hashes(entry.files[0]) if single else None,
        licenses=_licenses(normalize([facts.license])) if facts.license else None,
        external_references=refs,
        pedigree=pedigree,
        components=nested,
        properties=_props(properties),
    )


def _datasets(content: SbomContent, endpoint: str | None) -> list[Component]:
    names = sorted({name for entry in content.models for name in entry.facts.datasets})
    out = []
    for name in names:
        url = _uri(f"{endpoint}/datasets/{name}") if endpoint else None
        refs = [ExternalReference(type=ExternalReferenceType.DISTRIBUTION, url=url)] if url else []
        out.append(
            Component(
                type=ComponentType.DATA,
                name=name,
                bom_ref=_dataset_ref(name),
                external_references=refs,
            )
        )
    return out


def _vulnerability(vuln: VulnRecord) -> Vulnerability:
    severity = _SEVERITIES.get((vuln.severity or "").lower())
    source_url = _uri(vuln.source_url)
    analysis = None
    if vuln.suppressed:
        analysis = VulnerabilityAnalysis(
            state=ImpactAnalysisState.NOT_AFFECTED,
            detail=vuln.suppression_reason or "suppressed by the user's ignore list",
        )
    recommendation = None
    if vuln.fix_versions:
        recommendation = "Upgrade to " + " or ".join(vuln.fix_versions)
    return Vulnerability(
        bom_ref=f"{vuln.id}@{vuln.package_ref}",
        id=vuln.id,
        source=VulnerabilitySource(name="OSV", url=source_url),
        references=[
            VulnerabilityReference(id=alias, source=VulnerabilitySource(name="alias"))
            for alias in vuln.aliases
        ],
        ratings=[VulnerabilityRating(severity=severity)] if severity else None,
        description=vuln.summary or None,
        recommendation=recommendation,
        analysis=analysis,
        affects=[BomTarget(ref=vuln.package_ref)],
    )


def build_bom(content: SbomContent) -> Bom:
    """The cyclonedx-python-lib Bom for ``content`` (without model cards)."""
    bom = Bom()
    root = Component(
        type=ComponentType(content.subject.kind),
        name=content.subject.name,
        version=content.subject.version,
        bom_ref=ROOT_REF,
    )
    bom.metadata.component = root
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="chainward", version=__version__)
    )
    endpoint = hub_endpoint()
    components: dict[str, Component] = {}
    for package in content.packages:
        components[package.ref] = _package(package)
    for entry in content.models:
        components[entry.ref] = _model(entry, endpoint)
    for dataset in _datasets(content, endpoint):
        components[str(dataset.bom_ref.value)] = dataset
    for component in components.values():
        bom.components.add(component)
    bom.register_dependency(
        root,
        [components[ref] for ref in (*content.root_depends, *(m.ref for m in content.models))],
    )
    for package in content.packages:
        bom.register_dependency(
            components[package.ref], [components[ref] for ref in package.depends_on]
        )
    for vuln in content.vulnerabilities:
        bom.vulnerabilities.add(_vulnerability(vuln))
    return bom


def _model_card(entry: ModelEntry) -> dict[str, Any] | None:
    facts = entry.facts
    params: dict[str, Any] = {}
    if facts.task:
        params["task"] = facts.task
    if facts.model_type:
        params["architectureFamily"] = facts.model_type
    if facts.architectures:
        params["modelArchitecture"] = ", ".join(facts.architectures)
    if facts.datasets:
        params["datasets"] = [{"ref": _dataset_ref(name)} for name in facts.datasets]
    if not params:
        return None
    return {"modelParameters": params}


def _serial(content: SbomContent, deterministic: bool) -> uuid.UUID:
    if deterministic:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"chainward:sbom:{content.fingerprint()}")
    return uuid.uuid4()


def to_json(content: SbomContent, *, deterministic: bool = False) -> str:
    """CycloneDX 1.6 JSON."""
    bom = build_bom(content)
    bom.serial_number = _serial(content, deterministic)
    text = make_outputter(bom, OutputFormat.JSON, SCHEMA_VERSION).output_as_string()
    document = json.loads(text)
    if deterministic:
        document.get("metadata", {}).pop("timestamp", None)
    cards = {entry.ref: card for entry in content.models if (card := _model_card(entry))}
    for component in document.get("components", []):
        card = cards.get(component.get("bom-ref"))
        if card is not None:
            component["modelCard"] = card
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _card_element(card: dict[str, Any]) -> ElementTree.Element:
    ns = "{" + XML_NS + "}"
    element = ElementTree.Element(ns + "modelCard")
    params = ElementTree.SubElement(element, ns + "modelParameters")
    for key in ("task", "architectureFamily", "modelArchitecture"):
        if key in card["modelParameters"]:
            ElementTree.SubElement(params, ns + key).text = card["modelParameters"][key]
    if "datasets" in card["modelParameters"]:
        datasets = ElementTree.SubElement(params, ns + "datasets")
        for item in card["modelParameters"]["datasets"]:
            ElementTree.SubElement(datasets, ns + "ref").text = item["ref"]
    return element


def to_xml(content: SbomContent, *, deterministic: bool = False) -> str:
    """CycloneDX 1.6 XML."""
    bom = build_bom(content)
    bom.serial_number = _serial(content, deterministic)
    text = make_outputter(bom, OutputFormat.XML, SCHEMA_VERSION).output_as_string()
    ElementTree.register_namespace("", XML_NS)
    root = ElementTree.fromstring(text)  # our own serialiser's output
    ns = "{" + XML_NS + "}"
    if deterministic:
        metadata = root.find(ns + "metadata")
        stamp = metadata.find(ns + "timestamp") if metadata is not None else None
        if metadata is not None and stamp is not None:
            metadata.remove(stamp)
    cards = {entry.ref: card for entry in content.models if (card := _model_card(entry))}
    components = root.find(ns + "components")
    for component in components if components is not None else ():
        card = cards.get(component.get("bom-ref", ""))
        if card is None:
            continue
        position = len(component)
        for index, child in enumerate(component):
            if child.tag.removeprefix(ns) in _AFTER_MODEL_CARD:
                position = index
                break
        component.insert(position, _card_element(card))
    ElementTree.indent(root, space="  ")
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


__all__ = ["SCHEMA_VERSION", "build_bom", "hub_endpoint", "to_json", "to_xml"]
