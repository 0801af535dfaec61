"""From raw observations (strace records, audit-hook records, exit status) to events.

An :class:`Event` is one thing the sandboxed program did or tried, with its arguments.
``forbidden`` marks what the policy does not allow an analysed package or model to do
(run programs, touch the network, read secrets, write outside scratch, escape
attempts, hitting a limit); those become findings (``findings.py``) unless the same
event (by ``key``) is in the benign baseline.
"""

from __future__ import annotations

import _compat_pickle
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from chainward.sandbox.interface import View
from chainward.sandbox.policy import Policy
from chainward.sandbox.strace import (
    Call,
    ExitNote,
    SignalNote,
    Trace,
    decode_array,
    decode_string,
    parse_sockaddr,
)

MAX_EVENTS_PER_KEY = 3
MAX_EVENTS = 2000


@dataclass(frozen=True)
class Event:
    """One observed action. ``detail`` is human-readable and carries the arguments."""

    kind: str
    detail: str
    blocked: bool
    forbidden: bool = False
    source: str = "strace"
    key: str = ""
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "blocked": self.blocked}


@dataclass
class Context:
    """What counts as normal for this run."""

    view: View
    # the command's own first exec (e.g. the interpreter running the entry script)
    lockdown: bool = False
    extra_write_ok: tuple[str, ...] = ()
    # normalised placeholders for names that differ between runs (the artifact name)
    placeholders: dict[str, str] = field(default_factory=dict)

    def write_ok(self) -> tuple[str, ...]:
        v = self.view
        return (
            f"{v.scratch}/",
            f"{v.out}/",
            "/dev/null",
            "/dev/tty",
            "/dev/pts/",
            "/dev/shm/",
            "/proc/self/",
            "/dev/full",
            "/dev/zero",
            *self.extra_write_ok,
        )


# --- classification tables ----------------------------------------------------------

# events of one family with the same key are one finding (strace and audit hook agree)
FAMILY = {
    "exec": "exec",
    "python.exec": "exec",
    "network": "net",
    "python.network": "net",
    "socket": "socket",
    "file.read": "read",
    "python.open": "read",
    "file.write": "write",
    "python.write": "write",
}

_SENSITIVE = [
    (re.compile(p), label)
    for p, label in (
        (r"/\.ssh(/|$)", "SSH keys"),
        (r"/\.aws/(credentials|config)", "AWS credentials"),
        (r"/\.config/gcloud(/|$)", "Google Cloud credentials"),
        (r"/\.azure(/|$)", "Azure credentials"),
        (r"/\.kube/config", "Kubernetes credentials"),
        (r"/\.docker/config\.json", "Docker credentials"),
        (r"/\.netrc$", "netrc credentials"),
        (r"/\.pypirc$", "package index credentials"),
        (r"/\.git-credentials$", "git credentials"),
        (r"/\.npmrc$", "npm credentials"),
        (r"/\.gnupg(/|$)", "GnuPG keys"),
        (r"/\.password-store(/|$)", "password store"),
        (r"/\.config/(gh|hub)/hosts\.yml", "GitHub tokens"),
        (r"/\.huggingface/token|/\.cache/huggingface/token", "Hugging Face token"),
        (r"/\.(bash|zsh)_history$", "shell history"),
        (r"^/etc/(shadow|gshadow|sudoers)(\.|$|/)", "system password database"),
        (r"^/var/run/secrets(/|$)|^/run/secrets(/|$)", "container secrets"),
        (r"/\.mozilla/firefox(/|$)", "Firefox profile"),
        (
            r"/\.config/(google-chrome|chromium|BraveSoftware|microsoft-edge|opera)(/|$)",
            "browser profile",
        ),
        (r"/(Login Data|Cookies|Web Data|key[34]\.db|logins\.json)$", "browser credentials"),
        (r"/\.(bitcoin|litecoin|dogecoin|monero)(/|$)|/wallet\.dat$", "cryptocurrency wallet"),
        (
            r"/\.electrum(/|$)|/\.ethereum/keystore|/\.config/(Exodus|Atomic)(/|$)",
            "cryptocurrency wallet",
        ),
        (r"/\.config/solana/id\.json|/\.local/share/io\.parity", "cryptocurrency wallet"),
        (r"/\.env$", "environment secrets file"),
        (r"^/proc/(?!self/|thread-self/)\d+/(environ|mem|maps|cmdline)$", "another process"),
    )
]

_PERSISTENCE = re.compile(
    r"/\.(bashrc|bash_profile|profile|zshrc|zprofile)$|/\.config/autostart/|"
    r"/\.ssh/authorized_keys|/crontab|/cron\.d/|/\.config/systemd/|/etc/(ld\.so\.preload|"
    r"profile\.d/|rc\.local)|\.pth$|/sitecustomize\.py$|/usercustomize\.py$"
)

_ESCAPE_SYSCALLS = {
    "ptrace": "debugging another process",
    "mount": "mounting a filesystem",
    "umount2": "unmounting a filesystem",
    "pivot_root": "changing the root filesystem",
    "chroot": "changing the root directory",
    "unshare": "creating namespaces",
    "setns": "entering namespaces",
    "bpf": "loading a BPF program",
    "init_module": "loading a kernel module",
    "finit_module": "loading a kernel module",
    "keyctl": "using the kernel keyring",
    "process_vm_readv": "reading another process's memory",
    "process_vm_writev": "writing another process's memory",
    "perf_event_open": "opening performance counters",
    "io_uring_setup": "using io_uring (invisible to syscall tracing)",
}

_BENIGN_UNIX = re.compile(r"^unix:(/var/run/nscd/socket|/run/nscd/socket|/dev/log)$")
_WRITE_FLAGS = re.compile(r"O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)")
_FAMILIES_NET = ("AF_INET", "AF_INET6", "AF_PACKET")

DANGEROUS_MODULES = frozenset(
    {
        "os",
        "posix",
        "nt",
        "subprocess",
        "socket",
        "_socket",
        "runpy",
        "importlib",
        "ctypes",
        "shutil",
        "pty",
        "webbrowser",
        "urllib",
        "http",
        "requests",
        "httpx",
        "ftplib",
        "smtplib",
        "telnetlib",
        "socketserver",
        "asyncio",
        "multiprocessing",
        "code",
        "codeop",
        "pdb",
        "pickle",
        "_pickle",
        "marshal",
        "dill",
        "cloudpickle",
        "platform",
        "pip",
        "setuptools",
        "distutils",
        "sys",
        "signal",
        "_thread",
        "threading",
        "tempfile",
        "glob",
        "pathlib",
        "io",
        "_io",
        "zipimport",
        "pkgutil",
        "timeit",
        "trace",
        "profile",
        "cProfile",
        "bdb",
        "venv",
        "ensurepip",
        "xmlrpc",
        "imaplib",
        "poplib",
        "nntplib",
        "aiohttp",
        "paramiko",
    }
)
DANGEROUS_NAMES = frozenset(
    {
        ("builtins", n)
        for n in (
            "eval",
            "exec",
            "execfile",
            "compile",
            "open",
            "__import__",
            "getattr",
            "setattr",
            "delattr",
            "globals",
            "locals",
            "vars",
            "input",
            "breakpoint",
            "apply",
            "memoryview",
        )
    }
    | {
        ("types", "FunctionType"),
        ("types", "CodeType"),
        ("operator", "methodcaller"),
        ("operator", "attrgetter"),
        ("functools", "partial"),
        ("torch", "load"),
        ("torch.serialization", "load"),
        ("numpy", "load"),
        ("numpy.testing._private.utils", "runstring"),
        ("joblib", "load"),
    }
)


def canonical_global(module: str, name: str) -> tuple[str, str]:
    """Map Python 2 names (torch writes ``commands.run`` for ``subprocess.run``)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    if module == "__builtin__":
        module = "builtins"
    return module, name


def dangerous_global(module: str, name: str) -> bool:
    module, name = canonical_global(module, name)
    return module.split(".")[0] in DANGEROUS_MODULES or (module, name) in DANGEROUS_NAMES


def argv_key(argv: list[str], path: str = "") -> str:
    """``id -u`` for both ``execve("/usr/bin/id", ["id", "-u"])`` and ``Popen(["id", "-u"])``."""
    head = (argv[0] if argv else path).rsplit("/", 1)[-1]
    return " ".join([head, *argv[1:]])


def sensitive_label(path: str) -> str | None:
    for pattern, label in _SENSITIVE:
        if pattern.search(path):
            return label
    return None


_NORMALISE = [
    (re.compile(r"(?<![A-Za-z])tmp[a-z0-9_]{6,12}"), "tmp*"),
    (re.compile(r"pip-[a-z]+(-[a-z]+)*-[a-z0-9_]{6,10}"), "pip-*"),
    (re.compile(r"\d{6,}"), "#"),
]


def normalise(text: str, ctx: Context) -> str:
    for value, placeholder in ctx.placeholders.items():
        if value:
            text = text.replace(value, placeholder)
    text = text.replace(ctx.view.scratch, "$SCRATCH")
    for pattern, repl in _NORMALISE:
        text = pattern.sub(repl, text)
    return text


def _q(text: str) -> str:
    return json.dumps(text)


# --- strace -----------------------------------------------------------------------------


_PLAIN_PATH_CALLS = {
    "open": 0,
    "creat": 0,
    "truncate": 0,
    "chmod": 0,
    "mkdir": 0,
    "unlink": 0,
    "rename": 1,
    "symlink": 1,
    "link": 1,
}
_AT_PATH_CALLS = {
    "openat": (0, 1),
    "openat2": (0, 1),
    "mkdirat": (0, 1),
    "unlinkat": (0, 1),
    "fchmodat": (0, 1),
    "renameat": (2, 3),
    "renameat2": (2, 3),
    "linkat": (2, 3),
    "symlinkat": (1, 2),
}


def _join(base: str, path: str) -> str:
    if path.startswith("/"):
        return path
    return base.rstrip("/") + "/" + path


def _path_arg(call: Call, cwd: str) -> tuple[str | None, str]:
    """The absolute path a file syscall names (dirfd and cwd resolved) and its flags."""
    args = call.args
    flags = ""
    if call.name in _PLAIN_PATH_CALLS:
        index = _PLAIN_PATH_CALLS[call.name]
        base = cwd
        if call.name == "open" and len(args) > 1:
            flags = args[1]
    elif call.name in _AT_PATH_CALLS:
        dirfd_index, index = _AT_PATH_CALLS[call.name]
        base = cwd
        if dirfd_index < len(args):
            deco = re.search(r"<(.*)>$", args[dirfd_index])
            if deco:
                base = deco.group(1)
        if call.name in ("openat", "openat2") and len(args) > 2:
            flags = args[2]
    else:
        return None, ""
    if index >= len(args):
        return None, ""
    path = decode_string(args[index])
    if path is None:
        return None, ""
    resolved = call.ret_path
    if (
        resolved
        and resolved.startswith("/")
        and call.name.startswith(("open", "creat"))
        and not path.startswith("/proc/")
    ):
        return resolved, flags
    return _join(base, path), flags


def _blocked(call: Call) -> bool:
    return call.failed


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.events: list[Event] = []
        self.counts: dict[str, int] = {}

    def add(
        self,
        kind: str,
        detail: str,
        blocked: bool,
        *,
        forbidden: bool,
        key: str,
        source: str = "strace",
        **data: Any,
    ) -> None:
        key = f"{FAMILY.get(kind, kind)}|{normalise(key, self.ctx)}"
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + 1
        if seen >= MAX_EVENTS_PER_KEY or len(self.events) >= MAX_EVENTS:
            return
        self.events.append(Event(kind, detail, blocked, forbidden, source, key, dict(data)))

    def summarise(self) -> list[Event]:
        out = list(self.events)
        for key, count in self.counts.items():
            if count > MAX_EVENTS_PER_KEY:
                sample = next(e for e in self.events if e.key == key)
                out.append(
                    Event(
                        sample.kind,
                        f"{count - MAX_EVENTS_PER_KEY} more like: {sample.detail}",
                        sample.blocked,
                        sample.forbidden,
                        sample.source,
                        key,
                        {"repeat": count},
                    )
                )
        return out


def _target_root(trace: Trace, wrapper_execs: int) -> int | None:
    """The pid whose successful exec starts the analysed command (after the wrappers')."""
    seen = 0
    for rec in trace.records:
        if isinstance(rec, Call) and rec.name in ("execve", "execveat") and rec.retval == 0:
            seen += 1
            if seen > wrapper_execs:
                return rec.pid
    return None


def trace_events(trace: Trace, ctx: Context, *, wrapper_execs: int = 1) -> list[Event]:
    """Events from a parsed strace log, keeping only the target and its descendants."""
    root = _target_root(trace, wrapper_execs)
    if root is None:
        return []
    builder = _Builder(ctx)
    cwd: dict[int, str] = {}
    started = False
    first_exec_done = False
    for rec in trace.records:
        if not started:
            if (
                isinstance(rec, Call)
                and rec.pid == root
                and rec.name in ("execve", "execveat")
                and rec.retval == 0
            ):
                started = True
            else:
                continue
        if not trace.descends_from(rec.pid, root):
            continue
        if isinstance(rec, Call):
            if not first_exec_done and rec.pid == root and rec.name in ("execve", "execveat"):
                first_exec_done = True
                continue
            _track_cwd(rec, cwd, builder.ctx.view.scratch)
            _classify_call(rec, builder, cwd.get(rec.pid, builder.ctx.view.scratch))
        elif isinstance(rec, SignalNote):
            _classify_signal(rec, builder)
        elif isinstance(rec, ExitNote) and rec.signal is not None:
            limit = {"SIGXCPU": "CPU time", "SIGXFSZ": "file size"}.get(rec.signal)
            if limit:
                builder.add(
                    "limit",
                    f"process {rec.pid} killed: {limit} limit ({rec.signal})",
                    True,
                    forbidden=True,
                    key=f"killed {rec.signal}",
                )
    return builder.summarise()


def _track_cwd(call: Call, cwd: dict[int, str], default: str) -> None:
    """Follow each process's working directory (relative paths in mkdir/chmod/... need it)."""
    here = cwd.get(call.pid, default)
    for arg in call.args[:1]:
        deco = re.match(r"AT_FDCWD<(.*)>$", arg)
        if deco:
            here = cwd[call.pid] = deco.group(1)
    if call.failed:
        return
    if call.name in ("clone", "clone3", "fork", "vfork") and call.child_pid is not None:
        cwd[call.child_pid] = here
    elif call.name == "chdir" and call.args:
        target = decode_string(call.args[0])
        if target:
            cwd[call.pid] = os.path.normpath(_join(here, target))
    elif call.name == "fchdir" and call.args:
        deco = re.search(r"<(.*)>$", call.args[0])
        if deco:
            cwd[call.pid] = deco.group(1)


def _classify_signal(rec: SignalNote, b: _Builder) -> None:
    if rec.signal in ("SIGXCPU", "SIGXFSZ"):
        what = "CPU time" if rec.signal == "SIGXCPU" else "file size"
        b.add("limit", f"{what} limit reached ({rec.signal})", True, forbidden=True, key=rec.signal)
    elif rec.signal == "SIGSYS":
        b.add(
            "denied",
            f"killed by the seccomp filter ({rec.info[:120]})",
            True,
            forbidden=True,
            key="SIGSYS",
        )


def _classify_call(call: Call, b: _Builder, cwd: str) -> None:
    name = call.name
    if name in ("execve", "execveat"):
        if call.errno == "ENOENT":
            return  # PATH search; the successful exec (or a denial) follows
        args = call.args
        path = decode_string(args[1 if name == "execveat" else 0]) if args else None
        argv = decode_array(args[2 if name == "execveat" else 1]) if len(args) > 1 else []
        path = path or "?"
        detail = f"{path} {json.dumps(argv)}"
        if call.failed:
            detail += f" -> {call.errno}"
        b.add(
            "exec",
            detail,
            _blocked(call),
            forbidden=True,
            key=argv_key(argv, path),
            path=path,
            argv=argv,
        )
        return
    if name in ("clone", "clone3", "fork", "vfork"):
        flags = " ".join(call.args[:2])
        if name in ("clone", "clone3") and "CLONE_THREAD" in flags:
            return
        if "CLONE_UNTRACED" in flags:
            b.add(
                "evasion",
                f"{name}({flags}) to hide a child from tracing -> {call.errno or 'allowed'}",
                _blocked(call),
                forbidden=True,
                key=f"untraced {name}",
            )
            return
        if call.errno in ("EAGAIN", "ENOMEM"):
            b.add(
                "limit",
                f"process limit reached: {name} -> {call.errno}",
                True,
                forbidden=True,
                key=f"spawn {call.errno}",
            )
        elif call.failed:
            b.add(
                "spawn",
                f"{name}() -> {call.errno}",
                True,
                forbidden=True,
                key=f"{name} {call.errno}",
            )
        else:
            b.add("spawn", f"{name}() -> pid {call.child_pid}", False, forbidden=False, key=name)
        return
    if name == "socket":
        family = call.args[0] if call.args else ""
        if family in _FAMILIES_NET:
            detail = f"socket({', '.join(call.args)})"
            if call.failed:
                detail += f" -> {call.errno}"
            # a created socket goes nowhere by itself (connect carries the address); a
            # socket the lockdown refused is the only trace of the attempt
            b.add("socket", detail, _blocked(call), forbidden=call.failed, key=f"socket {family}")
        return
    if name in ("connect", "bind", "sendto", "sendmsg"):
        addr_text = (
            call.args[1]
            if name in ("connect", "bind", "sendmsg") and len(call.args) > 1
            else (call.args[4] if len(call.args) > 4 else "")
        )
        addr = parse_sockaddr(addr_text)
        if addr is None or addr.family == "AF_NETLINK":
            return
        where = str(addr)
        forbidden = addr.family in _FAMILIES_NET or (
            addr.family == "AF_UNIX" and not _BENIGN_UNIX.match(where)
        )
        detail = f"{name} {where}"
        if call.failed:
            detail += f" -> {call.errno}"
        # a network attempt never reaches anything: there is no route out of the sandbox
        blocked = call.failed or addr.family in _FAMILIES_NET
        b.add(
            "network",
            detail,
            blocked,
            forbidden=forbidden,
            key=f"{name} {where}",
            address=addr.address,
            port=addr.port,
            family=addr.family,
        )
        return
    if name in _ESCAPE_SYSCALLS:
        detail = f"{name}({', '.join(call.args)[:200]}): {_ESCAPE_SYSCALLS[name]}"
        detail += f" -> {call.errno}" if call.failed else " -> allowed"
        b.add("denied", detail, _blocked(call), forbidden=True, key=name)
        return
    if name in ("kill", "tkill", "tgkill"):
        target = call.args[0] if call.args else "?"
        sig = call.args[-1] if call.args else "?"
        wide = target.startswith("-") or target == "0"
        b.add(
            "signal",
            f"{name}({', '.join(call.args)})" + (f" -> {call.errno}" if call.failed else ""),
            _blocked(call),
            forbidden=wide,
            key=f"{name} {sig} {'group' if wide else 'pid'}",
        )
        return
    if name == "memfd_create":
        b.add(
            "memfd",
            f"memfd_create({', '.join(call.args)})",
            _blocked(call),
            forbidden=False,
            key="memfd",
        )
        return
    if name in ("mmap", "brk"):
        if call.errno == "ENOMEM":
            b.add(
                "limit",
                f"memory limit reached: {name}({', '.join(call.args[:2])}) -> ENOMEM",
                True,
                forbidden=True,
                key="memory",
            )
        return
    if name in ("personality", "chdir", "fchdir"):
        return
    _classify_file(call, b, cwd)


def _classify_file(call: Call, b: _Builder, cwd: str) -> None:
    path, flags = _path_arg(call, cwd)
    if not path:
        return
    name = call.name
    writing = name in ("creat", "truncate") or (
        name in ("open", "openat", "openat2") and bool(_WRITE_FLAGS.search(flags))
    )
    mutating = name not in ("open", "openat", "openat2", "creat", "truncate")
    outcome = f" -> {call.errno}" if call.failed else ""
    label = sensitive_label(path)
    if label and not writing and not mutating:
        b.add(
            "file.read",
            f"read {path} ({label}){outcome}",
            _blocked(call),
            forbidden=True,
            key=path,
            path=path,
            label=label,
        )
        return
    if not (writing or mutating):
        return
    if path.startswith(b.ctx.write_ok()):
        if _PERSISTENCE.search(path) and not path.startswith(f"{b.ctx.view.out}/"):
            # a .pth installed into the target is normal packaging (it only runs code at
            # start-up if it has import lines, which the static checks read): report it,
            # but only a write to a shell rc, cron or autostart file counts as forbidden
            b.add(
                "file.write",
                f"{name} {path}: persistence location inside scratch{outcome}",
                _blocked(call),
                forbidden=not path.endswith(".pth"),
                key=f"{name} {path}",
                path=path,
            )
        return
    verb = "write" if writing else name
    detail = f"{verb} {path} outside scratch{outcome}"
    if label:
        detail += f" ({label})"
    b.add("file.write", detail, _blocked(call), forbidden=True, key=f"{verb} {path}", path=path)


# --- audit hook (inside) -------------------------------------------------------------------


def audit_events(records: Iterable[dict[str, Any]], ctx: Context) -> list[Event]:
    """Events from the in-sandbox PEP 578 hook (``entry/site/sitecustomize.py``)."""
    b = _Builder(ctx)
    for rec in records:
        for event in _audit_event(rec, ctx):
            b.add(
                event.kind,
                event.detail,
                event.blocked,
                forbidden=event.forbidden,
                key=event.key,
                source="audit",
                **event.data,
            )
    return b.summarise()


def _audit_event(rec: dict[str, Any], ctx: Context) -> Iterator[Event]:
    event = str(rec.get("event", ""))
    args = rec.get("args")
    if not isinstance(args, list):
        return
    text = [str(a) for a in args]
    if event == "pickle.find_class" and len(text) >= 2:
        module, name = canonical_global(text[0], text[1])
        bad = dangerous_global(text[0], text[1])
        shown = f"{module}.{name}"
        if (module, name) != (text[0], text[1]):
            shown += f" (written as {text[0]}.{text[1]})"
        yield Event(
            "pickle.global",
            f"find_class {shown}",
            False,
            bad,
            key=f"{module}.{name}",
            data={"module": module, "name": name},
        )
    elif event in ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.system", "os.spawn"):
        if event == "os.system":
            detail, key = (
                f"os.system {json.dumps(text[0] if text else '')}",
                text[0] if text else "",
            )
        else:
            exe = text[0] if text else "?"
            argv = args[1] if len(args) > 1 and isinstance(args[1], list) else text[1:2]
            detail = f"{event} {exe} {json.dumps([str(a) for a in argv])}"
            key = argv_key([str(a) for a in argv], exe)
        yield Event("python.exec", detail, ctx.lockdown, True, key=key)
    elif event in ("os.fork", "os.forkpty"):
        yield Event("python.exec", event, ctx.lockdown, ctx.lockdown, key=event)
    elif event in ("socket.connect", "socket.bind", "socket.sendto") and len(text) >= 2:
        addr = _py_address(args[1])
        unix = not isinstance(args[1], list)
        verb = event.split(".", 1)[1]
        yield Event("python.network", f"{event} {addr}", True, not unix, key=f"{verb} {addr}")
    elif event == "socket.getaddrinfo" and text:
        yield Event(
            "python.network",
            f"getaddrinfo {text[0]}:{text[1] if len(text) > 1 else ''}",
            True,
            True,
            key=f"getaddrinfo {text[0]}",
        )
    elif event == "open" and text:
        path = text[0]
        mode = text[1] if len(text) > 1 else "r"
        label = sensitive_label(path)
        writing = any(c in mode for c in "wax+")
        if label and not writing:
            yield Event("python.open", f"open {path} ({label})", False, True, key=path)
        elif writing and path.startswith("/") and not path.startswith(ctx.write_ok()):
            yield Event(
                "python.write",
                f"open {path} for writing outside scratch",
                False,
                True,
                key=f"write {path}",
            )
    elif event == "ctypes.dlopen" and text:
        yield Event("python.native", f"ctypes.dlopen {text[0]}", False, False, key=text[0])


def _py_address(value: Any) -> str:
    if isinstance(value, list) and len(value) >= 2:
        host, port = str(value[0]), value[1]
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    text = str(value)
    return f"unix:{text}" if text.startswith("/") else text


def limit_events(
    rc: int | None, timed_out: bool, policy: Policy, stderr: str, result: dict[str, Any] | None
) -> list[Event]:
    """Limit hits the runner saw: the wall clock, and memory exhaustion."""
    events: list[Event] = []
    if timed_out:
        events.append(
            Event(
                "limit",
                f"wall-clock limit of {policy.limits.wall_s:g} s reached; the sandbox was killed",
                True,
                True,
                "runner",
                "limit|wall",
            )
        )
    memory = "MemoryError" in stderr[-4000:] or bool(
        result
        and result.get("exception", {})
        and result.get("exception", {}).get("type") == "MemoryError"
    )
    if memory:
        events.append(
            Event(
                "limit",
                f"memory limit of {policy.limits.memory_mb} MiB reached (MemoryError)",
                True,
                True,
                "runner",
                "limit|memory",
            )
        )
    if rc is not None and rc in (-9, 137) and not timed_out and not memory:
        events.append(
            Event("limit", "killed by SIGKILL (CPU time limit)", True, True, "runner", "limit|cpu")
        )
    return events


__all__ = [
    "Context",
    "Event",
    "audit_events",
    "canonical_global",
    "dangerous_global",
    "limit_events",
    "normalise",
    "sensitive_label",
    "trace_events",
]
