"""Run one command in a sandbox under the observer, and collect what it did."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward.sandbox import _linux, workspace
from chainward.sandbox.backends import select
from chainward.sandbox.capabilities import detect
from chainward.sandbox.events import Context, Event, audit_events, limit_events, trace_events
from chainward.sandbox.interface import SandboxError, View, Workspace
from chainward.sandbox.policy import MiB, Policy, TraceMode
from chainward.sandbox.strace import Trace, strace_argv

OUTPUT_TAIL = 64 * 1024
AUDIT_LIMIT = 16 * MiB


@dataclass
class RunResult:
    """What one sandboxed run did."""

    backend: str
    command: list[str]
    events: list[Event]
    exit_status: int | None
    timed_out: bool = False
    stdout: str = ""
    stderr: str = ""
    result: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    uid: int | None = None  # the per-run uid the sandbox ran as (root only)


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - OUTPUT_TAIL))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (the run's private uid): nothing survives a run."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _preexec(
    policy: Policy, stage: Callable[[], None] | None, rlimits: bool = True
) -> Callable[[], None]:
    limits = policy.limits

    def run() -> None:
        if stage is not None:
            stage()
        # after the uid change: the kernel clears the parent-death signal on setuid
        _linux.set_parent_death_signal(signal.SIGKILL)
        if not rlimits:
            return
        _linux.apply_rlimits(
            cpu_s=limits.cpu_s,
            memory_bytes=limits.memory_mb * MiB,
            nproc=limits.nproc,
            fsize_bytes=limits.fsize_mb * MiB,
            nofile=limits.nofile,
        )

    return run


def _read_audit(out: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    budget = AUDIT_LIMIT
    for path in sorted(out.glob("audit-*.jsonl")):
        with contextlib.suppress(OSError), path.open("rb") as fh:
            data = fh.read(budget)
            budget -= len(data)
            for line in data.splitlines():
                with contextlib.suppress(ValueError):
                    item = json.loads(line)
                    if isinstance(item, dict):
                        records.append(item)
        if budget <= 0:
            break
    return records


def _read_result(out: Path) -> dict[str, Any] | None:
    path = out / "result.json"
    try:
        if path.stat().st_size > AUDIT_LIMIT:
            return None
        item = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return item if isinstance(item, dict) else None


def run(
    command: Callable[[View], Sequence[str]] | Sequence[str],
    policy: Policy,
    *,
    backend: str = "auto",
    inputs: Sequence[tuple[Path, str]] = (),
    context: Callable[[View], Context] | None = None,
) -> RunResult:
    """Run ``command`` (or ``command(view)``) sandboxed; never runs it unsandboxed.

    ``inputs`` are (host file, name) pairs placed read-only in ``view.inputs``.
    """
    caps = detect()
    chosen = select(backend, caps)
    warnings: list[str] = []
    trace_mode = policy.trace
    if trace_mode is not TraceMode.OFF and caps.strace is None:
        warnings.append("strace is not installed: only in-sandbox (audit hook) events are reported")
        trace_mode = TraceMode.OFF
    ws = workspace.create(drop=caps.root)
    try:
        return _run_in(
            ws, chosen, command, policy, trace_mode, inputs, context, warnings, caps.strace
        )
    finally:
        if os.environ.get("CHAINWARD_SANDBOX_KEEP"):
            warnings.append(f"kept the sandbox workspace {ws.root} (CHAINWARD_SANDBOX_KEEP)")
        else:
            workspace.remove(ws)


def _run_in(
    ws: Workspace,
    chosen: Any,
    command: Any,
    policy: Policy,
    trace_mode: TraceMode,
    inputs: Sequence[tuple[Path, str]],
    context: Callable[[View], Context] | None,
    warnings: list[str],
    strace: str | None,
) -> RunResult:
    view = chosen.view(ws)
    for source, name in inputs:
        workspace.add_input(ws, source, name)
    argv = list(command(view) if callable(command) else command)
    if not argv:
        raise SandboxError("no command to run")
    launch = chosen.prepare(policy, ws, argv)
    log = ws.trace / "strace.log"
    full = list(launch.argv)
    observed = trace_mode is not TraceMode.OFF and not launch.self_observed and strace
    if observed:
        full = [*strace_argv(str(strace), str(log), trace_mode), *full]
    stdout_path, stderr_path = ws.root / "stdout", ws.root / "stderr"
    started = time.monotonic()
    timed_out = False
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        try:
            proc = subprocess.Popen(
                full,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                preexec_fn=_preexec(policy, launch.preexec, launch.host_rlimits),
                pass_fds=tuple(launch.pass_fds),
                start_new_session=True,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                close_fds=True,
            )
        except OSError as exc:
            raise SandboxError(f"cannot start the sandbox ({chosen.name}): {exc}") from None
        finally:
            for fd in launch.close_after_start:
                with contextlib.suppress(OSError):
                    os.close(fd)
        try:
            proc.wait(timeout=policy.limits.wall_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        finally:
            # a normal end already took every process with it (the pid namespace's init
            # died); after a timeout or an error, make sure nothing of this uid is left
            if ws.uid is not None and (timed_out or proc.returncode is None or proc.returncode < 0):
                _kill_uid(ws.uid)
    duration = time.monotonic() - started
    rc = proc.returncode
    stderr_text = _tail(stderr_path)
    if launch.stderr_filter is not None:
        stderr_text = launch.stderr_filter(stderr_text)
    ctx = context(view) if context else Context(view=view)
    events: list[Event] = []
    if observed and log.exists():
        with log.open(encoding="utf-8", errors="replace") as fh:
            trace = Trace.from_lines(fh)
        events += trace_events(trace, ctx, wrapper_execs=launch.wrapper_execs)
    elif launch.self_observed and launch.collect is not None:
        events += launch.collect(ws, ctx)
    events += audit_events(_read_audit(ws.out), ctx)
    result = _read_result(ws.out)
    events += limit_events(rc, timed_out, policy, stderr_text, result)
    if ws.uid is not None and rc is not None and rc < 0 and not timed_out:
        warnings.append(f"the sandbox was killed by signal {-rc}")
    return RunResult(
        backend=chosen.name,
        command=argv,
        events=events,
        exit_status=_exit_status(rc, result),
        timed_out=timed_out,
        stdout=_tail(stdout_path),
        stderr=stderr_text,
        result=result,
        warnings=warnings,
        duration_s=duration,
        uid=ws.uid,
    )


def _exit_status(rc: int | None, result: dict[str, Any] | None) -> int | None:
    if rc is None:
        return None
    if rc > 128 and rc < 128 + 65:  # bwrap/sh report a signal death as 128 + N
        return -(rc - 128)
    return rc


__all__ = ["RunResult", "run"]
