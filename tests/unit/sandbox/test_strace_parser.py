"""The strace log parser, on real logs recorded from the bubblewrap backend and by hand."""

from __future__ import annotations

import gzip

from chainward.sandbox.policy import TraceMode
from chainward.sandbox.strace import (
    Call,
    ExitNote,
    SignalNote,
    Trace,
    decode_array,
    decode_string,
    parse,
    parse_sockaddr,
    split_args,
    strace_argv,
)
from tests.conftest import asset


def test_split_args_respects_quotes_and_nesting() -> None:
    text = '3<socket:[1]>, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("1,2")}, 16'
    assert split_args(text) == [
        "3<socket:[1]>",
        '{sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("1,2")}',
        "16",
    ]


def test_decode_string_escapes_and_truncation() -> None:
    assert decode_string(r'"a\"b\\c\n\1770"') == 'a"b\\c\n\x7f0'
    assert decode_string('"abc"...') == "abc..."
    assert decode_string("NULL") is None
    assert decode_array('["id", "-u", "a b"]') == ["id", "-u", "a b"]


def test_unfinished_and_resumed_are_merged_per_pid() -> None:
    lines = [
        '10 12:00:00.000001 execve("/usr/bin/id", ["id"], 0x1 /* 3 vars */ <unfinished ...>',
        "11 12:00:00.000002 vfork( <unfinished ...>",
        "10 12:00:00.000003 <... execve resumed>) = 0",
        "11 12:00:00.000004 <... vfork resumed>) = 3 /* 12 in strace's PID NS */",
        "12 12:00:00.000005 --- SIGXCPU {si_signo=SIGXCPU, si_code=SI_KERNEL} ---",
        "12 12:00:00.000006 +++ killed by SIGKILL +++",
        "10 12:00:00.000007 +++ exited with 3 +++",
    ]
    records = list(parse(lines))
    calls = [r for r in records if isinstance(r, Call)]
    assert [(c.pid, c.name, c.retval) for c in calls] == [(10, "execve", 0), (11, "vfork", 3)]
    assert calls[1].child_pid == 12
    assert decode_array(calls[0].args[1]) == ["id"]
    assert [r.signal for r in records if isinstance(r, SignalNote)] == ["SIGXCPU"]
    exits = [r for r in records if isinstance(r, ExitNote)]
    assert [(e.code, e.signal) for e in exits] == [(None, "SIGKILL"), (3, None)]


def test_errno_and_fd_paths() -> None:
    (call,) = parse(
        [
            '5 12:00:00.1 openat(AT_FDCWD</sandbox>, "x", O_RDONLY) = -1 ENOENT (No such file)',
        ]
    )
    assert isinstance(call, Call) and call.errno == "ENOENT" and call.failed
    (ok,) = parse(['5 12:00:00.1 openat(AT_FDCWD</s>, "y", O_RDONLY) = 3</s/y>'])
    assert isinstance(ok, Call) and ok.ret_path == "/s/y" and not ok.failed


def test_sockaddrs() -> None:
    inet = parse_sockaddr('{sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}')
    assert inet is not None and str(inet) == "127.0.0.1:9"
    six = parse_sockaddr(
        "{sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), "
        'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}'
    )
    assert six is not None and str(six) == "[::1]:80"
    unix = parse_sockaddr('{sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}')
    assert unix is not None and str(unix) == "unix:/var/run/nscd/socket"
    assert parse_sockaddr("NULL") is None


def test_argv_modes() -> None:
    full = strace_argv("strace", "/log", TraceMode.FULL)
    fast = strace_argv("strace", "/log", TraceMode.FAST)
    assert "--seccomp-bpf" in fast and "--seccomp-bpf" not in full
    assert full[-1] == "--" and "-f" in full and "--decode-pids=pidns" in full
    traced = next(a for a in full if a.startswith("trace="))
    for name in ("execve", "connect", "openat", "clone", "clone3", "ptrace", "unshare"):
        assert name in traced.split("=", 1)[1].split(",")


def test_real_probe_log_builds_a_process_tree() -> None:
    with asset("sandbox", "probe-bwrap.strace.log").open() as fh:
        trace = Trace.from_lines(fh)
    calls = [r for r in trace.records if isinstance(r, Call)]
    assert calls[0].name == "execve" and "bwrap" in calls[0].args[0]
    execs = [decode_array(c.args[1]) for c in calls if c.name == "execve" and c.retval == 0]
    assert any(argv[:1] == ["true"] for argv in execs)
    assert any("CLONE_UNTRACED" in " ".join(c.args) and c.errno == "EPERM" for c in calls)
    assert trace.parent  # children were linked to their parents


def test_real_install_log_parses_completely() -> None:
    with gzip.open(asset("sandbox", "evil-sdist-bwrap.strace.log.gz"), "rt") as fh:
        lines = fh.readlines()
    records = list(parse(lines))
    assert len(records) > 0.9 * len([line for line in lines if "exited with" not in line]) - 50
    assert any(
        isinstance(r, Call) and r.name == "connect" and "127.0.0.1" in r.args[1] for r in records
    )
