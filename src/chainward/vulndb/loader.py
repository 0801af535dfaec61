"""Reading OSV exports: a per-ecosystem ``all.zip``, a directory of JSON files, or files.

Work is bounded: members larger than :data:`MAX_RECORD_BYTES` are skipped (a zip bomb
cannot exhaust memory) and at most :data:`MAX_RECORDS` records are read.
"""

from __future__ import annotations

import mmap
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from chainward.vulndb.interface import AdvisoryDataError

if TYPE_CHECKING:
    import zipfile

MAX_RECORD_BYTES = 8 * 1024 * 1024
MAX_RECORDS = 2_000_000


class Oversized:
    """Marker yielded instead of bytes for an entry over the size limit."""

    def __init__(self, size: int) -> None:
        self.size = size


Entry = tuple[str, "bytes | Oversized"]


_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


def _member_bytes(view: mmap.mmap, info: zipfile.ZipInfo) -> bytes | None:
    """Decompress one member straight from the mapped archive (no ZipExtFile per member).

    Returns None for anything unusual (encryption, other methods) so the caller can use
    zipfile's general path instead.
    """
    import zipfile

    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    start = info.header_offset
    header = _LOCAL_HEADER.unpack_from(view, start)
    if header[0] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    data_start = start + _LOCAL_HEADER.size + header[9] + header[10]
    raw = view[data_start : data_start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        data = raw
    else:
        inflater = zlib.decompressobj(-15)
        data = inflater.decompress(raw, MAX_RECORD_BYTES + 1)
    if len(data) <= MAX_RECORD_BYTES and zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"CRC mismatch in {info.filename}")
    return data


def _from_zip(path: Path) -> Iterator[Entry]:
    import zipfile  # imported on use: auditing never reads archives

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise AdvisoryDataError(f"not a readable zip archive ({exc})", path=str(path)) from None
    with archive, path.open("rb") as handle:
        members = [i for i in archive.infolist() if i.filename.endswith(".json") and not i.is_dir()]
        if len(members) > MAX_RECORDS:
            raise AdvisoryDataError(f"more than {MAX_RECORDS} records", path=str(path))
        view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            for info in members:
                if info.file_size > MAX_RECORD_BYTES:
                    yield info.filename, Oversized(info.file_size)
                    continue
                try:
                    data = _member_bytes(view, info)
                    if data is None:
                        with archive.open(info) as member:
                            data = member.read(MAX_RECORD_BYTES + 1)
                except (
                    zipfile.BadZipFile,
                    OSError,
                    EOFError,
                    zlib.error,
                    struct.error,
                    ValueError,
                ) as exc:
                    # A truncated or corrupt archive is not a partial success.
                    raise AdvisoryDataError(
                        f"corrupt zip member {info.filename}: {exc}", path=str(path)
                    ) from None
                if len(data) > MAX_RECORD_BYTES:
                    yield info.filename, Oversized(len(data))
                    continue
                yield info.filename, data
        finally:
            view.close()


def _from_file(path: Path) -> Iterator[Entry]:
    size = path.stat().st_size
    if size > MAX_RECORD_BYTES:
        yield path.name, Oversized(size)
        return
    yield path.name, path.read_bytes()


def iter_entries(path: Path) -> Iterator[Entry]:
    """Raw ``(name, bytes)`` entries from a zip, a directory (recursively) or a JSON file."""
    try:
        if path.is_dir():
            count = 0
            for child in sorted(path.rglob("*.json")):
                if child.is_symlink() or not child.is_file():
                    continue
                count += 1
                if count > MAX_RECORDS:
                    raise AdvisoryDataError(f"more than {MAX_RECORDS} records", path=str(path))
                yield from _from_file(child)
            return
        if not path.exists():
            raise AdvisoryDataError("no such file or directory", path=str(path))
        with path.open("rb") as handle:
            magic = handle.read(4)
        if magic.startswith(b"PK"):
            yield from _from_zip(path)
        else:
            yield from _from_file(path)
    except OSError as exc:
        raise AdvisoryDataError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None


__all__ = ["MAX_RECORDS", "MAX_RECORD_BYTES", "Oversized", "iter_entries"]
