"""Sandboxed execution and dynamic analysis of untrusted packages and models.

Public API::

    from chainward.sandbox import load_model, install_package, run_command, detect
    analysis = load_model(Path("model.pt"))     # Analysis(backend, events, findings, ...)
    analysis.document()                         # the contract JSON

Backends: bubblewrap (default; drops root to a per-run uid first), gVisor (opt-in,
needs ``runsc``), and a namespaces + Landlock + seccomp fallback. ``auto`` never
falls back to running anything unsandboxed: it raises ``SandboxUnavailable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chainward.sandbox.analysis import Analysis, install_package, load_model, run_command
    from chainward.sandbox.capabilities import Capabilities, detect
    from chainward.sandbox.events import Event
    from chainward.sandbox.interface import SandboxError, SandboxUnavailable
    from chainward.sandbox.policy import Limits, Policy, TraceMode

_LAZY = {
    "Analysis": "chainward.sandbox.analysis",
    "install_package": "chainward.sandbox.analysis",
    "load_model": "chainward.sandbox.analysis",
    "run_command": "chainward.sandbox.analysis",
    "Capabilities": "chainward.sandbox.capabilities",
    "detect": "chainward.sandbox.capabilities",
    "Event": "chainward.sandbox.events",
    "SandboxError": "chainward.sandbox.interface",
    "SandboxUnavailable": "chainward.sandbox.interface",
    "Limits": "chainward.sandbox.policy",
    "Policy": "chainward.sandbox.policy",
    "TraceMode": "chainward.sandbox.policy",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'chainward.sandbox' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Analysis",
    "Capabilities",
    "Event",
    "Limits",
    "Policy",
    "SandboxError",
    "SandboxUnavailable",
    "TraceMode",
    "detect",
    "install_package",
    "load_model",
    "run_command",
]
