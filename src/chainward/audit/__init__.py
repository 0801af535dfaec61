"""Dependency audit: inventory x advisory store -> findings, ignores, VEX, fixes.

Public API: :func:`audit` (returns an :class:`AuditResult` whose ``to_document()`` is the
``chainward audit`` JSON contract), :func:`load_ignore_file`, :func:`load_vex`. The
ignore and VEX readers are imported on first use: most audits need neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chainward._internal.lazy import lazy_exports
from chainward.audit.auditor import (
    AuditResult,
    DependencyResult,
    Suppressed,
    Vulnerability,
    audit,
)

if TYPE_CHECKING:
    from chainward.audit.ignore import IgnoreRule, load_ignore_file
    from chainward.audit.vex import VexStatement, load_vex

_LAZY = {
    "IgnoreRule": "chainward.audit.ignore",
    "load_ignore_file": "chainward.audit.ignore",
    "VexStatement": "chainward.audit.vex",
    "load_vex": "chainward.audit.vex",
}

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

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
