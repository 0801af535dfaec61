"""Archives and compressed wrappers, scanned recursively within budgets.

ZIP (PKWARE APPNOTE; read by :mod:`chainward.models.zipread` the way torch's
miniz reads it), tar (POSIX ustar/pax/GNU via :mod:`tarfile`, members streamed,
never extracted), gzip/bz2/xz/lzma/zlib, LZ4 frames (pure Python, :mod:`chainward.models.lz4`),
zstd with the standard library's ``compression.zstd`` (Python 3.14) or its
``backports.zstd`` (the ``zstd`` extra), and 7z with py7zr (the ``sevenzip`` extra). Members are sniffed from their first bytes; only
members that are a model format are read whole. Traversal names, links,
duplicate names, local/central name mismatches, CRC errors and encryption are
reported; over-budget expansion is reported as a bomb, not followed.
"""

from __future__ import annotations

import functools
import io
import zlib
from collections.abc import Iterator

from chainward.models import zipread
from chainward.models.context import BudgetError, ScanContext, Source, lzma_error
from chainward.models.detect import HEAD_SIZE, detect_stream
from chainward.models.interface import FormatScanner
from chainward.models.zipread import zstd_module
from chainward.records import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    import tarfile
    from typing import Any, BinaryIO


def unsafe_member_name(name: str) -> str | None:
    """Why an archive member name would escape an extraction folder, or None."""
    norm = name.replace("\\", "/")
    if norm.startswith("/"):
        return "an absolute path"
    if len(norm) > 1 and norm[1] == ":":
        return "a drive-letter path"
    if ".." in norm.split("/"):
        return "a '..' component"
    if "\x00" in norm:
        return "a NUL byte"
    return None


# ------------------------------------------------------------------ zip


def iter_zip_members(
    source: Source, ctx: ScanContext, *, report_names: bool = True
) -> Iterator[tuple[zipread.ZipEntry, Source, bytes]]:
    """Yield (entry, member source, head bytes) for every readable regular member."""
    where = source.display
    with source.open() as fh:
        try:
            index = zipread.read_index(fh, source.size, max_entries=ctx.options.max_members)
        except (zipread.ZipFormatError, OSError, ValueError) as exc:
            ctx.error(where, f"unreadable ZIP archive: {exc}")
            return
        if index.truncated:
            ctx.add(
                "zip-truncated-directory",
                Severity.LOW,
                "the ZIP central directory is cut short; only the readable part was scanned",
                where,
            )
        if index.ambiguous:
            ctx.add(
                "zip-ambiguous-directory",
                Severity.MEDIUM,
                "the end record's directory offset and the directory right before it list "
                "different members: torch (miniz) reads one, zipfile the other; both were scanned",
                where,
            )
        if len(index.entries) >= ctx.options.max_members:
            ctx.add(
                "archive-too-many-members",
                Severity.MEDIUM,
                f"more than {ctx.options.max_members} members; the rest were not scanned",
                where,
            )
        names: set[str] = set()
        for entry in index.entries:
            member = f"{where}!{entry.name}"
            if entry.name in names:
                ctx.add(
                    "zip-duplicate-member",
                    Severity.MEDIUM,
                    f"member name {entry.name!r} appears more than once; tools disagree on "
                    "which copy they read",
                    member,
                )
            names.add(entry.name)
            reason = unsafe_member_name(entry.name)
            if reason is not None and report_names:
                ctx.add(
                    "archive-path-traversal",
                    Severity.MEDIUM,
                    f"member name {entry.name!r} is {reason} (escapes an extraction folder)",
                    member,
                )
            if entry.is_symlink:
                ctx.add(
                    "archive-symlink",
                    Severity.MEDIUM,
                    f"member {entry.name!r} is a symbolic link",
                    member,
                )
                continue
            if entry.is_dir:
                continue
            if entry.encrypted:
                ctx.error(member, "encrypted member; its content could not be scanned")
                continue
            try:
                local = zipread.read_local_header(fh, entry)
            except (zipread.ZipFormatError, OSError) as exc:
                ctx.error(member, f"unreadable member: {exc}")
                continue
            if local.raw_name != entry.raw_name:
                ctx.add(
                    "zip-name-mismatch",
                    Severity.MEDIUM,
                    f"local header names {local.raw_name[:80]!r} but the central directory "
                    f"names {entry.name!r}; scanners and loaders may read different names",
                    member,
                )
            member_source, head = _member_source(source, fh, entry, local, member, ctx)
            if member_source is None:
                continue
            yield entry, member_source, head


def _member_source(
    source: Source,
    fh: BinaryIO,
    entry: zipread.ZipEntry,
    local: zipread.LocalHeader,
    display: str,
    ctx: ScanContext,
) -> tuple[Source | None, bytes]:
    if entry.method == 0:
        size = min(entry.compressed_size, max(0, source.size - local.data_offset))
        fh.seek(local.data_offset)
        head = fh.read(min(HEAD_SIZE, size))
        offset = local.data_offset
        member = Source(display, size, functools.partial(source.open_range, offset, size))
        return member, head
    try:
        chunks = zipread.iter_member(fh, entry, limit=HEAD_SIZE, chunk=1 << 14)
        head = b""
        try:
            for chunk in chunks:
                head += chunk
                if len(head) >= HEAD_SIZE:
                    break
        except zipread.BudgetExceeded:
            pass
        head = head[:HEAD_SIZE]
    except (zipread.ZipFormatError, zlib.error, lzma_error(), OSError, EOFError) as exc:
        ctx.error(display, f"cannot decompress member: {exc}")
        return None, b""

    def load() -> BinaryIO:
        with source.open() as inner:
            limit = min(ctx.options.max_member_bytes, ctx.options.max_total_bytes - ctx.total_bytes)
            try:
                data = zipread.read_member(inner, entry, limit=limit)
            except zipread.BudgetExceeded as exc:
                raise BudgetError(str(exc)) from None
        ctx.charge(len(data))
        if zlib.crc32(data) != entry.crc:
            ctx.add(
                "zip-crc-mismatch",
                Severity.LOW,
                "member CRC does not match (torch ignores CRC errors; some scanners stop here)",
                display,
            )
        return io.BytesIO(data)

    return Source(display, entry.size, load, cheap=False), head


def scan_appended_zip(source: Source, ctx: ScanContext, *, after: int, front: str) -> None:
    """A ZIP appended to a file of another format: its own loader stops where its data
    ends, but zip readers (Keras's ``load_model``, ``zipfile``) find an archive from the
    end of the file. ``after``: where the front format's data ends, when known."""
    from chainward.models.detect import classify_zip_names
    from chainward.models.scanner import scanner_for

    with source.open() as fh:
        try:
            eocd, _record = zipread._find_eocd(fh, source.size)
            if eocd < after:
                return  # a zip inside the front format's own data: its loader never sees it
            index = zipread.read_index(fh, source.size, max_entries=4096)
        except (zipread.ZipFormatError, OSError, ValueError):
            return
    if not index.entries or min(e.header_offset for e in index.entries) <= 0:
        return
    kind = classify_zip_names([e.name for e in index.entries])
    ctx.add(
        "appended-zip-polyglot",
        Severity.MEDIUM,
        f"a {kind} archive follows the {front} data; zip readers (Keras load_model, zipfile) "
        "open it from the end of the file",
        source.display,
    )
    scanner = scanner_for(kind)
    if scanner is not None:
        scanner.scan(source, ctx)


class ZipScanner(FormatScanner):
    formats = ("zip", "npz")

    def scan(self, source: Source, ctx: ScanContext) -> None:
        for _entry, member, head in iter_zip_members(source, ctx):
            scan_member(member, head, ctx)


def scan_member(member: Source, head: bytes, ctx: ScanContext) -> None:
    """Sniff an archive member from its head; scan it if it is a model format."""
    fmt = _sniff(member, head)
    if fmt is None:
        return
    member.format = fmt
    try:
        ctx.scan_nested(member)
    except BudgetError as exc:
        ctx.add("decompression-bomb", Severity.MEDIUM, f"not fully scanned: {exc}", member.display)
    except (zipread.ZipFormatError, zlib.error, lzma_error(), OSError, EOFError) as exc:
        ctx.error(member.display, f"cannot read member: {exc}")


def _sniff(member: Source, head: bytes) -> str | None:
    """Format of a member from its head; archives (directory at the end) need the whole member."""
    fmt = detect_stream(io.BytesIO(head), head, len(head))
    if fmt is not None and not head.startswith(b"PK"):
        return fmt
    if (fmt is None and not member.cheap) or member.size <= len(head):
        return fmt  # nothing more to see (the head is the whole member)
    try:
        with member.open() as fh:
            return detect_stream(fh, head, member.size)
    except BudgetError:
        return fmt


# ------------------------------------------------------------------ tar


class TarScanner(FormatScanner):
    formats = ("tar",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        scan_tar(source, ctx)


def scan_tar(source: Source, ctx: ScanContext) -> None:
    import tarfile  # with shutil and friends: only for tar files

    where = source.display
    count = 0
    with source.open() as fh:
        try:
            archive = tarfile.open(fileobj=fh, mode="r:")  # noqa: SIM115 - closed below
        except (tarfile.TarError, OSError, EOFError) as exc:
            ctx.error(where, f"unreadable tar archive: {exc}")
            return
        try:
            while True:
                try:
                    info = archive.next()
                except (tarfile.TarError, OSError, EOFError) as exc:
                    ctx.error(where, f"tar archive is damaged: {exc}")
                    return
                if info is None:
                    break
                count += 1
                if count > ctx.options.max_members:
                    ctx.add(
                        "archive-too-many-members",
                        Severity.MEDIUM,
                        f"more than {ctx.options.max_members} members; the rest were not scanned",
                        where,
                    )
                    return
                member = f"{where}!{info.name}"
                reason = unsafe_member_name(info.name)
                if reason is not None:
                    ctx.add(
                        "archive-path-traversal",
                        Severity.MEDIUM,
                        f"member name {info.name!r} is {reason}",
                        member,
                    )
                if info.issym() or info.islnk():
                    kind = "symbolic" if info.issym() else "hard"
                    target = info.linkname
                    ctx.add(
                        "archive-symlink",
                        Severity.MEDIUM,
                        f"member {info.name!r} is a {kind} link to {target!r}",
                        member,
                    )
                    continue
                if info.isdev() or info.isfifo():
                    ctx.add(
                        "archive-special-file",
                        Severity.MEDIUM,
                        f"member {info.name!r} is a device or FIFO",
                        member,
                    )
                    continue
                if not info.isfile():
                    continue
                if info.sparse is not None:
                    _scan_sparse_member(archive, info, member, ctx)
                    continue
                offset, size = info.offset_data, info.size
                fh.seek(offset)
                head = fh.read(min(size, HEAD_SIZE))
                sub = Source(member, size, functools.partial(source.open_range, offset, size))
                scan_member(sub, head, ctx)
                fh.seek(offset + size)
        finally:
            archive.close()


def _scan_sparse_member(
    archive: tarfile.TarFile, info: tarfile.TarInfo, member: str, ctx: ScanContext
) -> None:
    """A GNU sparse member: its stored bytes are the data chunks without the holes, which
    extraction fills with zeros; a pickle split around a hole reads differently stored and
    extracted (a hole inside a BINBYTES argument hides the opcodes after it), so the
    member is scanned as extracted, within the budget."""
    import tarfile

    limit = min(ctx.options.max_member_bytes, ctx.options.max_total_bytes - ctx.total_bytes)
    if info.size > limit:
        ctx.add(
            "decompression-bomb",
            Severity.MEDIUM,
            f"sparse member expands to {info.size} bytes; not scanned",
            member,
        )
        return
    try:
        extracted = archive.extractfile(info)
        data = extracted.read(info.size) if extracted is not None else b""
    except (tarfile.TarError, OSError, EOFError) as exc:
        ctx.error(member, f"unreadable sparse member: {exc}")
        return
    ctx.charge(len(data))
    scan_member(Source.from_bytes(member, data), data[:HEAD_SIZE], ctx)


# ------------------------------------------------------------------ compressed wrappers


# formats whose readers (gzip, bz2 and lzma modules, the command-line tools) continue
# with the next member/stream after the first one ends: a payload may sit there
_NEXT_MEMBER = {"gzip": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ\x00"}


def _decompressor(kind: str) -> Any:
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if kind == "zlib":
        return zlib.decompressobj()
    if kind == "bz2":
        import bz2

        return bz2.BZ2Decompressor()
    import lzma

    if kind == "xz":
        return lzma.LZMADecompressor(lzma.FORMAT_XZ)
    if kind == "lzma":
        return lzma.LZMADecompressor(lzma.FORMAT_ALONE)
    raise ValueError(kind)


def _decompress_stream(
    kind: str, fh: BinaryIO, limit: int, problems: list[str] | None = None
) -> bytes:
    """The decompressed stream; integrity problems a reader may ignore go to ``problems``."""
    if kind == "zstd":
        return _zstd(fh, limit)
    if kind == "lz4":
        return _lz4(fh, limit, problems)
    obj = _decompressor(kind)
    zlib_like = kind in ("gzip", "zlib")
    out = bytearray()
    pending = b""
    while len(out) <= limit:
        chunk, pending = (pending, b"") if pending else (fh.read(1 << 20), b"")
        if not chunk:
            break
        out += obj.decompress(chunk, limit + 1 - len(out))
        if zlib_like:
            while obj.unconsumed_tail and not obj.eof and len(out) <= limit:
                out += obj.decompress(obj.unconsumed_tail, limit + 1 - len(out))
        else:
            while not obj.eof and not obj.needs_input and len(out) <= limit:
                out += obj.decompress(b"", limit + 1 - len(out))
        if not obj.eof:
            continue
        magic = _NEXT_MEMBER.get(kind)
        if magic is None:
            break
        rest = obj.unused_data
        while True:  # gzip tolerates zero padding between members
            if kind == "gzip":
                rest = rest.lstrip(b"\x00")
            if len(rest) >= len(magic):
                break
            more = fh.read(1 << 20)
            if not more:
                break
            rest += more
        if not rest.startswith(magic):
            break  # trailing data that is not another member: the readers stop here too
        obj = _decompressor(kind)
        pending = rest
    return bytes(out)


def _lz4(fh: BinaryIO, limit: int, problems: list[str] | None = None) -> bytes:
    from chainward.models.lz4 import Lz4Limit, decompress_stream

    try:
        import lz4.frame as fast  # the C library, when installed, is ~100x faster
    except ImportError:
        fast = None
    magic = fh.read(4)
    fh.seek(0)
    try:
        if fast is not None and magic == b"\x04\x22\x4d\x18":
            try:
                return bytes(fast.open(fh, "rb").read(limit + 1))
            except RuntimeError:
                # the C library refuses legacy frames, trailing data after a frame and
                # bad checksums; the pure decoder reads those the way the lz4 tool does
                # (and a streaming loader, before the end-of-frame checksum) and reports
                fh.seek(0)
        return decompress_stream(fh, limit, problems)
    except Lz4Limit:
        raise _OverLimit from None


class _OverLimit(Exception):
    """Decompressed data went past the budget."""


def _zstd(fh: BinaryIO, limit: int) -> bytes:
    """Every zstd frame of ``fh`` (skippable frames skipped), at most ``limit + 1`` bytes."""
    zstd: Any = zstd_module()
    if zstd is None:
        raise ImportError("zstd")
    out = bytearray()
    decoder = zstd.ZstdDecompressor()
    pending = b""
    frames = 0
    while len(out) <= limit:
        if decoder.eof:
            frames += 1
            pending = decoder.unused_data or fh.read(1 << 20)
            if not pending:
                break
            decoder = zstd.ZstdDecompressor()
        if decoder.needs_input:
            if not pending:
                pending = fh.read(1 << 20)
                if not pending:
                    raise EOFError("truncated zstd data")
            chunk, pending = pending, b""
        else:
            chunk = b""
        try:
            out += decoder.decompress(chunk, limit + 1 - len(out))
        except zstd.ZstdError as exc:
            if frames:
                break  # data after the last frame: zstd stops there too
            raise ValueError(f"invalid zstd data: {exc}") from None
    return bytes(out)


class CompressedScanner(FormatScanner):
    formats = ("gzip", "bz2", "xz", "lzma", "zlib", "zstd", "lz4")

    def scan(self, source: Source, ctx: ScanContext) -> None:
        kind = source.format or "gzip"
        limit = min(ctx.options.max_member_bytes, ctx.options.max_total_bytes - ctx.total_bytes)
        problems: list[str] = []
        try:
            with source.open() as fh:
                data = _decompress_stream(kind, fh, limit, problems)
        except ImportError:
            ctx.error(
                source.display,
                f"{kind} data not scanned: install a zstd decoder "
                "(pip install 'chainward[zstd]'; Python 3.14 has one built in)",
            )
            return
        except _OverLimit:
            ctx.add(
                "decompression-bomb",
                Severity.MEDIUM,
                f"{kind} data expands past {limit} bytes; not scanned further",
                source.display,
            )
            return
        except (OSError, EOFError, zlib.error, lzma_error(), ValueError) as exc:
            ctx.error(source.display, f"cannot decompress {kind} data: {exc}")
            return
        if len(data) > limit:
            ctx.add(
                "decompression-bomb",
                Severity.MEDIUM,
                f"{kind} data expands past {limit} bytes; not scanned further",
                source.display,
            )
            return
        for problem in problems[:8]:
            ctx.add(
                f"{kind}-checksum-mismatch",
                Severity.LOW,
                f"{kind} {problem}: the lz4 tool refuses the file, but a streaming loader "
                "(joblib) has already read the data before the end-of-frame checksum; "
                "scanned as decoded",
                source.display,
            )
        ctx.charge(len(data))
        inner = Source.from_bytes(f"{source.display}!<{kind}>", data)
        scan_member(inner, data[:HEAD_SIZE], ctx)


class SevenZipScanner(FormatScanner):
    formats = ("7z",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        try:
            import py7zr
        except ImportError:
            ctx.error(
                source.display,
                "7z archive not scanned: install py7zr (pip install 'chainward[sevenzip]')",
            )
            return
        try:
            with source.open() as fh, py7zr.SevenZipFile(fh, "r") as archive:
                infos = archive.list()
                if len(infos) > ctx.options.max_members:
                    ctx.add(
                        "archive-too-many-members",
                        Severity.MEDIUM,
                        "too many members; not scanned",
                        source.display,
                    )
                    return
                total = sum(i.uncompressed or 0 for i in infos)
                if total > ctx.options.max_total_bytes - ctx.total_bytes:
                    ctx.add(
                        "decompression-bomb",
                        Severity.MEDIUM,
                        f"7z archive declares {total} bytes; not scanned",
                        source.display,
                    )
                    return
                for info in infos:
                    reason = unsafe_member_name(info.filename)
                    if reason is not None:
                        ctx.add(
                            "archive-path-traversal",
                            Severity.MEDIUM,
                            f"member name {info.filename!r} is {reason}",
                            f"{source.display}!{info.filename}",
                        )
                from py7zr.io import BytesIOFactory

                factory = BytesIOFactory(ctx.options.max_member_bytes)
                archive.extractall(factory=factory)
                contents = dict(factory.products)
        except Exception as exc:  # py7zr raises many unrelated types on bad input
            ctx.error(source.display, f"unreadable 7z archive: {type(exc).__name__}: {exc}")
            return
        for name, bio in contents.items():
            bio.seek(0)
            data = bio.read()
            ctx.charge(len(data))
            scan_member(Source.from_bytes(f"{source.display}!{name}", data), data[:HEAD_SIZE], ctx)


__all__ = [
    "CompressedScanner",
    "SevenZipScanner",
    "TarScanner",
    "ZipScanner",
    "iter_zip_members",
    "scan_member",
    "scan_tar",
    "unsafe_member_name",
]
