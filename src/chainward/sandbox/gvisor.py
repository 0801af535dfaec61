"""gVisor backend (opt-in): ``runsc run`` on an OCI bundle mirroring the bubblewrap view.

gVisor gives the program its own user-space kernel, so it is the strongest backend,
but it is 2-3x slower and needs ``runsc``. It must use the ptrace platform on nested
VMs (KVM hangs there) and ``--ignore-cgroups`` (a killed run otherwise leaves cgroups
behind). Observation comes from gVisor's own ``--strace`` log (argv, sockaddrs and
paths decoded by the sentry), parsed by :func:`parse_gvisor_log`; a child cannot hide
from it with CLONE_UNTRACED because it is the kernel that logs.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Sequence
from errno import errorcode as errno_names
from pathlib import Path
from typing import Any

from chainward.sandbox.bubblewrap import LIB_DIR, VIEW, sandbox_env
from chainward.sandbox.capabilities import Capabilities
from chainward.sandbox.events import (
    _WRITE_FLAGS,
    Context,
    Event,
    _Builder,
    argv_key,
    sensitive_label,
)
from chainward.sandbox.interface import Backend, Launch, View, Workspace
from chainward.sandbox.layout import passwd_text, root_entries
from chainward.sandbox.policy import MiB, Policy, TraceMode
from chainward.sandbox.strace import _matching_paren, decode_array, split_args

GVISOR_SYSCALLS = (
    "execve",
    "execveat",
    "connect",
    "bind",
    "sendto",
    "sendmsg",
    "socket",
    "open",
    "openat",
    "creat",
    "rename",
    "renameat",
    "unlink",
    "unlinkat",
    "mkdir",
    "mkdirat",
    "chmod",
    "fchmodat",
    "kill",
    "tgkill",
    "ptrace",
    "mount",
    "unshare",
    "setns",
    "clone",
    "fork",
    "vfork",
    "mmap",
)
_UID = 65534


def _rlimits(policy: Policy) -> list[dict[str, Any]]:
    lim = policy.limits
    values = {
        "RLIMIT_AS": lim.memory_mb * MiB,
        "RLIMIT_CPU": lim.cpu_s,
        "RLIMIT_NPROC": lim.nproc,
        "RLIMIT_FSIZE": lim.fsize_mb * MiB,
        "RLIMIT_NOFILE": lim.nofile,
        "RLIMIT_CORE": 0,
    }
    return [{"type": k, "hard": v, "soft": v} for k, v in values.items()]


def oci_config(policy: Policy, ws: Workspace, command: Sequence[str]) -> dict[str, Any]:
    """The OCI runtime config: read-only root, allowlisted binds, sized scratch tmpfs."""
    mounts: list[dict[str, Any]] = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {
            "destination": "/tmp",
            "type": "tmpfs",
            "source": "tmpfs",
            "options": ["nosuid", "nodev", "mode=1777"],
        },
    ]
    for entry in root_entries(policy, exclude=(str(ws.root),)):
        if entry.source is not None:
            mounts.append(
                {
                    "destination": entry.path,
                    "type": "bind",
                    "source": entry.source,
                    "options": ["rbind", "ro"],
                }
            )
    mounts += [
        {
            "destination": "/etc/passwd",
            "type": "bind",
            "source": str(ws.stage / "passwd"),
            "options": ["rbind", "ro"],
        },
        {
            "destination": "/etc/group",
            "type": "bind",
            "source": str(ws.stage / "group"),
            "options": ["rbind", "ro"],
        },
        {
            "destination": VIEW.scratch,
            "type": "bind",
            "source": str(ws.scratch),
            "options": ["rbind", "rw"],
        },
        {
            "destination": VIEW.out,
            "type": "bind",
            "source": str(ws.out),
            "options": ["rbind", "rw"],
        },
        {"destination": VIEW.lib, "type": "bind", "source": LIB_DIR, "options": ["rbind", "ro"]},
        {
            "destination": VIEW.inputs,
            "type": "bind",
            "source": str(ws.inputs),
            "options": ["rbind", "ro"],
        },
    ]
    env = sandbox_env(VIEW, policy)
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": _UID, "gid": _UID},
            "args": list(command),
            "env": [f"{k}={v}" for k, v in env.items()],
            "cwd": VIEW.scratch,
            "capabilities": {
                "bounding": [],
                "effective": [],
                "inheritable": [],
                "permitted": [],
                "ambient": [],
            },
            "rlimits": _rlimits(policy),
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "sandbox",
        "mounts": mounts,
        "linux": {"namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")]},
    }


def _make_rootfs(rootfs: Path, policy: Policy, ws: Workspace) -> None:
    """Mount points and merged-/usr symlinks inside an otherwise empty root."""
    for entry in root_entries(policy, exclude=(str(ws.root),)):
        target = rootfs / entry.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.link_to is not None:
            target.symlink_to(entry.link_to)
        elif entry.source is not None and os.path.isdir(entry.source):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.touch()
    for path in ("proc", "tmp", "dev", VIEW.scratch, VIEW.out, VIEW.lib, VIEW.inputs):
        (rootfs / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
    for name in ("passwd", "group"):
        (rootfs / "etc" / name).touch()
    for walk_root, dirs, _ in os.walk(rootfs):
        for name in dirs:
            os.chmod(os.path.join(walk_root, name), 0o755)


class GvisorBackend(Backend):
    name = "gvisor"
    strength = 30

    def unavailable_reason(self, caps: Capabilities) -> str | None:
        if not caps.linux:
            return "dynamic analysis is Linux-only"
        if caps.runsc is None:
            return "gVisor's runsc is not installed (apt-get install runsc, or gvisor.dev)"
        if not caps.root:
            return "the gVisor backend needs root (runsc run)"
        return None

    def view(self, ws: Workspace) -> View:
        return VIEW

    def prepare(self, policy: Policy, ws: Workspace, command: Sequence[str]) -> Launch:
        passwd, group = passwd_text(_UID, VIEW.home)
        (ws.stage / "passwd").write_text(passwd)
        (ws.stage / "group").write_text(group)
        for name in ("home", "tmp"):
            path = ws.scratch / name
            path.mkdir(exist_ok=True)
            os.chown(path, _UID, _UID)
        os.chown(ws.scratch, _UID, _UID)
        os.chown(ws.out, _UID, _UID)
        bundle = ws.stage / "bundle"
        rootfs = bundle / "rootfs"
        rootfs.mkdir(parents=True)
        _make_rootfs(rootfs, policy, ws)
        (bundle / "config.json").write_text(json.dumps(oci_config(policy, ws, command)))
        state = ws.stage / "runsc-state"
        state.mkdir()
        logdir = ws.trace / "gvisor"
        logdir.mkdir(exist_ok=True)
        runsc = shutil.which("runsc") or "runsc"
        argv = [runsc, f"--root={state}", "--ignore-cgroups", "--network=none", "--platform=ptrace"]
        if policy.trace is not TraceMode.OFF:
            argv += [
                "--strace",
                "--strace-syscalls=" + ",".join(GVISOR_SYSCALLS),
                "--debug",
                f"--debug-log={logdir}/",
            ]
        argv += ["run", "--bundle", str(bundle), f"chainward-{secrets.token_hex(6)}"]

        def collect(_ws: Workspace, ctx: Context) -> list[Event]:
            lines: list[str] = []
            for path in sorted(logdir.glob("*boot*")):
                with path.open(encoding="utf-8", errors="replace") as fh:
                    lines.extend(fh)
            return gvisor_events(lines, ctx, command)

        return Launch(argv=argv, view=VIEW, self_observed=True, collect=collect, host_rlimits=False)


# --- gVisor strace log ----------------------------------------------------------------

_GLINE = re.compile(r"strace\.go:\d+\] \[\s*(\d+):\s*(\d+)\] (\S+) ([EX]) (\w+)\((.*)$")


def _split_call(rest: str) -> tuple[list[str], str]:
    """(arguments, text after ``) = ``) of one gVisor strace exit line."""
    close = _matching_paren("(" + rest, 0) - 1
    if close < 0:
        return [], ""
    ret = rest[close + 1 :].strip()
    return split_args(rest[:close]), ret[1:].strip() if ret.startswith("=") else ret


def _value(arg: str) -> str:
    """gVisor prints pointers followed by their decoded value: ``0x7f.. /usr/bin/id``."""
    parts = arg.split(" ", 1)
    return parts[1] if len(parts) == 2 and parts[0].startswith("0x") else arg


def gvisor_events(lines: Iterable[str], ctx: Context, command: Sequence[str]) -> list[Event]:
    """Events from gVisor's ``--strace`` debug log (exit lines carry the result)."""
    builder = _Builder(ctx)
    for line in lines:
        match = _GLINE.search(line)
        if not match or match.group(4) != "X":
            continue
        name = match.group(5)
        args, ret = _split_call(match.group(6))
        errno_match = re.search(r"errno=(\d+) \(([^)]*)\)", ret)
        failed = errno_match is not None
        errno = int(errno_match.group(1)) if errno_match else 0
        outcome = f" -> {errno_names.get(errno, errno)}" if errno_match else ""
        if name in ("execve", "execveat") and len(args) >= 2:
            if errno == 2:
                continue  # PATH search
            path = _value(args[0])
            argv = decode_array(_value(args[1]))
            builder.add(
                "exec",
                f"{path} {json.dumps(argv)}{outcome}",
                failed,
                forbidden=True,
                key=argv_key(argv, path),
                source="gvisor",
            )
        elif name in ("connect", "bind", "sendto", "sendmsg"):
            fam = re.search(
                r"Family: (AF_\w+)(?:, Addr: ([^,}]*))?(?:, Port: (\d+))?", match.group(6)
            )
            if not fam:
                continue
            family, addr, port = fam.group(1), (fam.group(2) or "").strip(), fam.group(3)
            if family not in ("AF_INET", "AF_INET6"):
                continue
            where = f"[{addr}]:{port}" if family == "AF_INET6" else f"{addr}:{port}"
            builder.add(
                "network",
                f"{name} {where}{outcome}",
                True,
                forbidden=True,
                key=f"{name} {where}",
                source="gvisor",
            )
        elif name in ("open", "openat", "creat") and args:
            path = _value(args[1] if name == "openat" and len(args) > 1 else args[0])
            flags = (
                args[2]
                if name == "openat" and len(args) > 2
                else (args[1] if len(args) > 1 else "")
            )
            if not path.startswith("/"):
                continue
            label = sensitive_label(path)
            writing = name == "creat" or bool(_WRITE_FLAGS.search(flags))
            if label and not writing:
                builder.add(
                    "file.read",
                    f"read {path} ({label}){outcome}",
                    failed,
                    forbidden=True,
                    key=path,
                    source="gvisor",
                )
            elif writing and not path.startswith(ctx.write_ok()):
                builder.add(
                    "file.write",
                    f"write {path} outside scratch{outcome}",
                    failed,
                    forbidden=True,
                    key=f"write {path}",
                    source="gvisor",
                )
        elif name in ("clone", "fork", "vfork") and errno == 11:
            builder.add(
                "limit",
                f"process limit reached: {name}{outcome}",
                True,
                forbidden=True,
                key=f"spawn {name}",
                source="gvisor",
            )
        elif name == "mmap" and errno == 12:
            builder.add(
                "limit",
                f"memory limit reached: mmap{outcome}",
                True,
                forbidden=True,
                key="memory",
                source="gvisor",
            )
        elif name in ("ptrace", "mount", "unshare", "setns"):
            builder.add(
                "denied",
                f"{name}({', '.join(args)[:120]}){outcome or ' -> allowed'}",
                failed,
                forbidden=True,
                key=name,
                source="gvisor",
            )
    return builder.summarise()


__all__ = ["GVISOR_SYSCALLS", "GvisorBackend", "gvisor_events", "oci_config"]
