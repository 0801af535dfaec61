"""Known vulnerabilities for ``--with-vulns``, from the dependency audit.

The audit (``chainward.audit``) and the advisory database are imported only when
asked for. A vulnerability the user suppressed (ignore rule or VEX statement) is
kept, with VEX analysis state ``not_affected`` and the user's reason, so the SBOM
says what is known and what was decided about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.records import Inventory
from chainward.sbom.content import Vulnerability, ref_for

if TYPE_CHECKING:
    from chainward.audit import AuditResult

OSV_VULN_URL = "https://osv.dev/vulnerability/"


def from_audit(result: AuditResult) -> list[Vulnerability]:
    """SBOM vulnerabilities from an audit result (reported and suppressed ones)."""
    out = []
    for dependency in result.dependencies:
        ref = ref_for(dependency.component)
        for vuln in dependency.vulns:
            out.append(
                Vulnerability(
                    id=vuln.id,
                    package_ref=ref,
                    aliases=vuln.aliases,
                    severity=vuln.severity.label if vuln.severity is not None else None,
                    summary=vuln.summary,
                    fix_versions=vuln.fix_versions,
                    source_url=OSV_VULN_URL + vuln.id,
                )
            )
    for suppressed in result.suppressed:
        vuln = suppressed.vulnerability
        out.append(
            Vulnerability(
                id=vuln.id,
                package_ref=ref_for(suppressed.component),
                aliases=vuln.aliases,
                severity=vuln.severity.label if vuln.severity is not None else None,
                summary=vuln.summary,
                fix_versions=vuln.fix_versions,
                suppressed=True,
                suppression_reason=f"suppressed by {suppressed.by}: {suppressed.detail}",
                source_url=OSV_VULN_URL + vuln.id,
            )
        )
    return out


def known_vulnerabilities(
    inventory: Inventory,
    *,
    db: Path | None = None,
    ignore_ids: Sequence[str] = (),
    ignore_file: Path | None = None,
    vex: Sequence[Path] = (),
) -> tuple[list[Vulnerability], tuple[str, ...]]:
    """(vulnerabilities, warnings) for ``inventory`` from the local advisory database."""
    from chainward.audit import IgnoreRule, audit, load_ignore_file, load_vex
    from chainward.vulndb import open_store

    rules = [IgnoreRule(id=ident) for ident in ignore_ids]
    if ignore_file is not None:
        rules.extend(load_ignore_file(ignore_file))
    statements = [statement for path in vex for statement in load_vex(path)]
    result = audit(inventory, open_store(db), ignores=rules, vex=statements)
    return from_audit(result), result.warnings


__all__ = ["OSV_VULN_URL", "from_audit", "known_vulnerabilities"]
