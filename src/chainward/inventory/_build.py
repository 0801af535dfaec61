"""Building ``Component`` records the same way for every source."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from chainward.records import Component, Provenance, Scope, canonical_name

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.requirements import Requirement

# Names and versions made only of these need no escaping in a purl (imports are lazy so
# that reading a lock file does not pay for packageurl and packaging.requirements).
_PLAIN_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_PLAIN_VERSION = re.compile(r"[0-9a-z.]+")


def purl_for(name: str, version: str | None) -> str:
    """The package URL of a PyPI project (name normalised as the purl spec asks)."""
    norm = canonical_name(name)
    if _PLAIN_NAME.fullmatch(norm) and (version is None or _PLAIN_VERSION.fullmatch(version)):
        return f"pkg:pypi/{norm}" if version is None else f"pkg:pypi/{norm}@{version}"
    from packageurl import PackageURL

    return str(PackageURL(type="pypi", name=norm, version=version).to_string())


def make_component(
    name: str,
    version: str | None,
    *,
    scope: Scope = Scope.DIRECT,
    source: Provenance | None = None,
    path: Sequence[str] = (),
    groups: Iterable[str] = (),
    extras: Iterable[str] = (),
    requires: Iterable[str] = (),
    hashes: Iterable[tuple[str, str]] = (),
    specifier: str = "",
    marker: str = "",
    url: str | None = None,
) -> Component:
    """A PyPI component with a normalised name, a purl and sorted, de-duplicated tuples."""
    norm = canonical_name(name)
    return Component(
        name=norm,
        version=version,
        ecosystem="PyPI",
        purl=purl_for(norm, version),
        scope=scope,
        source=source,
        path=tuple(path),
        groups=tuple(sorted(set(groups))),
        extras=tuple(sorted({canonical_name(e) for e in extras})),
        requires=tuple(sorted({canonical_name(r) for r in requires})),
        hashes=tuple(sorted(set(hashes))),
        specifier=specifier,
        marker=marker,
        url=url,
    )


def parse_requirement(text: str) -> Requirement:
    """``packaging.requirements.Requirement``, but NUL bytes (which make packaging's marker
    string parser raise SyntaxError) are refused as InvalidRequirement like any other error."""
    from packaging.requirements import InvalidRequirement, Requirement

    if "\x00" in text:
        raise InvalidRequirement("NUL byte in requirement")
    try:
        return Requirement(text)
    except SyntaxError as exc:  # packaging evaluates quoted marker strings with ast
        raise InvalidRequirement(str(exc)) from None


def parse_marker(text: str) -> Marker:
    """``packaging.markers.Marker`` with the same NUL-byte guard."""
    from packaging.markers import InvalidMarker, Marker

    if "\x00" in text:
        raise InvalidMarker("NUL byte in marker")
    try:
        return Marker(text)
    except SyntaxError as exc:
        raise InvalidMarker(str(exc)) from None


def split_hash(text: str) -> tuple[str, str] | None:
    """``"sha256:abc"`` -> ``("sha256", "abc")``; None when there is no algorithm."""
    algo, sep, digest = text.partition(":")
    if not sep:
        algo, sep, digest = text.partition("=")
    if not sep or not algo or not digest:
        return None
    return (algo.strip().lower(), digest.strip().lower())


__all__ = ["make_component", "parse_marker", "parse_requirement", "purl_for", "split_hash"]
