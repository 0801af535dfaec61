"""A Hugging Face hub cache laid out exactly as huggingface_hub writes it, for tests.

``blobs/<sha256>`` for LFS files, ``blobs/<git blob sha1>`` for regular files,
``refs/main`` holding the commit, ``snapshots/<commit>/<file>`` relative symlinks.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def make_hf_cache(
    cache: Path,
    repo_id: str,
    files: dict[str, tuple[bytes, bool]],
    *,
    commit: str = "0123456789abcdef0123456789abcdef01234567",
    ref: str = "main",
) -> Path:
    """Add one revision of ``repo_id`` (file -> (content, is_lfs)); returns the snapshot."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / ref).write_text(commit)
    snapshot = repo / "snapshots" / commit
    for name, (data, lfs) in files.items():
        blob_name = hashlib.sha256(data).hexdigest() if lfs else git_sha1(data)
        (repo / "blobs" / blob_name).write_bytes(data)
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        target = os.path.relpath(repo / "blobs" / blob_name, link.parent)
        link.symlink_to(target)
    return snapshot
