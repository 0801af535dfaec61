"""The sandbox backend interface, its errors, and what a backend hands the runner.

A backend turns a :class:`~chainward.sandbox.policy.Policy` and a command into a
:class:`Launch`: the argv to execute on the host (under the observer), and the
``View`` of paths as the sandboxed program sees them. The runner owns everything
else (workspace, observer, timeout, clean-up, event parsing).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward.errors import ChainwardError
from chainward.sandbox.capabilities import Capabilities
from chainward.sandbox.policy import Policy


class SandboxError(ChainwardError):
    """The sandbox could not run the program."""


class SandboxUnavailable(SandboxError):
    """No sandbox backend works here; the message says how to enable one."""


@dataclass(frozen=True)
class View:
    """Paths as the sandboxed program sees them."""

    scratch: str
    out: str
    lib: str
    inputs: str

    @property
    def home(self) -> str:
        return f"{self.scratch}/home"

    @property
    def tmp(self) -> str:
        return f"{self.scratch}/tmp"


@dataclass(frozen=True)
class Workspace:
    """Host directories of one sandbox run (all under ``root``)."""

    root: Path
    scratch: Path
    out: Path
    inputs: Path
    trace: Path
    stage: Path
    uid: int | None  # the unprivileged uid the run drops to (None: run as the caller)


@dataclass
class Launch:
    """What the runner executes: ``argv`` on the host, prepared by ``preexec`` in the child."""

    argv: list[str]
    view: View
    preexec: Callable[[], None] | None = None
    pass_fds: Sequence[int] = ()
    close_after_start: list[int] = field(default_factory=list)
    # the program the observer should treat as the wrapper (its own setup is not the target's)
    wrapper_execs: int = 1
    # the backend observes itself (gVisor); otherwise strace runs outside it
    self_observed: bool = False
    # turns the backend's own observation log into events (self-observed backends)
    collect: Callable[[Workspace, Any], list[Any]] | None = None
    # whether the runner applies the rlimits to the host process (not for gVisor, whose
    # Go runtime needs address space; it enforces the OCI rlimits itself)
    host_rlimits: bool = True
    # removes the backend's own noise from the program's stderr
    stderr_filter: Callable[[str], str] | None = None


class Backend(ABC):
    """One way of isolating a program."""

    name: str = ""
    strength: int = 0  # higher is stronger; ``auto`` tries the strongest working one first

    @abstractmethod
    def unavailable_reason(self, caps: Capabilities) -> str | None:
        """None when the backend can run here, else why not (one line)."""

    @abstractmethod
    def view(self, ws: Workspace) -> View:
        """Where the workspace appears inside the sandbox."""

    @abstractmethod
    def prepare(self, policy: Policy, ws: Workspace, command: Sequence[str]) -> Launch:
        """Build the launch for ``command`` (already expressed in the sandbox's view)."""


__all__ = [
    "Backend",
    "Launch",
    "SandboxError",
    "SandboxUnavailable",
    "View",
    "Workspace",
]
