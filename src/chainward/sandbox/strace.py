"""strace as the outside observer: its command line, and a parser for its log.

The log comes from ``strace -f -q -tt -y -s N --decode-pids=pidns -o LOG``. Lines are
``PID TIME call(args) = ret``, split into ``<unfinished ...>`` / ``<... call resumed>``
halves when processes interleave, plus ``--- SIGNAL {...} ---`` and ``+++ exited with N
+++`` / ``+++ killed by SIG +++`` notes. The parser merges halves per pid and returns
typed records; deciding what they mean is ``events.py``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from chainward.sandbox.policy import TraceMode

TRACED_SYSCALLS = (
    "execve",
    "execveat",
    "clone",
    "clone3",
    "fork",
    "vfork",
    "connect",
    "bind",
    "sendto",
    "sendmsg",
    "socket",
    "open",
    "openat",
    "openat2",
    "creat",
    "truncate",
    "rename",
    "renameat",
    "renameat2",
    "unlink",
    "unlinkat",
    "chmod",
    "fchmodat",
    "mkdir",
    "mkdirat",
    "symlink",
    "symlinkat",
    "link",
    "linkat",
    "kill",
    "tkill",
    "tgkill",
    "ptrace",
    "mount",
    "umount2",
    "unshare",
    "setns",
    "bpf",
    "init_module",
    "finit_module",
    "keyctl",
    "process_vm_readv",
    "process_vm_writev",
    "perf_event_open",
    "io_uring_setup",
    "pivot_root",
    "chroot",
    "memfd_create",
    "personality",
    "chdir",
    "fchdir",
)

STRING_LIMIT = 512


def strace_argv(strace: str, log: str, mode: TraceMode) -> list[str]:
    """The observer's command line; the sandbox's own argv follows it."""
    traced = list(TRACED_SYSCALLS)
    if mode is TraceMode.FULL:
        traced += ["mmap"]  # ENOMEM shows a memory limit hit; every syscall stops anyway
    argv = [
        strace,
        "-f",
        "-q",
        "-tt",
        "-y",
        "-s",
        str(STRING_LIMIT),
        "--decode-pids=pidns",
        "-e",
        "trace=" + ",".join(traced),
        "-o",
        log,
    ]
    if mode is TraceMode.FAST:
        argv.append("--seccomp-bpf")
    return [*argv, "--"]


@dataclass
class Call:
    """One completed syscall."""

    pid: int
    time: str
    name: str
    args: list[str]
    ret: str
    line: int = 0

    @property
    def retval(self) -> int | None:
        match = re.match(r"(-?\d+)", self.ret)
        return int(match.group(1)) if match else None

    @property
    def errno(self) -> str | None:
        match = re.match(r"-1 (E[A-Z0-9]+)", self.ret)
        return match.group(1) if match else None

    @property
    def failed(self) -> bool:
        return self.errno is not None

    @property
    def ret_path(self) -> str | None:
        """The path of a returned fd, from ``-y`` (``3</etc/passwd>``)."""
        match = re.match(r"\d+<(.*)>", self.ret)
        return match.group(1) if match else None

    @property
    def child_pid(self) -> int | None:
        """For clone/fork: the child's pid as strace sees it (host pid namespace)."""
        match = re.search(r"/\* (\d+) in strace's PID NS \*/", self.ret)
        if match:
            return int(match.group(1))
        value = self.retval
        return value if value is not None and value > 0 else None


@dataclass
class SignalNote:
    pid: int
    time: str
    signal: str
    info: str
    line: int = 0


@dataclass
class ExitNote:
    pid: int
    time: str
    code: int | None
    signal: str | None
    line: int = 0


Record = Call | SignalNote | ExitNote

_LINE = re.compile(r"^(\d+)\s+(\d\d:\d\d:\d\d(?:\.\d+)?)\s+(.*)$")
_SIGNAL = re.compile(r"^--- (SIG[A-Z0-9]+) (.*) ---$")
_EXITED = re.compile(r"^\+\+\+ exited with (\d+) \+\+\+$")
_KILLED = re.compile(r"^\+\+\+ killed by (SIG[A-Z0-9]+)(?: \(core dumped\))? \+\+\+$")
_RESUMED = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>(.*)$")
_UNFINISHED = " <unfinished ...>"


def _matching_paren(text: str, start: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``start``, skipping strings and nesting."""
    depth = 0
    i = start
    quote = False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                quote = False
        elif ch == '"':
            quote = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def split_args(text: str) -> list[str]:
    """Split an argument list at top-level commas."""
    args: list[str] = []
    depth = 0
    quote = False
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                quote = False
        elif ch == '"':
            quote = True
            current.append(ch)
        elif ch in "([{":
            depth += 1
            current.append(ch)
        elif ch in ")]}":
            depth -= 1
            current.append(ch)
        elif ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    tail = "".join(current).strip()
    if tail or args:
        args.append(tail)
    return args


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", '"': '"', "\\": "\\"}


def decode_string(token: str) -> str | None:
    """The value of a C string literal as strace prints it, or None if ``token`` is not one.

    A trailing ``...`` (truncated by ``-s``) is kept as a literal ``...``.
    """
    token = token.strip()
    if token.startswith("@"):  # abstract unix socket names
        token = token[1:]
    if not token.startswith('"'):
        return None
    out = bytearray()
    i = 1
    while i < len(token):
        ch = token[i]
        if ch == '"':
            rest = token[i + 1 :]
            text = out.decode("utf-8", errors="replace")
            return text + "..." if rest.startswith("...") else text
        if ch == "\\" and i + 1 < len(token):
            nxt = token[i + 1]
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt].encode()
                i += 2
                continue
            if nxt == "x" and re.match(r"[0-9a-fA-F]{2}", token[i + 2 : i + 4]):
                out.append(int(token[i + 2 : i + 4], 16))
                i += 4
                continue
            octal = re.match(r"[0-7]{1,3}", token[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
        out += ch.encode()
        i += 1
    return out.decode("utf-8", errors="replace")


def decode_array(token: str) -> list[str]:
    """``["a", "b"]`` -> ["a", "b"]; elements that are not strings are kept raw."""
    token = token.strip()
    if not (token.startswith("[") and token.endswith("]")):
        return []
    items = []
    for part in split_args(token[1:-1]):
        value = decode_string(part)
        items.append(value if value is not None else part)
    return items


def _parse_call(pid: int, time: str, body: str, lineno: int) -> Call | None:
    open_at = body.find("(")
    if open_at <= 0:
        return None
    name = body[:open_at]
    if not re.fullmatch(r"[a-z0-9_]+", name):
        return None
    close_at = _matching_paren(body, open_at)
    if close_at < 0:
        return None
    rest = body[close_at + 1 :].strip()
    ret = rest[1:].strip() if rest.startswith("=") else rest
    return Call(pid, time, name, split_args(body[open_at + 1 : close_at]), ret, lineno)


def parse(lines: Iterable[str]) -> Iterator[Record]:
    """Records in log order; a resumed call is emitted where it completes."""
    pending: dict[int, str] = {}
    for lineno, raw in enumerate(lines, 1):
        match = _LINE.match(raw.rstrip("\n"))
        if not match:
            continue
        pid, time, body = int(match.group(1)), match.group(2), match.group(3)
        if body.startswith("---"):
            sig = _SIGNAL.match(body)
            if sig:
                yield SignalNote(pid, time, sig.group(1), sig.group(2), lineno)
            continue
        if body.startswith("+++"):
            exited = _EXITED.match(body)
            if exited:
                yield ExitNote(pid, time, int(exited.group(1)), None, lineno)
                continue
            killed = _KILLED.match(body)
            if killed:
                yield ExitNote(pid, time, None, killed.group(1), lineno)
            continue
        if body.endswith(_UNFINISHED):
            pending[pid] = body[: -len(_UNFINISHED)]
            continue
        resumed = _RESUMED.match(body)
        if resumed:
            head = pending.pop(pid, None)
            if head is None:
                head = resumed.group(1) + "("
            body = head + resumed.group(2)
        call = _parse_call(pid, time, body, lineno)
        if call is not None:
            yield call
    # calls that never completed (the process was killed inside them)
    for pid, head in pending.items():
        call = _parse_call(pid, "", head + ") = ?", 0)
        if call is not None:
            yield call


@dataclass
class SockAddr:
    family: str
    address: str = ""
    port: int | None = None

    def __str__(self) -> str:
        if self.family in ("AF_INET",) and self.port is not None:
            return f"{self.address}:{self.port}"
        if self.family == "AF_INET6" and self.port is not None:
            return f"[{self.address}]:{self.port}"
        if self.family == "AF_UNIX":
            return f"unix:{self.address}"
        return f"{self.family} {self.address}".strip()


def parse_sockaddr(text: str) -> SockAddr | None:
    family = re.search(r"sa_family=(AF_[A-Z0-9]+)", text)
    if not family:
        return None
    fam = family.group(1)
    port = re.search(r"sin6?_port=htons\((\d+)\)", text)
    port_no = int(port.group(1)) if port else None
    if fam == "AF_INET":
        addr = re.search(r'inet_addr\("([^"]*)"\)', text)
        return SockAddr(fam, addr.group(1) if addr else "", port_no)
    if fam == "AF_INET6":
        addr = re.search(r'inet_pton\(AF_INET6, "([^"]*)"', text)
        return SockAddr(fam, addr.group(1) if addr else "", port_no)
    if fam == "AF_UNIX":
        path = re.search(r"sun_path=(@?\"(?:[^\"\\]|\\.)*\")", text)
        value = decode_string(path.group(1)) if path else None
        if path and path.group(1).startswith("@"):
            value = "@" + (value or "")
        return SockAddr(fam, value or "")
    return SockAddr(fam)


@dataclass
class Trace:
    """A parsed log, with the process tree strace saw."""

    records: list[Record] = field(default_factory=list)
    parent: dict[int, int] = field(default_factory=dict)
    _memo: dict[tuple[int, int], bool] = field(default_factory=dict, repr=False)

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Trace:
        trace = cls(list(parse(lines)))
        for rec in trace.records:
            if isinstance(rec, Call) and rec.name in ("clone", "clone3", "fork", "vfork"):
                child = rec.child_pid
                if child is not None and not rec.failed:
                    trace.parent.setdefault(child, rec.pid)
        return trace

    def descends_from(self, pid: int, ancestor: int) -> bool:
        key = (pid, ancestor)
        known = self._memo.get(key)
        if known is not None:
            return known
        chain: list[int] = []
        answer = False
        while len(chain) < 100000:
            if pid == ancestor:
                answer = True
                break
            cached = self._memo.get((pid, ancestor))
            if cached is not None:
                answer = cached
                break
            chain.append(pid)
            nxt = self.parent.get(pid)
            if nxt is None:
                break
            pid = nxt
        for item in chain:
            self._memo[(item, ancestor)] = answer
        return answer


__all__ = [
    "STRING_LIMIT",
    "TRACED_SYSCALLS",
    "Call",
    "ExitNote",
    "SignalNote",
    "SockAddr",
    "Trace",
    "decode_array",
    "decode_string",
    "parse",
    "parse_sockaddr",
    "split_args",
    "strace_argv",
]
