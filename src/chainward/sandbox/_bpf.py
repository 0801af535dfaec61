"""Classic-BPF seccomp filters built in pure Python, and the calls that install them.

This module imports only the standard library: it is also imported *inside* the
sandbox (the model-load entry point and the fallback launcher), where chainward
itself is not on the path. Two filters exist:

* ``hardening``: denies syscalls an analysed program never needs and that would let
  it escape or blind the observer (ptrace, bpf, mount, unshare/setns, keyctl, module
  loading, io_uring, clone with CLONE_UNTRACED; clone3 gets ENOSYS so libc falls
  back to clone, whose flags a classic BPF filter can inspect).
* ``lockdown``: hardening plus no exec, no new processes (threads allowed) and no
  sockets other than AF_UNIX; installed in-process after the loader library is
  imported, right before ``pickle.load``/``torch.load``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

# seccomp_data offsets (little endian; the low half of args[0] is at 16)
_OFF_NR = 0
_OFF_ARCH = 4
_OFF_ARG0_LO = 16

_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_JSET_K = 0x45
_BPF_RET_K = 0x06

RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000

CLONE_UNTRACED = 0x00800000
CLONE_THREAD = 0x00010000
AF_UNIX = 1

_X32_BIT = 0x40000000

# AUDIT_ARCH_* values and the syscall numbers that matter, per architecture.
ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        {
            "socket": 41,
            "clone": 56,
            "fork": 57,
            "vfork": 58,
            "execve": 59,
            "ptrace": 101,
            "syslog": 103,
            "uselib": 134,
            "personality": 135,
            "pivot_root": 155,
            "_sysctl": 156,
            "chroot": 161,
            "acct": 163,
            "mount": 165,
            "umount2": 166,
            "swapon": 167,
            "swapoff": 168,
            "reboot": 169,
            "iopl": 172,
            "ioperm": 173,
            "init_module": 175,
            "delete_module": 176,
            "quotactl": 179,
            "nfsservctl": 180,
            "lookup_dcookie": 212,
            "kexec_load": 246,
            "add_key": 248,
            "request_key": 249,
            "keyctl": 250,
            "unshare": 272,
            "perf_event_open": 298,
            "name_to_handle_at": 303,
            "open_by_handle_at": 304,
            "setns": 308,
            "process_vm_readv": 310,
            "process_vm_writev": 311,
            "kcmp": 312,
            "finit_module": 313,
            "kexec_file_load": 320,
            "bpf": 321,
            "execveat": 322,
            "userfaultfd": 323,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "open_tree": 428,
            "move_mount": 429,
            "fsopen": 430,
            "fsconfig": 431,
            "fsmount": 432,
            "fspick": 433,
            "clone3": 435,
            "mount_setattr": 442,
        },
    ),
    "aarch64": (
        0xC00000B7,
        {
            "umount2": 39,
            "mount": 40,
            "pivot_root": 41,
            "chroot": 51,
            "quotactl": 60,
            "acct": 89,
            "personality": 92,
            "unshare": 97,
            "kexec_load": 104,
            "init_module": 105,
            "delete_module": 106,
            "syslog": 116,
            "ptrace": 117,
            "reboot": 142,
            "socket": 198,
            "add_key": 217,
            "request_key": 218,
            "keyctl": 219,
            "clone": 220,
            "execve": 221,
            "swapon": 224,
            "swapoff": 225,
            "perf_event_open": 241,
            "name_to_handle_at": 264,
            "open_by_handle_at": 265,
            "setns": 268,
            "process_vm_readv": 270,
            "process_vm_writev": 271,
            "kcmp": 272,
            "finit_module": 273,
            "bpf": 280,
            "execveat": 281,
            "userfaultfd": 282,
            "kexec_file_load": 294,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "open_tree": 428,
            "move_mount": 429,
            "fsopen": 430,
            "fsconfig": 431,
            "fsmount": 432,
            "fspick": 433,
            "clone3": 435,
            "mount_setattr": 442,
        },
    ),
}

_SECCOMP_SYSCALL = {"x86_64": 317, "aarch64": 277}

HARDENING_DENY = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "mount",
    "umount2",
    "pivot_root",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "unshare",
    "setns",
    "open_by_handle_at",
    "name_to_handle_at",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
    "iopl",
    "ioperm",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "syslog",
    "uselib",
    "_sysctl",
    "nfsservctl",
    "lookup_dcookie",
    "quotactl",
    "kcmp",
    "chroot",
)
LOCKDOWN_DENY = ("execve", "execveat", "fork", "vfork")


class BpfError(OSError):
    """The filter could not be built or installed."""


def machine() -> str:
    name = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(name, name)


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _deny_nr(nr: int, action: int) -> list[bytes]:
    return [_insn(_BPF_JEQ_K, 0, 1, nr), _insn(_BPF_RET_K, 0, 0, action)]


def build(kind: str = "hardening", arch: str | None = None) -> bytes:
    """Return the filter ``kind`` ("hardening" or "lockdown") as raw ``sock_filter`` bytes."""
    if kind not in ("hardening", "lockdown"):
        raise ValueError(f"unknown filter kind {kind!r}")
    arch = arch or machine()
    if arch not in ARCHES:
        raise BpfError(errno.ENOSYS, f"no seccomp syscall table for {arch}")
    audit_arch, table = ARCHES[arch]
    eperm = RET_ERRNO | errno.EPERM
    enosys = RET_ERRNO | errno.ENOSYS
    prog = [
        _insn(_BPF_LD_W_ABS, 0, 0, _OFF_ARCH),
        _insn(_BPF_JEQ_K, 1, 0, audit_arch),
        _insn(_BPF_RET_K, 0, 0, RET_KILL_PROCESS),
        _insn(_BPF_LD_W_ABS, 0, 0, _OFF_NR),
    ]
    if arch == "x86_64":  # x32 syscalls would bypass every number below
        prog += [_insn(_BPF_JGE_K, 0, 1, _X32_BIT), _insn(_BPF_RET_K, 0, 0, eperm)]
    deny = list(HARDENING_DENY) + (list(LOCKDOWN_DENY) if kind == "lockdown" else [])
    for name in deny:
        if name in table:
            prog += _deny_nr(table[name], eperm)
    prog += _deny_nr(table["clone3"], enosys)
    # clone: deny CLONE_UNTRACED always; in lockdown, anything but a thread
    prog += [
        _insn(_BPF_JEQ_K, 0, 5 if kind == "lockdown" else 4, table["clone"]),
        _insn(_BPF_LD_W_ABS, 0, 0, _OFF_ARG0_LO),
    ]
    if kind == "lockdown":
        prog += [_insn(_BPF_JSET_K, 0, 1, CLONE_THREAD)]
    prog += [
        _insn(_BPF_JSET_K, 0, 1, CLONE_UNTRACED),
        _insn(_BPF_RET_K, 0, 0, eperm),
        _insn(_BPF_RET_K, 0, 0, RET_ALLOW),
    ]
    if kind == "lockdown":
        prog += [
            _insn(_BPF_JEQ_K, 0, 4, table["socket"]),
            _insn(_BPF_LD_W_ABS, 0, 0, _OFF_ARG0_LO),
            _insn(_BPF_JEQ_K, 1, 0, AF_UNIX),
            _insn(_BPF_RET_K, 0, 0, eperm),
            _insn(_BPF_RET_K, 0, 0, RET_ALLOW),
        ]
    prog.append(_insn(_BPF_RET_K, 0, 0, RET_ALLOW))
    return b"".join(prog)


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


PR_SET_NO_NEW_PRIVS = 38
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_FILTER_FLAG_TSYNC = 1


def install(program: bytes, *, all_threads: bool = True) -> None:
    """Load ``program`` into the calling process (and all its threads when possible)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise BpfError(err, f"prctl(NO_NEW_PRIVS): {os.strerror(err)}")
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    nr = _SECCOMP_SYSCALL.get(machine())
    if nr is None:
        raise BpfError(errno.ENOSYS, f"seccomp not supported on {machine()}")
    flags = SECCOMP_FILTER_FLAG_TSYNC if all_threads else 0
    libc.syscall.restype = ctypes.c_long
    rc = libc.syscall(
        ctypes.c_long(nr),
        ctypes.c_long(SECCOMP_SET_MODE_FILTER),
        ctypes.c_long(flags),
        ctypes.byref(prog),
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise BpfError(err, f"seccomp(SET_MODE_FILTER): {os.strerror(err) if rc < 0 else rc}")
