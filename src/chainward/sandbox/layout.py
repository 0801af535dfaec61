"""The read-only view every backend starts from: system directories and the interpreter."""

from __future__ import annotations

import os
import site
import sys
from dataclasses import dataclass
from pathlib import Path

from chainward.sandbox.policy import Policy

# top-level directories that merged-/usr systems make symlinks
_ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# the few /etc entries programs need to start; never passwd/shadow/hosts of the host
_ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "ssl",
    "ca-certificates",
    "alternatives",
    "localtime",
    "mime.types",
    "python3",
    "python3.11",
)

SANDBOX_NAME = "sandbox"


@dataclass(frozen=True)
class RootEntry:
    """One thing in the sandbox's root: a read-only bind or a symlink."""

    path: str
    source: str | None = None  # None for symlinks
    link_to: str | None = None


def python_paths() -> list[str]:
    """Directories holding the running interpreter and its packages."""
    found: list[str] = []
    candidates = [
        sys.base_prefix,
        sys.prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        str(Path(sys.executable).parent),
        str(Path(os.path.realpath(sys.executable)).parent),
    ]
    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and os.path.isdir(user_site):
        candidates.append(user_site)
    for path in candidates:
        real = os.path.realpath(path)
        if real.startswith("/usr/") or real == "/usr" or real.startswith("/proc"):
            continue
        if os.path.isdir(real) and real not in found:
            found.append(real)
    # keep only the outermost of nested directories
    return [p for p in found if not any(p != q and p.startswith(q + "/") for q in found)]


def root_entries(policy: Policy, *, exclude: tuple[str, ...] = ()) -> list[RootEntry]:
    """What a minimal root needs, in mount order."""
    entries = [RootEntry("/usr", "/usr")]
    for name in _ROOT_LINKS:
        path = f"/{name}"
        if os.path.islink(path):
            entries.append(RootEntry(path, link_to=os.readlink(path)))
        elif os.path.isdir(path):
            entries.append(RootEntry(path, path))
    for name in _ETC:
        path = f"/etc/{name}"
        if os.path.exists(path):
            entries.append(RootEntry(path, os.path.realpath(path)))
    extra = python_paths() if policy.python else []
    extra += [os.path.realpath(p) for p in policy.ro_paths]
    for path in extra:
        if os.path.exists(path) and not path.startswith(exclude or ("\0",)):
            entries.append(RootEntry(path, path))
    return entries


def passwd_text(uid: int, home: str) -> tuple[str, str]:
    """A two-line /etc/passwd and /etc/group for the sandbox, so ``id`` and ``getpass`` work."""
    passwd = f"root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n{SANDBOX_NAME}:x:{uid}:{uid}::{home}:/bin/sh\n"
    group = f"root:x:0:\n{SANDBOX_NAME}:x:{uid}:\n"
    return passwd, group


__all__ = ["RootEntry", "passwd_text", "python_paths", "root_entries"]
