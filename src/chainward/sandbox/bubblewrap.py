"""bubblewrap backend: an allowlisted read-only root in fresh namespaces.

Run as root, bubblewrap's ``--uid`` only changes the uid *inside* its user namespace:
the kernel uid stays 0, so root-owned files that are bound stay readable and the
kernel ignores RLIMIT_NPROC. So when chainward runs as root, the child first makes a
private mount namespace, binds every read-only source onto a staging directory (so
paths under ``/root`` stay reachable), drops to an unprivileged per-run uid, and only
then runs bubblewrap, which binds from the staging directories.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from chainward.sandbox import _bpf, _linux
from chainward.sandbox.capabilities import Capabilities
from chainward.sandbox.interface import Backend, Launch, View, Workspace
from chainward.sandbox.layout import passwd_text, root_entries
from chainward.sandbox.policy import MiB, Policy

LIB_DIR = str(Path(__file__).resolve().parent)

VIEW = View(scratch="/sandbox", out="/cw-out", lib="/cw/lib", inputs="/cw-in")


def sandbox_env(view: View, policy: Policy) -> dict[str, str]:
    """The whole environment of the sandboxed program."""
    env = {
        "HOME": view.home,
        "TMPDIR": view.tmp,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "USER": "sandbox",
    }
    if policy.python:
        env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
        env["PYTHONPATH"] = f"{view.lib}/entry/site"
        env["CHAINWARD_AUDIT_DIR"] = view.out
        env["CHAINWARD_SCRATCH"] = view.scratch
    env.update(dict(policy.extra_env))
    return env


def _reachable(path: str, uid: int) -> bool:
    """Whether ``uid`` (in no group of the owner) can reach and read ``path`` by itself."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    owned = st.st_uid == uid
    need = (0o500 if owned else 0o005) if stat.S_ISDIR(st.st_mode) else (0o400 if owned else 0o004)
    if st.st_mode & need != need:
        return False
    parent = os.path.dirname(path.rstrip("/"))
    while parent and parent != "/":
        try:
            pst = os.stat(parent)
        except OSError:
            return False
        bit = 0o100 if pst.st_uid == uid else 0o001
        if not pst.st_mode & bit:
            return False
        parent = os.path.dirname(parent)
    return True


class Stager:
    """Binds sources onto staging paths and drops privileges, in the forked child."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.binds: list[tuple[str, str, bool]] = []

    def stage(self, source: str, *, writable: bool = False) -> str:
        """The path bubblewrap should bind from (a staging path when dropping root)."""
        if self.ws.uid is None or _reachable(source, self.ws.uid):
            return source
        target = self.ws.stage / str(len(self.binds))
        if os.path.isdir(source):
            target.mkdir(mode=0o755)
        else:
            target.touch(mode=0o644)
        self.binds.append((source, str(target), writable))
        return str(target)

    def preexec(self) -> Callable[[], None] | None:
        if self.ws.uid is None:
            return None
        binds = list(self.binds)
        uid = self.ws.uid

        def run() -> None:
            _linux.unshare(_linux.CLONE_NEWNS)
            _linux.make_private_mounts()
            for source, target, writable in binds:
                _linux.bind(source, target, readonly=not writable)
            _linux.drop_to(uid, uid)

        return run


class BubblewrapBackend(Backend):
    name = "bwrap"
    strength = 20

    def unavailable_reason(self, caps: Capabilities) -> str | None:
        if not caps.linux:
            return "dynamic analysis is Linux-only"
        if caps.bwrap is None:
            return "bubblewrap is not installed (apt-get install bubblewrap)"
        if not caps.userns:
            return "user namespaces are not available to unprivileged bubblewrap"
        if not caps.bwrap_works:
            return "bubblewrap cannot create namespaces here (see `chainward sandbox doctor`)"
        return None

    def view(self, ws: Workspace) -> View:
        return VIEW

    def argv(
        self,
        policy: Policy,
        ws: Workspace,
        command: Sequence[str],
        stager: Stager,
        seccomp_fd: int | None,
        bwrap: str = "bwrap",
    ) -> list[str]:
        view = VIEW
        argv = [
            bwrap,
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--hostname",
            "sandbox",
            "--cap-drop",
            "ALL",
        ]
        for key, value in sandbox_env(view, policy).items():
            argv += ["--setenv", key, value]
        # tmpfs first: read-only paths under /tmp or /run are bound on top of them
        argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run"]
        for entry in root_entries(policy, exclude=(str(ws.root),)):
            if entry.link_to is not None:
                argv += ["--symlink", entry.link_to, entry.path]
            elif entry.source is not None:
                argv += ["--ro-bind", stager.stage(entry.source), entry.path]
        argv += ["--ro-bind", stager.stage(str(ws.stage / "passwd")), "/etc/passwd"]
        argv += ["--ro-bind", stager.stage(str(ws.stage / "group")), "/etc/group"]
        scratch_bytes = policy.limits.scratch_mb * MiB
        argv += ["--size", str(scratch_bytes), "--perms", "0755", "--tmpfs", view.scratch]
        argv += ["--dir", view.home, "--dir", view.tmp]
        argv += ["--bind", stager.stage(str(ws.out), writable=True), view.out]
        argv += ["--ro-bind", stager.stage(LIB_DIR), view.lib]
        argv += ["--ro-bind", stager.stage(str(ws.inputs)), view.inputs]
        argv += ["--remount-ro", "/", "--chdir", view.scratch]
        if seccomp_fd is not None:
            argv += ["--seccomp", str(seccomp_fd)]
        return [*argv, "--", *command]

    def prepare(self, policy: Policy, ws: Workspace, command: Sequence[str]) -> Launch:
        uid = ws.uid if ws.uid is not None else os.getuid()
        passwd, group = passwd_text(uid, VIEW.home)
        (ws.stage / "passwd").write_text(passwd)
        (ws.stage / "group").write_text(group)
        read_fd, write_fd = os.pipe()
        os.write(write_fd, _bpf.build("hardening"))
        os.close(write_fd)
        stager = Stager(ws)
        argv = self.argv(policy, ws, command, stager, read_fd, bwrap=_which_bwrap())
        return Launch(
            argv=argv,
            view=VIEW,
            preexec=stager.preexec(),
            pass_fds=(read_fd,),
            close_after_start=[read_fd],
        )


def _which_bwrap() -> str:
    from chainward.sandbox.capabilities import detect

    return detect().bwrap or "bwrap"


__all__ = ["VIEW", "BubblewrapBackend", "Stager", "sandbox_env"]
