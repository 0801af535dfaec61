"""Severity of an OSV record: CVSS v3/v4 vectors (via ``cvss``) or the record's own rating."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainward.records import Severity


def _from_score(score: float) -> Severity:
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.NONE


def _from_vector(kind: str, vector: str) -> Severity | None:
    try:
        if kind == "CVSS_V3":
            from cvss import CVSS3

            return _from_score(float(CVSS3(vector).base_score))
        if kind == "CVSS_V4":
            from cvss import CVSS4

            return _from_score(float(CVSS4(vector).base_score))
    except Exception:  # the cvss library raises its own errors on malformed vectors
        return None
    return None


def _from_label(value: Any) -> Severity | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return Severity.parse(value)
    except ValueError:
        return None


def record_severity(record: Mapping[str, Any]) -> Severity | None:
    """The highest severity the record states, or None when it states none.

    Vectors win over labels; malicious-package records (``MAL-``) are always critical.
    """
    if str(record.get("id", "")).startswith("MAL-"):
        return Severity.CRITICAL
    found: list[Severity] = []
    for entry in record.get("severity") or ():
        if isinstance(entry, Mapping):
            level = _from_vector(str(entry.get("type", "")), str(entry.get("score", "")))
            if level is not None:
                found.append(level)
    if found:
        return max(found)
    labels: list[Severity] = []
    specific = record.get("database_specific")
    if isinstance(specific, Mapping):
        level = _from_label(specific.get("severity"))
        if level is not None:
            labels.append(level)
    for affected in record.get("affected") or ():
        if not isinstance(affected, Mapping):
            continue
        for key in ("ecosystem_specific", "database_specific"):
            block = affected.get(key)
            if isinstance(block, Mapping):
                level = _from_label(block.get("severity"))
                if level is not None:
                    labels.append(level)
    return max(labels) if labels else None


__all__ = ["record_severity"]
