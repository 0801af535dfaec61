"""Which advisories affect which package versions, asked of ``chainward.audit``.

The monitor never matches versions itself: it hands the distinct package versions it
needs to :func:`chainward.audit.audit` as one inventory and reads the answer from the
audit document (the contract shape). Answers are cached per package version until the
advisory database changes, so uploads that share packages share the work.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chainward.records import Component, Inventory, Severity, canonical_name

PackageKey = tuple[str, str, str]  # (ecosystem, normalised name, version)


@dataclass(frozen=True)
class Vuln:
    """One (alias-folded) advisory affecting one package version."""

    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    severity: Severity
    summary: str

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))


def _severity(value: Any) -> Severity:
    if isinstance(value, int):
        return Severity(max(0, min(4, value)))
    if isinstance(value, str) and value and value.lower() != "unknown":
        try:
            return Severity.parse(value)
        except ValueError:
            return Severity.NONE
    return Severity.NONE


def _vuln(entry: dict[str, Any]) -> Vuln:
    return Vuln(
        id=str(entry["id"]),
        aliases=tuple(str(a) for a in entry.get("aliases") or ()),
        fix_versions=tuple(str(v) for v in entry.get("fix_versions") or ()),
        severity=_severity(entry.get("severity")),
        summary=str(entry.get("summary") or ""),
    )


class Matcher:
    """Matches package versions against an advisory store, with a cache."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._cache: dict[PackageKey, tuple[Vuln, ...]] = {}
        self._named: dict[str, frozenset[str]] = {}
        self._generation: Any = None

    def _check_generation(self) -> None:
        generation = self.store.last_import_id(), getattr(self.store, "path", None)
        if generation != self._generation:
            self._cache.clear()
            self._named.clear()
            self._generation = generation

    def advisory_names(self, ecosystem: str = "PyPI") -> frozenset[str] | None:
        """Package names some advisory mentions (None: the store cannot list them)."""
        with self._lock:
            self._check_generation()
            if ecosystem not in self._named:
                lister = getattr(self.store, "package_names", None)
                if lister is None:
                    return None
                self._named[ecosystem] = frozenset(lister(ecosystem))
            return self._named[ecosystem]

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
            self._named.clear()
            self._generation = None

    def match(self, keys: Iterable[PackageKey]) -> dict[PackageKey, tuple[Vuln, ...]]:
        """The vulnerabilities of each package version in ``keys`` (empty tuple: none)."""
        wanted = set(keys)
        # Packages no advisory names cannot be affected: skip the audit for them.
        for ecosystem in {k[0] for k in wanted}:
            named = self.advisory_names(ecosystem)
            if named is not None:
                wanted = {k for k in wanted if k[0] != ecosystem or k[1] in named}
        with self._lock:
            self._check_generation()
            result = {k: self._cache[k] for k in wanted if k in self._cache}
            missing = wanted - result.keys()
        if missing:
            computed = self._audit(missing)
            with self._lock:
                self._cache.update(computed)
            result.update(computed)
        return result

    def _audit(self, keys: set[PackageKey]) -> dict[PackageKey, tuple[Vuln, ...]]:
        from chainward.audit import audit

        by_ecosystem: dict[str, list[PackageKey]] = {}
        for key in keys:
            by_ecosystem.setdefault(key[0], []).append(key)
        found: dict[PackageKey, tuple[Vuln, ...]] = {k: () for k in keys}
        for ecosystem, group in by_ecosystem.items():
            inventory = Inventory(
                tuple(Component(name=n, version=v, ecosystem=e) for e, n, v in sorted(group))
            )
            document = audit(inventory, self.store).to_document()
            for dependency in document.get("dependencies", []):
                vulns = dependency.get("vulns") or []
                if not vulns:
                    continue
                key = (
                    ecosystem,
                    canonical_name(str(dependency["name"])),
                    str(dependency["version"]),
                )
                if key in found:
                    found[key] = tuple(_vuln(v) for v in vulns)
        return found


__all__ = ["Matcher", "PackageKey", "Vuln"]
