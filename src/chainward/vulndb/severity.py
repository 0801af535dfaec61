"""Severity of an OSV record: CVSS v3/v4 vectors (via ``cvss``) or the record's own rating."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from chainward.records import Severity

_MAPPING = (dict, Mapping)  # dict first: records come from JSON, the ABC check is slow


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


@lru_cache(maxsize=4096)  # exports repeat a few vectors thousands of times
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
    return _label(value)


@lru_cache(maxsize=1024)
def _label(value: str) -> Severity | None:
    try:
        return Severity.parse(value)
    except ValueError:
        return None


def record_severity(record: Mapping[str, Any]) -> Severity | None:
    """The highest severity the record states, or None when it states none.

    Vectors win over labels; malicious-package records (``MAL-``) are always critical.
    """
    ident = record.get("id", "")
    if (ident if isinstance(ident, str) else str(ident)).startswith("MAL-"):
        return Severity.CRITICAL
    vectors = record.get("severity")
    if vectors and isinstance(vectors, list | tuple):
        found: list[Severity] = []
        for entry in vectors:
            if isinstance(entry, _MAPPING):
                level = _from_vector(str(entry.get("type", "")), str(entry.get("score", "")))
                if level is not None:
                    found.append(level)
        if found:
            return max(found)
    labels: list[Severity] = []
    specific = record.get("database_specific")
    if specific is not None and isinstance(specific, _MAPPING):
        level = _from_label(specific.get("severity"))
        if level is not None:
            labels.append(level)
    for affected in record.get("affected") or ():
        if not isinstance(affected, _MAPPING):
            continue
        for key in ("ecosystem_specific", "database_specific"):
            block = affected.get(key)
            if block is not None and isinstance(block, _MAPPING):
                level = _from_label(block.get("severity"))
                if level is not None:
                    labels.append(level)
    return max(labels) if labels else None


__all__ = ["record_severity"]
