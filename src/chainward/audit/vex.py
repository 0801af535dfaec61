"""VEX input: statements that a vulnerability does not affect a product.

Two formats, detected by content:

* CycloneDX VEX (JSON, spec 1.4+): ``vulnerabilities[]`` with ``id``, ``analysis.state``
  and ``affects[].ref`` (a purl, or a BOM-link whose fragment is a purl).
* OpenVEX (https://openvex.dev, v0.0.1 and v0.2.0): ``statements[]`` with
  ``vulnerability`` (``{"name", "aliases"}`` or a string), ``products`` (``{"@id"}`` or
  strings, purls) and ``status``.

Only ``not_affected`` (and CycloneDX's ``false_positive``) suppress a finding; other
statuses are read and ignored. A statement without products applies to every package.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from chainward.errors import ConfigError
from chainward.records import canonical_name

MAX_VEX_BYTES = 32 * 1024 * 1024
_SUPPRESSING = {"not_affected", "false_positive"}


@dataclass(frozen=True)
class Product:
    """A package a statement is about; ``version`` None means every version."""

    name: str
    version: str | None = None


@dataclass(frozen=True)
class VexStatement:
    ids: frozenset[str]
    products: tuple[Product, ...]
    status: str
    justification: str = ""
    source: str = ""

    @property
    def suppresses(self) -> bool:
        return self.status in _SUPPRESSING

    def applies(self, ids: Iterable[str], name: str, version: str | None) -> bool:
        if not self.ids & {i.upper() for i in ids}:
            return False
        if not self.products:
            return True
        return any(
            p.name == name and (p.version is None or p.version == version) for p in self.products
        )


def _product(ref: Any) -> Product | None:
    if not isinstance(ref, str):
        return None
    start = ref.find("pkg:")
    if start < 0:
        return None
    purl = ref[start:].split("#", 1)[0].split("?", 1)[0]
    kind, _, rest = purl[4:].partition("/")
    if kind.lower() != "pypi" or not rest:
        return None
    name, _, version = rest.partition("@")
    return Product(canonical_name(unquote(name.rsplit("/", 1)[-1])), unquote(version) or None)


def _component_purls(components: Any, out: dict[str, str], depth: int = 0) -> dict[str, str]:
    if depth > 50 or not isinstance(components, list):
        return out
    for component in components:
        if isinstance(component, dict):
            ref, purl = component.get("bom-ref"), component.get("purl")
            if isinstance(ref, str) and isinstance(purl, str):
                out[ref] = purl
            _component_purls(component.get("components"), out, depth + 1)
    return out


def _cyclonedx(data: dict[str, Any], source: str) -> list[VexStatement]:
    purls = _component_purls(data.get("components"), {})
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        _component_purls([metadata.get("component")], purls)
    out = []
    for vuln in data.get("vulnerabilities") or ():
        if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
            continue
        ids = {vuln["id"].upper()}
        for ref in vuln.get("references") or ():
            if isinstance(ref, dict) and isinstance(ref.get("id"), str):
                ids.add(ref["id"].upper())
        raw_analysis = vuln.get("analysis")
        analysis: dict[str, Any] = raw_analysis if isinstance(raw_analysis, dict) else {}
        products = [
            p
            for p in (
                _product(purls.get(str(a.get("ref")), a.get("ref")))
                for a in vuln.get("affects") or ()
                if isinstance(a, dict)
            )
            if p
        ]
        out.append(
            VexStatement(
                frozenset(ids),
                tuple(products),
                str(analysis.get("state", "")),
                str(analysis.get("justification", "")),
                source,
            )
        )
    return out


def _openvex(data: dict[str, Any], source: str) -> list[VexStatement]:
    out = []
    for statement in data.get("statements") or ():
        if not isinstance(statement, dict):
            continue
        vuln = statement.get("vulnerability")
        ids: set[str] = set()
        if isinstance(vuln, str):
            ids.add(vuln.upper())
        elif isinstance(vuln, dict):
            for key in ("name", "@id"):
                if isinstance(vuln.get(key), str):
                    ids.add(vuln[key].rsplit("/", 1)[-1].upper())
            ids.update(a.upper() for a in vuln.get("aliases") or () if isinstance(a, str))
        products = []
        for product in statement.get("products") or ():
            ref = product.get("@id") if isinstance(product, dict) else product
            parsed = _product(ref)
            if parsed:
                products.append(parsed)
            if isinstance(product, dict):
                for sub in product.get("subcomponents") or ():
                    parsed = _product(sub.get("@id") if isinstance(sub, dict) else sub)
                    if parsed:
                        products.append(parsed)
        if ids:
            out.append(
                VexStatement(
                    frozenset(ids),
                    tuple(products),
                    str(statement.get("status", "")),
                    str(statement.get("justification", "")),
                    source,
                )
            )
    return out


def load_vex(path: Path) -> list[VexStatement]:
    """Statements from a CycloneDX VEX or OpenVEX JSON document."""
    try:
        if path.stat().st_size > MAX_VEX_BYTES:
            raise ConfigError("VEX document larger than 32 MiB", path=str(path))
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read VEX document: {exc.strerror}", path=str(path)) from None
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"VEX document is not valid JSON: {exc}", path=str(path)) from None
    if not isinstance(data, dict):
        raise ConfigError("VEX document is not a JSON object", path=str(path))
    if data.get("bomFormat") == "CycloneDX":
        return _cyclonedx(data, str(path))
    context = data.get("@context")
    if isinstance(context, str) and "openvex" in context:
        return _openvex(data, str(path))
    raise ConfigError(
        "not a VEX document (expected CycloneDX with bomFormat, or OpenVEX with an openvex "
        "@context)",
        path=str(path),
    )


__all__ = ["Product", "VexStatement", "load_vex"]
