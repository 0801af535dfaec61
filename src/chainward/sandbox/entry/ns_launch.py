"""Fallback sandbox launcher: namespaces + Landlock + seccomp, in pure Python (stdlib only).

usage: python -I -S ns_launch.py CONFIG.json -- CMD...

Runs on the host (under strace), then confines itself step by step and executes CMD:
new mount/net/ipc/uts/pid namespaces (plus a user namespace when not root), tmpfs over
the directories that hold home directories and temporary files with only the needed
paths bound back, a sized tmpfs scratch, a fresh /proc, an unprivileged per-run uid
when root, a Landlock ruleset (read-only allowlist, writable scratch, no TCP, no
signals out), the hardening seccomp filter, and an empty environment.
"""

import json
import os
import signal
import sys
from typing import Any

COVER = ("/etc", "/root", "/home", "/tmp", "/var/tmp", "/run", "/mnt", "/media", "/srv", "/opt")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def _expose(linux: Any, fds: dict[str, tuple[int, bool, bool]], covered: list[str]) -> None:
    """Bind each needed path that a tmpfs now hides back into place."""
    for path, (fd, writable, is_dir) in fds.items():
        if not any(_under(path, top) for top in covered):
            continue
        if is_dir:
            os.makedirs(path, mode=0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            with open(path, "a"):
                pass
        linux.bind(f"/proc/self/fd/{fd}", path, readonly=not writable)


def _setup_user_ns(linux: Any, uid: int, gid: int) -> None:
    linux.unshare(linux.CLONE_NEWUSER)
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"0 {gid} 1")


def child(cfg: dict[str, Any], linux: Any, bpf: Any, command: list[str]) -> None:
    linux.set_parent_death_signal(signal.SIGKILL)
    read_paths, write_paths = cfg["ro"], cfg["rw"]
    fds: dict[str, tuple[int, bool, bool]] = {}
    for path in read_paths + write_paths:
        try:
            fds[path] = (
                os.open(path, os.O_PATH | os.O_CLOEXEC),
                path in write_paths,
                os.path.isdir(path),
            )
        except OSError:
            continue
    for target, source in cfg["files"].items():
        fds[target] = (os.open(source, os.O_PATH | os.O_CLOEXEC), False, False)
    covered = [d for d in COVER if os.path.isdir(d) and not os.path.islink(d)]
    for top in covered:
        linux.mount("tmpfs", top, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "mode=0755")
    _expose(linux, fds, covered)
    scratch = cfg["scratch"]
    owner = cfg["uid"] if cfg["uid"] is not None else 0
    linux.mount(
        "tmpfs",
        scratch,
        "tmpfs",
        linux.MS_NOSUID | linux.MS_NODEV,
        f"size={cfg['scratch_bytes']},mode=0755,uid={owner},gid={owner}",
    )
    for name in ("home", "tmp"):
        os.mkdir(os.path.join(scratch, name), 0o755)
        os.chown(os.path.join(scratch, name), owner, owner)
    linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    for fd, _, _ in fds.values():
        os.close(fd)
    try:
        import socket

        socket.sethostname("sandbox")
    except OSError:
        pass
    os.chdir(scratch)
    if cfg["uid"] is not None:
        linux.drop_to(cfg["uid"], cfg["uid"])
        linux.set_parent_death_signal(signal.SIGKILL)
    linux.landlock_restrict(
        [*read_paths, "/proc", *DEVICES, *cfg["files"]],
        [*write_paths, scratch, "/dev/null", "/dev/tty"],
    )
    bpf.install(bpf.build("hardening"), all_threads=False)
    os.execvpe(command[0], command, cfg["env"])


def main() -> None:
    config_path = sys.argv[1]
    command = sys.argv[3:]
    with open(config_path) as fh:
        cfg = json.load(fh)
    sys.path.insert(0, cfg["lib"])
    import _bpf  # type: ignore[import-not-found]
    import _linux  # type: ignore[import-not-found]

    flags = (
        _linux.CLONE_NEWNS
        | _linux.CLONE_NEWNET
        | _linux.CLONE_NEWIPC
        | _linux.CLONE_NEWUTS
        | _linux.CLONE_NEWPID
    )
    if os.geteuid() != 0:
        _setup_user_ns(_linux, os.getuid(), os.getgid())
    _linux.unshare(flags)
    _linux.make_private_mounts()
    _linux.set_parent_death_signal(signal.SIGKILL)
    pid = os.fork()
    if pid == 0:
        try:
            child(cfg, _linux, _bpf, command)
        except BaseException as exc:
            print(f"chainward-launcher: {type(exc).__name__}: {exc}", file=sys.stderr)
        os._exit(126)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status))


if __name__ == "__main__":
    main()
