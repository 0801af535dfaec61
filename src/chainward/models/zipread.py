"""A tolerant, bounded ZIP reader (PKWARE APPNOTE 6.3), written for scanning.

Why not :mod:`zipfile`: PyTorch reads checkpoints with miniz, which ignores CRC
errors and trusts the central directory over local headers. A scanner must read
what the loader reads, so this reader does the same and *reports* every
inconsistency (CRC, local/central name mismatch, duplicate names, encryption,
symlinks, traversal) instead of refusing the archive. Only the central directory
is read eagerly, and member data is decompressed with an output budget.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

EOCD_SIG = b"PK\x05\x06"
EOCD64_LOC_SIG = b"PK\x06\x07"
EOCD64_SIG = b"PK\x06\x06"
CENTRAL_SIG = b"PK\x01\x02"
LOCAL_SIG = b"PK\x03\x04"

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_EOCD64_LOC = struct.Struct("<4sLQL")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")

MAX_CENTRAL_DIRECTORY = 64 << 20
MAX_ENTRIES = 1_000_000


class ZipFormatError(ValueError):
    """The bytes are not a readable ZIP archive."""


# plain classes: a dataclass costs most of a millisecond at every start-up, and a frozen
# one's __init__ about a microsecond per member of a big zip
class ZipEntry:
    """One central-directory record."""

    __slots__ = (
        "compressed_size",
        "crc",
        "create_system",
        "external_attr",
        "flags",
        "header_offset",
        "method",
        "name",
        "raw_name",
        "size",
    )

    def __init__(
        self,
        name: str,
        raw_name: bytes,
        method: int,
        flags: int,
        crc: int,
        compressed_size: int,
        size: int,
        header_offset: int,
        external_attr: int,
        create_system: int,
    ) -> None:
        self.name = name
        self.raw_name = raw_name
        self.method = method
        self.flags = flags
        self.crc = crc
        self.compressed_size = compressed_size
        self.size = size
        self.header_offset = header_offset
        self.external_attr = external_attr
        self.create_system = create_system

    def __repr__(self) -> str:
        return f"ZipEntry({self.name!r}, method={self.method}, size={self.size})"

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")

    @property
    def is_symlink(self) -> bool:
        return self.create_system == 3 and (self.external_attr >> 16) & 0o170000 == 0o120000

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & 0x1)


class ZipIndex:
    """The central directory of an archive, plus what was odd about it."""

    __slots__ = ("ambiguous", "comment", "entries", "prefix", "truncated")

    def __init__(
        self,
        entries: list[ZipEntry],
        prefix: int,  # bytes before the archive (self-extractors, polyglots)
        comment: bytes,
        truncated: bool,  # the central directory was cut short
        ambiguous: bool = False,  # zipfile and miniz find different directories (both read)
    ) -> None:
        self.entries = entries
        self.prefix = prefix
        self.comment = comment
        self.truncated = truncated
        self.ambiguous = ambiguous


def _find_eocd(fh: BinaryIO, size: int) -> tuple[int, bytes]:
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(EOCD_SIG)
    while pos >= 0:
        if len(tail) - pos >= 22:
            return size - tail_len + pos, tail[pos : pos + 22]
        pos = tail.rfind(EOCD_SIG, 0, pos)
    raise ZipFormatError("no end-of-central-directory record")


def read_index(fh: BinaryIO, size: int, *, max_entries: int = MAX_ENTRIES) -> ZipIndex:
    """Read the central directory of the archive in ``fh`` (``size`` bytes long).

    Loaders disagree on where the directory is: :mod:`zipfile` (Keras, NumPy) reads
    it right before the end record and takes any difference from the recorded offset
    as bytes prepended to the archive, while miniz (``torch.load``) reads it at the
    recorded offset. Where both places hold a directory, both are read and their
    entries merged (``ambiguous`` is set), so a scan sees what either loader sees.
    """
    if size < 22:
        raise ZipFormatError("too short for a ZIP archive")
    eocd_pos, record = _find_eocd(fh, size)
    _sig, _disk, _cd_disk, _n_disk, count, cd_size, cd_offset, comment_len = _EOCD.unpack(record)
    fh.seek(eocd_pos + 22)
    comment = fh.read(min(comment_len, 65535))
    directories = _zip64_directories(fh, eocd_pos) or [(count, cd_size, cd_offset, eocd_pos)]
    starts: list[tuple[int, int, int, int]] = []  # (start, prefix, count, cd_size)
    for count, cd_size, cd_offset, cd_end in directories:
        if cd_size > size or cd_offset > size:
            raise ZipFormatError("central directory size or offset is beyond the end of the file")
        if cd_size > MAX_CENTRAL_DIRECTORY:
            raise ZipFormatError(f"central directory of {cd_size} bytes is over the limit")
        cd_start = cd_end - cd_size
        if cd_start < 0:
            raise ZipFormatError("central directory offset out of range")
        prefix = cd_start - cd_offset
        if prefix < 0:
            prefix = 0
            cd_start = cd_offset
        starts.append((cd_start, prefix, count, cd_size))
        starts.append((cd_offset, 0, count, cd_size))  # where miniz reads it
    entries: list[ZipEntry] = []
    truncated = False
    ambiguous = False
    read: set[int] = set()
    first_prefix = starts[0][1]
    for number, (start, prefix, count, cd_size) in enumerate(starts):
        if start in read:
            continue
        read.add(start)
        fh.seek(start)
        if number > 0 and fh.read(4) != CENTRAL_SIG:
            continue  # no directory there: the first reading stands alone
        fh.seek(start)
        data = fh.read(cd_size)
        found, cut = _parse_directory(data, count, prefix, max_entries)
        if number == 0:
            entries, truncated = found, cut
            continue
        known = {(e.raw_name, e.header_offset) for e in entries}
        extra = [e for e in found if (e.raw_name, e.header_offset) not in known]
        if extra:
            ambiguous = ambiguous or bool(entries)  # else zipfile finds no directory at all
            entries.extend(extra[: max(0, max_entries - len(entries))])
    return ZipIndex(entries, first_prefix, comment, truncated, ambiguous)


def _zip64_directories(fh: BinaryIO, eocd_pos: int) -> list[tuple[int, int, int, int]]:
    """(count, size, offset, end) of the directory per zip64 end record: the record
    right before its locator (zipfile) and the one the locator points at (miniz)."""
    if eocd_pos < 20:
        return []
    fh.seek(eocd_pos - 20)
    loc = fh.read(20)
    if loc[:4] != EOCD64_LOC_SIG:
        return []
    _s, _d, rec64_offset, _t = _EOCD64_LOC.unpack(loc)
    found: list[tuple[int, int, int, int]] = []
    # normally right before the locator; the offset field does not count a prefix
    for rec64_pos in dict.fromkeys((eocd_pos - 20 - 56, rec64_offset)):
        if rec64_pos < 0:
            continue
        fh.seek(rec64_pos)
        rec = fh.read(56)
        if len(rec) == 56 and rec[:4] == EOCD64_SIG:
            fields = _EOCD64.unpack(rec)
            found.append((fields[7], fields[8], fields[9], rec64_pos))
    return found


def _parse_directory(
    data: bytes, count: int, prefix: int, max_entries: int
) -> tuple[list[ZipEntry], bool]:
    """The records of one central directory, and whether it was cut short."""
    entries: list[ZipEntry] = []
    pos = 0
    truncated = False
    limit = min(max_entries, max(count, 1) * 4 + 16)
    end = len(data)
    while pos + 46 <= end and len(entries) < limit:
        (
            sig,
            made_by,
            _need,
            flags,
            method,
            _t,
            _d,
            crc,
            csize,
            usize,
            nlen,
            xlen,
            clen,
            _disk,
            _iattr,
            eattr,
            offset,
        ) = _CENTRAL.unpack_from(data, pos)
        if sig != CENTRAL_SIG:
            truncated = True
            break
        pos += 46
        raw_name = data[pos : pos + nlen]
        if 0xFFFFFFFF in (usize, csize, offset):  # only then does a zip64 field apply
            extra = data[pos + nlen : pos + nlen + xlen]
            usize, csize, offset = _zip64_extra(extra, usize, csize, offset)
        pos += nlen + xlen + clen
        if pos > end:
            truncated = True
            break
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        entries.append(
            ZipEntry(
                name,
                raw_name,
                method,
                flags,
                crc,
                csize,
                usize,
                offset + prefix,
                eattr,
                made_by >> 8,
            )
        )
    if len(entries) < count and not truncated and len(entries) < max_entries:
        truncated = True
    return entries, truncated


def _zip64_extra(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        pos += 4 + length
        if tag != 0x0001:
            continue
        values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
        it = iter(values)
        if usize == 0xFFFFFFFF:
            usize = next(it, usize)
        if csize == 0xFFFFFFFF:
            csize = next(it, csize)
        if offset == 0xFFFFFFFF:
            offset = next(it, offset)
    return usize, csize, offset


class LocalHeader:
    """A member's local header: its stored name and where its data starts."""

    __slots__ = ("data_offset", "raw_name")

    def __init__(self, raw_name: bytes, data_offset: int) -> None:
        self.raw_name = raw_name
        self.data_offset = data_offset


def read_local_header(fh: BinaryIO, entry: ZipEntry) -> LocalHeader:
    if entry.header_offset > 1 << 62:
        raise ZipFormatError(f"member {entry.name!r} has an impossible offset")
    fh.seek(entry.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != LOCAL_SIG:
        raise ZipFormatError(f"bad local header for member {entry.name!r}")
    fields = _LOCAL.unpack(head)
    nlen, xlen = fields[9], fields[10]
    raw_name = fh.read(nlen)
    return LocalHeader(raw_name, entry.header_offset + 30 + nlen + xlen)


class BudgetExceeded(ValueError):
    """Decompressed output went over its budget (a decompression bomb, or just too big)."""


def iter_member(
    fh: BinaryIO, entry: ZipEntry, *, limit: int, chunk: int = 1 << 20
) -> Iterator[bytes]:
    """Yield the decompressed bytes of ``entry``; raise BudgetExceeded past ``limit``."""
    local = read_local_header(fh, entry)
    fh.seek(local.data_offset)
    remaining = entry.compressed_size
    out_total = 0
    decomp: _Decompressor | None = _decompressor(entry.method)
    while remaining > 0:
        block = fh.read(min(chunk, remaining))
        if not block:
            break
        remaining -= len(block)
        pieces = [block] if decomp is None else decomp.feed(block, limit - out_total + 1)
        for piece in pieces:
            out_total += len(piece)
            if out_total > limit:
                keep = len(piece) - (out_total - limit)
                if keep > 0:
                    yield piece[:keep]
                raise BudgetExceeded(f"member {entry.name!r} expands past {limit} bytes")
            yield piece
        if decomp is not None and decomp.eof:
            break


class _Decompressor:
    def __init__(self, obj: Any) -> None:
        self.obj = obj
        self.eof = False
        self.raw_deflate = hasattr(obj, "unconsumed_tail")

    def feed(self, data: bytes, max_out: int) -> list[bytes]:
        out: list[bytes] = []
        obj = self.obj
        if self.raw_deflate:
            buf = data
            while True:
                piece = obj.decompress(buf, max(1, min(max_out, 1 << 22)))
                if piece:
                    out.append(piece)
                    max_out -= len(piece)
                if obj.eof:
                    self.eof = True
                    break
                buf = obj.unconsumed_tail
                if not buf or max_out <= 0:
                    break
            return out
        piece = obj.decompress(data, max(1, min(max_out, 1 << 22)))
        out.append(piece)
        while not obj.eof and obj.needs_input is False and max_out - len(piece) > 0:
            piece = obj.decompress(b"", max(1, min(max_out, 1 << 22)))
            if not piece:
                break
            out.append(piece)
        self.eof = obj.eof
        return out


def _decompressor(method: int) -> _Decompressor | None:
    if method == 0:
        return None
    if method == 8:
        return _Decompressor(zlib.decompressobj(-15))
    if method == 12:
        import bz2  # rare in model archives: not imported at start-up

        return _Decompressor(bz2.BZ2Decompressor())
    if method == 14:
        # ZIP's LZMA: 2-byte version, 2-byte properties size, then raw LZMA1 properties
        return _Decompressor(_ZipLzma())
    if method == 93:
        zstd = zstd_module()
        if zstd is None:
            raise ZipFormatError(
                "member compressed with zstd (method 93) was not read: it needs Python 3.14's "
                "compression.zstd or chainward[zstd] (backports.zstd)"
            )
        return _Decompressor(_ZipZstd(zstd))
    raise ZipFormatError(f"unsupported compression method {method}")


def zstd_module() -> Any:
    """The standard library's ``compression.zstd`` (3.14+), its backport, or None.

    Both have lzma's decompressor interface (eof, needs_input, unused_data)."""
    try:
        from compression import zstd  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        try:
            from backports import zstd  # type: ignore[no-redef, unused-ignore]
        except ImportError:
            return None
    return zstd


class _ZipZstd:
    """Zstandard inside ZIP (method 93, APPNOTE 6.3.7; Python 3.14's zipfile): one frame.

    Errors become ZipFormatError; like zipfile, reading stops at the end of the frame.
    """

    def __init__(self, zstd: Any) -> None:
        self._zstd = zstd
        self._inner = zstd.ZstdDecompressor()
        self.eof = False
        self.needs_input = True

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        try:
            result: bytes = self._inner.decompress(data, max_length)
        except self._zstd.ZstdError as exc:
            raise ZipFormatError(f"invalid zstd data: {exc}") from None
        self.eof = self._inner.eof
        self.needs_input = self._inner.needs_input
        return result


class _ZipLzma:
    """LZMA inside ZIP (method 14) has its own small header before the raw stream."""

    def __init__(self) -> None:
        self._header = b""
        self._inner: Any = None  # an lzma.LZMADecompressor once the header is read
        self.eof = False
        self.needs_input = True

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        if self._inner is None:
            self._header += data
            if len(self._header) < 4:
                return b""
            psize = struct.unpack_from("<H", self._header, 2)[0]
            if len(self._header) < 4 + psize:
                return b""
            props = self._header[4 : 4 + psize]
            import lzma

            filters = [lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)]  # type: ignore[attr-defined]
            self._inner = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters)
            data = self._header[4 + psize :]
        result: bytes = self._inner.decompress(data, max_length)
        self.eof = self._inner.eof
        self.needs_input = self._inner.needs_input
        return result


def read_member(fh: BinaryIO, entry: ZipEntry, *, limit: int) -> bytes:
    """The whole decompressed member; BudgetExceeded past ``limit``."""
    return b"".join(iter_member(fh, entry, limit=limit))


__all__ = [
    "BudgetExceeded",
    "ZipEntry",
    "ZipFormatError",
    "ZipIndex",
    "iter_member",
    "read_index",
    "read_local_header",
    "read_member",
    "zstd_module",
]
