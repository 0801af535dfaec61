"""Code hidden where source rules do not look: bytecode, pickles, media tails, executables.

Nothing here is loaded: ``.pyc`` files are searched for names, pickles are walked opcode
by opcode with :mod:`pickletools` (which never imports or calls anything), and media
files are measured against their own end markers.
"""

from __future__ import annotations

import pickletools
import re
import struct
from collections.abc import Iterator

_PYC_NAMES = re.compile(
    rb"(exec|eval|b64decode|decompress|system|Popen|urlopen|socket|marshal|__import__)"
)
DANGEROUS_GLOBALS = frozenset(
    {
        "os",
        "posix",
        "nt",
        "subprocess",
        "sys",
        "socket",
        "runpy",
        "importlib",
        "shutil",
        "requests",
        "urllib",
        "urllib.request",
        "webbrowser",
        "pty",
        "commands",
        "marshal",
        "types",
        "code",
        "ctypes",
        "pickle",
        "_pickle",
        "asyncio",
        "http.client",
    }
)
_DANGEROUS_BUILTINS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "__import__",
        "getattr",
        "open",
        "breakpoint",
        "input",
        "setattr",
        "delattr",
        "globals",
        "locals",
        "vars",
        "apply",
        "execfile",
    }
)
_MAX_OPS = 200_000


def pyc_names(data: bytes) -> list[str]:
    """Suspicious identifiers present in a bytecode file (without unmarshalling it)."""
    return sorted({m.decode() for m in _PYC_NAMES.findall(data[:4_000_000])})


def is_pickle(data: bytes) -> bool:
    return len(data) > 2 and data[0] == 0x80 and 2 <= data[1] <= 5


def pickle_globals(data: bytes) -> Iterator[str]:
    """``module.name`` of every GLOBAL/STACK_GLOBAL/INST the pickle would import."""
    strings: list[str] = []
    try:
        for count, (opcode, arg, _pos) in enumerate(pickletools.genops(data)):
            if count > _MAX_OPS:
                return
            if opcode.name in ("GLOBAL", "INST") and isinstance(arg, str):
                module, _, name = arg.partition(" ")
                yield f"{module}.{name}"
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                yield f"{strings[-2]}.{strings[-1]}"
            elif isinstance(arg, str):
                strings.append(arg)
                del strings[:-2]
    except Exception:
        return


def dangerous_global(qualified: str) -> bool:
    module, _, name = qualified.rpartition(".")
    if module in ("builtins", "__builtin__", "__builtins__"):
        return name in _DANGEROUS_BUILTINS
    top = module.split(".")[0]
    return module in DANGEROUS_GLOBALS or top in DANGEROUS_GLOBALS


def media_tail(path: str, data: bytes) -> int:
    """Bytes after the end of a PNG/JPEG/GIF/WAV/BMP image or sound (0 when none)."""
    lower = path.lower()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        end = data.rfind(b"IEND")
        return max(0, len(data) - (end + 8)) if end >= 0 else 0
    if data.startswith(b"\xff\xd8\xff") or lower.endswith((".jpg", ".jpeg")):
        end = data.find(b"\xff\xd9", len(data) // 2 if len(data) > 4096 else 2)
        return max(0, len(data) - (end + 2)) if end >= 0 else 0
    if data.startswith((b"GIF87a", b"GIF89a")):
        end = data.rfind(b"\x00\x3b")
        return max(0, len(data) - (end + 2)) if end >= 0 else 0
    if data.startswith(b"RIFF") and len(data) >= 8:
        declared = int(struct.unpack("<I", data[4:8])[0])
        return max(0, len(data) - (declared + 8))
    if data.startswith(b"BM") and len(data) >= 6:
        declared = int(struct.unpack("<I", data[2:6])[0])
        return max(0, len(data) - declared) if declared > 0 else 0
    return 0


def executable_kind(data: bytes) -> str | None:
    if data.startswith(b"\x7fELF"):
        return "ELF"
    if data.startswith(b"MZ") and b"PE\x00\x00" in data[:1024]:
        return "PE"
    if data[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf"):
        return "Mach-O"
    return None


__all__ = [
    "dangerous_global",
    "executable_kind",
    "is_pickle",
    "media_tail",
    "pickle_globals",
    "pyc_names",
]
