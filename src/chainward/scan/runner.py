"""``chainward scan``: every static check on one project, composed from the checks' own APIs.

inventory -> audit (vulnerabilities), packages (known-malicious and typosquat names),
models (static scan of every model file found), integrity (model lock file, signatures,
allowed formats). Each part keeps the JSON shape of its own command; the policy decides
which findings fail the run. An error in one check never hides another check's findings:
it becomes an ``error`` finding of that check.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward.errors import ChainwardError
from chainward.records import Finding, Inventory, Location, Severity
from chainward.scan.policy import CHECKS, Ignore, Policy

_log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class CheckPart:
    """One check's result inside a scan: its own document and its findings."""

    document: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, Ignore]] = field(default_factory=list)
    error: str | None = None


@dataclass
class ScanOutcome:
    project: Path
    policy: Policy
    inventory: Inventory
    parts: dict[str, CheckPart]
    policy_findings: list[Finding] = field(default_factory=list)

    def findings(self, check: str | None = None) -> list[Finding]:
        checks = CHECKS if check is None else (check,)
        out: list[Finding] = []
        for name in checks:
            part = self.parts.get(name)
            if part:
                out.extend(part.findings)
        if check is None:
            out.extend(self.policy_findings)
        return out

    def failed_checks(self) -> list[str]:
        failed = [
            name
            for name in CHECKS
            if any(f.severity >= self.policy.threshold(name) for f in self.findings(name))
        ]
        if self.policy_findings:
            failed.append("policy")
        return failed

    def summary(self) -> dict[str, Any]:
        per_check: dict[str, Any] = {}
        for name in CHECKS:
            findings = self.findings(name)
            part = self.parts.get(name)
            per_check[name] = {
                "findings": len(findings),
                "by_severity": _by_severity(findings),
                "threshold": self.policy.threshold(name).label,
                "failed": any(f.severity >= self.policy.threshold(name) for f in findings),
                "suppressed": len(part.suppressed) if part else 0,
                "error": part.error if part else None,
            }
        return {
            "project": str(self.project),
            "dependencies": len(self.inventory.components),
            "models": len(self.inventory.models),
            "skipped": len(self.inventory.skipped),
            "checks": per_check,
            "policy": {
                "source": self.policy.source,
                "violations": [f.message for f in self.policy_findings],
            },
            "failed": self.failed_checks(),
            "passed": not self.failed_checks(),
        }

    def to_document(self) -> dict[str, Any]:
        return {
            "audit": self.parts["audit"].document,
            "packages": self.parts["packages"].document,
            "models": self.parts["models"].document,
            "integrity": self.parts["integrity"].document,
            "summary": self.summary(),
        }


def _by_severity(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {s.label: 0 for s in sorted(Severity, reverse=True)}
    for f in findings:
        counts[f.severity.label] += 1
    return counts


def _aliases(finding: Finding) -> tuple[str, ...]:
    value = finding.properties.get("aliases", ())
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


def _apply_ignores(part: CheckPart, ignores: Sequence[Ignore], today: dt.date) -> None:
    kept: list[Finding] = []
    for finding in part.findings:
        match = next(
            (i for i in ignores if not i.expired(today) and i.matches(finding, _aliases(finding))),
            None,
        )
        if match is None:
            kept.append(finding)
        else:
            part.suppressed.append((finding, match))
    part.findings = kept


def _error_finding(check: str, exc: BaseException) -> Finding:
    message = (
        exc.diagnostics() if isinstance(exc, ChainwardError) else f"{type(exc).__name__}: {exc}"
    )
    return Finding(
        check=check,
        rule="check-error",
        severity=Severity.HIGH,
        message=f"the {check} check could not run: {message}",
    )


# -- the four checks ------------------------------------------------------------------


def run_audit(inventory: Inventory, db_path: Path | None) -> CheckPart:
    from chainward.audit import audit
    from chainward.vulndb import open_store

    result = audit(inventory, open_store(db_path))
    return CheckPart(result.to_document(), list(result.findings))


def run_packages(inventory: Inventory, db_path: Path | None) -> CheckPart:
    from chainward.packages import Checker

    checker = Checker(db_path=db_path)
    results = []
    findings: list[Finding] = []
    seen: set[tuple[str, str | None]] = set()
    for component in inventory.components:
        if component.ecosystem != "PyPI" or (component.name, component.version) in seen:
            continue
        seen.add((component.name, component.version))
        result = checker.check_name(component.name, component.version)
        results.append(result)
        for finding in result.findings:
            location = finding.location
            if location is None and component.source is not None:
                location = Location(component.source.file, component.source.line)
            findings.append(_with_location(finding, location))
    document = {"packages": [r.to_json() for r in results]}
    return CheckPart(document, findings)


def _with_location(finding: Finding, location: Location | None) -> Finding:
    return finding if location is finding.location else finding.replace(location=location)


def run_models(inventory: Inventory) -> CheckPart:
    from chainward.models import ScanResult
    from chainward.models import scan as scan_models

    paths = [Path(m.path) for m in inventory.models]
    result = scan_models(paths) if paths else ScanResult()
    return CheckPart(result.to_document(), list(result.findings))


def run_integrity(inventory: Inventory, project: Path, policy: Policy) -> CheckPart:
    from chainward.integrity.lock import (
        DEFAULT_LOCK_NAME,
        check_lock,
        read_lock,
        resolve_target,
    )

    base = project if project.is_dir() else project.parent
    lock_path = base / DEFAULT_LOCK_NAME
    findings: list[Finding] = []
    checked: list[dict[str, Any]] = []
    if lock_path.is_file():
        lock = read_lock(lock_path)
        for entry in lock.models:
            if entry.source == "local":
                target = str(lock_path.parent / (entry.path or entry.name))
            else:
                target = f"{entry.repo}@{entry.revision}"
            name = entry.repo or entry.path or entry.name
            try:
                resolved = resolve_target(str(target), lock_dir=lock_path.parent)
                result = check_lock(resolved, entry, lock_path=lock_path)
            except ChainwardError as exc:
                findings.append(
                    Finding(
                        "integrity",
                        "lock-unverifiable",
                        Severity.HIGH,
                        f"{name}: {exc.diagnostics()}",
                        subject=str(name),
                        location=Location(str(lock_path)),
                    )
                )
                checked.append({"model": name, "ok": False, "problems": [exc.diagnostics()]})
                continue
            for problem in result.problems:
                findings.append(
                    Finding(
                        "integrity",
                        f"lock-{problem.rule}",
                        Severity.HIGH,
                        f"{name}: {problem.message}",
                        subject=str(name),
                        location=Location(str(lock_path)),
                    )
                )
            checked.append(
                {
                    "model": name,
                    "ok": not result.problems,
                    "checked": result.checked,
                    "changed": list(result.changed),
                    "missing": list(result.missing),
                    "extra": list(result.extra),
                }
            )
    elif policy.models.require_lock and inventory.models:
        findings.append(
            Finding(
                "integrity",
                "lock-missing",
                Severity.HIGH,
                f"the policy requires a model lock file ({DEFAULT_LOCK_NAME}); "
                "create one with 'chainward model lock'",
                subject=str(base),
                location=Location(str(lock_path)),
            )
        )
    for model in inventory.models:
        if not policy.models.format_allowed(model.format):
            findings.append(
                Finding(
                    "integrity",
                    "forbidden-format",
                    Severity.HIGH,
                    f"{model.path}: model format '{model.format}' is not allowed by the policy",
                    subject=model.path,
                    location=Location(model.path),
                )
            )
    if policy.models.require_signature:
        findings.extend(_check_signatures(inventory, policy))
    document = {
        "lock": str(lock_path) if lock_path.is_file() else None,
        "models": checked,
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.label,
                "message": f.message,
                "location": str(f.location) if f.location else None,
            }
            for f in findings
        ],
    }
    return CheckPart(document, findings)


SIGNATURE_NAME = "model.sig"


def _check_signatures(inventory: Inventory, policy: Policy) -> list[Finding]:
    """Every folder holding model files must carry a valid ``model.sig`` from a trusted key."""
    from chainward.integrity import verify_signature
    from chainward.integrity.errors import VerificationError

    findings: list[Finding] = []
    folders = sorted({str(Path(m.path).parent) for m in inventory.models})
    trusted = signer_policy(policy)
    for folder in folders:
        signature = Path(folder) / SIGNATURE_NAME
        if not signature.is_file():
            findings.append(
                Finding(
                    "integrity",
                    "signature-missing",
                    Severity.HIGH,
                    f"{folder}: the policy requires a signature ({SIGNATURE_NAME})",
                    subject=folder,
                    location=Location(str(signature)),
                )
            )
            continue
        try:
            verify_signature(Path(folder), signature, policy=trusted)
        except VerificationError as exc:
            findings.append(
                Finding(
                    "integrity",
                    "signature-invalid",
                    Severity.CRITICAL,
                    f"{folder}: {exc.diagnostics()}",
                    subject=folder,
                    location=Location(str(signature)),
                )
            )
        except ChainwardError as exc:
            findings.append(_error_finding("integrity", exc))
    return findings


def signer_policy(policy: Policy) -> Any:
    """Any trusted key, or a certificate under a trusted root naming a trusted identity."""
    from cryptography import x509

    from chainward.errors import ConfigError
    from chainward.integrity import (
        AllOf,
        AnyOf,
        CertificatePolicy,
        IdentityPolicy,
        PublicKeyPolicy,
    )
    from chainward.integrity.keys import load_public_key

    options: list[Any] = [
        PublicKeyPolicy(key=load_public_key(p)) for p in policy.models.trusted_keys
    ]
    if policy.models.trusted_identities:
        roots = []
        for path in policy.models.trusted_roots:
            try:
                roots.extend(x509.load_pem_x509_certificates(path.read_bytes()))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"cannot read trusted root: {exc}", path=str(path)) from None
        identities = AnyOf([IdentityPolicy(identity=i) for i in policy.models.trusted_identities])
        options.append(AllOf([CertificatePolicy(trust_anchors=roots), identities]))
    return AnyOf(options)


def scan_project(
    project: Path,
    policy: Policy,
    *,
    db_path: Path | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> ScanOutcome:
    """Run every static check on ``project`` under ``policy``."""
    from chainward.inventory import collect

    today = today or dt.date.today()
    step = progress or (lambda _text: None)
    step("reading the inventory")
    inventory = collect([project], hash_models=False)  # the checks hash what they need
    parts: dict[str, CheckPart] = {}
    runners: list[tuple[str, str, Callable[[], CheckPart]]] = [
        (
            "audit",
            "matching dependencies against advisories",
            lambda: run_audit(inventory, db_path),
        ),
        ("packages", "checking package names", lambda: run_packages(inventory, db_path)),
        ("models", "scanning model files", lambda: run_models(inventory)),
        (
            "integrity",
            "checking model integrity",
            lambda: run_integrity(inventory, project, policy),
        ),
    ]
    for name, text, runner in runners:
        step(text)
        try:
            part = runner()
        except Exception as exc:  # one check's failure must not hide the others' findings
            _log.debug("%s check failed", name, exc_info=True)
            finding = _error_finding(name, exc)
            part = CheckPart({"error": finding.message}, [finding], error=finding.message)
        _apply_ignores(part, policy.ignores, today)
        parts[name] = part
    policy_findings = [
        Finding(
            "policy",
            "expired-ignore",
            Severity.HIGH,
            f"ignore of {i.id}{' for ' + i.package if i.package else ''} expired on "
            f"{i.expires.isoformat()} ({i.reason}): renew it with a new date or fix the finding",
            subject=i.id,
            location=Location(policy.source or "chainward.toml"),
        )
        for i in policy.ignores
        if i.expired(today)
    ]
    return ScanOutcome(project, policy, inventory, parts, policy_findings)


__all__ = ["CheckPart", "ScanOutcome", "scan_project"]
