"""TensorFlow SavedModel (tensorflow/core/protobuf/saved_model.proto, meta_graph.proto).

``saved_model.pb`` is walked without TensorFlow: every NodeDef's ``op`` in every
MetaGraphDef graph and in its function library. Operations that reach outside
the computation — file reads/writes, Python callbacks, RPC — are reported; the
checkpoint operations every SavedModel contains (SaveV2, RestoreV2,
MergeV2Checkpoints, ShardedFilename, StringJoin...) are not. A ``keras_metadata.pb``
beside it (Keras models saved in the SavedModel format) carries layer configs
that go through the Keras config checks. A frozen GraphDef ``.pb`` is walked the
same way.
"""

from __future__ import annotations

import codecs
import json
import mmap
import os
import re
from collections.abc import Iterator
from pathlib import Path

from chainward.models.context import ScanContext, Source
from chainward.models.detect import is_text_saved_model
from chainward.models.interface import FormatScanner
from chainward.models.onnx import open_buffer
from chainward.models.protobuf import Buffer, ProtobufError, iter_fields, text
from chainward.records import Severity

# PrintV2 writes where its output_stream attr says; "file://PATH" appends to any file
PRINT_TO_FILE = "PrintV2 to a file"
_FILE_STREAM = "file://"

DANGEROUS_OPS: dict[str, tuple[Severity, str]] = {
    "PyFunc": (Severity.CRITICAL, "calls back into Python (tf.py_function/numpy_function)"),
    "PyFuncStateless": (Severity.CRITICAL, "calls back into Python"),
    "EagerPyFunc": (Severity.CRITICAL, "calls back into Python"),
    "ReadFile": (Severity.HIGH, "reads any file"),
    "WriteFile": (Severity.HIGH, "writes any file"),
    "MatchingFiles": (Severity.HIGH, "lists files on disk"),
    "DeleteFile": (Severity.HIGH, "deletes files"),
    "ImmutableConst": (Severity.HIGH, "maps a file from disk into a tensor"),
    "FixedLengthRecordDataset": (Severity.HIGH, "reads files"),
    "FixedLengthRecordDatasetV2": (Severity.HIGH, "reads files"),
    "TextLineDataset": (Severity.HIGH, "reads files"),
    "TFRecordDataset": (Severity.HIGH, "reads files"),
    "TFRecordDatasetV2": (Severity.HIGH, "reads files"),
    "WholeFileReader": (Severity.HIGH, "reads files"),
    "WholeFileReaderV2": (Severity.HIGH, "reads files"),
    "TextLineReader": (Severity.HIGH, "reads files"),
    "TextLineReaderV2": (Severity.HIGH, "reads files"),
    "Rpc": (Severity.HIGH, "makes network calls"),
    "TryRpc": (Severity.HIGH, "makes network calls"),
    "CreateSummaryFileWriter": (Severity.MEDIUM, "writes event files"),
    "WriteSummary": (Severity.MEDIUM, "writes summary files"),
    "DebugIdentityV2": (Severity.MEDIUM, "writes debug dumps"),
    "DebugIdentityV3": (Severity.MEDIUM, "writes debug dumps"),
    "PrintV2": (Severity.LOW, "prints tensors"),
    "LoadAndRemapMatrix": (Severity.MEDIUM, "reads checkpoint files"),
    "Save": (Severity.LOW, "writes a checkpoint (TF1 savers use it)"),
    # tf.data ops that reach files or the network (none is in a saver or serving graph)
    "DatasetToTFRecord": (Severity.HIGH, "writes any file (tf.data TFRecordWriter)"),
    "ExperimentalDatasetToTFRecord": (Severity.HIGH, "writes any file (tf.data TFRecordWriter)"),
    "SaveDataset": (Severity.HIGH, "writes files (tf.data.Dataset.save)"),
    "SaveDatasetV2": (Severity.HIGH, "writes files (tf.data.Dataset.save)"),
    "DistributedSave": (Severity.HIGH, "writes files (tf.data distributed save)"),
    "SnapshotDataset": (Severity.HIGH, "writes snapshot files to a path"),
    "SnapshotDatasetV2": (Severity.HIGH, "writes snapshot files to a path"),
    "ExperimentalSnapshotDataset": (Severity.HIGH, "writes snapshot files to a path"),
    "LoadDataset": (Severity.HIGH, "reads files (tf.data.Dataset.load)"),
    "CSVDataset": (Severity.HIGH, "reads files"),
    "CSVDatasetV2": (Severity.HIGH, "reads files"),
    "ExperimentalCSVDataset": (Severity.HIGH, "reads files"),
    "SqlDataset": (Severity.HIGH, "reads a database file"),
    "ExperimentalSqlDataset": (Severity.HIGH, "reads a database file"),
    "LMDBDataset": (Severity.HIGH, "reads files"),
    "ExperimentalLMDBDataset": (Severity.HIGH, "reads files"),
    "LMDBReader": (Severity.HIGH, "reads files"),
    "TFRecordReader": (Severity.HIGH, "reads files"),
    "TFRecordReaderV2": (Severity.HIGH, "reads files"),
    "FixedLengthRecordReader": (Severity.HIGH, "reads files"),
    "FixedLengthRecordReaderV2": (Severity.HIGH, "reads files"),
    "DataServiceDataset": (Severity.HIGH, "reads from a tf.data service over the network"),
    "DataServiceDatasetV2": (Severity.HIGH, "reads from a tf.data service over the network"),
    "DataServiceDatasetV3": (Severity.HIGH, "reads from a tf.data service over the network"),
    "DataServiceDatasetV4": (Severity.HIGH, "reads from a tf.data service over the network"),
    "RegisterDataset": (Severity.HIGH, "sends a dataset to a tf.data service over the network"),
    "RegisterDatasetV2": (Severity.HIGH, "sends a dataset to a tf.data service over the network"),
    "WriteScalarSummary": (Severity.MEDIUM, "writes summary files"),
    "WriteHistogramSummary": (Severity.MEDIUM, "writes summary files"),
    "WriteImageSummary": (Severity.MEDIUM, "writes summary files"),
    "WriteAudioSummary": (Severity.MEDIUM, "writes summary files"),
    "WriteRawProtoSummary": (Severity.MEDIUM, "writes summary files"),
    "WriteGraphSummary": (Severity.MEDIUM, "writes summary files"),
    "CreateSummaryDbWriter": (Severity.MEDIUM, "writes a summary database"),
    "SaveSlices": (Severity.LOW, "writes a checkpoint (TF1 savers use it)"),
    "MatchingFilesDataset": (Severity.HIGH, "lists files on disk"),
    "ExperimentalMatchingFilesDataset": (Severity.HIGH, "lists files on disk"),
    "DatasetFromGraph": (
        Severity.HIGH,
        "runs a graph held in a string tensor (its operations are not in the graph scanned)",
    ),
    PRINT_TO_FILE: (
        Severity.HIGH,
        "appends to any file (tf.print with output_stream='file://...')",
    ),
}


def collect_ops(buf: Buffer, graph_def_only: bool = False) -> set[str]:
    ops: set[str] = set()
    if graph_def_only:
        _graph_def(buf, 0, len(buf), ops)
        return ops
    for n, w, a, b in iter_fields(buf, 0, len(buf)):
        if n == 2 and w == 2:  # MetaGraphDef
            for n2, w2, x, y in iter_fields(buf, a, b):
                if n2 == 2 and w2 == 2:
                    _graph_def(buf, x, y, ops)
    return ops


def _graph_def(buf: Buffer, a: int, b: int, ops: set[str]) -> None:
    for n, w, x, y in iter_fields(buf, a, b):
        if w != 2:
            continue
        if n == 1:
            _node_def(buf, x, y, ops)
        elif n == 2:  # FunctionDefLibrary
            for n2, w2, x2, y2 in iter_fields(buf, x, y):
                if n2 == 1 and w2 == 2:  # FunctionDef: node_def = 3
                    for n3, w3, x3, y3 in iter_fields(buf, x2, y2):
                        if n3 == 3 and w3 == 2:
                            _node_def(buf, x3, y3, ops)


def _node_def(buf: Buffer, a: int, b: int, ops: set[str]) -> None:
    op = ""
    to_file = False
    for n, w, x, y in iter_fields(buf, a, b):
        if n == 2 and w == 2:
            op = text(buf, x, y, 256)
            ops.add(op)
        elif n == 5 and w == 2:  # attr: map<string, AttrValue>
            to_file = to_file or _stream_is_file(buf, x, y)
    if to_file and op == "PrintV2":
        ops.add(PRINT_TO_FILE)


def _stream_is_file(buf: Buffer, a: int, b: int) -> bool:
    """An attr map entry ``output_stream`` whose AttrValue.s (2) starts with file://."""
    key = ""
    value: tuple[int, int] | None = None
    for n, w, x, y in iter_fields(buf, a, b):
        if n == 1 and w == 2:
            key = text(buf, x, y, 64)
        elif n == 2 and w == 2:
            value = (x, y)
    if key != "output_stream" or value is None:
        return False
    return any(
        n == 2 and w == 2 and text(buf, x, y, 64).startswith(_FILE_STREAM)
        for n, w, x, y in iter_fields(buf, *value)
    )


def keras_metadata_configs(buf: Buffer, limit: int) -> Iterator[object]:
    """JSON layer metadata from keras_metadata.pb: SavedMetadata.nodes (1) [].metadata (5);
    field 4 is the identifier ("_tf_keras_layer"). ``None`` for metadata over ``limit``
    bytes, which is not decoded."""
    for n, w, a, b in iter_fields(buf, 0, len(buf)):
        if n == 1 and w == 2:
            for n2, w2, x, y in iter_fields(buf, a, b):
                if n2 == 5 and w2 == 2:
                    if y - x > limit:
                        yield None
                        continue
                    try:
                        yield json.loads(bytes(buf[x:y]).decode("utf-8"))
                    except (ValueError, UnicodeDecodeError, RecursionError):
                        continue


# text format: `op: "ReadFile"`, with adjacent literals concatenated ("Read" 'File')
_GAP = rb"(?:\s|#[^\n]*)*"  # the text-format tokenizer skips comments like whitespace
_STRING = rb"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
_TEXT_OP = re.compile(rb"\bop\s*:" + _GAP + rb"((?:" + _STRING + _GAP + rb")+)")
# an attr entry `key: "output_stream" value { s: "file://..." }` (pieces concatenated)
_TEXT_STREAM_ATTR = re.compile(
    rb"\bkey\s*:"
    + _GAP
    + rb"((?:"
    + _STRING
    + _GAP
    + rb")+)value\s*:?"
    + _GAP
    + rb"\{"
    + _GAP
    + rb"s\s*:"
    + _GAP
    + rb"((?:"
    + _STRING
    + _GAP
    + rb")+)"
)
_TEXT_LITERAL = re.compile(rb"""#[^\n]*|"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'""")
_QUOTE_OR_COMMENT = re.compile(rb"[#\"']")
_ONE_STRING = re.compile(_STRING)
_NEWLINE = re.compile(rb"\n")
_LAST_NEWLINE = re.compile(rb"\n[^\n]*\Z")  # with an end position: the last one before it


def collect_text_ops(buf: Buffer) -> set[str]:
    """Every ``op`` field of a text-format SavedModel or GraphDef (``saved_model.pbtxt``),
    read in place (the buffer is usually the file's mmap: nothing is copied or decoded
    but the op names).

    An ``op:`` inside a comment or a string literal is not a field; telling takes a
    tokenizer pass, which is made only for the dangerous names (other names are
    returned as found).
    """
    names = {raw: _op_name(raw) for raw in set(_TEXT_OP.findall(buf))}
    ops = {name for name in names.values() if name not in DANGEROUS_OPS}
    dangerous = {raw for raw, name in names.items() if name in DANGEROUS_OPS}
    clean = pos = 0  # buf[:clean] is tokenized, and clean is outside strings and comments
    while dangerous and (match := _TEXT_OP.search(buf, pos)) is not None:
        raw, start, pos = match.group(1), match.start(), match.end()
        if raw not in dangerous:
            continue
        clean = _outside(buf, clean, start)
        if clean > start:  # in a comment or a string: go on after it
            pos = max(pos, clean)
            continue
        clean = pos
        ops.add(names[raw])
        dangerous.discard(raw)
    if "PrintV2" in ops and any(  # only PrintV2 has an output_stream attr
        _op_name(key) == "output_stream" and _op_name(value).startswith(_FILE_STREAM)
        for key, value in _TEXT_STREAM_ATTR.findall(buf)
    ):
        ops.add(PRINT_TO_FILE)
    return ops


def _op_name(raw: bytes) -> str:
    """The value of ``op: "Re" 'ad' "File"``: adjacent literals concatenated, C escapes read."""
    pieces = []
    for literal in _TEXT_LITERAL.finditer(raw):
        text = literal.group(1) if literal.group(1) is not None else literal.group(2)
        if text is None:  # a comment between the pieces
            continue
        if b"\\" in text:  # C escapes, as the text-format parser reads them ("Re\141d")
            text = codecs.escape_decode(text)[0]
        pieces.append(text.decode("utf-8", errors="replace"))
    return "".join(pieces)


def _outside(buf: Buffer, pos: int, start: int) -> int:
    """Tokenize ``buf[pos:start]`` (``pos`` is outside strings and comments); return
    ``start`` if ``start`` is outside too, else where its comment or string ends.

    Strings and comments end at a newline, so the scan only starts over at the last
    newline, and every byte is looked at once however many ``op:`` a line holds.
    """
    newline = _LAST_NEWLINE.search(buf, pos, start)
    if newline is not None:
        pos = newline.start() + 1
    while (special := _QUOTE_OR_COMMENT.search(buf, pos, start)) is not None:
        if buf[special.start()] != ord("#"):
            string = _ONE_STRING.match(buf, special.start())
            if string is not None and string.end() <= start:
                pos = string.end()
                continue
            if string is not None:
                return string.end()
        end_of_line = _NEWLINE.search(buf, start)  # a comment, or a string left open
        return len(buf) if end_of_line is None else end_of_line.start()
    return start


class SavedModelScanner(FormatScanner):
    formats = ("tf-savedmodel", "tf-graphdef")

    def scan(self, source: Source, ctx: ScanContext) -> None:
        where = source.display
        text = is_text_saved_model(source.head(4096))
        buf = open_buffer(source, ctx)
        try:
            if text:
                ops = collect_text_ops(buf)
            else:
                ops = collect_ops(buf, graph_def_only=source.format == "tf-graphdef")
        except (ProtobufError, IndexError) as exc:
            ctx.add(
                "tf-malformed", Severity.MEDIUM, f"TensorFlow protobuf is malformed: {exc}", where
            )
            return
        finally:
            if isinstance(buf, memoryview):
                buf.release()
        for op in sorted(ops):
            if op in DANGEROUS_OPS:
                severity, what = DANGEROUS_OPS[op]
                ctx.add(
                    "tf-dangerous-op", severity, f"graph uses operation {op}, which {what}", where
                )
        if source.path is not None:
            meta = Path(source.path).parent / "keras_metadata.pb"
            if meta.is_file():
                _check_keras_metadata(meta, ctx)


def _check_keras_metadata(meta: Path, ctx: ScanContext) -> None:
    """The layer configs Keras rebuilds from keras_metadata.pb (read in place: the file
    holds every layer's config and may be far larger than a header)."""
    from chainward.models.keras import check_config

    where = str(meta)
    with meta.open("rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return
        view = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    try:
        for config in keras_metadata_configs(view, ctx.options.max_header_bytes):
            if config is None:
                ctx.add(
                    "keras-config-too-large",
                    Severity.MEDIUM,
                    "a layer's metadata in keras_metadata.pb is too large to analyse",
                    where,
                )
            else:
                check_config(config, ctx, where)
    except ProtobufError as exc:
        ctx.add("tf-malformed", Severity.MEDIUM, f"keras_metadata.pb is malformed: {exc}", where)
    finally:
        view.release()


__all__ = ["DANGEROUS_OPS", "SavedModelScanner", "collect_ops", "collect_text_ops"]
