"""Forbidden events become findings (check="sandbox"), one per distinct attempt."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from chainward.records import Finding, Location, Severity
from chainward.sandbox.events import Event

# kind -> (rule, severity, what it means)
_RULES: dict[str, tuple[str, Severity, str]] = {
    "exec": ("sandbox-exec", Severity.HIGH, "ran a program"),
    "python.exec": ("sandbox-exec", Severity.HIGH, "tried to run a program"),
    "spawn": ("sandbox-exec", Severity.HIGH, "tried to create a process"),
    "network": ("sandbox-network", Severity.HIGH, "tried to use the network"),
    "socket": ("sandbox-network", Severity.HIGH, "tried to open a network socket"),
    "python.network": ("sandbox-network", Severity.HIGH, "tried to use the network"),
    "file.read": ("sandbox-secret-read", Severity.CRITICAL, "tried to read a secret"),
    "python.open": ("sandbox-file-access", Severity.HIGH, "opened a sensitive file"),
    "python.write": (
        "sandbox-write-outside-scratch",
        Severity.HIGH,
        "tried to write outside its scratch directory",
    ),
    "file.write": (
        "sandbox-write-outside-scratch",
        Severity.HIGH,
        "tried to write outside its scratch directory",
    ),
    "denied": (
        "sandbox-escape-attempt",
        Severity.HIGH,
        "tried a system call that escapes or blinds the sandbox",
    ),
    "evasion": ("sandbox-escape-attempt", Severity.HIGH, "tried to hide a process from tracing"),
    "limit": ("sandbox-resource-limit", Severity.MEDIUM, "hit a resource limit"),
    "signal": ("sandbox-signal", Severity.MEDIUM, "signalled processes outside its own tree"),
    "pickle.global": (
        "sandbox-dangerous-global",
        Severity.HIGH,
        "resolved a dangerous callable while loading",
    ),
    "load.blocked": (
        "sandbox-load-blocked",
        Severity.HIGH,
        "loading failed because the lockdown blocked an action",
    ),
}


def rule_for(kind: str) -> tuple[str, Severity, str]:
    return _RULES.get(kind, ("sandbox-" + kind.replace(".", "-"), Severity.MEDIUM, kind))


def to_findings(
    events: Iterable[Event], subject: str, *, baseline: frozenset[str] = frozenset()
) -> list[Finding]:
    """One finding per distinct forbidden, non-baseline event."""
    seen: set[str] = set()
    findings: list[Finding] = []
    for event in events:
        if not event.forbidden or event.key in baseline or event.key in seen:
            continue
        seen.add(event.key)
        rule, severity, meaning = rule_for(event.kind)
        state = "blocked" if event.blocked else "not blocked"
        findings.append(
            Finding(
                check="sandbox",
                rule=rule,
                severity=severity,
                message=f"{meaning}: {event.detail} ({state})",
                subject=subject,
                location=Location(subject, detail=event.kind),
                evidence=event.detail,
                properties={"kind": event.kind, "blocked": event.blocked, "source": event.source},
            )
        )
    findings.sort(key=lambda f: -int(f.severity))
    return findings


def findings_json(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "check": f.check,
            "rule": f.rule,
            "severity": f.severity.label,
            "message": f.message,
            "subject": f.subject,
            "location": str(f.location) if f.location else None,
        }
        for f in findings
    ]


__all__ = ["findings_json", "rule_for", "to_findings"]
