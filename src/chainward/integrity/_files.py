"""Small file helpers shared by signing and the lock file (no heavy imports)."""

from __future__ import annotations

import io
import os
import stat
import tempfile
from pathlib import Path

from chainward.integrity.errors import IntegrityError, UnsafePathError


def open_regular(path: Path) -> io.FileIO:
    """Open ``path`` for reading only if it is (still) a regular file.

    O_NONBLOCK keeps a FIFO swapped in after the walk from blocking the open; the
    fstat then refuses it, a device or anything else that is not a plain file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafePathError("not a regular file (changed after listing?)", path=str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise IntegrityError(f"cannot write file: {exc.strerror}", path=str(path)) from None


__all__ = ["open_regular", "write_atomic"]
