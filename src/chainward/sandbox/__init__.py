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

from typing import TYPE_CHECKING

from chainward._internal.lazy import lazy_exports

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

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
