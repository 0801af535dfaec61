"""ONNX (onnx/onnx.proto): a bounded walk of the ModelProto without the onnx library.

What is checked: every tensor's ``external_data`` ``location`` (absolute paths
or paths that leave the model's folder let a model read any file the loader can
read), nodes in operator domains outside the standard and well-known runtime
ones (custom operators run native or Python code registered by the runtime:
review), and Python-executing custom ops by name. Subgraphs in node attributes
(If/Loop/Scan bodies) and model-local functions are walked too. Tensor payloads
are skipped by length, never copied.
"""

from __future__ import annotations

import mmap
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from chainward.models.context import ScanContext, Source
from chainward.models.interface import FormatScanner
from chainward.models.protobuf import Buffer, ProtobufError, iter_fields, text
from chainward.records import Severity

STANDARD_DOMAINS = frozenset(
    {
        "",
        "ai.onnx",
        "ai.onnx.ml",
        "ai.onnx.training",
        "ai.onnx.preview.training",
        "com.microsoft",
        "com.microsoft.nchwc",
        "com.microsoft.experimental",
        "com.microsoft.dml",
        "org.pytorch.aten",
        "com.ms.internal.nhwc",
        "ai.onnx.preview",
    }
)
PYTHON_OPS = frozenset({"PyOp", "PyFunc", "PythonOp", "PyOpFunc"})
MAX_DEPTH = 32


@dataclass
class OnnxFacts:
    """What a model refers to: operators, local functions, external data, opset domains."""

    ops: set[tuple[str, str]] = field(default_factory=set)
    local_functions: set[tuple[str, str]] = field(default_factory=set)
    external: list[tuple[str, str]] = field(default_factory=list)  # (tensor name, location)
    opset_domains: set[str] = field(default_factory=set)


def parse_model(buf: Buffer) -> OnnxFacts:
    facts = OnnxFacts()
    for number, wire, a, b in iter_fields(buf, 0, len(buf)):
        if wire != 2:
            continue
        if number == 7:
            _graph(buf, a, b, facts, 0)
        elif number == 8:
            for n, w, x, y in iter_fields(buf, a, b):
                if n == 1 and w == 2:
                    facts.opset_domains.add(text(buf, x, y))
        elif number == 25:
            _function(buf, a, b, facts)
        elif number == 20:  # TrainingInfoProto: initialization/algorithm graphs
            for n, w, x, y in iter_fields(buf, a, b):
                if n in (1, 2) and w == 2:
                    _graph(buf, x, y, facts, 1)
    return facts


def _function(buf: Buffer, a: int, b: int, facts: OnnxFacts) -> None:
    name = domain = ""
    for n, w, x, y in iter_fields(buf, a, b):
        if w != 2:
            continue
        if n == 1:
            name = text(buf, x, y)
        elif n == 10:
            domain = text(buf, x, y)
        elif n == 7:
            _node(buf, x, y, facts, 1)
        elif n == 11:  # attribute_proto: attribute defaults, which may hold tensors
            _attribute(buf, x, y, facts, 1)
    facts.local_functions.add((domain, name))


def _graph(buf: Buffer, a: int, b: int, facts: OnnxFacts, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ProtobufError("subgraphs nested too deeply")
    for n, w, x, y in iter_fields(buf, a, b):
        if w != 2:
            continue
        if n == 1:
            _node(buf, x, y, facts, depth)
        elif n == 5:
            _tensor(buf, x, y, facts)
        elif n == 15:
            _sparse_tensor(buf, x, y, facts)


def _node(buf: Buffer, a: int, b: int, facts: OnnxFacts, depth: int) -> None:
    op = domain = ""
    for n, w, x, y in iter_fields(buf, a, b):
        if w != 2:
            continue
        if n == 4:
            op = text(buf, x, y)
        elif n == 7:
            domain = text(buf, x, y)
        elif n == 5:
            _attribute(buf, x, y, facts, depth)
    facts.ops.add((domain, op))


def _attribute(buf: Buffer, a: int, b: int, facts: OnnxFacts, depth: int) -> None:
    for n, w, x, y in iter_fields(buf, a, b):
        if w != 2:
            continue
        if n in (6, 11):  # g, graphs
            _graph(buf, x, y, facts, depth + 1)
        elif n in (5, 10):  # t, tensors
            _tensor(buf, x, y, facts)
        elif n in (22, 23):  # sparse_tensor, sparse_tensors (a Constant's sparse_value)
            _sparse_tensor(buf, x, y, facts)


def _sparse_tensor(buf: Buffer, a: int, b: int, facts: OnnxFacts) -> None:
    """SparseTensorProto: values (1) and indices (2) are tensors, external data too."""
    for n, w, x, y in iter_fields(buf, a, b):
        if n in (1, 2) and w == 2:
            _tensor(buf, x, y, facts)


def _tensor(buf: Buffer, a: int, b: int, facts: OnnxFacts) -> None:
    name = location = ""
    for n, w, x, y in iter_fields(buf, a, b):
        if w != 2:
            continue
        if n == 8:
            name = text(buf, x, y)
        elif n == 13:
            key = value = ""
            for n2, w2, x2, y2 in iter_fields(buf, x, y):
                if w2 == 2 and n2 == 1:
                    key = text(buf, x2, y2)
                elif w2 == 2 and n2 == 2:
                    value = text(buf, x2, y2)
            if key == "location":
                location = value
    if location:
        facts.external.append((name, location))


def escapes(location: str, model_dir: Path | None) -> str | None:
    """Why an external-data location would read outside the model folder, or None."""
    norm = location.replace("\\", "/")
    if "\x00" in norm:  # no path holds one; C code reading the name would stop there
        return "contains a NUL byte"
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return "is an absolute path"
    if posixpath.normpath(norm).split("/")[0] == "..":
        return "climbs out of the model folder"
    if model_dir is not None:
        target = (model_dir / norm).resolve()
        base = model_dir.resolve()
        if target != base and base not in target.parents:
            return "resolves (through a symbolic link) outside the model folder"
    return None


def open_buffer(source: Source, ctx: ScanContext) -> Buffer:
    if source.path is not None and source.size > 0:
        with open(source.path, "rb") as fh:
            return memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    return source.read_all(ctx)


class OnnxScanner(FormatScanner):
    formats = ("onnx",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        where = source.display
        buf = open_buffer(source, ctx)
        try:
            facts = parse_model(buf)
        except (ProtobufError, IndexError) as exc:
            # protobuf rejects what we reject, so onnx.load cannot read this file either;
            # without a plausible ir_version, which every ONNX writer puts first, it is
            # most likely not ONNX at all (1 in ~2,500 random weight blobs starts like a
            # graph field)
            head = bytes(buf[:2])
            plausible = len(head) == 2 and head[0] == 0x08 and 0 < head[1] <= 64
            severity = Severity.MEDIUM if plausible else Severity.LOW
            ctx.add("onnx-malformed", severity, f"ONNX protobuf is malformed: {exc}", where)
            return
        finally:
            if isinstance(buf, memoryview):
                buf.release()
        model_dir = Path(source.path).parent if source.path is not None else None
        for name, location in facts.external:
            reason = escapes(location, model_dir)
            if reason is not None:
                ctx.add(
                    "onnx-external-data-escape",
                    Severity.HIGH,
                    f"tensor {name!r} loads its data from {location!r}, which {reason} "
                    "(a model can read any file the loader can)",
                    where,
                )
        for domain, op in sorted(facts.ops):
            if op in PYTHON_OPS:
                ctx.add(
                    "onnx-python-op",
                    Severity.HIGH,
                    f"operator {domain or 'ai.onnx'}::{op} runs Python code in the runtime",
                    where,
                )
            elif domain not in STANDARD_DOMAINS and (domain, op) not in facts.local_functions:
                ctx.add(
                    "onnx-custom-op",
                    Severity.MEDIUM,
                    f"operator {domain}::{op} is from a non-standard domain (custom "
                    "operators run code registered outside the model; review it)",
                    where,
                )


__all__ = ["OnnxScanner", "escapes", "parse_model"]
