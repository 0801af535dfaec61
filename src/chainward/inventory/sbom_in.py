"""SBOMs as inventory input: CycloneDX (JSON, XML; 1.2-1.7) and SPDX (2.2/2.3 JSON, 3.0 JSON-LD).

Packages become ``Component`` records (identified by purl; the purl type gives the
ecosystem), machine-learning-model components become ``ModelArtifact`` records, the
dependency graph gives ``requires`` and direct vs transitive scope. chainward's own
``chainward:*`` properties (CycloneDX) and ``chainward-*`` external references
(SPDX) restore exactly what ``chainward sbom`` wrote. Anything that is neither a
package with a purl nor a model is reported as ``Skipped``. Formats are recognised
by content. XML with a DOCTYPE is refused (no entity expansion), JSON nesting
and file size are bounded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from packageurl import PackageURL

from chainward.inventory._io import display, read_bytes
from chainward.inventory.interface import InventoryError
from chainward.records import (
    Component,
    Inventory,
    ModelArtifact,
    Provenance,
    Scope,
    Skipped,
    canonical_name,
)

_SNIFF_BYTES = 64 * 1024
_CDX_XML_NS = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}")
_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "gem": "RubyGems",
    "nuget": "NuGet",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "conda": "conda",
    "github": "GitHub",
    "generic": "generic",
}
_SCOPES = {scope.value: scope for scope in Scope}
_MODEL_TYPE = "machine-learning-model"
_NOT_PACKAGES = {"file", "data", "machine-learning-model"}


# --------------------------------------------------------------------- detection


# cyclonedx-py writes "$schema", "bomFormat" and "specVersion" after the components, so a
# large document shows them only in its tail: there they must be key and value together
_TAIL_CYCLONEDX = re.compile(rb'"bomFormat"\s*:\s*"CycloneDX"')
_TAIL_SPDX = re.compile(rb'"spdxVersion"\s*:\s*"SPDX-')


_PYPI_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")  # PEP 508 names


def _sniff_kind(head: bytes, tail: bytes = b"") -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        return "cyclonedx-xml" if b"cyclonedx.org/schema/bom" in head else None
    if not text.startswith(b"{"):
        return None
    if b'"bomFormat"' in head and b"CycloneDX" in head:
        return "cyclonedx-json"
    if b'"spdxVersion"' in head:
        return "spdx-json"
    if b"spdx.org/rdf/3" in head and b"@context" in head:
        return "spdx3-json"
    if _TAIL_CYCLONEDX.search(tail):
        return "cyclonedx-json"
    if _TAIL_SPDX.search(tail):
        return "spdx-json"
    return None


def looks_like_sbom(path: Path) -> bool:
    """True when the file's content is a CycloneDX or SPDX document (never raises)."""
    try:
        if not path.is_file():  # never open a FIFO or device: it could block forever
            return False
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
            tail = b""
            if len(head) == _SNIFF_BYTES:
                handle.seek(max(_SNIFF_BYTES, path.stat().st_size - _SNIFF_BYTES))
                tail = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    return _sniff_kind(head, tail) is not None


# --------------------------------------------------------------------- shared building


@dataclass
class _Pkg:
    """A package read from the SBOM, before scope is decided."""

    ref: str
    component: Component
    declared_scope: Scope | None = None
    cdx_optional: bool = False


@dataclass
class _Doc:
    source: str
    packages: dict[str, _Pkg] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=dict)
    root_refs: set[str] = field(default_factory=set)
    scoped_by_root: dict[str, Scope] = field(default_factory=dict)
    models: list[ModelArtifact] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def inventory(self) -> Inventory:
        names = {ref: pkg.component.name for ref, pkg in self.packages.items()}
        has_graph = (
            bool(self.root_refs) and any(self.edges.get(root) for root in self.root_refs)
        ) or bool(self.scoped_by_root)
        direct = {t for root in self.root_refs for t in self.edges.get(root, ())}
        components = []
        for ref, pkg in self.packages.items():
            requires = sorted({names[t] for t in self.edges.get(ref, ()) if t in names})
            if pkg.declared_scope is not None:
                scope = pkg.declared_scope
            elif ref in self.scoped_by_root:
                scope = self.scoped_by_root[ref]
            elif pkg.cdx_optional:
                scope = Scope.OPTIONAL
            elif has_graph and ref not in direct:
                scope = Scope.TRANSITIVE
            else:
                scope = Scope.DIRECT
            comp = pkg.component
            components.append(
                Component(
                    name=comp.name,
                    version=comp.version,
                    ecosystem=comp.ecosystem,
                    purl=comp.purl,
                    scope=scope,
                    source=comp.source,
                    groups=comp.groups,
                    requires=tuple(requires),
                    hashes=comp.hashes,
                    licenses=comp.licenses,
                    author=comp.author,
                    url=comp.url,
                )
            )
        components.sort(key=lambda c: (c.ecosystem, c.name, c.version or ""))
        return Inventory(tuple(components), tuple(self.models), tuple(self.skipped))

    def add_package(
        self,
        ref: str,
        name: str,
        version: str | None,
        purl_text: str,
        *,
        hashes: Iterable[tuple[str, str]] = (),
        licenses: Iterable[str] = (),
        author: str | None = None,
        groups: tuple[str, ...] = (),
        declared_scope: Scope | None = None,
        cdx_optional: bool = False,
    ) -> None:
        try:
            purl = PackageURL.from_string(purl_text)
        except ValueError:
            self.skipped.append(
                Skipped(name or ref, f"invalid purl {purl_text!r}", Provenance(self.source))
            )
            return
        ecosystem = _ECOSYSTEMS.get(purl.type, purl.type)
        package_name = purl.name if purl.namespace is None else f"{purl.namespace}/{purl.name}"
        if purl.type == "pypi":
            if not _PYPI_NAME.fullmatch(purl.name):
                # sbom4python names a library vendored in a wheel as the package itself:
                # pkg:pypi/gcc runtime library@1.9.3 (scipy's libgfortran) is no PyPI project
                self.skipped.append(
                    Skipped(
                        name or ref,
                        f"invalid purl {purl_text!r}: not a Python package name",
                        Provenance(self.source),
                    )
                )
                return
            package_name = canonical_name(purl.name)
        self.packages[ref] = _Pkg(
            ref,
            Component(
                name=package_name,
                version=purl.version or version or None,
                ecosystem=ecosystem,
                purl=purl.to_string(),
                source=Provenance(self.source),
                groups=groups,
                hashes=tuple(sorted(set(hashes))),
                licenses=tuple(dict.fromkeys(licenses)),
                author=author,
            ),
            declared_scope,
            cdx_optional,
        )


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _hash_name(alg: str) -> str:
    return alg.lower().replace("-", "").replace("blake2b", "blake2b-").replace("sha3", "sha3-")


# --------------------------------------------------------------------- CycloneDX


def _cdx_props(component: dict[str, Any]) -> dict[str, str]:
    out = {}
    for prop in _list(component.get("properties")):
        name, value = _text(_dict(prop).get("name")), _dict(prop).get("value")
        if name and isinstance(value, str):
            out[name] = value
    return out


def _cdx_hashes(component: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for item in _list(component.get("hashes")):
        alg, content = _text(_dict(item).get("alg")), _text(_dict(item).get("content"))
        if alg and content:
            out.append((_hash_name(alg), content.lower()))
    return out


def _cdx_licenses(component: dict[str, Any]) -> list[str]:
    out = []
    for item in _list(component.get("licenses")):
        item = _dict(item)
        expression = _text(item.get("expression"))
        lic = _dict(item.get("license"))
        text = expression or _text(lic.get("id")) or _text(lic.get("name"))
        if text:
            out.append(text)
    return out


def _cdx_author(component: dict[str, Any]) -> str | None:
    for author in _list(component.get("authors")):
        name = _text(_dict(author).get("name"))
        if name:
            return name
    return _text(component.get("author")) or _text(_dict(component.get("supplier")).get("name"))


def _int(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _cdx_model(doc: _Doc, component: dict[str, Any]) -> None:
    props = _cdx_props(component)
    nested = [_dict(c) for c in _list(component.get("components"))]
    files = [c for c in nested if c.get("type") == "file"]
    if files:
        for item in files:
            item_props = _cdx_props(item)
            if item_props.get("chainward:model:role", "weights") != "weights":
                continue
            doc.models.append(_artifact(item, item_props, _text(item.get("name")) or "?"))
        return
    doc.models.append(_artifact(component, props, _text(component.get("name")) or "?"))


def _artifact(component: dict[str, Any], props: dict[str, str], name: str) -> ModelArtifact:
    sha256 = next((d for alg, d in _cdx_hashes(component) if alg == "sha256"), None)
    return ModelArtifact(
        path=props.get("chainward:path", name),
        format=props.get("chainward:model:format", "unknown"),
        size=_int(props.get("chainward:model:size")),
        sha256=sha256,
    )


def _walk(components: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for item in components:
        component = _dict(item)
        if not component:
            continue
        yield component
        if component.get("type") != _MODEL_TYPE:
            yield from _walk(_list(component.get("components")))


def _read_cyclonedx(document: dict[str, Any], source: str) -> Inventory:
    doc = _Doc(source)
    root = _dict(_dict(document.get("metadata")).get("component"))
    root_ref = _text(root.get("bom-ref"))
    if root_ref:
        doc.root_refs.add(root_ref)
    for index, component in enumerate(_walk(_list(document.get("components")))):
        kind = component.get("type", "library")
        name = _text(component.get("name")) or ""
        ref = _text(component.get("bom-ref")) or f"#{index}"
        if kind == _MODEL_TYPE:
            _cdx_model(doc, component)
            continue
        purl = _text(component.get("purl"))
        if not purl:
            if kind not in _NOT_PACKAGES:
                doc.skipped.append(
                    Skipped(name or ref, f"{kind} component without a purl", Provenance(source))
                )
            continue
        props = _cdx_props(component)
        groups = tuple(g for g in props.get("chainward:groups", "").split(",") if g)
        doc.add_package(
            ref,
            name,
            _text(component.get("version")),
            purl,
            hashes=_cdx_hashes(component),
            licenses=_cdx_licenses(component),
            author=_cdx_author(component),
            groups=groups,
            declared_scope=_SCOPES.get(props.get("chainward:scope", "")),
            cdx_optional=component.get("scope") == "optional",
        )
    for dependency in _list(document.get("dependencies")):
        dependency = _dict(dependency)
        source_ref = _text(dependency.get("ref"))
        if source_ref:
            targets = {t for t in (_text(x) for x in _list(dependency.get("dependsOn"))) if t}
            doc.edges.setdefault(source_ref, set()).update(targets)
    return doc.inventory()


def _xml_to_cdx(root: ElementTree.Element) -> dict[str, Any]:
    """A CycloneDX XML document in the shape of its JSON twin (the parts read above)."""
    match = _CDX_XML_NS.match(root.tag)
    if root.tag.rpartition("}")[2] != "bom" or match is None:
        raise ValueError("not a CycloneDX XML document (root element is not bom)")
    ns = root.tag[: match.end()]

    def child(el: ElementTree.Element, name: str) -> ElementTree.Element | None:
        return el.find(ns + name)

    def text(el: ElementTree.Element, name: str) -> str | None:
        found = child(el, name)
        return found.text if found is not None else None

    def component(el: ElementTree.Element) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": el.get("type", "library"),
            "bom-ref": el.get("bom-ref"),
            "name": text(el, "name"),
            "version": text(el, "version"),
            "purl": text(el, "purl"),
            "scope": text(el, "scope"),
            "author": text(el, "author"),
        }
        hashes = child(el, "hashes")
        out["hashes"] = [
            {"alg": h.get("alg"), "content": h.text} for h in (hashes if hashes is not None else ())
        ]
        licenses = child(el, "licenses")
        out["licenses"] = []
        for item in licenses if licenses is not None else ():
            if item.tag == ns + "expression":
                out["licenses"].append({"expression": item.text})
            else:
                out["licenses"].append(
                    {"license": {"id": text(item, "id"), "name": text(item, "name")}}
                )
        authors = child(el, "authors")
        out["authors"] = [
            {"name": text(a, "name")} for a in (authors if authors is not None else ())
        ]
        props = child(el, "properties")
        out["properties"] = [
            {"name": p.get("name"), "value": p.text or ""}
            for p in (props if props is not None else ())
        ]
        nested = child(el, "components")
        out["components"] = [component(c) for c in (nested if nested is not None else ())]
        return out

    metadata = child(root, "metadata")
    meta_component = child(metadata, "component") if metadata is not None else None
    components = child(root, "components")
    dependencies = child(root, "dependencies")
    return {
        "metadata": {"component": component(meta_component)} if meta_component is not None else {},
        "components": [component(c) for c in (components if components is not None else ())],
        "dependencies": [
            {"ref": d.get("ref"), "dependsOn": [x.get("ref") for x in d]}
            for d in (dependencies if dependencies is not None else ())
        ],
    }


# --------------------------------------------------------------------- SPDX 2.x

_SPDX_PM = {"PACKAGE_MANAGER", "PACKAGE-MANAGER"}
_SPDX_SCOPE = {
    "DEV_DEPENDENCY_OF": Scope.DEV,
    "OPTIONAL_DEPENDENCY_OF": Scope.OPTIONAL,
    "TEST_DEPENDENCY_OF": Scope.DEV,
    "BUILD_DEPENDENCY_OF": Scope.DEV,
}


def _spdx_refs(package: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
    purl, other = None, {}
    for ref in _list(package.get("externalRefs")):
        ref = _dict(ref)
        kind, locator = _text(ref.get("referenceType")), _text(ref.get("referenceLocator"))
        if not kind or not locator:
            continue
        if kind == "purl" and ref.get("referenceCategory") in _SPDX_PM:
            purl = purl or locator
        elif kind.startswith("chainward-"):
            other[kind] = locator.replace("%20", " ")
    return purl, other


def _spdx_author(package: dict[str, Any]) -> str | None:
    for key in ("originator", "supplier"):
        text = _text(package.get(key))
        if text and ":" in text:
            name = text.split(":", 1)[1].split("(")[0].strip()
            if name and name != "NOASSERTION":
                return name
    return None


def _spdx_license(package: dict[str, Any]) -> list[str]:
    for key in ("licenseDeclared", "licenseConcluded"):
        text = _text(package.get(key))
        if text and text not in {"NOASSERTION", "NONE"}:
            return [text]
    return []


def _read_spdx2(document: dict[str, Any], source: str) -> Inventory:
    doc = _Doc(source)
    described = {t for t in (_text(x) for x in _list(document.get("documentDescribes"))) if t}
    relationships = [_dict(r) for r in _list(document.get("relationships"))]
    for rel in relationships:
        if rel.get("relationshipType") == "DESCRIBES" and _text(rel.get("relatedSpdxElement")):
            described.add(str(rel["relatedSpdxElement"]).strip())
    doc.root_refs.update(described)
    contained: dict[str, list[str]] = {}
    for rel in relationships:
        kind = rel.get("relationshipType")
        left, right = _text(rel.get("spdxElementId")), _text(rel.get("relatedSpdxElement"))
        if not left or not right:
            continue
        if kind == "DEPENDS_ON":
            doc.edges.setdefault(left, set()).add(right)
        elif kind == "DEPENDENCY_OF":
            doc.edges.setdefault(right, set()).add(left)
        elif kind in _SPDX_SCOPE and right in described:
            doc.scoped_by_root[left] = _SPDX_SCOPE[str(kind)]
        elif kind == "CONTAINS":
            contained.setdefault(left, []).append(right)
    packages = {}
    for package in _list(document.get("packages")):
        package = _dict(package)
        spdx_id = _text(package.get("SPDXID"))
        if spdx_id:
            packages[spdx_id] = package
    if packages and set(packages) <= described:
        # every package is DESCRIBED: a flat list of what was found (spdx-tools and some
        # generators write it so), not one project and its dependencies
        described = set()
        doc.root_refs.clear()
    for spdx_id, package in packages.items():
        purl, other = _spdx_refs(package)
        name = _text(package.get("name")) or spdx_id
        if "chainward-model-file" in other or spdx_id in described:
            continue
        if "chainward-model" in other:
            _spdx_model(
                doc,
                package,
                other,
                [packages[c] for c in contained.get(spdx_id, []) if c in packages],
            )
            continue
        if purl is None:
            comment = _text(package.get("comment")) or ""
            if "named in the model card" not in comment:
                doc.skipped.append(Skipped(name, "SPDX package without a purl", Provenance(source)))
            continue
        checksums = [
            (
                _hash_name(str(_dict(c).get("algorithm", ""))),
                str(_dict(c).get("checksumValue", "")).lower(),
            )
            for c in _list(package.get("checksums"))
        ]
        doc.add_package(
            spdx_id,
            name,
            _text(package.get("versionInfo")),
            purl,
            hashes=[c for c in checksums if c[0] and c[1]],
            licenses=_spdx_license(package),
            author=_spdx_author(package),
        )
    return doc.inventory()


def _spdx_model(
    doc: _Doc, package: dict[str, Any], other: dict[str, str], members: list[dict[str, Any]]
) -> None:
    def sha256(item: dict[str, Any]) -> str | None:
        for checksum in _list(item.get("checksums")):
            if _dict(checksum).get("algorithm") == "SHA256":
                value = _text(_dict(checksum).get("checksumValue"))
                return value.lower() if value else None
        return None

    found = False
    for member in members:
        _, refs = _spdx_refs(member)
        role, _, fmt = refs.get("chainward-model-file", "weights:unknown").partition(":")
        if role != "weights":
            continue
        found = True
        doc.models.append(
            ModelArtifact(
                path=_text(member.get("packageFileName")) or _text(member.get("name")) or "?",
                format=fmt or "unknown",
                size=_int(refs.get("chainward-size")),
                sha256=sha256(member),
            )
        )
    if not found:
        doc.models.append(
            ModelArtifact(
                path=other.get("chainward-path") or _text(package.get("name")) or "?",
                format=other.get("chainward-model", "unknown"),
                size=0,
                sha256=sha256(package),
            )
        )


# --------------------------------------------------------------------- SPDX 3.0


_SPDX3_SCOPES = {
    "development": Scope.DEV,
    "test": Scope.DEV,
    "build": Scope.DEV,
    "other": Scope.OPTIONAL,
}
_SPDX3_RELATIONSHIPS = {"Relationship", "LifecycleScopedRelationship"}


def _spdx3_props(element: dict[str, Any]) -> dict[str, str]:
    out = {}
    for ext in _list(element.get("extension")):
        for entry in _list(_dict(ext).get("extension_cdxProperty")):
            name = _text(_dict(entry).get("extension_cdxPropName"))
            value = _dict(entry).get("extension_cdxPropValue")
            if name and isinstance(value, str):
                out[name] = value
    return out


def _spdx3_hashes(element: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for item in _list(element.get("verifiedUsing")):
        item = _dict(item)
        alg, value = _text(item.get("algorithm")), _text(item.get("hashValue"))
        if item.get("type") == "Hash" and alg and value:
            out.append((_hash_name(alg.replace("_", "-")), value.lower()))
    return out


def _read_spdx3(document: dict[str, Any], source: str) -> Inventory:
    graph = [_dict(e) for e in _list(document.get("@graph"))]
    doc = _Doc(source)
    by_id: dict[str, dict[str, Any]] = {}
    for element in graph:
        spdx_id = _text(element.get("spdxId")) or _text(element.get("@id"))
        if spdx_id:
            by_id[spdx_id] = element
        if element.get("type") in ("SpdxDocument", "software_Sbom"):
            doc.root_refs.update(
                t for t in (_text(x) for x in _list(element.get("rootElement"))) if t
            )
    contains: dict[str, list[str]] = {}
    licenses: dict[str, list[str]] = {}
    for element in graph:
        if element.get("type") not in _SPDX3_RELATIONSHIPS:
            continue
        left, kind = _text(element.get("from")), element.get("relationshipType")
        targets = [t for t in (_text(x) for x in _list(element.get("to"))) if t]
        if not left:
            continue
        scope = _SPDX3_SCOPES.get(str(element.get("scope", "")))
        if kind == "dependsOn" and scope is not None and left in doc.root_refs:
            for target in targets:
                doc.scoped_by_root[target] = scope
        elif kind == "dependsOn" or (kind == "contains" and left in doc.root_refs):
            doc.edges.setdefault(left, set()).update(targets)
        elif kind == "contains":
            contains.setdefault(left, []).extend(targets)
        elif kind == "hasDeclaredLicense":
            for target in targets:
                text = _text(by_id.get(target, {}).get("simplelicensing_licenseExpression"))
                if text:
                    licenses.setdefault(left, []).append(text)
    for spdx_id, element in by_id.items():
        kind = element.get("type")
        name = _text(element.get("name")) or spdx_id
        if kind == "ai_AIPackage":
            files = [by_id[f] for f in contains.get(spdx_id, []) if f in by_id]
            weights = [
                f
                for f in files
                if _spdx3_props(f).get("chainward:model:role", "weights") == "weights"
            ]
            for item in weights or [element]:
                props = _spdx3_props(item)
                sha256 = next((d for a, d in _spdx3_hashes(item) if a == "sha256"), None)
                if item is element and sha256 is None and not props:
                    continue  # a base model named in a card: no file of ours
                doc.models.append(
                    ModelArtifact(
                        path=props.get("chainward:path", _text(item.get("name")) or name),
                        format=props.get("chainward:model:format", "unknown"),
                        size=_int(props.get("chainward:model:size")),
                        sha256=sha256,
                    )
                )
            continue
        if kind != "software_Package" or spdx_id in doc.root_refs:
            continue
        purl = _text(element.get("software_packageUrl"))
        for ident in _list(element.get("externalIdentifier")):
            ident = _dict(ident)
            if ident.get("externalIdentifierType") == "packageUrl":
                purl = purl or _text(ident.get("identifier"))
        if purl is None:
            doc.skipped.append(Skipped(name, "SPDX package without a purl", Provenance(source)))
            continue
        props = _spdx3_props(element)
        doc.add_package(
            spdx_id,
            name,
            _text(element.get("software_packageVersion")),
            purl,
            hashes=_spdx3_hashes(element),
            licenses=licenses.get(spdx_id, ()),
            groups=tuple(g for g in props.get("chainward:groups", "").split(",") if g),
            declared_scope=_SCOPES.get(props.get("chainward:scope", "")),
        )
    return doc.inventory()


# --------------------------------------------------------------------- entry point


def read_sbom(path: Path) -> Inventory:
    """Read a CycloneDX or SPDX SBOM file as an inventory.

    Raises:
        InventoryError: unreadable, not an SBOM, or malformed.
    """
    shown = display(path)
    data = read_bytes(path)
    kind = _sniff_kind(data[:_SNIFF_BYTES], data[_SNIFF_BYTES:][-_SNIFF_BYTES:])
    if kind is None:
        raise InventoryError("not a CycloneDX or SPDX document", path=shown)
    if kind == "cyclonedx-xml":
        head = data[: _SNIFF_BYTES * 4].upper()
        if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
            raise InventoryError("XML with a DOCTYPE or entities is not accepted", path=shown)
        try:
            tree = ElementTree.fromstring(data)
            document = _xml_to_cdx(tree)
        except (ElementTree.ParseError, ValueError, RecursionError) as exc:
            raise InventoryError(f"malformed CycloneDX XML: {exc}", path=shown) from None
        return _read_cyclonedx(document, shown)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        raise InventoryError(f"malformed JSON: {exc}", path=shown) from None
    if not isinstance(document, dict):
        raise InventoryError("malformed SBOM: top level is not an object", path=shown)
    if kind == "cyclonedx-json":
        if document.get("bomFormat") != "CycloneDX":
            raise InventoryError("not a CycloneDX document (bomFormat)", path=shown)
        return _read_cyclonedx(document, shown)
    if kind == "spdx-json":
        version = str(document.get("spdxVersion", ""))
        if not version.startswith("SPDX-2."):
            raise InventoryError(f"unsupported SPDX version {version!r}", path=shown)
        return _read_spdx2(document, shown)
    return _read_spdx3(document, shown)


__all__ = ["looks_like_sbom", "read_sbom"]
