"""Small file helpers shared by signing and the lock file (no heavy imports)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from chainward.integrity.errors import IntegrityError


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


__all__ = ["write_atomic"]
