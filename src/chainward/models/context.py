"""What a format scanner gets: a :class:`Source` to read and a :class:`ScanContext` to report to."""

from __future__ import annotations

import io
import os
from collections.abc import Callable

from chainward.models.detect import HEAD_SIZE, detect_stream, path_text
from chainward.models.interface import ScanOptions, finding
from chainward.records import Finding, Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

    from chainward.models.detect import StrPath


class BudgetError(Exception):
    """A decompression/size/depth budget ran out (reported as a finding)."""


def lzma_error() -> type[Exception]:
    """``lzma.LZMAError``, for ``except`` clauses: evaluated only when an exception is
    matched, so lzma stays off start-up."""
    import lzma

    return lzma.LZMAError


class Source:
    """Something to scan: a file on disk or an archive member held in memory."""

    # a plain class: a dataclass costs most of a millisecond at every start-up
    __slots__ = ("cheap", "display", "format", "opener", "path", "size")

    def __init__(
        self,
        display: str,
        size: int,
        opener: Callable[[], BinaryIO],
        path: str | None = None,  # on-disk location (external data, directories)
        format: str | None = None,
        cheap: bool = True,  # opening does not decompress the whole thing
    ) -> None:
        self.display = display
        self.size = size
        self.opener = opener
        self.path = path
        self.format = format
        self.cheap = cheap

    def __repr__(self) -> str:
        return f"Source({self.display!r}, {self.size}, format={self.format!r})"

    def open(self) -> BinaryIO:
        return self.opener()

    def head(self, n: int = HEAD_SIZE) -> bytes:
        with self.open() as fh:
            return fh.read(n)

    def read_all(self, ctx: ScanContext) -> bytes:
        if self.size > ctx.options.max_member_bytes:
            raise BudgetError(f"{self.size} bytes is over the in-memory budget")
        with self.open() as fh:
            return fh.read()

    def open_range(self, offset: int, size: int) -> BinaryIO:
        """A seekable view of ``size`` bytes at ``offset`` (its own positions start at 0)."""
        outer = self.open()
        reader = io.BufferedReader(_Range(outer, offset, size), 1 << 16)
        original_close = reader.close

        def close() -> None:
            original_close()
            outer.close()

        reader.close = close  # type: ignore[method-assign]
        return reader  # type: ignore[return-value]

    def range_reader(self) -> Callable[[int, int], BinaryIO] | None:
        """:meth:`open_range`, for a source that can be re-read without decompressing it."""
        return self.open_range if self.cheap else None

    def detect(self) -> str | None:
        with self.open() as fh:
            head = fh.read(HEAD_SIZE)
            return detect_stream(fh, head, self.size)

    @classmethod
    def from_bytes(cls, display: str, data: bytes, fmt: str | None = None) -> Source:
        return cls(display, len(data), lambda: io.BytesIO(data), None, fmt)

    @classmethod
    def from_path(cls, path: StrPath, display: str | None = None) -> Source:
        text = os.fspath(path)
        size = os.stat(text).st_size
        return cls(display or path_text(text), size, lambda: open(text, "rb"), text)


class _Range(io.RawIOBase):
    """A seekable read-only window [start, start+size) of a seekable stream."""

    def __init__(self, outer: BinaryIO, start: int, size: int) -> None:
        self.outer = outer
        self.start = start
        self.size = size
        self.pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, min(self.size, base + offset))
        return self.pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.size - self.pos)
        if n <= 0:
            return 0
        self.outer.seek(self.start + self.pos)
        data = self.outer.read(n)
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)


class ScanContext:
    """Collects findings for one top-level file and enforces its budgets."""

    def __init__(self, options: ScanOptions, root_display: str) -> None:
        self.options = options
        self.root = root_display
        self.findings: list[Finding] = []
        self.errored = False
        self.depth = 0
        self.total_bytes = 0
        self.formats: list[str] = []
        self._dispatch: Callable[[Source, ScanContext], None] | None = None

    def add(
        self,
        rule: str,
        severity: Severity,
        message: str,
        where: str,
        detail: str | None = None,
        *,
        evidence: str | None = None,
    ) -> None:
        self.findings.append(finding(rule, severity, message, where, detail, evidence=evidence))

    def error(self, where: str, message: str, detail: str | None = None) -> None:
        """The file (or part of it) could not be analysed; the verdict becomes ``error``."""
        self.errored = True
        self.add("scan-error", Severity.LOW, message, where, detail)

    def charge(self, nbytes: int) -> None:
        self.total_bytes += nbytes
        if self.total_bytes > self.options.max_total_bytes:
            raise BudgetError(
                f"more than {self.options.max_total_bytes} bytes decompressed in total"
            )

    def scan_nested(self, source: Source) -> None:
        """Scan an archive member or decompressed payload, one level deeper."""
        if self.depth >= self.options.max_depth:
            self.add(
                "nesting-too-deep",
                Severity.MEDIUM,
                f"archives nested deeper than {self.options.max_depth} levels; not scanned further",
                source.display,
            )
            return
        assert self._dispatch is not None
        self.depth += 1
        try:
            self._dispatch(source, self)
        finally:
            self.depth -= 1


__all__ = ["BudgetError", "ScanContext", "Source", "lzma_error"]
