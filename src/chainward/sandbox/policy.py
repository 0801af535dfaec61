"""What a sandboxed run may see and use, and what is observed."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

MiB = 1024 * 1024


class TraceMode(str, enum.Enum):
    """How strace observes the run.

    ``full`` stops on every syscall (plain ptrace), so syscalls denied by the sandbox's
    own seccomp filters are still recorded with their arguments. ``fast`` uses
    ``--seccomp-bpf`` (about free, but a syscall denied by another filter is invisible).
    ``off`` runs no observer (only for benchmarks; findings then come from the audit hook).
    """

    FULL = "full"
    FAST = "fast"
    OFF = "off"


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run; sizes in MiB, times in seconds."""

    wall_s: float = 120.0
    cpu_s: int = 120
    memory_mb: int = 4096
    nproc: int = 128
    fsize_mb: int = 512
    nofile: int = 1024
    scratch_mb: int = 1024

    def __post_init__(self) -> None:
        for name in ("wall_s", "cpu_s", "memory_mb", "nproc", "fsize_mb", "nofile", "scratch_mb"):
            if getattr(self, name) <= 0:
                raise ValueError(f"limit {name} must be positive")


@dataclass(frozen=True)
class Policy:
    """Everything a backend needs to know about one run.

    ``ro_paths`` are host paths made visible read-only at the same place (the system
    directories and the Python interpreter are always added). ``artifact`` is the
    file under analysis; it appears read-only in the sandbox's input directory.
    ``python`` exposes the interpreter and the in-sandbox audit hook.
    """

    ro_paths: tuple[Path, ...] = ()
    artifact: Path | None = None
    limits: Limits = field(default_factory=Limits)
    trace: TraceMode = TraceMode.FULL
    python: bool = True
    extra_env: tuple[tuple[str, str], ...] = ()


__all__ = ["Limits", "MiB", "Policy", "TraceMode"]
