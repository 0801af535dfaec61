"""Library API for ``--dynamic`` in ``model scan`` and ``pkg check`` (imported lazily).

    from chainward.sandbox.dynamic import analyze_model, analyze_package
    findings = analyze_model(Path("model.pt"))       # list[Finding], check="sandbox"
    findings = analyze_package(Path("pkg-1.0.tar.gz"))

Both raise :class:`~chainward.sandbox.interface.SandboxUnavailable` when no backend works
(never an unsandboxed run) and :class:`~chainward.errors.InputError` for unreadable input.
"""

from __future__ import annotations

from pathlib import Path

from chainward.errors import ChainwardError
from chainward.records import Finding
from chainward.sandbox.analysis import install_package, load_model
from chainward.sandbox.policy import Policy


def analyze_model(
    path: Path, *, backend: str = "auto", policy: Policy | None = None, loader: str = "auto"
) -> list[Finding]:
    """Load ``path`` in the sandbox under the lockdown; findings for what it attempted."""
    return load_model(Path(path), backend=backend, loader=loader, policy=policy).findings


def analyze_package(
    archive: Path, *, backend: str = "auto", policy: Policy | None = None
) -> list[Finding]:
    """Install ``archive`` (sdist or wheel) in the sandbox; findings for what its code tried."""
    return install_package(str(archive), backend=backend, policy=policy).findings


def static_scan(path: Path) -> list[Finding]:
    """The static model scan's findings, when that part of chainward is present."""
    try:
        from chainward.models import scan
    except (ImportError, AttributeError):
        return []
    try:
        result = scan(Path(path))
    except (ImportError, AttributeError, ChainwardError, TypeError):
        return []
    findings: list[Finding] = []
    for file in getattr(result, "files", ()):
        findings.extend(f for f in getattr(file, "findings", ()) if isinstance(f, Finding))
    return findings


__all__ = ["analyze_model", "analyze_package", "static_scan"]
