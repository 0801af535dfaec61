"""Fallback backend: namespaces + Landlock + seccomp, launched by a small Python program.

Used by ``auto`` when bubblewrap is missing or cannot create namespaces. Weaker than
bubblewrap in one visible way (paths outside the allowlist exist but answer EACCES
instead of being absent) and ~50 ms slower to start; see ``entry/ns_launch.py``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

from chainward.sandbox.bubblewrap import LIB_DIR, sandbox_env
from chainward.sandbox.capabilities import Capabilities
from chainward.sandbox.interface import Backend, Launch, View, Workspace
from chainward.sandbox.layout import passwd_text, root_entries
from chainward.sandbox.policy import MiB, Policy


class LandlockBackend(Backend):
    name = "landlock"
    strength = 10

    def unavailable_reason(self, caps: Capabilities) -> str | None:
        if not caps.linux:
            return "dynamic analysis is Linux-only"
        if caps.landlock_abi < 1:
            return "the kernel has no Landlock (needs Linux >= 5.13 with CONFIG_SECURITY_LANDLOCK)"
        if not caps.seccomp:
            return f"no seccomp syscall table for {caps.arch}"
        if not caps.root and not caps.userns:
            return "needs root or unprivileged user namespaces"
        return None

    def view(self, ws: Workspace) -> View:
        return View(scratch=str(ws.scratch), out=str(ws.out), lib=LIB_DIR, inputs=str(ws.inputs))

    def prepare(self, policy: Policy, ws: Workspace, command: Sequence[str]) -> Launch:
        view = self.view(ws)
        uid = ws.uid
        passwd, group = passwd_text(uid if uid is not None else os.getuid(), view.home)
        (ws.stage / "passwd").write_text(passwd)
        (ws.stage / "group").write_text(group)
        ro = [e.source for e in root_entries(policy, exclude=(str(ws.root),)) if e.source]
        ro += [e.path for e in root_entries(policy) if e.link_to]
        ro += [LIB_DIR, str(ws.inputs)]
        config = {
            "lib": LIB_DIR,
            "ro": sorted(set(ro)),
            "rw": [str(ws.out), str(ws.scratch)],
            "scratch": str(ws.scratch),
            "scratch_bytes": policy.limits.scratch_mb * MiB,
            "uid": uid,
            "env": sandbox_env(view, policy),
            "files": {
                "/etc/passwd": str(ws.stage / "passwd"),
                "/etc/group": str(ws.stage / "group"),
            },
        }
        config_path = ws.stage / "launch.json"
        config_path.write_text(json.dumps(config))
        argv = [
            sys.executable,
            "-I",
            "-S",
            f"{LIB_DIR}/entry/ns_launch.py",
            str(config_path),
            "--",
            *command,
        ]
        return Launch(argv=argv, view=view, wrapper_execs=1)


__all__ = ["LandlockBackend"]
