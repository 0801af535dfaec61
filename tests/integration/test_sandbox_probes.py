"""Probe programs under every available backend: everything blocked or contained, and reported.

The probe (tests/assets/sandbox/probe.py) is inert: it runs ``true``, connects to a
loopback port, reads a canary, writes outside scratch, forks 400 times and allocates
8 GiB. Network attempts go to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from chainward.sandbox.analysis import run_command
from chainward.sandbox.policy import Limits, Policy
from tests.conftest import asset, run_cli
from tests.integration._sandbox_helpers import backends, needs_sandbox

pytestmark = [pytest.mark.sandbox, needs_sandbox()]

PROBE = asset("sandbox", "probe.py")
SECRET = "CANARY-7f3c1e-DO-NOT-LEAK"


def _canary(tmp_path: Path) -> Path:
    path = tmp_path / "home" / ".ssh" / "id_rsa"
    path.parent.mkdir(parents=True)
    path.write_text(SECRET)
    return path


def _probe(backend: str, tmp_path: Path, *actions: str, extra: tuple[str, ...] = ()) -> Any:
    canary = _canary(tmp_path)
    result = run_cli(
        "sandbox",
        "run",
        "--backend",
        backend,
        "--format",
        "json",
        "--memory",
        "1024",
        "--nproc",
        "64",
        "--ro",
        str(PROBE),
        *extra,
        "--",
        "python",
        str(PROBE),
        str(canary),
        str(tmp_path / "escaped"),
        *actions,
    )
    assert result.code in (0, 1), result.stderr
    doc = result.json()
    outcome_line = next(line for line in result.stderr.splitlines() if line.startswith('{"'))
    return result, doc, json.loads(outcome_line)


def _details(doc: Any, kind: str) -> list[str]:
    return [e["detail"] for e in doc["events"] if e["kind"] == kind]


@pytest.mark.parametrize("backend", backends())
def test_probe_is_contained_and_reported(backend: str, tmp_path: Path) -> None:
    result, doc, outcome = _probe(
        backend,
        tmp_path,
        "uid",
        "exec",
        "connect",
        "canary",
        "write_etc",
        "write_host",
        "write_scratch",
        "fork_bomb",
        "alloc",
        "untraced",
        "env",
    )
    assert result.code == 1 and doc["backend"] == backend
    assert set(doc) == {"backend", "events", "findings", "exit_status"}
    assert all(set(e) == {"kind", "detail", "blocked"} for e in doc["events"])
    # contained
    assert outcome["connect"].startswith(("ConnectionRefusedError", "PermissionError", "OSError"))
    assert outcome["canary"].startswith("FileNotFoundError")
    assert outcome["write_etc"].startswith(("OSError", "PermissionError"))
    assert outcome["write_host"].startswith("FileNotFoundError")
    assert outcome["write_scratch"] == "ok: 1"
    assert outcome["fork_bomb"].startswith("BlockingIOError")
    assert outcome["alloc"].startswith("MemoryError")
    env = outcome["env"]
    assert "SSH_AUTH_SOCK" not in env and "CHAINWARD_HOME" not in env
    if os.geteuid() == 0:
        assert int(outcome["uid"].split()[-1]) != 0  # the kernel uid really changed
    assert SECRET not in result.stdout + result.stderr
    assert not (tmp_path / "escaped").exists()
    # reported, with arguments
    assert '/usr/bin/true ["true", "probe-exec"]' in _details(doc, "exec")
    assert any(d.startswith("connect 127.0.0.1:9") for d in _details(doc, "network"))
    assert any(str(tmp_path / "home/.ssh/id_rsa") in d for d in _details(doc, "file.read"))
    assert any("/etc/cw-probe-canary" in d for d in _details(doc, "file.write"))
    assert any(str(tmp_path / "escaped") in d for d in _details(doc, "file.write"))
    assert any("EAGAIN" in d for d in _details(doc, "limit"))
    assert any("ENOMEM" in d for d in _details(doc, "limit"))
    rules = {f["rule"] for f in doc["findings"]}
    assert {
        "sandbox-exec",
        "sandbox-network",
        "sandbox-secret-read",
        "sandbox-write-outside-scratch",
        "sandbox-resource-limit",
    } <= rules


@pytest.mark.parametrize("backend", backends())
def test_untraced_clone_cannot_hide_an_exec(backend: str, tmp_path: Path) -> None:
    _, doc, outcome = _probe(backend, tmp_path, "untraced")
    hidden_execs = [
        e for e in doc["events"] if e["kind"] == "exec" and "untraced-child" in e["detail"]
    ]
    if backend == "gvisor":
        # gVisor's kernel logs every process, traced flag or not: the exec is reported
        assert hidden_execs and '/bin/true ["true", "untraced-child"]' in hidden_execs[0]["detail"]
    else:
        # strace would miss the child, so seccomp refuses the clone, and that is reported
        assert outcome["untraced"].startswith("PermissionError")
        assert not hidden_execs
        assert any(
            e["kind"] == "evasion" and "CLONE_UNTRACED" in e["detail"] and e["blocked"]
            for e in doc["events"]
        )


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (uid, parent pid, state) of every live process."""
    out = subprocess.run(
        ["ps", "-eo", "pid=,uid=,ppid=,stat="], capture_output=True, text=True, check=True
    ).stdout
    table = {}
    for line in out.splitlines():
        pid, uid, ppid, state = line.split()[:4]
        table[int(pid)] = (int(uid), int(ppid), state)
    return table


def _descendants(root: int) -> set[int]:
    table = _processes()
    found = {root}
    changed = True
    while changed:
        changed = False
        for pid, (_, ppid, _) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return found - {root}


def _alive(pids: set[int], uid: int | None = None) -> list[int]:
    """Which of ``pids`` (or of ``uid``'s processes) still live, once the kernel has reaped."""
    deadline = time.monotonic() + 5
    while True:
        table = _processes()
        left = [
            p
            for p, (u, _, state) in table.items()
            if (p in pids or u == uid) and not state.startswith("Z")
        ]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


@pytest.mark.parametrize("backend", backends())
def test_wall_and_cpu_limits_kill_everything(backend: str, tmp_path: Path) -> None:
    from chainward.sandbox.runner import run

    policy = Policy(ro_paths=(PROBE,), limits=Limits(wall_s=1.5, cpu_s=30))
    slept = run_command(["python", str(PROBE), "x", "y", "sleep"], backend=backend, policy=policy)
    assert any(e.kind == "limit" and "wall-clock" in e.detail for e in slept.events)
    assert any(f.rule == "sandbox-resource-limit" for f in slept.findings)
    # gVisor accounts CPU time itself and may let the wall clock win; either limit is fine
    spun = run(
        ["python", str(PROBE), "x", "y", "fork_bomb", "spin"],
        Policy(ro_paths=(PROBE,), limits=Limits(wall_s=3, cpu_s=1)),
        backend=backend,
    )
    assert spun.exit_status is not None and spun.exit_status != 0
    assert any(e.kind == "limit" for e in spun.events)
    if spun.uid is not None:
        assert _alive(set(), spun.uid) == []


def test_unknown_backend_is_a_clear_error() -> None:
    from chainward.sandbox.interface import SandboxUnavailable

    with pytest.raises(SandboxUnavailable, match="unknown sandbox backend 'nope'"):
        run_command(["true"], backend="nope")
    result = run_cli("sandbox", "run", "--backend", "nope", "--", "true")
    assert result.code == 2 and "Traceback" not in result.stderr


def test_doctor_lists_backends() -> None:
    result = run_cli("sandbox", "doctor", "--format", "json")
    doc = result.json()
    assert set(doc["backends"]) == {"bwrap", "gvisor", "landlock"}
    assert result.code == 0


@pytest.mark.parametrize("backend", backends())
def test_sandbox_dies_with_chainward(backend: str) -> None:
    # a killed chainward cannot remove its workspace: give it a base folder we remove
    base = Path(tempfile.mkdtemp(prefix="chainward-killed-"))
    base.chmod(0o711)
    parent = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chainward",
            "sandbox",
            "run",
            "--backend",
            backend,
            "--ro",
            str(PROBE),
            "--",
            "python",
            str(PROBE),
            "x",
            "y",
            "sleep",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(base)},
    )
    try:
        deadline = time.monotonic() + 30
        family: set[int] = set()
        while time.monotonic() < deadline:
            family |= _descendants(parent.pid)
            # the probe (python running probe.py) is up once the tree is this deep
            if len(family) >= 3:
                time.sleep(0.5)
                family |= _descendants(parent.pid)
                break
            time.sleep(0.1)
        assert len(family) >= 3, "the sandbox never started"
    finally:
        parent.kill()
        parent.wait()
    try:
        assert _alive(family) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)
