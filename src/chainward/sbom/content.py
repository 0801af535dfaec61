"""What goes into an SBOM, independent of the output format.

The inventory is turned into packages with stable references, a dependency graph
under one root component (so direct and transitive dependencies are visible), the
models grouped by folder, and optional vulnerabilities. The CycloneDX and SPDX
writers only translate this.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packageurl import PackageURL

from chainward.records import Component, Inventory, Scope, canonical_name
from chainward.sbom.licenses import Licenses, normalize
from chainward.sbom.mlmodels import ModelEntry, group_models

ROOT_REF = "root"
# Strongest first: a package declared both directly and as a dev tool is a direct one.
_SCOPE_ORDER = (Scope.DIRECT, Scope.TRANSITIVE, Scope.OPTIONAL, Scope.DEV)


@dataclass(frozen=True)
class Subject:
    """The thing the SBOM describes: a project, a manifest or an environment."""

    name: str
    version: str | None = None
    kind: str = "application"


@dataclass(frozen=True)
class Package:
    """One software component of the SBOM."""

    ref: str
    name: str
    version: str | None
    purl: str
    scope: Scope
    groups: tuple[str, ...]
    hashes: tuple[tuple[str, str], ...]
    licenses: Licenses
    author: str | None
    url: str | None
    source: str | None
    depends_on: tuple[str, ...]


@dataclass(frozen=True)
class Vulnerability:
    """A known vulnerability of one package, optionally suppressed by the user (VEX)."""

    id: str
    package_ref: str
    aliases: tuple[str, ...] = ()
    severity: str | None = None
    summary: str = ""
    fix_versions: tuple[str, ...] = ()
    suppressed: bool = False
    suppression_reason: str | None = None
    source_url: str | None = None


@dataclass(frozen=True)
class SbomContent:
    """Everything a writer needs, in a stable order."""

    subject: Subject
    packages: tuple[Package, ...]
    root_depends: tuple[str, ...]
    models: tuple[ModelEntry, ...]
    vulnerabilities: tuple[Vulnerability, ...] = ()

    def fingerprint(self) -> str:
        """A digest of the content, for deterministic serial numbers."""
        return hashlib.sha256(repr(self).encode("utf-8")).hexdigest()

    def package_by_ref(self) -> dict[str, Package]:
        return {package.ref: package for package in self.packages}


LOCAL_PREFIX = "local:"


def is_local(component: Component) -> bool:
    """Installed from a local folder (``direct_url.json`` ``dir_info``): not an index package."""
    return not component.purl and (component.url or "").startswith("file:")


def ref_for(component: Component) -> str:
    """The SBOM reference: the purl, or ``local:NAME==VERSION`` for local folders."""
    if is_local(component):
        return f"{LOCAL_PREFIX}{component.name}=={component.version or ''}"
    return purl_for(component)


def purl_for(component: Component) -> str:
    """The component's purl, or one built from its name and version."""
    if component.purl:
        return component.purl
    kind = component.ecosystem.lower()
    kind = "pypi" if kind in {"pypi", "python"} else kind
    return PackageURL(type=kind, name=component.name, version=component.version).to_string()


def _strongest(scopes: Iterable[Scope]) -> Scope:
    present = set(scopes)
    return next((scope for scope in _SCOPE_ORDER if scope in present), Scope.DIRECT)


def build_content(
    inventory: Inventory,
    subject: Subject,
    *,
    base: Path | None = None,
    vulnerabilities: Sequence[Vulnerability] = (),
    model_verdicts: Mapping[str, str] | None = None,
) -> SbomContent:
    """Turn an inventory into SBOM content (see the module docstring)."""
    merged: dict[str, list[Component]] = {}
    for component in inventory.components:
        merged.setdefault(ref_for(component), []).append(component)
    by_name: dict[str, list[str]] = {}
    for ref, items in merged.items():
        by_name.setdefault(canonical_name(items[0].name), []).append(ref)

    edges: dict[str, set[str]] = {ref: set() for ref in merged}
    for ref, items in merged.items():
        for component in items:
            for required in component.requires:
                edges[ref].update(by_name.get(canonical_name(required), ()))
            if component.path:
                for parent in by_name.get(canonical_name(component.path[-1]), ()):
                    if parent != ref:
                        edges[parent].add(ref)
        edges[ref].discard(ref)

    packages = []
    for ref in sorted(merged):
        items = merged[ref]
        first = items[0]
        hashes = tuple(sorted({h for item in items for h in item.hashes}))
        packages.append(
            Package(
                ref=ref,
                name=first.name,
                version=first.version,
                purl="" if ref.startswith(LOCAL_PREFIX) else ref,
                scope=_strongest(item.scope for item in items),
                groups=tuple(sorted({g for item in items for g in item.groups})),
                hashes=hashes,
                licenses=normalize(lic for item in items for lic in item.licenses),
                author=next((item.author for item in items if item.author), None),
                url=next((item.url for item in items if item.url), None),
                source=str(first.source) if first.source else None,
                depends_on=tuple(sorted(edges[ref])),
            )
        )
    root_depends = [p.ref for p in packages if p.scope is not Scope.TRANSITIVE]
    if not root_depends:
        needed = {target for targets in edges.values() for target in targets}
        root_depends = [p.ref for p in packages if p.ref not in needed]
    refs = set(merged)
    return SbomContent(
        subject=subject,
        packages=tuple(packages),
        root_depends=tuple(sorted(root_depends)),
        models=tuple(group_models(inventory.models, base, model_verdicts)),
        vulnerabilities=tuple(
            sorted(
                (v for v in vulnerabilities if v.package_ref in refs),
                key=lambda v: (v.id, v.package_ref),
            )
        ),
    )


__all__ = [
    "ROOT_REF",
    "Package",
    "SbomContent",
    "Subject",
    "Vulnerability",
    "build_content",
    "is_local",
    "purl_for",
    "ref_for",
]
