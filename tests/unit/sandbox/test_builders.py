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
    for flag in (
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--remount-ro",
    ):
        assert flag in argv
    assert argv[argv.index("--seccomp") + 1] == "7"
    assert argv[-4:] == ["--", "python", "-c", "pass"]
    binds = [argv[i + 2] for i, a in enumerate(argv) if a == "--ro-bind"]
    assert "/usr" in binds and "/etc/passwd" in binds
    assert not any(b in ("/", "/root", "/home", "/etc", "/etc/shadow") for b in binds)
    size = argv.index("--size")
    assert argv[size + 5] == VIEW.scratch and argv[size + 4] == "--tmpfs"
    names = [argv[i + 1] for i, a in enumerate(argv) if a == "--setenv"]
    assert set(names) <= {
        "HOME",
        "TMPDIR",
        "PATH",
        "LANG",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONNOUSERSITE",
        "PYTHONPATH",
        "CHAINWARD_AUDIT_DIR",
        "CHAINWARD_SCRATCH",
        "USER",
    }


def test_bwrap_argv_binds_from_staging_when_dropping_root(tmp_path: Path) -> None:
    private = tmp_path / "private"
    (private / "venv").mkdir(parents=True)
    private.chmod(0o700)  # like /root: the dropped uid cannot traverse it
    (tmp_path / "ws").mkdir()
    ws = _workspace(tmp_path / "ws", 0x5C000001)
    stager = Stager(ws)
    policy = Policy(ro_paths=(private / "venv",))
    argv = BubblewrapBackend().argv(policy, ws, ["true"], stager, None)
    binds = {argv[i + 2]: argv[i + 1] for i, a in enumerate(argv) if a == "--ro-bind"}
    assert binds["/usr"] == "/usr"  # world-readable: bound directly
    assert binds[str(private / "venv")].startswith(str(ws.stage))  # staged by root
    assert "--seccomp" not in argv
    assert stager.preexec() is not None
    staged = [src for src, _, _ in stager.binds]
    assert str(private / "venv") in staged and "/usr" not in staged


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


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or _bpf.machine() not in _bpf.ARCHES,
    reason="seccomp filters are Linux-only",
)
def test_filters_really_deny_in_a_child_process() -> None:
    lib = str(Path(_bpf.__file__).parent)
    results = {}
    for kind in ("hardening", "lockdown"):
        proc = subprocess.run(
            [sys.executable, "-c", _LOCKDOWN_CHILD, lib, kind],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        results[kind] = eval(proc.stdout)
    eperm = 1
    assert results["lockdown"] == {
        "thread": "ok",
        "inet": eperm,
        "unix": "ok",
        "fork": eperm,
        "unshare": results["lockdown"]["unshare"],
    }
    assert results["hardening"]["inet"] == "ok" and results["hardening"]["fork"] == "ok"
    if hasattr(os, "unshare"):
        assert results["hardening"]["unshare"] == eperm


def test_no_working_backend_is_a_clear_error_never_unsandboxed() -> None:
    from chainward.sandbox.backends import select
    from chainward.sandbox.capabilities import Capabilities
    from chainward.sandbox.interface import SandboxUnavailable

    bare = Capabilities(
        linux=True,
        euid=1000,
        arch="x86_64",
        bwrap=None,
        bwrap_works=False,
        strace=None,
        runsc=None,
        userns=False,
        landlock_abi=0,
        seccomp=True,
    )
    with pytest.raises(SandboxUnavailable) as info:
        select("auto", bare)
    text = info.value.diagnostics()
    assert "install bubblewrap" in text and "apparmor_restrict_unprivileged_userns" in text
    assert "seccomp=unconfined" in text and "Linux-only" in text
    with pytest.raises(SandboxUnavailable, match="not usable here"):
        select("gvisor", bare)
    macos = Capabilities(False, 501, "", None, False, None, None, False, 0, False)
    with pytest.raises(SandboxUnavailable, match="Linux-only"):
        select("auto", macos)


def test_gvisor_bundle(tmp_path: Path) -> None:
    from chainward.sandbox.gvisor import oci_config

    ws = _workspace(tmp_path, None)
    config = oci_config(Policy(), ws, ["python", "-c", "pass"])
    assert config["root"]["readonly"] is True
    assert config["process"]["user"]["uid"] != 0 and config["process"]["noNewPrivileges"]
    assert {"type": "network"} in config["linux"]["namespaces"]
    dests = {m["destination"]: m for m in config["mounts"]}
    assert "rw" in dests[VIEW.scratch]["options"] and "ro" in dests["/usr"]["options"]
    assert "/root" not in dests and "/etc/shadow" not in dests
    limits = {r["type"]: r["hard"] for r in config["process"]["rlimits"]}
    assert limits["RLIMIT_NPROC"] == Policy().limits.nproc


def test_gvisor_log_parser_on_a_recorded_log() -> None:
    import gzip

    from chainward.sandbox.events import Context
    from chainward.sandbox.gvisor import gvisor_events
    from tests.conftest import asset

    with gzip.open(asset("sandbox", "probe-gvisor.boot.log.gz"), "rt") as fh:
        events = gvisor_events(fh, Context(view=VIEW), [])
    details = [(e.kind, e.detail) for e in events]
    assert ("exec", '/usr/bin/true ["true", "probe-exec"]') in details
    assert ("exec", '/bin/true ["true", "untraced-child"]') in details
    assert any(k == "network" and d.startswith("connect 127.0.0.1:9") for k, d in details)
    assert any(k == "file.read" and "/.ssh/id_rsa" in d for k, d in details)
    assert any(k == "limit" and "EAGAIN" in d for k, d in details)
