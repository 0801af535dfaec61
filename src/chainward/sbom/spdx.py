"""SPDX 2.3 JSON from SBOM content, via spdx-tools (validated before it is written).

Mapping: the subject is the package the document DESCRIBES; it DEPENDS_ON its
direct dependencies, dev and optional ones are DEV_DEPENDENCY_OF /
OPTIONAL_DEPENDENCY_OF it, and packages DEPENDS_ON their own requirements. SPDX
2.3 has no AI fields (they arrive with the SPDX 3 AI profile), so a model is a
package whose files are packages of purpose FILE with their SHA-256 (SPDX 2.3
``File`` elements would need a SHA-1 nobody computed), marked with OTHER external
references ``chainward-model`` / ``chainward-model-file``; model-card facts go to
the package comment, the card's license to ``licenseDeclared``, a base model is an
ANCESTOR_OF the model and a declared dataset is what it was GENERATED_FROM.
Deterministic output uses ``SOURCE_DATE_EPOCH`` (else the epoch) as the creation
time, which SPDX requires, and a namespace derived from the content.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from license_expression import get_spdx_licensing
from spdx_tools.spdx.model.actor import Actor, ActorType
from spdx_tools.spdx.model.checksum import Checksum, ChecksumAlgorithm
from spdx_tools.spdx.model.document import CreationInfo, Document
from spdx_tools.spdx.model.package import (
    ExternalPackageRef,
    ExternalPackageRefCategory,
    Package,
    PackagePurpose,
)
from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from chainward import __version__
from chainward.records import Scope
from chainward.sbom.content import ROOT_REF, SbomContent
from chainward.sbom.content import Package as SbomPackage
from chainward.sbom.licenses import Licenses, normalize
from chainward.sbom.mlmodels import ModelEntry, ModelFile

SPDX_VERSION = "SPDX-2.3"
MODEL_REF_TYPE = "chainward-model"
MODEL_FILE_REF_TYPE = "chainward-model-file"
SIZE_REF_TYPE = "chainward-size"
PATH_REF_TYPE = "chainward-path"
_ID_CHARS = re.compile(r"[^A-Za-z0-9.-]+")
_CHECKSUMS = {
    "md5": ChecksumAlgorithm.MD5,
    "sha1": ChecksumAlgorithm.SHA1,
    "sha256": ChecksumAlgorithm.SHA256,
    "sha384": ChecksumAlgorithm.SHA384,
    "sha512": ChecksumAlgorithm.SHA512,
    "sha3-256": ChecksumAlgorithm.SHA3_256,
    "sha3-512": ChecksumAlgorithm.SHA3_512,
    "blake2b-256": ChecksumAlgorithm.BLAKE2B_256,
    "blake2b-512": ChecksumAlgorithm.BLAKE2B_512,
    "blake3": ChecksumAlgorithm.BLAKE3,
}
_SCOPE_RELATION = {
    Scope.DEV: RelationshipType.DEV_DEPENDENCY_OF,
    Scope.OPTIONAL: RelationshipType.OPTIONAL_DEPENDENCY_OF,
}


class _Ids:
    """SPDX element ids (``SPDXRef-[A-Za-z0-9.-]+``), unique per document."""

    def __init__(self) -> None:
        self._by_ref: dict[str, str] = {}
        self._used: set[str] = set()

    def __call__(self, ref: str, hint: str) -> str:
        if ref in self._by_ref:
            return self._by_ref[ref]
        base = "SPDXRef-" + (_ID_CHARS.sub("-", hint).strip("-") or "element")
        candidate, counter = base, 1
        while candidate in self._used:
            counter += 1
            candidate = f"{base}-{counter}"
        self._used.add(candidate)
        self._by_ref[ref] = candidate
        return candidate


def _license(licenses: Licenses) -> tuple[Any, str | None]:
    """(licenseDeclared, licenseComments)."""
    if licenses.expression is not None:
        return get_spdx_licensing().parse(licenses.expression), None
    if licenses.names:
        return SpdxNoAssertion(), "declared as: " + "; ".join(licenses.names)
    return SpdxNoAssertion(), None


def _checksums(pairs: tuple[tuple[str, str], ...]) -> list[Checksum]:
    out = []
    for algorithm, digest in pairs:
        alg = _CHECKSUMS.get(algorithm.lower().replace("_", "-"))
        if alg is not None and digest:
            out.append(Checksum(alg, digest.lower()))
    return out


def _other(kind: str, value: str) -> ExternalPackageRef:
    return ExternalPackageRef(ExternalPackageRefCategory.OTHER, kind, value.replace(" ", "%20"))


def _package(package: SbomPackage, spdx_id: str) -> Package:
    declared, comment = _license(package.licenses)
    return Package(
        spdx_id=spdx_id,
        name=package.name,
        download_location=SpdxNoAssertion(),
        version=package.version,
        originator=Actor(ActorType.PERSON, package.author) if package.author else None,
        files_analyzed=False,
        checksums=_checksums(package.hashes),
        license_concluded=SpdxNoAssertion(),
        license_declared=declared,
        license_comment=comment,
        external_references=[
            ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", package.purl)
        ]
        if package.purl
        else [],
        comment=f"installed from {package.url}" if not package.purl and package.url else None,
        primary_package_purpose=PackagePurpose.LIBRARY,
    )


def _card_comment(entry: ModelEntry) -> str:
    facts = entry.facts
    parts = ["machine-learning model"]
    if facts.task:
        parts.append(f"task: {facts.task}")
    if facts.architectures:
        parts.append("architecture: " + ", ".join(facts.architectures))
    if facts.model_type:
        parts.append(f"model type: {facts.model_type}")
    if facts.datasets:
        parts.append("datasets: " + ", ".join(facts.datasets))
    if facts.base_models:
        parts.append("base model: " + ", ".join(facts.base_models))
    if facts.hf_repo:
        parts.append(f"Hugging Face repository: {facts.hf_repo}")
    return "; ".join(parts)


def _model_package(entry: ModelEntry, spdx_id: str) -> Package:
    facts = entry.facts
    refs = [
        _other(MODEL_REF_TYPE, entry.files[0].format if len(entry.files) == 1 else "folder"),
        _other(PATH_REF_TYPE, entry.path),
    ]
    if facts.hf_repo:
        namespace, _, name = facts.hf_repo.rpartition("/")
        purl = "pkg:huggingface/" + (f"{namespace}/" if namespace else "") + name
        purl += f"@{facts.hf_revision}" if facts.hf_revision else ""
        refs.append(ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl))
    declared, comment = _license(normalize([facts.license]) if facts.license else Licenses())
    return Package(
        spdx_id=spdx_id,
        name=entry.name,
        download_location=SpdxNoAssertion(),
        version=entry.version,
        files_analyzed=False,
        license_concluded=SpdxNoAssertion(),
        license_declared=declared,
        license_comment=comment,
        comment=_card_comment(entry),
        external_references=refs,
        primary_package_purpose=PackagePurpose.OTHER,
    )


def _file_package(model_file: ModelFile, spdx_id: str) -> Package:
    return Package(
        spdx_id=spdx_id,
        name=model_file.path,
        download_location=SpdxNoAssertion(),
        file_name=model_file.path,
        files_analyzed=False,
        checksums=_checksums((("sha256", model_file.sha256),) if model_file.sha256 else ()),
        comment=f"{model_file.role} file, format {model_file.format}, {model_file.size} bytes"
        + (f"; chainward model scan: {model_file.verdict}" if model_file.verdict else ""),
        external_references=[
            _other(MODEL_FILE_REF_TYPE, f"{model_file.role}:{model_file.format}"),
            _other(SIZE_REF_TYPE, str(model_file.size)),
        ],
        primary_package_purpose=PackagePurpose.FILE,
    )


def created_at(deterministic: bool) -> datetime:
    """Now, or SOURCE_DATE_EPOCH (else the epoch) for deterministic output."""
    if not deterministic:
        return datetime.now(timezone.utc).replace(microsecond=0)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "0")
    seconds = int(epoch) if epoch.isdigit() else 0
    return datetime.fromtimestamp(seconds, timezone.utc)


def build_document(content: SbomContent, *, deterministic: bool = False) -> Document:
    """The spdx-tools Document for ``content``."""
    ids = _Ids()
    serial = (
        uuid.uuid5(uuid.NAMESPACE_URL, f"chainward:spdx:{content.fingerprint()}")
        if deterministic
        else uuid.uuid4()
    )
    subject = content.subject
    info = CreationInfo(
        spdx_version=SPDX_VERSION,
        spdx_id="SPDXRef-DOCUMENT",
        name=subject.name,
        document_namespace=(
            "https://spdx.org/spdxdocs/chainward/"
            f"{_ID_CHARS.sub('-', subject.name).strip('-') or 'sbom'}-{serial}"
        ),
        creators=[Actor(ActorType.TOOL, f"chainward-{__version__}")],
        created=created_at(deterministic),
    )
    root_id = ids(ROOT_REF, "Root-" + subject.name)
    packages = [
        Package(
            spdx_id=root_id,
            name=subject.name,
            version=subject.version,
            download_location=SpdxNoAssertion(),
            files_analyzed=False,
            primary_package_purpose=PackagePurpose.APPLICATION,
        )
    ]
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, root_id)]
    for package in content.packages:
        packages.append(
            _package(package, ids(package.ref, f"Package-{package.name}-{package.version}"))
        )
    direct = set(content.root_depends)
    for package in content.packages:
        spdx_id = ids(package.ref, "")
        relation = _SCOPE_RELATION.get(package.scope)
        if package.ref in direct and relation is not None:
            relationships.append(Relationship(spdx_id, relation, root_id))
        elif package.ref in direct:
            relationships.append(Relationship(root_id, RelationshipType.DEPENDS_ON, spdx_id))
        for target in package.depends_on:
            relationships.append(
                Relationship(spdx_id, RelationshipType.DEPENDS_ON, ids(target, ""))
            )
    for entry in content.models:
        model_id = ids(entry.ref, f"Model-{entry.name}")
        packages.append(_model_package(entry, model_id))
        relationships.append(Relationship(root_id, RelationshipType.DEPENDS_ON, model_id))
        for model_file in entry.files:
            file_id = ids(f"{entry.ref}#{model_file.path}", f"ModelFile-{model_file.path}")
            packages.append(_file_package(model_file, file_id))
            relationships.append(Relationship(model_id, RelationshipType.CONTAINS, file_id))
        for base in entry.facts.base_models:
            base_id = ids(f"base:{base}", f"BaseModel-{base}")
            if not any(p.spdx_id == base_id for p in packages):
                packages.append(
                    Package(
                        spdx_id=base_id,
                        name=base,
                        download_location=SpdxNoAssertion(),
                        files_analyzed=False,
                        primary_package_purpose=PackagePurpose.OTHER,
                        comment="base model named in the model card",
                    )
                )
            relationships.append(Relationship(base_id, RelationshipType.ANCESTOR_OF, model_id))
        for dataset in entry.facts.datasets:
            data_id = ids(f"data:{dataset}", f"Dataset-{dataset}")
            if not any(p.spdx_id == data_id for p in packages):
                packages.append(
                    Package(
                        spdx_id=data_id,
                        name=dataset,
                        download_location=SpdxNoAssertion(),
                        files_analyzed=False,
                        primary_package_purpose=PackagePurpose.OTHER,
                        comment="dataset named in the model card",
                    )
                )
            relationships.append(
                Relationship(
                    model_id,
                    RelationshipType.GENERATED_FROM,
                    data_id,
                    comment="trained on (model card)",
                )
            )
    for item in packages:
        # NOASSERTION rather than absent: SPDX 2.2 consumers require these fields
        if item.license_concluded is None:
            item.license_concluded = SpdxNoAssertion()
        if item.license_declared is None:
            item.license_declared = SpdxNoAssertion()
        if item.copyright_text is None:
            item.copyright_text = SpdxNoAssertion()
    return Document(creation_info=info, packages=packages, relationships=relationships)


def to_json(content: SbomContent, *, deterministic: bool = False) -> str:
    """SPDX 2.3 JSON (raises ValueError if spdx-tools finds the document invalid)."""
    stream = io.StringIO()
    write_document_to_stream(
        build_document(content, deterministic=deterministic), stream, validate=True
    )
    return stream.getvalue() + "\n"


__all__ = ["SPDX_VERSION", "build_document", "created_at", "to_json"]
