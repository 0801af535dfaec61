"""TensorFlow Lite flatbuffers (tensorflow/lite/schema/schema.fbs), read without TensorFlow.

A ``.tflite`` model is a ``Model`` table: ``operator_codes`` (builtin code, or a
custom code name) and ``subgraphs`` whose ``operators`` point at them. Builtin
operators are pure computation. Custom operators need native code the
application registers; the one family that reaches outside the computation is
the *Flex* (select TensorFlow ops) family: custom code ``Flex<Op>`` whose
``custom_options`` is a FlexBuffer vector ``[op name, serialized NodeDef]``
(tensorflow/lite/delegates/flex/kernel.cc builds the TensorFlow kernel from the
NodeDef, so its ``op`` field is what runs, whatever the custom code says). Flex
operators that do file, process or network IO are reported with the SavedModel
op list of :mod:`chainward.models.tf`; a NodeDef naming another op than its
custom code is reported too; custom operators neither Flex nor registered by
TFLite or MediaPipe are reported for review.

Only the tables and vectors needed are touched (an mmap of a multi-GB model is
not read); every offset is checked against the buffer and counts are capped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chainward.models.context import ScanContext, Source
from chainward.models.interface import FormatScanner
from chainward.models.onnx import open_buffer
from chainward.models.protobuf import Buffer, ProtobufError, iter_fields, text
from chainward.models.tf import DANGEROUS_OPS
from chainward.records import Severity

CUSTOM = 32  # BuiltinOperator.CUSTOM
PLACEHOLDER_FOR_GREATER_OP_CODES = 127
MAX_OPERATORS = 5_000_000
MAX_NAME = 1024
FLEX_PREFIX = "Flex"
# custom ops TFLite's BuiltinOpResolver registers (tensorflow/lite/core/kernels/register.cc)
# and the ones MediaPipe's graphs ship with
KNOWN_CUSTOM_OPS = frozenset(
    {
        "TFLite_Detection_PostProcess", "Mfcc", "AudioSpectrogram", "NumericVerify",
        "HadamardRotation", "Convolution2DTransposeBias", "MaxPoolingWithArgmax2D",
        "MaxUnpooling2D", "Landmarks2TransformMatrix", "TransformLandmarks",
        "TransformTensorBilinear",
    }
)  # fmt: skip


# checkpoint ops every SavedModel has (so tf.py does not report them) but no TFLite model
# needs: as Flex ops they read, write or move files at paths the model chooses
FLEX_ONLY_DANGEROUS: dict[str, tuple[Severity, str]] = {
    "SaveV2": (Severity.HIGH, "writes checkpoint files at any path"),
    "Save": (Severity.HIGH, "writes checkpoint files at any path"),
    "SaveSlices": (Severity.HIGH, "writes checkpoint files at any path"),
    "RestoreV2": (Severity.HIGH, "reads checkpoint files from any path"),
    "Restore": (Severity.HIGH, "reads checkpoint files from any path"),
    "RestoreSlice": (Severity.HIGH, "reads checkpoint files from any path"),
    "MergeV2Checkpoints": (Severity.HIGH, "moves and deletes files"),
}


class FlatbufferError(ValueError):
    """The bytes are not a well-formed TFLite flatbuffer."""


class _Reader:
    def __init__(self, buf: Buffer) -> None:
        self.buf = buf
        self.size = len(buf)

    def uint(self, pos: int, width: int) -> int:
        if pos < 0 or pos + width > self.size:
            raise FlatbufferError(f"read of {width} bytes at {pos} is outside the buffer")
        return int.from_bytes(self.buf[pos : pos + width], "little")

    def int32(self, pos: int) -> int:
        value = self.uint(pos, 4)
        return value - (1 << 32) if value >= 1 << 31 else value

    def table_field(self, table: int, index: int) -> int | None:
        """Absolute position of field ``index`` of the table at ``table``, or None if absent."""
        vtable = table - self.int32(table)
        vtable_size = self.uint(vtable, 2)
        slot = 4 + 2 * index
        if slot + 2 > vtable_size:
            return None
        offset = self.uint(vtable + slot, 2)
        return table + offset if offset else None

    def deref(self, pos: int) -> int:
        return pos + self.uint(pos, 4)

    def vector(self, pos: int, element: int) -> tuple[int, int]:
        """(start, count) of the vector referenced at ``pos``."""
        start = self.deref(pos)
        count = self.uint(start, 4)
        if start + 4 + count * element > self.size:
            raise FlatbufferError("vector runs past the buffer")
        return start + 4, count

    def string(self, pos: int) -> bytes:
        start, count = self.vector(pos, 1)
        return bytes(self.buf[start : start + min(count, MAX_NAME)])

    def tables(self, table: int, index: int) -> list[int]:
        pos = self.table_field(table, index)
        if pos is None:
            return []
        start, count = self.vector(pos, 4)
        return [self.deref(start + 4 * i) for i in range(count)]


@dataclass
class OperatorCode:
    """An operator code: a builtin operator number, or a custom operator's name."""

    builtin: int
    custom: str | None


@dataclass
class TfliteFacts:
    """Operator codes, Flex node names and the operator count of one model."""

    codes: list[OperatorCode] = field(default_factory=list)
    # opcode index -> NodeDef op names found in the Flex custom options of its operators
    flex_nodes: dict[int, set[str]] = field(default_factory=dict)
    unreadable_flex: set[int] = field(default_factory=set)
    operators: int = 0


def parse_model(buf: Buffer) -> TfliteFacts:
    r = _Reader(buf)
    if r.size < 8 or bytes(buf[4:8]) != b"TFL3":
        raise FlatbufferError("not a TFLite flatbuffer (no TFL3 identifier)")
    model = r.deref(0)
    facts = TfliteFacts()
    for table in r.tables(model, 1):  # operator_codes
        deprecated = _scalar(r, table, 0, 1, signed=True)
        builtin = max(deprecated, _scalar(r, table, 3, 4, signed=True))
        pos = r.table_field(table, 1)
        custom = r.string(pos).decode("utf-8", errors="replace") if pos is not None else None
        facts.codes.append(OperatorCode(builtin, custom))
    flex = {i for i, c in enumerate(facts.codes) if c.custom and c.custom.startswith(FLEX_PREFIX)}
    for subgraph in r.tables(model, 2):
        for operator in r.tables(subgraph, 3):
            facts.operators += 1
            if facts.operators > MAX_OPERATORS:
                raise FlatbufferError("too many operators")
            index = _scalar(r, operator, 0, 4)
            if index >= len(facts.codes):
                raise FlatbufferError(f"operator uses opcode {index}, beyond the opcode table")
            if index not in flex:
                continue
            pos = r.table_field(operator, 5)  # custom_options
            try:
                if pos is None:
                    raise FlatbufferError("no custom options")
                start, count = r.vector(pos, 1)
                name = flex_node_op(bytes(buf[start : start + count]))
            except (FlatbufferError, ProtobufError, IndexError):
                facts.unreadable_flex.add(index)
                continue
            facts.flex_nodes.setdefault(index, set()).add(name)
    return facts


def _scalar(r: _Reader, table: int, index: int, width: int, *, signed: bool = False) -> int:
    pos = r.table_field(table, index)
    if pos is None:
        return 0
    value = r.uint(pos, width)
    if signed and value >= 1 << (8 * width - 1):
        value -= 1 << (8 * width)
    return value


# ---------------------------------------------------------------- FlexBuffers

_STRING, _VECTOR, _BLOB = 5, 10, 25


def flex_node_op(data: bytes) -> str:
    """The NodeDef ``op`` in a Flex operator's custom options (FlexBuffer [name, NodeDef])."""
    if len(data) < 3:
        raise FlatbufferError("custom options too short")
    root_width = data[-1]
    packed = data[-2]
    if root_width not in (1, 2, 4, 8):
        raise FlatbufferError("bad FlexBuffer root width")
    root = len(data) - 2 - root_width
    if packed >> 2 != _VECTOR:
        raise FlatbufferError("Flex custom options are not a FlexBuffer vector")
    width = 1 << (packed & 3)
    vector = _indirect(data, root, root_width)
    count = _uint(data, vector - width, width)
    if count < 2 or vector + count * (width + 1) > len(data):
        raise FlatbufferError("Flex custom options vector is too short")
    element_type = data[vector + count * width + 1]
    if element_type >> 2 not in (_STRING, _BLOB):
        raise FlatbufferError("NodeDef is not a FlexBuffer string")
    node = _indirect(data, vector + width, width)
    node_width = 1 << (element_type & 3)
    size = _uint(data, node - node_width, node_width)
    if node + size > len(data):
        raise FlatbufferError("NodeDef runs past the custom options")
    nodedef = data[node : node + size]
    op = None
    for number, wire, a, b in iter_fields(nodedef, 0, len(nodedef)):
        if number == 2 and wire == 2:  # NodeDef.op
            op = text(nodedef, a, b, 256)
    if not op:
        raise FlatbufferError("NodeDef names no op")
    return op


def _uint(data: bytes, pos: int, width: int) -> int:
    if pos < 0 or pos + width > len(data):
        raise FlatbufferError("FlexBuffer read outside the custom options")
    return int.from_bytes(data[pos : pos + width], "little")


def _indirect(data: bytes, pos: int, width: int) -> int:
    target = pos - _uint(data, pos, width)
    if target < 0:
        raise FlatbufferError("FlexBuffer offset before the custom options")
    return target


# ---------------------------------------------------------------- scanner


class TfliteScanner(FormatScanner):
    formats = ("tflite",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        where = source.display
        buf = open_buffer(source, ctx)
        try:
            facts = parse_model(buf)
        except (FlatbufferError, IndexError) as exc:
            ctx.add(
                "tflite-malformed", Severity.MEDIUM, f"TFLite flatbuffer is malformed: {exc}", where
            )
            return
        finally:
            if isinstance(buf, memoryview):
                buf.release()
        report(facts, ctx, where)


def report(facts: TfliteFacts, ctx: ScanContext, where: str) -> None:
    reported: set[str] = set()
    for index, code in enumerate(facts.codes):
        if code.builtin != CUSTOM or code.custom is None:
            continue
        name = code.custom
        if not name.startswith(FLEX_PREFIX):
            if name not in KNOWN_CUSTOM_OPS and name not in reported:
                reported.add(name)
                ctx.add(
                    "tflite-custom-op",
                    Severity.MEDIUM,
                    f"custom operator {name[:120]!r} is not one TFLite registers; it runs "
                    "native code the application must supply (review it)",
                    where,
                )
            continue
        declared = name[len(FLEX_PREFIX) :]
        ops = {declared} | facts.flex_nodes.get(index, set())
        for op in sorted(facts.flex_nodes.get(index, set()) - {declared}):
            ctx.add(
                "tflite-flex-mismatch",
                Severity.MEDIUM,
                f"Flex operator {name[:120]!r} carries a NodeDef for TensorFlow op {op!r}; the "
                "Flex delegate runs the NodeDef's op",
                where,
            )
        if index in facts.unreadable_flex:
            ctx.add(
                "tflite-flex-unreadable",
                Severity.MEDIUM,
                f"Flex operator {name[:120]!r} has custom options that are not a readable "
                "NodeDef; the TensorFlow op it runs is unknown",
                where,
            )
        for op in sorted(ops):
            danger = FLEX_ONLY_DANGEROUS.get(op) or DANGEROUS_OPS.get(op)
            if danger is not None and op not in reported:
                reported.add(op)
                severity, what = danger
                ctx.add(
                    "tflite-dangerous-op",
                    severity,
                    f"Flex (select TensorFlow) operator {op} {what}; it runs wherever the "
                    "model is interpreted with the Flex delegate",
                    where,
                )


__all__ = ["FlatbufferError", "TfliteFacts", "TfliteScanner", "flex_node_op", "parse_model"]
