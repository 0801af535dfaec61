"""Known-malicious packages: OSV ``MAL-`` records (OpenSSF Malicious Packages).

Used by the audit (as critical findings of their own category) and by the
malicious-package checks (``chainward pkg check``).
"""

from __future__ import annotations

from dataclasses import dataclass

from chainward.vulndb.interface import Advisory, AdvisoryStore, Affected
from chainward.vulndb.match import advisory_affects


@dataclass(frozen=True)
class MaliciousMatch:
    """A ``MAL-`` record naming a package; ``versions`` says which releases it covers.

    ``versions`` lists explicit versions, ``"*"`` for every version, or range
    descriptions such as ``">=0.1.13,<0.1.15"``.
    """

    id: str
    name: str
    summary: str
    versions: tuple[str, ...]


def _describe(entries: tuple[Affected, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for entry in entries:
        out.extend(entry.versions)
        for rng in entry.ranges:
            if rng.type == "GIT":
                continue
            parts: list[str] = []
            for kind, value in rng.events:
                if kind == "introduced":
                    if parts:
                        out.append(",".join(parts))
                    parts = [] if value == "0" else [f">={value}"]
                elif kind == "fixed":
                    parts.append(f"<{value}")
                    out.append(",".join(parts))
                    parts = []
                elif kind == "last_affected":
                    parts.append(f"<={value}")
                    out.append(",".join(parts))
                    parts = []
            if parts or (rng.events and rng.events[-1][0] == "introduced"):
                out.append(",".join(parts) or "*")
    return tuple(dict.fromkeys(out))


def _is_malicious(advisory: Advisory) -> bool:
    return advisory.malicious and not advisory.withdrawn


def lookup(store: AdvisoryStore, name: str, version: str | None = None) -> list[MaliciousMatch]:
    """``MAL-`` records for ``name`` covering ``version`` (every such record when None)."""
    matches = []
    for advisory in store.advisories_for(name):
        if not _is_malicious(advisory):
            continue
        if version is not None and not advisory_affects(advisory, version):
            continue
        package = advisory.affected[0].name if advisory.affected else name
        matches.append(
            MaliciousMatch(advisory.id, package, advisory.summary, _describe(advisory.affected))
        )
    return matches


__all__ = ["MaliciousMatch", "lookup"]
