"""Host directories of one sandboxed run, owned so the dropped uid can use them."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

from chainward.sandbox.interface import Workspace

# per-run uids come from a range no distribution hands out, so that NPROC counts
# only this run's processes and a clean-up `kill(-1)` as that uid hits nothing else
UID_BASE = 0x5C000000
UID_SPAN = 0x00FFFFFF


def pick_uid() -> int:
    return UID_BASE + secrets.randbelow(UID_SPAN)


def create(*, drop: bool, base: Path | None = None) -> Workspace:
    root = Path(tempfile.mkdtemp(prefix="chainward-sbx-", dir=base))
    uid = pick_uid() if drop else None
    root.chmod(0o711)
    dirs = {}
    for name in ("scratch", "out", "inputs", "trace", "stage"):
        path = root / name
        path.mkdir()
        dirs[name] = path
    dirs["stage"].chmod(0o755)
    dirs["inputs"].chmod(0o755)
    if uid is not None:
        for name in ("scratch", "out", "trace"):
            os.chown(dirs[name], uid, uid)
            dirs[name].chmod(0o700)
    return Workspace(
        root=root,
        scratch=dirs["scratch"],
        out=dirs["out"],
        inputs=dirs["inputs"],
        trace=dirs["trace"],
        stage=dirs["stage"],
        uid=uid,
    )


def add_input(ws: Workspace, source: Path, name: str) -> Path:
    """Copy (or hard-link) ``source`` into the read-only input directory as ``name``."""
    target = ws.inputs / name
    try:
        os.link(source, target)
        if ws.uid is not None and not (target.stat().st_mode & 0o004):
            target.unlink()
            raise OSError("not world-readable")
    except OSError:
        shutil.copyfile(source, target)
        target.chmod(0o644)
    return target


def remove(ws: Workspace) -> None:
    shutil.rmtree(ws.root, ignore_errors=True)


__all__ = ["UID_BASE", "add_input", "create", "pick_uid", "remove"]
