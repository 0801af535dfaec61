# ruff: noqa: SIM115 - the probe leaks handles on purpose, like the malware it imitates
"""Inert probe run *inside* the sandbox by the tests: tries what malware tries.

usage: probe.py CANARY_PATH HOST_PATH ACTION...
Prints one JSON object {action: outcome}. Network attempts go to loopback only.
"""

import ctypes
import json
import os
import socket
import subprocess
import sys
import time


def attempt(fn):
    try:
        return "ok: " + str(fn())
    except BaseException as exc:
        return f"{type(exc).__name__}: {exc}"


def fork_bomb():
    children = []
    try:
        for _ in range(400):
            pid = os.fork()
            if pid == 0:
                time.sleep(3)
                os._exit(0)
            children.append(pid)
        return f"forked {len(children)}"
    finally:
        for pid in children:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        print(json.dumps({"forked": len(children)}), file=sys.stderr)


def untraced_exec():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    clone_untraced, sigchld = 0x00800000, 17
    pid = libc.syscall(56, clone_untraced | sigchld, 0, 0, 0, 0)
    if pid == 0:
        os.execv("/bin/true", ["true", "untraced-child"])
    if pid < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    os.waitpid(pid, 0)
    return f"child {pid}"


def main():
    canary, host_path, *actions = sys.argv[1:]
    probes = {
        "uid": lambda: open("/proc/self/status").read().split("Uid:")[1].split()[0],
        "exec": lambda: subprocess.run(["true", "probe-exec"], check=True).returncode,
        "connect": lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
        "canary": lambda: open(canary).read(),
        "write_etc": lambda: open("/etc/cw-probe-canary", "w"),
        "write_host": lambda: open(host_path, "w"),
        "write_scratch": lambda: open(os.path.join(os.environ["TMPDIR"], "ok"), "w").write("x"),
        "fork_bomb": fork_bomb,
        "alloc": lambda: len(bytearray(8 * 1024**3)),
        "untraced": untraced_exec,
        "env": lambda: sorted(os.environ),
        "sleep": lambda: time.sleep(60),
        "spin": lambda: [0 for _ in iter(int, 1)],
    }
    print(json.dumps({name: attempt(probes[name]) for name in actions}), flush=True)


main()
