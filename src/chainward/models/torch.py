"""PyTorch checkpoints, found by content (never by extension).

* ``torch.package`` archives (``.data/extern_modules``): their ``.py`` modules run
  when ``PackageImporter`` unpickles a class they define; checked by
  :mod:`chainward.models.pysource`;
* zip checkpoints (``torch.save`` since 1.6, and TorchScript archives): a ZIP
  whose ``<prefix>/data.pkl`` (and ``constants.pkl`` for TorchScript) are
  pickles, with tensor bytes in ``<prefix>/data/N``; every member that is a
  pickle by content is scanned, whatever its name (torch/serialization.py,
  caffe2/serialize/inline_container.cc);
* legacy format (``_use_new_zipfile_serialization=False``): five pickles in a
  row — magic number, protocol version, sys_info, the object, storage keys —
  then raw storage bytes;
* the pre-0.4 tar format (``sys_info``, ``pickle``, ``storages``, ``tensors``).
"""

from __future__ import annotations

import io
import re
import zlib

from chainward.models.containers import iter_zip_members, scan_member, scan_tar
from chainward.models.context import BudgetError, ScanContext, Source
from chainward.models.detect import _has_trailing_zip, _pickle_kind, is_tar_header
from chainward.models.interface import FormatScanner
from chainward.models.pickle.vm import run_all, values_for
from chainward.models.pickles import buffered, bytes_reader, report_trace
from chainward.records import Severity

LEGACY_STREAMS = 5
# ``<prefix>/data/<key>``: a tensor storage, read by torch as raw bytes and never
# unpickled; only one that parses as a whole pickle is reported (a hidden payload)
_STORAGE_MEMBER = re.compile(r"(?:^|/)data/\d+\Z")


class TorchScanner(FormatScanner):
    formats = ("pytorch",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        head = source.head(512)
        if head.startswith(b"PK"):
            self._scan_zip(source, ctx)
        elif is_tar_header(head):
            scan_tar(source, ctx)
        else:
            with source.open() as fh:
                trace = run_all(
                    buffered(fh),
                    max_ops=ctx.options.max_pickle_ops,
                    max_values=values_for(source.size),
                    max_streams=LEGACY_STREAMS,
                    more_is_pickle=False,
                )
                prefixed_zip = (
                    trace.error is not None
                    and not trace.globals
                    and _has_trailing_zip(fh, head, source.size)
                )
            if prefixed_zip:  # bytes before the zip: zip readers that search the end load it
                self._scan_zip(source, ctx)
                return
            trace.trailing = 0  # raw storage bytes follow the five pickles
            report_trace(trace, ctx, source.display, source.range_reader())

    def _scan_zip(self, source: Source, ctx: ScanContext) -> None:
        pickles = 0
        sources: list[tuple[str, Source]] = []  # .py members, read once the archive kind is known
        package = False  # torch.package: .py members are real Python modules
        for entry, member, member_head in iter_zip_members(source, ctx):
            # torch finds records with miniz's case-insensitive lookup: 'CODE/X.PY' is code
            name = entry.name.lower()
            if name.endswith(".data/extern_modules"):
                package = True
            if name.endswith(".py"):
                sources.append((name, member))
                continue
            storage = _STORAGE_MEMBER.search(name) is not None
            is_pickle = name.endswith(".pkl") or (
                (member_head[:1] == b"\x80" or storage) and _pickle_kind(member_head) is not None
            )
            if not is_pickle:
                if not storage:
                    scan_member(member, member_head, ctx)
                continue
            pickles += 1
            try:
                with member.open() as fh:
                    data = fh.read(ctx.options.max_member_bytes)
                if entry.method == 0 and zlib.crc32(data) != entry.crc:
                    ctx.add(
                        "zip-crc-mismatch",
                        Severity.LOW,
                        "member CRC does not match (torch ignores CRC errors; some scanners "
                        "stop here)",
                        member.display,
                    )
                trace = run_all(
                    io.BytesIO(data),
                    max_ops=ctx.options.max_pickle_ops,
                    max_values=values_for(len(data)),
                )
                if storage and (trace.error is not None or trace.trailing):
                    # tensor bytes whose first bytes happen to look like a pickle
                    # (1 in ~10,000 random storages); torch reads them as raw bytes
                    pickles -= 1
                    continue
            except BudgetError as exc:
                ctx.add(
                    "decompression-bomb",
                    Severity.MEDIUM,
                    f"not fully scanned: {exc}",
                    member.display,
                )
                continue
            report_trace(trace, ctx, member.display, bytes_reader(data))
            names = [f"{g.module}.{g.name}" for g in trace.globals]
            # TorchScript analysis (and its ast/pickletools imports) only where it applies
            if any("torch.classes." in name for name in names):
                from chainward.models.torchscript import custom_class_issues

                for issue in custom_class_issues(names):
                    ctx.add(issue.rule, issue.severity, issue.message, member.display, issue.detail)
            if name.rsplit("/", 1)[-1] == "bytecode.pkl":
                from chainward.models.torchscript import analyze_bytecode

                for issue in analyze_bytecode(data):
                    ctx.add(issue.rule, issue.severity, issue.message, member.display, issue.detail)
        for name, member in sources:
            if package:
                _scan_code(member, ctx, python=True)
            elif name.endswith(".py") and _is_code_member(name):
                _scan_code(member, ctx)
            else:
                scan_member(member, member.head(), ctx)
        if pickles == 0:
            ctx.add(
                "torch-no-pickle",
                Severity.LOW,
                "no data.pkl found; torch.load cannot read this archive",
                source.display,
            )


def _scan_code(member: Source, ctx: ScanContext, *, python: bool = False) -> None:
    """A TorchScript source file (compiled and run by ``torch.jit.load``) or, with
    ``python``, a ``torch.package`` module (imported by ``PackageImporter``)."""
    from chainward.models.pysource import analyze_python
    from chainward.models.torchscript import MAX_CODE_BYTES, analyze_code

    if member.size > MAX_CODE_BYTES:
        ctx.add(
            "torchscript-too-large",
            Severity.MEDIUM,
            f"TorchScript code file of {member.size} bytes is over the "
            f"{MAX_CODE_BYTES}-byte analysis budget; not checked",
            member.display,
        )
        return
    with member.open() as fh:
        data = fh.read(MAX_CODE_BYTES + 1)
    text = data.decode("utf-8", errors="replace")
    for issue in analyze_python(text) if python else analyze_code(text):
        ctx.add(issue.rule, issue.severity, issue.message, member.display, issue.detail)


def _is_code_member(name: str) -> bool:
    from chainward.models.torchscript import is_code_member

    return is_code_member(name)


__all__ = ["TorchScanner"]
