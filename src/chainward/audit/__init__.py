"""Dependency audit: inventory x advisory store -> findings, ignores, VEX, fixes.

Public API: :func:`audit` (returns an :class:`AuditResult` whose ``to_document()`` is the
``chainward audit`` JSON contract), :func:`load_ignore_file`, :func:`load_vex`.
"""

from __future__ import annotations

from chainward.audit.auditor import (
    AuditResult,
    DependencyResult,
    Suppressed,
    Vulnerability,
    audit,
)
from chainward.audit.ignore import IgnoreRule, load_ignore_file
from chainward.audit.vex import VexStatement, load_vex

__all__ = [
    "AuditResult",
    "DependencyResult",
    "IgnoreRule",
    "Suppressed",
    "VexStatement",
    "Vulnerability",
    "audit",
    "load_ignore_file",
    "load_vex",
]
