"""Parallel, streaming file hashing.

Work is split into tasks, one per file or one per fixed-size shard of a file, and
run on a thread pool: hashlib and blake3 release the GIL while they hash, so threads
use every core. Each task streams its byte range through one reusable buffer, so
memory stays bounded whatever the model size. BLAKE3 additionally hashes large
files with its own internal threads.
"""

from __future__ import annotations

import enum
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from chainward.errors import MissingDependencyError
from chainward.integrity._files import open_regular
from chainward.integrity.errors import IntegrityError
from chainward.integrity.walk import ModelFile

BUFFER_SIZE = 4 * 1024 * 1024
DEFAULT_SHARD_SIZE = 1_000_000_000
MAX_PIECES = 4_000_000  # bounds memory whatever shard size a signature asks for
_BLAKE3_THREADS_ABOVE = 64 * 1024 * 1024


class HashAlgorithm(str, enum.Enum):
    """File hashing algorithms, named as the OMS algorithm registry names them."""

    SHA256 = "sha256"
    BLAKE2B = "blake2b"
    BLAKE3 = "blake3"

    @classmethod
    def parse(cls, text: str) -> HashAlgorithm:
        key = text.strip().lower().replace("-", "")
        aliases = {"blake2": "blake2b", "sha2256": "sha256"}
        key = aliases.get(key, key)
        for member in cls:
            if member.value == key:
                return member
        names = ", ".join(m.value for m in cls)
        raise IntegrityError(f"unknown hash algorithm {text!r} (expected one of: {names})")


class _Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> object: ...

    def digest(self) -> bytes: ...


def new_hasher(
    algorithm: HashAlgorithm, *, size_hint: int = 0, inner_threads: bool = True
) -> _Hasher:
    """A fresh hash object; BLAKE3 gets internal threads for large inputs."""
    if algorithm is HashAlgorithm.SHA256:
        return hashlib.sha256()
    if algorithm is HashAlgorithm.BLAKE2B:
        return hashlib.blake2b()
    try:
        import blake3
    except ImportError:
        raise MissingDependencyError("blake3", "blake3", "BLAKE3 hashing") from None
    big = size_hint >= _BLAKE3_THREADS_ABOVE
    threads = blake3.blake3.AUTO if inner_threads and big else 1
    hasher: _Hasher = blake3.blake3(max_threads=threads)
    return hasher


def digest_range(
    path: Path,
    start: int,
    end: int,
    algorithm: HashAlgorithm,
    *,
    whole: bool = False,
    inner_threads: bool = True,
    buffer_size: int = BUFFER_SIZE,
) -> bytes:
    """Digest of bytes ``[start, end)`` of ``path``.

    Fails if the file is shorter, or, when ``whole``, if its size is no longer ``end``.
    """
    hasher = new_hasher(algorithm, size_hint=end - start, inner_threads=inner_threads)
    buffer = bytearray(min(buffer_size, max(end - start, 1)))
    view = memoryview(buffer)
    remaining = end - start
    try:
        with open_regular(path) as fh:
            if start:
                fh.seek(start)
            while remaining > 0:
                want = min(remaining, len(buffer))
                got = fh.readinto(view[:want])
                if not got:
                    raise IntegrityError(
                        "file changed while it was being hashed (shorter than expected)",
                        path=str(path),
                    )
                hasher.update(view[:got])
                remaining -= got
            if whole and os.fstat(fh.fileno()).st_size != end:
                raise IntegrityError("file changed while it was being hashed", path=str(path))
    except OSError as exc:
        raise IntegrityError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    return hasher.digest()


@dataclass(frozen=True)
class Piece:
    """One unit of hashing work: a whole file or one shard of it."""

    file: ModelFile
    start: int
    end: int
    sharded: bool

    @property
    def name(self) -> str:
        """The OMS resource name: the file name, or ``name:start:end`` for a shard."""
        return f"{self.file.name}:{self.start}:{self.end}" if self.sharded else self.file.name


def pieces(files: Iterable[ModelFile], shard_size: int | None) -> list[Piece]:
    """Split files into hashing units; zero-length files have no shards (OMS §6.3.2)."""
    if shard_size is not None and shard_size <= 0:
        raise IntegrityError(f"shard size must be positive, got {shard_size}")
    files = list(files)
    if shard_size is not None:
        count = sum(-(-f.size // shard_size) for f in files)
        if count > MAX_PIECES:
            raise IntegrityError(
                f"shard size {shard_size} splits this model into {count} pieces "
                f"(at most {MAX_PIECES}); use a larger shard size"
            )
    out: list[Piece] = []
    for f in files:
        if shard_size is None:
            out.append(Piece(f, 0, f.size, False))
            continue
        for start in range(0, f.size, shard_size):
            out.append(Piece(f, start, min(start + shard_size, f.size), True))
    return out


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def hash_pieces(
    work: Sequence[Piece],
    algorithm: HashAlgorithm,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, bytes]:
    """Digest every piece in parallel; returns resource name -> raw digest."""
    if not work:
        return {}
    # largest first, so that one big file does not start last and run alone
    ordered = sorted(work, key=lambda p: p.end - p.start, reverse=True)
    count = min(workers or default_workers(), len(ordered))
    if algorithm is HashAlgorithm.BLAKE3:
        new_hasher(algorithm)  # fail early and once if blake3 is missing
    # BLAKE3's own threads only help when one piece is too big for the pool to keep
    # every core busy; otherwise they cost CPU (synchronisation) for nothing
    total = sum(p.end - p.start for p in ordered)
    largest = ordered[0].end - ordered[0].start
    inner_threads = largest * count >= total

    def run(piece: Piece) -> tuple[str, bytes]:
        digest = digest_range(
            piece.file.path,
            piece.start,
            piece.end,
            algorithm,
            whole=not piece.sharded,
            inner_threads=inner_threads,
        )
        if progress is not None:
            progress(piece.end - piece.start)
        return piece.name, digest

    if count == 1:
        return dict(run(p) for p in ordered)
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="chainward-hash") as pool:
        return dict(pool.map(run, ordered))


def hash_files(
    files: Iterable[ModelFile],
    algorithm: HashAlgorithm = HashAlgorithm.SHA256,
    *,
    shard_size: int | None = None,
    workers: int | None = None,
) -> dict[str, bytes]:
    """Digest whole files (or their shards): resource name -> raw digest."""
    return hash_pieces(pieces(files, shard_size), algorithm, workers=workers)


__all__ = [
    "DEFAULT_SHARD_SIZE",
    "HashAlgorithm",
    "Piece",
    "default_workers",
    "digest_range",
    "hash_files",
    "hash_pieces",
    "new_hasher",
    "pieces",
]
