"""What this machine offers for sandboxing, found by trying rather than guessing."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Capabilities:
    """The pieces each backend needs; ``notes`` explains anything missing."""

    linux: bool
    euid: int
    arch: str
    bwrap: str | None
    bwrap_works: bool
    strace: str | None
    runsc: str | None
    userns: bool
    landlock_abi: int
    seccomp: bool
    notes: tuple[str, ...] = ()

    @property
    def root(self) -> bool:
        return self.euid == 0

    def as_dict(self) -> dict[str, object]:
        return {
            "linux": self.linux,
            "euid": self.euid,
            "arch": self.arch,
            "bwrap": self.bwrap,
            "bwrap_works": self.bwrap_works,
            "strace": self.strace,
            "runsc": self.runsc,
            "userns": self.userns,
            "landlock_abi": self.landlock_abi,
            "seccomp": self.seccomp,
            "notes": list(self.notes),
        }


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def _userns_allowed(notes: list[str]) -> bool:
    if _read_int("/proc/sys/user/max_user_namespaces") == 0:
        notes.append("user namespaces are disabled (user.max_user_namespaces = 0)")
        return False
    if _read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1:
        notes.append(
            "AppArmor restricts unprivileged user namespaces "
            "(sysctl kernel.apparmor_restrict_unprivileged_userns=0, or a profile for bwrap)"
        )
        return os.geteuid() == 0
    if _read_int("/proc/sys/kernel/unprivileged_userns_clone") == 0:
        notes.append("unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone)")
        return os.geteuid() == 0
    return True


def _seccomp_ok() -> bool:
    from chainward.sandbox import _bpf

    return _bpf.machine() in _bpf.ARCHES and Path("/proc/self/status").exists()


_PROBE_UID = 0x5C000000  # the bottom of the per-run uid range (see workspace.py)


@functools.lru_cache(maxsize=1)
def detect() -> Capabilities:
    """Probe the machine once per process."""
    notes: list[str] = []
    if not sys.platform.startswith("linux"):
        notes.append("dynamic analysis is Linux-only; static scanning still works")
        return Capabilities(
            False,
            os.geteuid() if hasattr(os, "geteuid") else -1,
            "",
            None,
            False,
            None,
            None,
            False,
            0,
            False,
            tuple(notes),
        )
    from chainward.sandbox import _bpf, _linux

    bwrap = shutil.which("bwrap")
    strace = shutil.which("strace")
    runsc = shutil.which("runsc")
    userns = _userns_allowed(notes)
    bwrap_works = False
    if bwrap is None:
        notes.append("bubblewrap is not installed (apt-get install bubblewrap)")
    else:
        try:
            # as the sandbox will run it: unprivileged (root drops to a per-run uid first)
            uid = _PROBE_UID if os.geteuid() == 0 else None
            proc = subprocess.run(
                [bwrap, "--unshare-all", "--unshare-user", "--ro-bind", "/", "/", "--", "true"],
                capture_output=True,
                timeout=20,
                check=False,
                user=uid,
                group=uid,
                extra_groups=[] if uid is not None else None,
            )
            bwrap_works = proc.returncode == 0
            if not bwrap_works:
                err = proc.stderr.decode(errors="replace").strip().splitlines()
                notes.append(
                    f"bubblewrap does not work here: {err[-1] if err else proc.returncode}"
                    " (in Docker: --security-opt seccomp=unconfined)"
                )
        except (OSError, subprocess.SubprocessError) as exc:
            notes.append(f"bubblewrap does not work here: {exc}")
    if strace is None:
        notes.append("strace is not installed (apt-get install strace); nothing can be observed")
    abi = _linux.landlock_abi()
    return Capabilities(
        linux=True,
        euid=os.geteuid(),
        arch=_bpf.machine(),
        bwrap=bwrap,
        bwrap_works=bwrap_works,
        strace=strace,
        runsc=runsc,
        userns=userns,
        landlock_abi=abi,
        seccomp=_seccomp_ok(),
        notes=tuple(notes),
    )


__all__ = ["Capabilities", "detect"]
