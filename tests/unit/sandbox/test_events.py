"""From parsed observations to events and findings (runs anywhere, no sandbox needed)."""

from __future__ import annotations

import gzip

from chainward.records import Severity
from chainward.sandbox.bubblewrap import VIEW
from chainward.sandbox.events import (
    Context,
    Event,
    audit_events,
    canonical_global,
    dangerous_global,
    limit_events,
    sensitive_label,
    trace_events,
)
from chainward.sandbox.findings import to_findings
from chainward.sandbox.policy import Limits, Policy
from chainward.sandbox.strace import Trace
from tests.conftest import asset


def _probe_events() -> list[Event]:
    with asset("sandbox", "probe-bwrap.strace.log").open() as fh:
        return trace_events(Trace.from_lines(fh), Context(view=VIEW))


def test_probe_log_events_carry_arguments() -> None:
    events = _probe_events()
    details = {(e.kind, e.detail) for e in events}
    assert ("exec", '/usr/bin/true ["true", "probe-exec"]') in details
    assert any(k == "network" and d.startswith("connect 127.0.0.1:9") for k, d in details)
    assert any(
        k == "file.read" and "/root/.ssh/id_rsa-canary" in d and "ENOENT" in d for k, d in details
    )
    assert any(
        k == "file.write" and "/etc/cw-probe-canary" in d and "EROFS" in d for k, d in details
    )
    assert any(k == "evasion" and "CLONE_UNTRACED" in d for k, d in details)
    assert any(k == "limit" and "EAGAIN" in d for k, d in details)


def test_wrapper_setup_is_not_the_target() -> None:
    events = _probe_events()
    # bubblewrap's own mkdirs, uid_map writes and the probe's own exec are not events
    assert not any("uid_map" in e.detail or "bwrap" in e.detail for e in events)
    assert not any(e.kind == "exec" and "probe.py" in e.detail for e in events)
    # PATH-search misses are folded into the successful exec
    assert not any(e.kind == "exec" and "ENOENT" in e.detail for e in events)


def test_install_log_minus_baseline_leaves_the_attack() -> None:
    with gzip.open(asset("sandbox", "evil-sdist-bwrap.strace.log.gz"), "rt") as fh:
        trace = Trace.from_lines(fh)
    events = trace_events(trace, Context(view=VIEW))
    baseline = {
        e.key
        for e in events
        if e.forbidden
        and (
            "lsb_release" in e.key
            or "_in_process.py" in e.key
            or e.key.startswith(("exec|tr ", "exec|cut ", "exec|getopt ", "exec|uname "))
            or "[::1]:0" in e.key
        )
    }
    findings = to_findings(events, "evilpkg-0.1.tar.gz", baseline=frozenset(baseline))
    messages = "\n".join(f.message for f in findings)
    assert 'id", "-u"' in messages
    assert "connect 127.0.0.1:9" in messages
    assert "/root/.ssh/id_rsa-canary" in messages
    assert "lsb_release" not in messages
    # relative mkdirs of the build directory resolve inside scratch: no write findings
    assert not any(f.rule == "sandbox-write-outside-scratch" for f in findings)


def test_sensitive_paths() -> None:
    assert sensitive_label("/home/u/.ssh/id_ed25519") == "SSH keys"
    assert sensitive_label("/root/.aws/credentials") == "AWS credentials"
    assert sensitive_label("/etc/shadow") == "system password database"
    assert sensitive_label("/home/u/.config/google-chrome/Default/Login Data") is not None
    assert sensitive_label("/home/u/.bitcoin/wallet.dat") == "cryptocurrency wallet"
    assert sensitive_label("/proc/self/environ") is None
    assert sensitive_label("/etc/passwd") is None
    assert sensitive_label("/usr/lib/python3/dist-packages/ssh_helper.py") is None


def test_python2_names_are_mapped() -> None:
    assert canonical_global("commands", "run") == ("subprocess", "run")
    assert canonical_global("__builtin__", "eval") == ("builtins", "eval")
    assert dangerous_global("commands", "run")
    assert dangerous_global("posix", "system")
    assert dangerous_global("__builtin__", "exec")
    assert not dangerous_global("torch._utils", "_rebuild_tensor_v2")
    assert not dangerous_global("collections", "OrderedDict")


def test_audit_records_become_events_with_the_same_keys_as_strace() -> None:
    records = [
        {"event": "pickle.find_class", "args": ["commands", "run"]},
        {"event": "pickle.find_class", "args": ["collections", "OrderedDict"]},
        {"event": "subprocess.Popen", "args": ["id", ["id", "-u"], None, None]},
        {"event": "socket.connect", "args": ["<socket>", ["127.0.0.1", 9]]},
        {"event": "open", "args": ["/root/.ssh/id_rsa", "r"]},
        {"event": "open", "args": ["/etc/cron.d/x", "w"]},
        {"event": "open", "args": ["/sandbox/tmp/ok", "w"]},
        {"event": "not-a-dict-args", "args": "x"},
    ]
    events = audit_events(records, Context(view=VIEW, lockdown=True))
    by_kind: dict[str, Event] = {}
    for event in events:
        by_kind.setdefault(event.kind, event)
    assert by_kind["pickle.global"].detail == "find_class subprocess.run (written as commands.run)"
    assert by_kind["pickle.global"].forbidden
    assert [e.forbidden for e in events if e.kind == "pickle.global"] == [True, False]
    assert by_kind["python.exec"].key == "exec|id -u" and by_kind["python.exec"].blocked
    assert by_kind["python.network"].key == "net|connect 127.0.0.1:9"
    assert by_kind["python.open"].key == "read|/root/.ssh/id_rsa"
    assert by_kind["python.write"].detail.startswith("open /etc/cron.d/x")
    assert len([e for e in events if e.kind == "python.write"]) == 1


def test_findings_dedupe_strace_and_audit_views_of_one_attempt() -> None:
    ctx = Context(view=VIEW)
    strace_side = Event("exec", '/usr/bin/id ["id", "-u"]', False, True, "strace", "exec|id -u")
    audit_side = audit_events([{"event": "subprocess.Popen", "args": ["id", ["id", "-u"]]}], ctx)
    findings = to_findings([strace_side, *audit_side], "pkg")
    assert len(findings) == 1
    assert findings[0].rule == "sandbox-exec" and findings[0].severity is Severity.HIGH
    assert findings[0].check == "sandbox"
    assert to_findings([strace_side], "pkg", baseline=frozenset({"exec|id -u"})) == []


def test_limit_events() -> None:
    policy = Policy(limits=Limits(wall_s=2, memory_mb=64))
    assert next(e.detail for e in limit_events(-9, True, policy, "", None)).startswith(
        "wall-clock limit of 2 s"
    )
    mem = limit_events(1, False, policy, "Traceback...\nMemoryError\n", None)
    assert mem and "64 MiB" in mem[0].detail
    assert limit_events(0, False, policy, "", None) == []


def test_writes_outside_scratch_and_persistence_inside_it() -> None:
    lines = [
        '1 12:00:00.1 execve("/usr/bin/bwrap", ["bwrap"], 0x1 /* 1 var */) = 0',
        "1 12:00:00.2 clone(child_stack=NULL, flags=SIGCHLD) = 2",
        '2 12:00:00.3 execve("/usr/bin/python3", ["python3", "x.py"], 0x1 /* 1 var */) = 0',
        '2 12:00:00.4 openat(AT_FDCWD</sandbox>, "home/.bashrc", O_WRONLY|O_APPEND) = 3'
        "</sandbox/home/.bashrc>",
        '2 12:00:00.5 openat(AT_FDCWD</sandbox>, "target/a.pth", O_WRONLY|O_CREAT, 0644) = 4'
        "</sandbox/target/a.pth>",
        '2 12:00:00.6 openat(AT_FDCWD</sandbox>, "/usr/lib/x", O_WRONLY|O_CREAT, 0644) = -1 '
        "EROFS (Read-only file system)",
        '2 12:00:00.7 chdir("/sandbox/tmp") = 0',
        '2 12:00:00.8 mkdir("build", 0777) = 0',
        '2 12:00:00.9 unlink("/etc/hosts") = -1 EROFS (Read-only file system)',
    ]
    events = trace_events(Trace.from_lines(lines), Context(view=VIEW))
    by_path = {e.data.get("path"): e for e in events if e.kind == "file.write"}
    assert by_path["/sandbox/home/.bashrc"].forbidden
    assert not by_path["/sandbox/target/a.pth"].forbidden
    assert by_path["/usr/lib/x"].forbidden and by_path["/usr/lib/x"].blocked
    assert by_path["/etc/hosts"].forbidden and "unlink" in by_path["/etc/hosts"].detail
    assert "/sandbox/tmp/build" not in by_path  # relative to the tracked cwd: inside scratch
