"""Verdicts on packages: names (known-malicious, typosquat) and archives (static analysis)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainward.packages.archive.scan import scan_archive
from chainward.packages.known_malicious import KnownMalicious
from chainward.packages.popular import load_popular
from chainward.packages.rules import finding
from chainward.packages.suppress import Allow
from chainward.packages.typosquat import TyposquatIndex
from chainward.records import Finding, PackageVerdict, Severity, Skipped, canonical_name

_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class PackageResult:
    """The verdict on one target, with the findings that decided it."""

    target: str
    verdict: PackageVerdict
    findings: tuple[Finding, ...] = ()
    name: str | None = None
    version: str | None = None
    sha256: str | None = None
    skipped: tuple[Skipped, ...] = ()
    suppressed: tuple[Finding, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "verdict": self.verdict.value,
            "findings": [finding_json(f) for f in self.findings],
        }


def finding_json(item: Finding) -> dict[str, object]:
    out: dict[str, object] = {
        "rule": item.rule,
        "severity": item.severity.label,
        "message": item.message,
        "location": str(item.location) if item.location is not None else None,
    }
    if item.evidence:
        out["evidence"] = item.evidence
    for key, value in item.properties.items():
        out.setdefault(key, value)
    return out


def verdict_for(findings: Sequence[Finding]) -> PackageVerdict:
    """Malicious on any critical finding, suspicious on medium or high, else clean."""
    worst = max((f.severity for f in findings), default=Severity.NONE)
    if worst >= Severity.CRITICAL:
        return PackageVerdict.MALICIOUS
    if worst >= Severity.MEDIUM:
        return PackageVerdict.SUSPICIOUS
    return PackageVerdict.CLEAN


DynamicHook = Callable[[Path], list[Finding]]


class Checker:
    """Holds the popularity index, the advisory store and the allow-list across targets."""

    def __init__(
        self,
        *,
        db_path: Path | None = None,
        allow: Sequence[Allow] = (),
        known_malicious: bool = True,
        names: bool = True,
        dynamic: DynamicHook | None = None,
    ) -> None:
        self._index: TyposquatIndex | None = None
        self.known = KnownMalicious(db_path) if known_malicious else None
        self.allow = tuple(allow)
        self.names = names
        self.dynamic = dynamic

    @property
    def index(self) -> TyposquatIndex:
        if self._index is None:
            self._index = TyposquatIndex(load_popular())
        return self._index

    def name_findings(self, name: str, version: str | None) -> tuple[list[Finding], list[Skipped]]:
        findings: list[Finding] = []
        skipped: list[Skipped] = []
        canon = canonical_name(name)
        if self.known is not None:
            findings.extend(self.known.findings(canon, version))
            if self.known.unavailable:
                skipped.append(Skipped("known-malicious", self.known.unavailable))
        if self.names:
            match = self.index.check(canon)
            if match is not None:
                severity = Severity.HIGH if match.score >= 0.85 else Severity.MEDIUM
                findings.append(
                    finding(
                        "typosquat",
                        f"{canon!r} looks like {match.imitates!r} ({match.technique}: "
                        f"{match.detail}; score {match.score})",
                        subject=canon,
                        severity=severity,
                        imitates=match.imitates,
                        technique=match.technique,
                        score=match.score,
                        imitated_rank=match.imitated_rank or None,
                    )
                )
        return findings, skipped

    def check_name(
        self, name: str, version: str | None = None, *, target: str | None = None
    ) -> PackageResult:
        if not _NAME_RE.match(name):
            from chainward.errors import InputError

            raise InputError(f"not a valid package name: {name!r}")
        findings, skipped = self.name_findings(name, version)
        return self._result(
            target or (f"{name}=={version}" if version else name),
            findings,
            canonical_name(name),
            version,
            None,
            skipped,
        )

    def check_archive(self, path: Path, *, target: str | None = None) -> PackageResult:
        report = scan_archive(Path(path), popular=self.index.ranks.keys())
        findings = list(report.findings)
        skipped = [Skipped(entry or report.path, reason) for entry, reason in report.skipped]
        name = report.metadata.name
        version = report.metadata.version
        if name is not None:
            more, more_skipped = self.name_findings(name, version)
            findings = more + findings
            skipped.extend(more_skipped)
        if self.dynamic is not None:
            findings.extend(self.dynamic(Path(path)))
        canon = canonical_name(name) if name else None
        findings = [f.replace(subject=f.subject or canon or str(path)) for f in findings]
        return self._result(target or str(path), findings, canon, version, report.sha256, skipped)

    def _result(
        self,
        target: str,
        findings: list[Finding],
        name: str | None,
        version: str | None,
        sha256: str | None,
        skipped: list[Skipped],
    ) -> PackageResult:
        kept, suppressed = [], []
        for item in findings:
            if any(a.matches(item, name, version, sha256) for a in self.allow):
                suppressed.append(item)
            else:
                kept.append(item)
        kept.sort(key=lambda f: (-f.severity, f.rule, str(f.location or "")))
        return PackageResult(
            target=target,
            verdict=verdict_for(kept),
            findings=tuple(kept),
            name=name,
            version=version,
            sha256=sha256,
            skipped=tuple(dict.fromkeys(skipped)),
            suppressed=tuple(suppressed),
        )


__all__ = ["Checker", "DynamicHook", "PackageResult", "finding_json", "verdict_for"]
