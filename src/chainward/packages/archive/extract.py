"""Bounded, in-memory reading of sdists and wheels: nothing is written to disk, nothing run.

Tar archives are read as a stream through a decompressor that counts every byte it
produces, so a gzip bomb stops at ``MAX_TOTAL_BYTES`` instead of filling memory; zip
members are read with a byte limit whatever their headers claim. Links, devices,
absolute paths and ``..`` components are never followed: they become findings.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import posixpath
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from chainward.errors import InputError

MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 16 * 1024 * 1024  # files larger than this are listed but not read
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # decompressed bytes read from one archive
MAX_RATIO = 200  # zip member compression ratio that counts as a bomb
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024


class ArchiveError(InputError):
    """The file is not a readable sdist or wheel."""


@dataclass(frozen=True)
class Member:
    """One regular file of the archive; ``path`` is relative to the project root."""

    path: str
    data: bytes
    size: int
    truncated: bool = False


@dataclass(frozen=True)
class Hazard:
    """Something hostile about the archive itself (link, traversal, bomb)."""

    kind: str
    path: str
    detail: str


@dataclass
class Contents:
    """What was read from an archive."""

    archive: str
    kind: str  # "wheel" | "sdist"
    sha256: str
    members: list[Member] = field(default_factory=list)
    hazards: list[Hazard] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    root: str = ""

    def get(self, path: str) -> Member | None:
        for member in self.members:
            if member.path == path:
                return member
        return None


class _Budget:
    def __init__(self) -> None:
        self.used = 0

    def take(self, amount: int) -> None:
        self.used += amount
        if self.used > MAX_TOTAL_BYTES:
            raise _BombError


class _BombError(Exception):
    pass


class _CountingReader(io.RawIOBase):
    """A read-only stream over a decompressor that stops after ``MAX_TOTAL_BYTES``."""

    def __init__(self, inner: IO[bytes], budget: _Budget) -> None:
        self._inner = inner
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._budget.take(len(data))
        buffer[: len(data)] = data
        return len(data)


def _safe_path(name: str) -> str | None:
    """The normalised relative path, or None when it escapes the archive root."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    normal = posixpath.normpath(name)
    if normal == ".." or normal.startswith("../") or "/../" in f"/{normal}/":
        return None
    return "" if normal == "." else normal


def _open_stream(raw: IO[bytes], head: bytes) -> Any:
    if head.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if head.startswith(b"BZh"):
        return bz2.BZ2File(raw, mode="rb")
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(raw, mode="rb")
    if len(head) >= 262 and head[257:262] == b"ustar":
        return raw
    return None


def read_archive(path: Path) -> Contents:
    """Read every regular file of the sdist or wheel at ``path`` into memory, within limits."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ArchiveError("not a regular file", path=str(path))
        if size > MAX_ARCHIVE_BYTES:
            raise ArchiveError(f"archive too large ({size} bytes)", path=str(path))
        blob = path.read_bytes()
    except OSError as exc:
        raise ArchiveError(f"cannot read archive: {exc.strerror}", path=str(path)) from None
    digest = hashlib.sha256(blob).hexdigest()
    name = path.name.lower()
    if blob.startswith(b"PK\x03\x04") or blob.startswith(b"PK\x05\x06"):
        kind = "wheel" if name.endswith(".whl") else "sdist"
        contents = Contents(str(path), kind, digest)
        _read_zip(blob, contents, path)
    else:
        contents = Contents(str(path), "sdist", digest)
        _read_tar(blob, contents, path)
    _strip_root(contents)
    return contents


def _read_zip(blob: bytes, contents: Contents, path: Path) -> None:
    budget = _Budget()
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ArchiveError(f"not a valid zip archive: {exc}", path=str(path)) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            contents.hazards.append(
                Hazard("bomb", "", f"{len(infos)} members (limit {MAX_MEMBERS})")
            )
            infos = infos[:MAX_MEMBERS]
        for info in infos:
            if info.is_dir():
                continue
            safe = _safe_path(info.filename)
            if safe is None:
                contents.hazards.append(Hazard("traversal", info.filename, "path escapes root"))
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                target = archive.read(info)[:4096].decode("utf-8", "replace")
                inside = _safe_path(posixpath.join(posixpath.dirname(safe), target)) is not None
                kind = "link" if inside and not target.startswith("/") else "link-out"
                contents.hazards.append(Hazard(kind, safe, f"symbolic link to {target!r}"))
                continue
            if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
                contents.hazards.append(Hazard("special", safe, "not a regular file"))
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
                contents.hazards.append(
                    Hazard("bomb", safe, f"compression ratio {ratio:.0f}:1 ({info.file_size} B)")
                )
                continue
            try:
                with archive.open(info) as handle:
                    data = handle.read(MAX_MEMBER_BYTES + 1)
                budget.take(len(data))
            except _BombError:
                contents.hazards.append(Hazard("bomb", safe, "decompressed size over the limit"))
                return
            except (
                zipfile.BadZipFile,
                zlib.error,
                OSError,
                NotImplementedError,
                ValueError,
                EOFError,
                RuntimeError,
            ) as exc:
                contents.skipped.append((safe, f"unreadable member: {exc}"))
                continue
            truncated = len(data) > MAX_MEMBER_BYTES
            if truncated:
                contents.skipped.append((safe, f"larger than {MAX_MEMBER_BYTES} bytes"))
                data = data[:MAX_MEMBER_BYTES]
            contents.members.append(Member(safe, data, info.file_size, truncated))


def _read_tar(blob: bytes, contents: Contents, path: Path) -> None:
    raw = io.BytesIO(blob)
    stream = _open_stream(raw, blob[:512])
    if stream is None:
        raise ArchiveError(
            "not a tar, tar.gz, tar.bz2, tar.xz, zip or wheel archive", path=str(path)
        )
    budget = _Budget()
    reader = io.BufferedReader(_CountingReader(stream, budget), buffer_size=64 * 1024)
    count = 0
    try:
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for info in archive:
                count += 1
                if count > MAX_MEMBERS:
                    contents.hazards.append(Hazard("bomb", "", f"more than {MAX_MEMBERS} members"))
                    break
                if info.isdir():
                    continue
                safe = _safe_path(info.name)
                if safe is None:
                    contents.hazards.append(Hazard("traversal", info.name, "path escapes root"))
                    continue
                if info.issym() or info.islnk():
                    base = posixpath.dirname(safe) if info.issym() else ""
                    inside = _safe_path(posixpath.join(base, info.linkname)) is not None
                    kind = "link" if inside and not info.linkname.startswith("/") else "link-out"
                    contents.hazards.append(Hazard(kind, safe, f"link to {info.linkname!r}"))
                    continue
                if not info.isreg():
                    contents.hazards.append(Hazard("special", safe, "not a regular file"))
                    continue
                handle = archive.extractfile(info)
                if handle is None:
                    continue
                data = handle.read(MAX_MEMBER_BYTES + 1)
                truncated = len(data) > MAX_MEMBER_BYTES
                if truncated:
                    contents.skipped.append((safe, f"larger than {MAX_MEMBER_BYTES} bytes"))
                    data = data[:MAX_MEMBER_BYTES]
                contents.members.append(Member(safe, data, info.size, truncated))
    except _BombError:
        contents.hazards.append(Hazard("bomb", "", "decompressed size over the limit"))
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        if not contents.members:
            raise ArchiveError(f"not a valid tar archive: {exc}", path=str(path)) from None
        contents.skipped.append(("", f"archive ends early: {exc}"))


def _strip_root(contents: Contents) -> None:
    """Drop the single top-level directory of an sdist ("pkg-1.0/setup.py" -> "setup.py")."""
    if contents.kind != "sdist" or not contents.members:
        return
    heads = {m.path.split("/", 1)[0] for m in contents.members}
    if len(heads) != 1 or all("/" not in m.path for m in contents.members):
        return
    root = heads.pop()
    contents.root = root
    contents.members = [
        Member(m.path[len(root) + 1 :], m.data, m.size, m.truncated)
        for m in contents.members
        if "/" in m.path
    ]


__all__ = ["ArchiveError", "Contents", "Hazard", "Member", "read_archive"]
