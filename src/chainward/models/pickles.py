"""Formats that are pickles, or carry them: raw pickle, NumPy ``.npy``, joblib.

* raw pickle: every stream in the file (``pickle.load`` reads the first; other
  loaders read more), run on the symbolic machine and graded by the policy;
* ``.npy`` (numpy/lib/format.py): magic, version, a Python-literal header dict
  read with :func:`ast.literal_eval`; object arrays are followed by a pickle;
* joblib (joblib/numpy_pickle.py): a pickle in which each ``NumpyArrayWrapper``
  BUILD is followed by the raw array bytes (skipped, with joblib's alignment
  padding) or, for object arrays, by a nested pickle (scanned); the file may be
  wrapped in zlib/gzip/bz2/xz/lzma, and joblib < 0.10 wrote ``ZF`` + hex length + zlib.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

from chainward.models.context import BudgetError, ScanContext, Source
from chainward.models.interface import FormatScanner
from chainward.models.pickle.policy import Reader, bytes_reader, grade
from chainward.models.pickle.vm import (
    Call,
    Global,
    Lit,
    Machine,
    Map,
    OpBudgetError,
    PickleError,
    PickleTrace,
    Seq,
    Value,
    ValueBudgetError,
    ops_message,
    run_all,
    run_stream,
    values_for,
    values_message,
)
from chainward.records import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

NUMPY_MAGIC = b"\x93NUMPY"
NUMPY_MAX_HEADER = 10000  # numpy.lib.format refuses larger headers by default


def report_trace(
    trace: PickleTrace, ctx: ScanContext, where: str, reader: Reader | None = None
) -> None:
    """Turn a machine trace into findings on ``where`` (``reader``: see :func:`grade`)."""
    for item in grade(trace, reader=reader):
        detail = None if item.offset is None else f"byte {item.offset}"
        ctx.add(item.rule, item.severity, item.message, where, detail)
    if trace.error is not None and not trace.over_budget:  # graded as a budget finding
        ctx.add(
            "pickle-malformed",
            Severity.LOW,
            f"pickle stream is malformed ({trace.error}); a loader stops here and everything "
            "before it was analysed",
            where,
            None if trace.error_offset is None else f"byte {trace.error_offset}",
        )
    for note in trace.notes:
        ctx.add("pickle-op-budget", Severity.LOW, note, where)
    if trace.trailing:
        ctx.add(
            "pickle-trailing-data",
            Severity.LOW,
            f"{trace.trailing} bytes after the last pickle stream are not a pickle",
            where,
        )


def scan_pickle_bytes(data: bytes, ctx: ScanContext, where: str, *, max_streams: int = 64) -> None:
    trace = run_all(
        io.BytesIO(data),
        max_ops=ctx.options.max_pickle_ops,
        max_values=values_for(len(data)),
        max_streams=max_streams,
        more_is_pickle=max_streams > 1,
    )
    if _writes_joblib_arrays(trace):
        scan_joblib_stream(io.BytesIO(data), ctx, where, bytes_reader(data), len(data))
        _report_named_dangers(trace, ctx, where)
        return
    report_trace(trace, ctx, where, bytes_reader(data))


class PickleScanner(FormatScanner):
    formats = ("pickle",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        reader = source.range_reader()
        # long literals (array data) need not be held when the file can be re-read
        kept = 0 if reader is not None else None
        with source.open() as fh:
            trace = run_all(
                buffered(fh),
                max_ops=ctx.options.max_pickle_ops,
                max_values=values_for(source.size),
                kept_bytes=kept,
            )
        if _writes_joblib_arrays(trace):
            # a joblib file whose first array wrapper is past the detection head (a
            # large vocabulary pickled first): raw array bytes follow each wrapper
            with source.open() as fh:
                scan_joblib_stream(buffered(fh), ctx, source.display, reader, source.size)
            _report_named_dangers(trace, ctx, source.display)
            return
        report_trace(trace, ctx, source.display, reader)
        if trace.end_offset < source.size:
            from chainward.models.containers import scan_appended_zip

            scan_appended_zip(source, ctx, after=trace.end_offset, front="pickle")


def _report_named_dangers(trace: PickleTrace, ctx: ScanContext, where: str) -> None:
    """What plain ``pickle.load`` would also run: it reads the array bytes as opcodes.

    Random array bytes decode as noise, so only named dangers count from that pass.
    """
    for item in grade(trace):
        if item.rule in ("pickle-dangerous-call", "pickle-dangerous-global"):
            detail = None if item.offset is None else f"byte {item.offset}"
            ctx.add(
                item.rule, item.severity, item.message + " (read as a plain pickle)", where, detail
            )


def _writes_joblib_arrays(trace: PickleTrace) -> bool:
    return trace.error is not None and any(
        g.name == "NumpyArrayWrapper" and g.module.endswith("numpy_pickle") for g in trace.globals
    )


def buffered(fh: BinaryIO) -> BinaryIO:
    if isinstance(fh, io.BufferedReader | io.BytesIO):
        return fh
    return io.BufferedReader(fh)  # type: ignore[arg-type,type-var]


# ------------------------------------------------------------------ numpy


class NumpyScanner(FormatScanner):
    formats = ("numpy",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        with source.open() as fh:
            scan_npy(fh, ctx, source.display, source.range_reader())


def scan_npy(fh: BinaryIO, ctx: ScanContext, where: str, reader: Reader | None = None) -> None:
    magic = fh.read(8)
    if len(magic) < 8 or not magic.startswith(NUMPY_MAGIC):
        ctx.error(where, "not a NumPy .npy file (bad magic)")
        return
    major = magic[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", fh.read(2))
    elif major in (2, 3):
        raw = fh.read(4)
        if len(raw) < 4:
            ctx.error(where, "truncated .npy header")
            return
        (hlen,) = struct.unpack("<I", raw)
    else:
        ctx.error(where, f"unsupported .npy format version {major}")
        return
    if hlen > NUMPY_MAX_HEADER:
        ctx.add(
            "numpy-header-too-large",
            Severity.MEDIUM,
            f".npy header of {hlen} bytes is over numpy's own limit ({NUMPY_MAX_HEADER}); "
            "loaders refuse it unless max_header_size is raised",
            where,
        )
        if hlen > ctx.options.max_header_bytes:
            return
    header = fh.read(hlen)
    import ast  # only .npy headers need it: off the start-up of a plain pickle scan

    try:
        text = header.decode("utf-8" if major == 3 else "latin1")
        # Python 2 headers write longs as 2L (numpy's own _filter_header drops the L)
        meta = ast.literal_eval(re.sub(r"\b(\d+)L\b", r"\1", text))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        ctx.error(where, ".npy header is not a Python literal")
        return
    if not isinstance(meta, dict) or "descr" not in meta:
        ctx.error(where, ".npy header has no 'descr'")
        return
    if _descr_has_object(meta["descr"]):
        trace = run_all(
            buffered(fh), max_ops=ctx.options.max_pickle_ops, max_streams=1, more_is_pickle=False
        )
        report_trace(trace, ctx, where, reader)


_DATETIME_UNITS = re.compile(r"\[[^\]]*\]")


def _descr_has_object(descr: object) -> bool:
    """Whether numpy's ``descr_to_dtype`` makes a dtype with an object field of it
    (then the array data is a pickle): ``'O'``, ``'object'``, ``'i4,O'``, ``'(2,)O'``,
    or a field of a structured descr. Field names are not dtypes."""
    if isinstance(descr, str):
        text = _DATETIME_UNITS.sub("", descr)  # "M8[ns]": units are not type codes
        return "O" in text or "object" in text
    if isinstance(descr, list):  # [(name, dtype), (name, dtype, shape), ...]
        return any(
            _descr_has_object(field[1:] if isinstance(field, tuple) else field) for field in descr
        )
    if isinstance(descr, tuple):  # (dtype, shape) or what a field entry holds
        return any(_descr_has_object(part) for part in descr)
    return False


# ------------------------------------------------------------------ joblib

_DTYPE_CODE = re.compile(r"^[<>|=]?([a-zA-Z])(\d*)")
_ITEMSIZE = {
    "b": 1,
    "?": 1,
    "B": 1,
    "h": 2,
    "H": 2,
    "e": 2,
    "i": 4,
    "I": 4,
    "f": 4,
    "l": 8,
    "q": 8,
    "Q": 8,
    "L": 8,
    "d": 8,
    "g": 16,
    "F": 8,
    "D": 16,
    "G": 32,
}


def _dtype_info(dtype: Value) -> tuple[int | None, bool]:
    """(itemsize, has_object) of a pickled ``numpy.dtype(...)`` value, when it can be told."""
    if not (isinstance(dtype, Call) and isinstance(dtype.args, Seq) and dtype.args.items):
        return None, False
    first = dtype.args.items[0]
    if not (isinstance(first, Lit) and isinstance(first.value, str)):
        return None, False
    elsize = -1
    flags = 0
    for state in dtype.states:
        if isinstance(state, Seq) and len(state.items) >= 8:
            size_value, flag_value = state.items[5], state.items[7]
            if isinstance(size_value, Lit) and isinstance(size_value.value, int):
                elsize = size_value.value
            if isinstance(flag_value, Lit) and isinstance(flag_value.value, int):
                flags = flag_value.value
    code = first.value
    match = _DTYPE_CODE.match(code)
    if match is None:
        return None, False
    kind, digits = match.group(1), match.group(2)
    has_object = kind == "O" or bool(flags & 0x01)
    if elsize > 0:
        return elsize, has_object
    if digits:
        width = int(digits)
        return (width * 4 if kind == "U" else width), has_object
    return _ITEMSIZE.get(kind), has_object


def _wrapper_state(state: Value) -> dict[str, Value]:
    out: dict[str, Value] = {}
    if isinstance(state, Map):
        for key, value in state.items:
            if isinstance(key, Lit) and isinstance(key.value, str):
                out[key.value] = value
    return out


def _count(shape: Value) -> int | None:
    if not isinstance(shape, Seq):
        return None
    count = 1
    for dim in shape.items:
        if not (isinstance(dim, Lit) and isinstance(dim.value, int)) or dim.value < 0:
            return None
        count *= dim.value
    return count


class _JoblibHook:
    """After BUILD on a NumpyArrayWrapper, step over the array the way joblib reads it."""

    def __init__(self, ctx: ScanContext, where: str, trace: PickleTrace) -> None:
        self.ctx = ctx
        self.where = where
        self.trace = trace
        self.arrays = 0

    def __call__(self, machine: Machine, inst: Value, state: Value) -> None:
        if not (
            isinstance(inst, Call)
            and isinstance(inst.callee, Global)
            and inst.callee.name == "NumpyArrayWrapper"
            and inst.callee.module.endswith("numpy_pickle")
        ):
            return
        self.arrays += 1
        fields = _wrapper_state(state)
        itemsize, has_object = _dtype_info(fields.get("dtype", Lit(None)))
        if has_object:
            # one budget for the file: the nested pickle gets what the outer one left
            left = machine.max_ops - machine.trace.ops
            if left <= 0:
                raise OpBudgetError(ops_message(machine.max_ops))
            nested = run_stream(
                machine.fh,
                base_offset=machine.base_offset + machine.pos,
                max_ops=left,
                max_values=machine.max_values - machine.held(),
                trace=PickleTrace(),
            )
            machine.pos = nested.end_offset - machine.base_offset
            self.trace.add(nested)
            if nested.error is not None and nested.over_budget:
                if self._walked_rest_of_array(machine, nested):
                    return
                # joblib reads on: the rest of the file is walked and searched from here
                machine.op_offset = nested.error_offset or machine.op_offset
                if nested.over_value_budget:
                    raise ValueBudgetError(values_message(machine.max_values))
                raise OpBudgetError(ops_message(machine.max_ops))
            if nested.error is not None:
                raise PickleError(f"nested object-array pickle: {nested.error}")
            return
        count = _count(fields.get("shape", Lit(None)))
        if itemsize is None or count is None:
            raise PickleError("cannot size a joblib array (unknown dtype or shape)")
        alignment = fields.get("numpy_array_alignment_bytes")
        if isinstance(alignment, Lit) and alignment.value is not None:
            padding = machine.read(1)[0]
            machine.skip(padding)
        machine.skip(count * itemsize)

    def _walked_rest_of_array(self, machine: Machine, nested: PickleTrace) -> bool:
        """An object array (a million strings) can outgrow the machine's budgets: when
        the rest of its pickle is data only, step over it and go on with the file."""
        from chainward.models.pickle.datawalk import walk_data
        from chainward.models.pickle.policy import DATA_WALK_BYTES

        if nested.error_offset is None:
            return False
        machine.pos = nested.error_offset - machine.base_offset
        rest = walk_data(
            machine.fh, base=nested.error_offset, max_bytes=DATA_WALK_BYTES, one_stream=True
        )
        if rest.code_op == "BUILD" and rest.code_at is not None:
            # numpy pickles an object array as _reconstruct(...) then BUILD with its
            # items and STOP: the one BUILD at the end sets the array made before the
            # budget (graded there); anything after it must be data up to STOP
            machine.pos = rest.code_at + 1 - machine.base_offset
            rest = walk_data(
                machine.fh, base=rest.code_at + 1, max_bytes=DATA_WALK_BYTES, one_stream=True
            )
        if not rest.data_only or rest.stopped != "STOP":
            return False
        machine.pos = rest.end - machine.base_offset
        self.trace.notes.append(
            f"an object array's pickle ran past the machine's budget ({nested.error}) at byte "
            f"{nested.error_offset}; its remaining {rest.end - nested.error_offset} bytes "
            "were walked opcode by opcode: data only, nothing imported or called"
        )
        return True


class JoblibScanner(FormatScanner):
    formats = ("joblib",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        with source.open() as raw:
            head = raw.read(64)
            raw.seek(0)
            fh = _joblib_stream(raw, head, ctx)
            # positions in a decompressed stream are not positions in the file
            plain = fh is raw or getattr(fh, "raw", None) is raw
            reader = source.range_reader() if plain else None
            scan_joblib_stream(fh, ctx, source.display, reader, source.size)


def scan_joblib_stream(
    fh: BinaryIO, ctx: ScanContext, where: str, reader: Reader | None = None, size: int = 0
) -> None:
    trace = PickleTrace()
    hook = _JoblibHook(ctx, where, trace)
    try:
        result = run_stream(
            fh,
            max_ops=ctx.options.max_pickle_ops,
            max_values=values_for(size),
            build_hook=hook,
            trace=trace,
        )
    except BudgetError as exc:
        ctx.add("decompression-bomb", Severity.MEDIUM, f"not fully scanned: {exc}", where)
        report_trace(trace, ctx, where, reader)
        return
    report_trace(result, ctx, where, reader)


class _Counting(io.RawIOBase):
    """A read-only view of a decompressing stream that enforces the byte budget."""

    def __init__(self, inner: BinaryIO, ctx: ScanContext) -> None:
        self.inner = inner
        self.ctx = ctx

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        self.ctx.charge(len(data))
        buffer[: len(data)] = data
        return len(data)


def _joblib_stream(raw: BinaryIO, head: bytes, ctx: ScanContext) -> BinaryIO:
    inner: BinaryIO
    if head.startswith(b"ZF0x"):
        raw.seek(2)
        digits = b""
        while True:
            byte = raw.read(1)
            if not byte or (byte in b" \x00" and digits):
                break
            digits += byte
        rest = raw.read()
        inner = io.BytesIO(_bounded_zlib(rest.lstrip(b" "), ctx))
        return inner
    # compressed joblib files only: these modules stay off a plain scan's start-up
    import bz2
    import gzip
    import lzma

    if head.startswith(b"\x1f\x8b"):
        inner = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
    elif head.startswith(b"BZh"):
        inner = bz2.BZ2File(raw, "rb")  # type: ignore[assignment]
    elif head.startswith(b"\xfd7zXZ\x00"):
        inner = lzma.LZMAFile(raw, "rb", format=lzma.FORMAT_XZ)  # type: ignore[assignment]  # noqa: SIM115
    elif head[:1] == b"\x5d":
        inner = lzma.LZMAFile(raw, "rb", format=lzma.FORMAT_ALONE)  # type: ignore[assignment]  # noqa: SIM115
    elif head[:1] == b"\x78":
        return io.BytesIO(_bounded_zlib(raw.read(), ctx))
    else:
        return buffered(raw)
    return io.BufferedReader(_Counting(inner, ctx), 1 << 16)  # type: ignore[return-value]


def _bounded_zlib(data: bytes, ctx: ScanContext) -> bytes:
    decomp = zlib.decompressobj()
    limit = min(ctx.options.max_member_bytes, ctx.options.max_total_bytes - ctx.total_bytes)
    out = decomp.decompress(data, limit + 1)
    if len(out) > limit:
        raise BudgetError(f"zlib stream expands past {limit} bytes")
    ctx.charge(len(out))
    return out


__all__ = [
    "JoblibScanner",
    "NumpyScanner",
    "PickleScanner",
    "buffered",
    "bytes_reader",
    "report_trace",
    "scan_joblib_stream",
    "scan_npy",
    "scan_pickle_bytes",
]
