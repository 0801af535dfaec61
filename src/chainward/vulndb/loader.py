"""Reading OSV exports: a per-ecosystem ``all.zip``, a directory of JSON files, or files.

Work is bounded: members larger than :data:`MAX_RECORD_BYTES` are skipped (a zip bomb
cannot exhaust memory) and at most :data:`MAX_RECORDS` records are read.
"""

from __future__ import annotations

import mmap
import os
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
_END_RECORD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_CORRUPT = (OSError, EOFError, zlib.error, struct.error, ValueError)


# What reading one member needs: name, flag bits, method, header offset, compressed
# size, size, CRC (as in ``zipfile.ZipInfo``).
_Member = tuple[str, int, int, int, int, int, int]


def _plain_extra(extra: bytes) -> bool:
    """An extra field zipfile would read without effect (no zip64 or Unicode path data)."""
    while len(extra) >= 4:
        kind, length = struct.unpack_from("<HH", extra)
        if length + 4 > len(extra) or kind in (0x0001, 0x7075):
            return False
        extra = extra[length + 4 :]
    return True


def _central_directory(view: mmap.mmap) -> list[_Member] | None:
    """The archive's ``.json`` members as ``zipfile`` lists them, read straight from its
    central directory (zipfile builds a full ZipInfo per member, a few percent of an import).

    None for anything unusual (zip64, an archive comment or prefix, encryption, other
    compression methods, extra fields with meaning): ``zipfile`` handles those.
    """
    import zipfile

    size = len(view)
    if size < _END_RECORD.size:
        return None
    end = size - _END_RECORD.size
    signature, disk, cd_disk, _, _, cd_size, cd_offset, comment = _END_RECORD.unpack_from(view, end)
    if signature != b"PK\x05\x06" or comment or disk or cd_disk or cd_offset + cd_size != end:
        return None
    if end >= 20 and view[end - 20 : end - 16] == b"PK\x06\x07":
        return None  # zip64 locator
    members: list[_Member] = []
    unpack = _CENTRAL.unpack_from
    methods = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    newest = zipfile.MAX_EXTRACT_VERSION
    position = cd_offset
    while position < end:
        if position + _CENTRAL.size > end:
            return None
        (signature, _, _, version, _, flags, method, _, _, crc, compressed, size,
         name_length, extra_length, comment_length, _, _, _, offset) = unpack(view, position)  # fmt: skip
        if (
            signature != b"PK\x01\x02"
            or version > newest
            or flags & 0x1
            or method not in methods
            or 0xFFFFFFFF in (compressed, size, offset)
        ):
            return None
        start = position + _CENTRAL.size
        position = start + name_length + extra_length + comment_length
        if extra_length and not _plain_extra(
            view[start + name_length : start + name_length + extra_length]
        ):
            return None
        raw_name = view[start : start + name_length]
        try:
            # (ASCII reads the same in cp437, whose codec need not be loaded for it)
            name = raw_name.decode("utf-8" if flags & 0x800 or raw_name.isascii() else "cp437")
        except UnicodeDecodeError:
            return None
        if "\0" in name:
            name = name.partition("\0")[0]  # as ZipInfo does
        if os.sep != "/":
            name = name.replace(os.sep, "/")
        if name.endswith(".json"):
            members.append((name, flags, method, offset, compressed, size, crc))
    return members if position == end else None


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


def _from_mapped(path: Path, view: mmap.mmap, members: list[_Member]) -> Iterator[Entry]:
    """The entries of an archive whose central directory :func:`_central_directory` read
    (:func:`_member_bytes`, inlined: stored and deflated members only)."""
    import zipfile

    if len(members) > MAX_RECORDS:
        raise AdvisoryDataError(f"more than {MAX_RECORDS} records", path=str(path))
    local_header = _LOCAL_HEADER.unpack_from
    inflater = zlib.decompressobj
    crc32 = zlib.crc32
    for name, _flags, method, offset, compressed, size, crc in members:
        if size > MAX_RECORD_BYTES:
            yield name, Oversized(size)
            continue
        try:
            header = local_header(view, offset)
            if header[0] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"bad local header for {name}")
            start = offset + _LOCAL_HEADER.size + header[9] + header[10]
            data = view[start : start + compressed]
            if method != zipfile.ZIP_STORED:
                data = inflater(-15).decompress(data, MAX_RECORD_BYTES + 1)
            if len(data) > MAX_RECORD_BYTES:
                yield name, Oversized(len(data))
                continue
            if crc32(data) != crc:
                raise zipfile.BadZipFile(f"CRC mismatch in {name}")
        except (zipfile.BadZipFile, *_CORRUPT) as exc:
            raise AdvisoryDataError(f"corrupt zip member {name}: {exc}", path=str(path)) from None
        yield name, data


def _from_zip(path: Path) -> Iterator[Entry]:
    with path.open("rb") as handle:
        try:
            view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            view = None  # empty or unmappable: zipfile says what is wrong
        if view is not None:
            try:
                members = _central_directory(view)
                if members is not None:
                    yield from _from_mapped(path, view, members)
                    return
            finally:
                view.close()
    yield from _from_zipfile(path)


def _from_zipfile(path: Path) -> Iterator[Entry]:
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
                except (zipfile.BadZipFile, *_CORRUPT) as exc:
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
