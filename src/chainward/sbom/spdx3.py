"""SPDX 3.0.1 JSON-LD with the AI and Dataset profiles, via spdx-python-model.

spdx-python-model is generated from the official SPDX 3 model (shacl2code); its
objects check property types on assignment and required properties on encoding.
Mapping: an ``SpdxDocument`` whose root is a ``software_Sbom``; the subject package
``dependsOn`` its direct dependencies (dev and optional ones through a
``LifecycleScopedRelationship`` with scope ``development`` / ``other``), packages
``dependsOn`` their requirements, licenses are ``hasDeclaredLicense`` expressions.
A model is an ``ai_AIPackage`` (``ai_typeOfModel`` from config.json architectures
and model type, ``ai_domain`` from the card's ``pipeline_tag``) that ``contains`` one
``software_File`` per file with its SHA-256, is ``trainedOn`` each declared
``dataset_DatasetPackage`` (dataset type unknown: ``noAssertion``) and has its base
model as ``ancestorOf``. chainward's own facts (format, size, role, path) ride in
CycloneDX-property extensions so ``read_sbom`` restores them.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterable
from typing import Any

from chainward import __version__
from chainward.errors import MissingDependencyError
from chainward.records import Scope
from chainward.sbom.content import ROOT_REF, SbomContent
from chainward.sbom.licenses import normalize
from chainward.sbom.mlmodels import ModelFile
from chainward.sbom.spdx import created_at

SPEC_VERSION = "3.0.1"
_ID_CHARS = re.compile(r"[^A-Za-z0-9._~-]+")
_HASHES = {
    "sha1": "sha1",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
    "md5": "md5",
    "blake3": "blake3",
    "sha3-256": "sha3_256",
    "sha3-512": "sha3_512",
    "blake2b-256": "blake2b256",
    "blake2b-512": "blake2b512",
}


def _model() -> Any:
    try:
        from spdx_python_model import v3_0_1
    except ImportError:
        raise MissingDependencyError("spdx-python-model", "spdx3", "SPDX 3 output") from None
    return v3_0_1


class _Builder:
    def __init__(self, content: SbomContent, deterministic: bool) -> None:
        self.s = _model()
        serial = (
            uuid.uuid5(uuid.NAMESPACE_URL, f"chainward:spdx3:{content.fingerprint()}")
            if deterministic
            else uuid.uuid4()
        )
        name = _ID_CHARS.sub("-", content.subject.name).strip("-") or "sbom"
        self.base = f"https://spdx.org/spdxdocs/chainward/{name}-{serial}"
        self.info = self.s.CreationInfo(specVersion=SPEC_VERSION, created=created_at(deterministic))
        self.objects: list[Any] = []
        self.elements: list[Any] = []
        self.ids: dict[str, Any] = {}
        self.counter = 0

    def iri(self, hint: str) -> str:
        self.counter += 1
        return f"{self.base}#{_ID_CHARS.sub('-', hint).strip('-')[:80]}-{self.counter}"

    def add(self, obj: Any, *, element: bool = True) -> Any:
        self.objects.append(obj)
        if element:
            self.elements.append(obj)
        return obj

    def relate(
        self, source: Any, kind: str, targets: Iterable[Any], scope: str | None = None
    ) -> None:
        targets = list(targets)
        if not targets:
            return
        cls = self.s.LifecycleScopedRelationship if scope else self.s.Relationship
        rel = cls(
            spdxId=self.iri("rel"),
            creationInfo=self.info,
            from_=source,
            relationshipType=getattr(self.s.RelationshipType, kind),
            to=targets,
        )
        if scope:
            rel.scope = getattr(self.s.LifecycleScopeType, scope)
        self.add(rel)

    def hashes(self, obj: Any, pairs: Iterable[tuple[str, str | None]]) -> None:
        for algorithm, digest in pairs:
            name = _HASHES.get(algorithm.lower().replace("_", "-"))
            if name and digest:
                obj.verifiedUsing.append(
                    self.s.Hash(
                        algorithm=getattr(self.s.HashAlgorithm, name), hashValue=digest.lower()
                    )
                )

    def properties(self, obj: Any, pairs: Iterable[tuple[str, str | None]]) -> None:
        ext = self.s.extension_CdxPropertiesExtension()
        for name, value in pairs:
            if value:
                ext.extension_cdxProperty.append(
                    self.s.extension_CdxPropertyEntry(
                        extension_cdxPropName=f"chainward:{name}", extension_cdxPropValue=value
                    )
                )
        if ext.extension_cdxProperty:
            obj.extension.append(ext)

    def license(self, obj: Any, declared: Iterable[str]) -> None:
        licenses = normalize(declared)
        if licenses.expression is None:
            return
        expression = self.add(
            self.s.simplelicensing_LicenseExpression(
                spdxId=self.iri("license"),
                creationInfo=self.info,
                simplelicensing_licenseExpression=licenses.expression,
            )
        )
        self.relate(obj, "hasDeclaredLicense", [expression])

    def model_file(self, model_file: ModelFile) -> Any:
        purpose = (
            "model"
            if model_file.role == "weights"
            else "documentation"
            if model_file.role == "readme"
            else "configuration"
        )
        obj = self.add(
            self.s.software_File(
                spdxId=self.iri(f"file-{model_file.path}"),
                creationInfo=self.info,
                name=model_file.path,
                software_primaryPurpose=getattr(self.s.software_SoftwarePurpose, purpose),
            )
        )
        self.hashes(obj, [("sha256", model_file.sha256)])
        self.properties(
            obj,
            [
                ("path", model_file.path),
                ("model:format", model_file.format),
                ("model:size", str(model_file.size)),
                ("model:role", model_file.role),
                ("model:scan-verdict", model_file.verdict),
            ],
        )
        return obj


def build_graph(content: SbomContent, *, deterministic: bool = False) -> Any:
    """The spdx-python-model object set for ``content``."""
    b = _Builder(content, deterministic)
    s = b.s
    agent = b.add(
        s.SoftwareAgent(spdxId=f"{b.base}#chainward", name="chainward", creationInfo=b.info),
        element=False,
    )
    tool = b.add(
        s.Tool(spdxId=f"{b.base}#tool", name=f"chainward {__version__}", creationInfo=b.info),
        element=False,
    )
    b.info.createdBy.append(agent)
    b.info.createdUsing.append(tool)
    subject = content.subject
    root = b.add(
        s.software_Package(
            spdxId=b.iri(f"root-{subject.name}"),
            creationInfo=b.info,
            name=subject.name,
            software_primaryPurpose=s.software_SoftwarePurpose.application,
        )
    )
    if subject.version:
        root.software_packageVersion = subject.version
    b.ids[ROOT_REF] = root
    for package in content.packages:
        obj = b.add(
            s.software_Package(
                spdxId=b.iri(f"pkg-{package.name}-{package.version}"),
                creationInfo=b.info,
                name=package.name,
                software_primaryPurpose=s.software_SoftwarePurpose.library,
            )
        )
        if package.version:
            obj.software_packageVersion = package.version
        if package.purl:
            obj.software_packageUrl = package.purl
        if package.url:
            obj.software_downloadLocation = package.url
        b.hashes(obj, package.hashes)
        b.properties(obj, [("scope", package.scope.value), ("groups", ",".join(package.groups))])
        b.ids[package.ref] = obj
        if package.licenses.expression:
            b.license(obj, [package.licenses.expression])
    direct = set(content.root_depends)
    for package in content.packages:
        obj = b.ids[package.ref]
        if package.ref in direct:
            scope = {Scope.DEV: "development", Scope.OPTIONAL: "other"}.get(package.scope)
            b.relate(root, "dependsOn", [obj], scope)
        b.relate(obj, "dependsOn", [b.ids[t] for t in package.depends_on])
    datasets: dict[str, Any] = {}
    for entry in content.models:
        facts = entry.facts
        model = b.add(
            s.ai_AIPackage(
                spdxId=b.iri(f"model-{entry.name}"),
                creationInfo=b.info,
                name=entry.name,
                software_primaryPurpose=s.software_SoftwarePurpose.model,
            )
        )
        if entry.version:
            model.software_packageVersion = entry.version
        if facts.hf_repo:
            namespace, _, name = facts.hf_repo.rpartition("/")
            model.software_packageUrl = (
                "pkg:huggingface/"
                + (f"{namespace}/" if namespace else "")
                + name
                + (f"@{facts.hf_revision}" if facts.hf_revision else "")
            )
        model.ai_typeOfModel.extend(
            [*facts.architectures, *([facts.model_type] if facts.model_type else [])]
        )
        if facts.task:
            model.ai_domain.append(facts.task)
        b.properties(model, [("path", entry.path)])
        if facts.license:
            b.license(model, [facts.license])
        b.relate(root, "dependsOn", [model])
        b.relate(model, "contains", [b.model_file(f) for f in entry.files])
        for dataset in facts.datasets:
            if dataset not in datasets:
                data = b.add(
                    s.dataset_DatasetPackage(
                        spdxId=b.iri(f"dataset-{dataset}"),
                        creationInfo=b.info,
                        name=dataset,
                        software_primaryPurpose=s.software_SoftwarePurpose.data,
                    )
                )
                data.dataset_datasetType.append(s.dataset_DatasetType.noAssertion)
                datasets[dataset] = data
        b.relate(model, "trainedOn", [datasets[d] for d in facts.datasets])
        for base_model in facts.base_models:
            ancestor = b.add(
                s.ai_AIPackage(
                    spdxId=b.iri(f"base-{base_model}"),
                    creationInfo=b.info,
                    name=base_model,
                    software_primaryPurpose=s.software_SoftwarePurpose.model,
                )
            )
            b.relate(ancestor, "ancestorOf", [model])
    sbom = b.add(
        s.software_Sbom(spdxId=f"{b.base}#sbom", creationInfo=b.info, rootElement=[root]),
        element=False,
    )
    sbom.element.extend(b.elements)
    sbom.software_sbomType.append(s.software_SbomType.analyzed)
    document = b.add(
        s.SpdxDocument(spdxId=f"{b.base}#document", creationInfo=b.info, rootElement=[sbom]),
        element=False,
    )
    document.element.extend([sbom, agent, tool])
    document.profileConformance.extend(
        [
            s.ProfileIdentifierType.core,
            s.ProfileIdentifierType.software,
            s.ProfileIdentifierType.simpleLicensing,
            s.ProfileIdentifierType.ai,
            s.ProfileIdentifierType.dataset,
        ]
    )
    return s.SHACLObjectSet(b.objects)


def to_json(content: SbomContent, *, deterministic: bool = False) -> str:
    """SPDX 3.0.1 JSON-LD; the graph is sorted so equal content gives equal text."""
    s = _model()
    stream = io.BytesIO()
    s.JSONLDSerializer().write(build_graph(content, deterministic=deterministic), stream)
    document = json.loads(stream.getvalue())
    document["@graph"].sort(
        key=lambda node: (node.get("type", ""), node.get("spdxId", node.get("@id", "")))
    )
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


__all__ = ["SPEC_VERSION", "build_graph", "to_json"]
