"""Model scanning: results, options, the per-format scanner interface and its error base."""

from __future__ import annotations

from abc import ABC, abstractmethod

from chainward.errors import InputError
from chainward.records import Finding, Location, Record, Severity, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from chainward.models.context import ScanContext, Source


class ModelScanError(InputError):
    """A path given to the model scanner cannot be read at all."""


class ScanOptions:
    """Budgets that keep hostile files from exhausting the scanner."""

    # not a dataclass: building a frozen dataclass costs about a millisecond at every
    # start-up (see chainward.records.Record)
    __slots__ = (
        "follow_symlinks",
        "jobs",
        "max_depth",
        "max_header_bytes",
        "max_member_bytes",
        "max_members",
        "max_pickle_ops",
        "max_total_bytes",
    )

    def __init__(
        self,
        *,
        max_depth: int = 6,  # nested archives / compressed wrappers
        max_member_bytes: int = 1 << 31,  # one decompressed member or pickle read into memory
        max_total_bytes: int = 1 << 33,  # everything decompressed while scanning one file
        max_members: int = 200_000,  # archive members per archive
        max_header_bytes: int = 100 << 20,  # safetensors/GGUF/protobuf headers
        max_pickle_ops: int = 10_000_000,
        follow_symlinks: bool = False,  # outside the scanned tree (inside is always followed)
        jobs: int = 0,  # worker processes for folders: 0 = one per core when it pays, 1 = none
    ) -> None:
        self.max_depth = max_depth
        self.max_member_bytes = max_member_bytes
        self.max_total_bytes = max_total_bytes
        self.max_members = max_members
        self.max_header_bytes = max_header_bytes
        self.max_pickle_ops = max_pickle_ops
        self.follow_symlinks = follow_symlinks
        self.jobs = jobs

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"ScanOptions({shown})"


class FileResult(Record):
    """The verdict on one file (an archive's members report into their archive)."""

    __slots__ = ("findings", "format", "path", "size", "verdict")
    FIELDS = ("path", "format", "verdict", "findings", "size")
    path: str
    format: str | None
    verdict: Verdict
    findings: tuple[Finding, ...]
    size: int | None

    def __init__(
        self,
        path: str,
        format: str | None,
        verdict: Verdict,
        findings: tuple[Finding, ...] = (),
        size: int | None = None,
    ) -> None:
        set_field = object.__setattr__
        set_field(self, "path", path)
        set_field(self, "format", format)
        set_field(self, "verdict", verdict)
        set_field(self, "findings", findings)
        set_field(self, "size", size)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "format": self.format,
            "verdict": self.verdict.value,
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity.label,
                    "message": f.message,
                    "location": str(f.location) if f.location else self.path,
                }
                for f in self.findings
            ],
        }


class ScanResult:
    """Everything ``chainward.models.scan`` found, one entry per file scanned."""

    __slots__ = ("files", "skipped")

    def __init__(self, files: tuple[FileResult, ...] = (), skipped: tuple[str, ...] = ()) -> None:
        self.files = files
        self.skipped = skipped

    def __repr__(self) -> str:
        return f"ScanResult({len(self.files)} files, {len(self.skipped)} skipped)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScanResult):
            return NotImplemented
        return self.files == other.files and self.skipped == other.skipped

    def __hash__(self) -> int:
        return hash((self.files, self.skipped))

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for file in self.files for f in file.findings)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict over all files (``safe`` when there are none)."""
        order = [Verdict.SAFE, Verdict.ERROR, Verdict.SUSPICIOUS, Verdict.UNSAFE]
        worst = Verdict.SAFE
        for file in self.files:
            if order.index(file.verdict) > order.index(worst):
                worst = file.verdict
        return worst

    def counts(self) -> dict[str, int]:
        out = {v.value: 0 for v in Verdict}
        for file in self.files:
            out[file.verdict.value] += 1
        return out

    def to_document(self) -> dict[str, object]:
        """The ``chainward model scan`` JSON document (DESIGN.md contract)."""
        return {
            "files": [f.to_json() for f in self.files],
            "summary": {
                "files": len(self.files),
                **self.counts(),
                "findings": len(self.findings),
                "skipped": len(self.skipped),
                "verdict": self.verdict.value,
            },
        }


def verdict_of(findings: tuple[Finding, ...] | list[Finding], *, errored: bool = False) -> Verdict:
    """unsafe at HIGH and above, suspicious at MEDIUM, error if the scan could not finish."""
    top = max((f.severity for f in findings), default=Severity.NONE)
    if top >= Severity.HIGH:
        return Verdict.UNSAFE
    if top >= Severity.MEDIUM:
        return Verdict.SUSPICIOUS
    if errored:
        return Verdict.ERROR
    return Verdict.SAFE


def finding(
    rule: str,
    severity: Severity,
    message: str,
    path: str,
    detail: str | None = None,
    *,
    evidence: str | None = None,
) -> Finding:
    return Finding(
        check="models",
        rule=rule,
        severity=severity,
        message=message,
        subject=path,
        location=Location(path, None, detail),
        evidence=evidence,
    )


class FormatScanner(ABC):
    """Scans one format; registered by format name in :mod:`chainward.models.scanner`."""

    formats: tuple[str, ...] = ()

    @abstractmethod
    def scan(self, source: Source, ctx: ScanContext) -> None:
        """Report findings for ``source`` into ``ctx``; never raise for bad content."""


__all__ = [
    "FileResult",
    "FormatScanner",
    "ModelScanError",
    "ScanOptions",
    "ScanResult",
    "finding",
    "verdict_of",
]
