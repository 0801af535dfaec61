"""The backend registry and ``auto`` selection (strongest that works; never none)."""

from __future__ import annotations

from chainward.sandbox.capabilities import Capabilities
from chainward.sandbox.interface import Backend, SandboxUnavailable

BACKEND_NAMES = ("auto", "bwrap", "gvisor", "landlock")

_HOW_TO = (
    "install bubblewrap (apt-get install bubblewrap / dnf install bubblewrap); on Ubuntu >= 23.10 "
    "allow user namespaces (sysctl kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor "
    "profile for bwrap); in Docker run with --security-opt seccomp=unconfined --security-opt "
    "apparmor=unconfined; dynamic analysis is Linux-only, static scanning still works"
)


def all_backends() -> dict[str, Backend]:
    from chainward.sandbox.bubblewrap import BubblewrapBackend
    from chainward.sandbox.gvisor import GvisorBackend
    from chainward.sandbox.landlock_ns import LandlockBackend

    return {"bwrap": BubblewrapBackend(), "gvisor": GvisorBackend(), "landlock": LandlockBackend()}


def available(caps: Capabilities) -> dict[str, str | None]:
    """Backend name -> None when usable, else the reason it is not."""
    return {name: b.unavailable_reason(caps) for name, b in all_backends().items()}


def select(name: str, caps: Capabilities) -> Backend:
    """The backend called ``name``; ``auto`` is bubblewrap, else the Landlock fallback.

    gVisor is opt-in only: it is stronger but 2-3x slower and needs runsc.
    """
    backends = all_backends()
    if name == "auto":
        reasons = []
        for candidate in ("bwrap", "landlock"):
            reason = backends[candidate].unavailable_reason(caps)
            if reason is None:
                return backends[candidate]
            reasons.append(f"{candidate}: {reason}")
        raise SandboxUnavailable(
            "no sandbox backend works here (" + "; ".join(reasons) + "). To enable one: " + _HOW_TO
        )
    backend = backends.get(name)
    if backend is None:
        raise SandboxUnavailable(
            f"unknown sandbox backend {name!r} (choose from " + ", ".join(BACKEND_NAMES) + ")"
        )
    reason = backend.unavailable_reason(caps)
    if reason is not None:
        raise SandboxUnavailable(f"sandbox backend {name!r} is not usable here: {reason}")
    return backend


__all__ = ["BACKEND_NAMES", "all_backends", "available", "select"]
