"""The bubblewrap argv, the fallback launcher config, and the seccomp BPF programs."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from chainward.sandbox import _bpf
from chainward.sandbox.bubblewrap import VIEW, BubblewrapBackend, Stager, sandbox_env
from chainward.sandbox.interface import Workspace
from chainward.sandbox.landlock_ns import LandlockBackend
from chainward.sandbox.policy import Policy


def _workspace(tmp_path: Path, uid: int | None) -> Workspace:
    dirs = {n: tmp_path / n for n in ("scratch", "out", "inputs", "trace", "stage")}
    for d in dirs.values():
        d.mkdir()
    return Workspace(root=tmp_path, uid=uid, **dirs)


def test_bwrap_argv_isolates(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, None)
    argv = BubblewrapBackend().argv(Policy(), ws, ["python", "-c", "pass"], Stager(ws), 7)
    for flag in ("--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
                 "--new-session", "--clearenv", "--remount-ro"):
        assert flag in argv
    assert argv[argv.index("--seccomp") + 1] == "7"
    assert argv[-4:] == ["--", "python", "-c", "pass"]
    binds = [argv[i + 2] for i, a in enumerate(argv) if a == "--ro-bind"]
    assert "/usr" in binds and "/etc/passwd" in binds
    assert not any(b in ("/", "/root", "/home", "/etc", "/etc/shadow") for b in binds)
    size = argv.index("--size")
    assert argv[size + 5] == VIEW.scratch and argv[size + 4] == "--tmpfs"
    names = [argv[i + 1] for i, a in enumerate(argv) if a == "--setenv"]
    assert set(names) <= {"HOME", "TMPDIR", "PATH", "LANG", "PYTHONDONTWRITEBYTECODE",
                          "PYTHONNOUSERSITE", "PYTHONPATH", "CHAINWARD_AUDIT_DIR", "USER"}


def test_bwrap_argv_binds_from_staging_when_dropping_root(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, 0x5C000001)
    stager = Stager(ws)
    argv = BubblewrapBackend().argv(Policy(), ws, ["true"], stager, None)
    sources = [argv[i + 1] for i, a in enumerate(argv) if a in ("--ro-bind", "--bind")]
    assert sources and all(s.startswith(str(ws.stage)) for s in sources)
    assert "--seccomp" not in argv
    assert stager.preexec() is not None
    writable = [w for _, target, w in stager.binds if w]
    assert len(writable) == 1  # only the audit output directory


def test_sandbox_env_is_minimal() -> None:
    env = sandbox_env(VIEW, Policy(python=False))
    assert env["HOME"].startswith(VIEW.scratch) and env["TMPDIR"].startswith(VIEW.scratch)
    assert "PYTHONPATH" not in env
    assert not any(k.startswith(("AWS", "GITHUB", "SSH")) for k in env)


def test_landlock_launcher_config(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, 0x5C000002)
    launch = LandlockBackend().prepare(Policy(), ws, ["true"])
    config = json.loads(Path(launch.argv[4]).read_text())
    assert config["uid"] == 0x5C000002
    assert str(ws.scratch) in config["rw"] and "/usr" in config["ro"]
    assert not any(p in ("/", "/root", "/etc", "/home") for p in config["ro"])
    assert launch.argv[-2:] == ["--", "true"]


def test_bpf_programs_are_well_formed() -> None:
    for kind in ("hardening", "lockdown"):
        for arch in _bpf.ARCHES:
            prog = _bpf.build(kind, arch)
            assert len(prog) % 8 == 0 and len(prog) // 8 < 4096
            code, _, _, k = struct.unpack("<HBBI", prog[:8])
            assert (code, k) == (0x20, 4)  # first load the architecture
            assert struct.unpack("<HBBI", prog[-8:])[3] == _bpf.RET_ALLOW
    assert len(_bpf.build("lockdown")) > len(_bpf.build("hardening"))
    with pytest.raises(ValueError, match="unknown filter"):
        _bpf.build("nope")


_LOCKDOWN_CHILD = """
import os, socket, sys, threading
sys.path.insert(0, sys.argv[1])
import _bpf
_bpf.install(_bpf.build(sys.argv[2]))
out = {}
t = threading.Thread(target=lambda: out.setdefault("thread", "ok")); t.start(); t.join()
for name, fn in [("inet", lambda: socket.socket()), ("unix", lambda: socket.socket(socket.AF_UNIX)),
                 ("fork", lambda: os.fork() or os._exit(0)), ("unshare", lambda: os.unshare(0x10000000))]:
    try:
        fn(); out[name] = "ok"
    except AttributeError:
        out[name] = "n/a"
    except OSError as exc:
        out[name] = exc.errno
print(out)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or _bpf.machine() not in _bpf.ARCHES,
                    reason="seccomp filters are Linux-only")
def test_filters_really_deny_in_a_child_process() -> None:
    lib = str(Path(_bpf.__file__).parent)
    results = {}
    for kind in ("hardening", "lockdown"):
        proc = subprocess.run([sys.executable, "-c", _LOCKDOWN_CHILD, lib, kind],
                              capture_output=True, text=True, timeout=60, check=True)
        results[kind] = eval(proc.stdout)  # noqa: S307 - our own child's dict literal
    eperm = 1
    assert results["lockdown"] == {"thread": "ok", "inet": eperm, "unix": "ok", "fork": eperm,
                                   "unshare": results["lockdown"]["unshare"]}
    assert results["hardening"]["inet"] == "ok" and results["hardening"]["fork"] == "ok"
    if hasattr(os, "unshare"):
        assert results["hardening"]["unshare"] == eperm
