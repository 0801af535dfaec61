"""A symbolic pickle machine with the opcode semantics of CPython's unpickler.

Nothing is imported and nothing is called: every stack value is a literal, a
container, a :class:`Global` (what ``find_class`` would return), a :class:`Call`
(what REDUCE/NEWOBJ/OBJ/INST would produce) or a :class:`Persistent` reference.
Every place where the real unpickler would call something is recorded as an
:class:`Invocation`, every ``find_class`` as a :class:`Global`, so that policy
code can grade them afterwards.

Semantics follow ``Modules/_pickle.c`` (the unpickler ``pickle.load`` really
uses) where it differs from ``Lib/pickle.py``: INT is parsed like ``strtol`` with
base 0 (so ``0x1`` and ``010`` parse), FRAME only checks that the frame is there,
POP removes a MARK when nothing was pushed since it, MEMOIZE stores at the memo's
current length, and ``find_class`` maps Python 2 names through ``_compat_pickle``
when the protocol is below 3. Dotted names are resolved for every protocol (newer
Pythons do), which only ever makes the scanner see more. When the stream turns
out malformed, everything seen up to that point is kept: a payload followed by
garbage still ran its payload when it was loaded.
"""

from __future__ import annotations

import codecs
import gc
import io
import struct
from collections.abc import Callable

from chainward.models.pickle.cutbytes import CutBytes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

MAX_LINE = 1 << 20
LINE_TAIL = 1 << 16  # what is kept of the end of a line longer than MAX_LINE
MAX_OPS = 10_000_000
MAX_CONTAINER_ITEMS = 1 << 24
# What the machine may hold, in units of roughly 64 bytes (see PickleTrace.values): the
# opcode budget alone let a crafted pickle hold over a gigabyte of small values
MAX_VALUES = 3_000_000
# a large real pickle holds about a third of a unit per byte (a vocabulary of a million
# words: 20 MB, 6 million units), so a file's budget grows with its size up to this
MAX_SCALED_VALUES = 8_000_000


def values_for(size: int) -> int:
    """The value budget for a pickle of ``size`` bytes: :data:`MAX_VALUES`, more for
    larger files (a unit per three bytes), at most :data:`MAX_SCALED_VALUES`."""
    return min(max(MAX_VALUES, size // 3), MAX_SCALED_VALUES)


class Value:
    """A symbolic stack value.

    The value classes are written out rather than made with ``dataclass``: building
    a dataclass costs about half a millisecond at import, which every one-file scan
    pays, and these classes need nothing a dataclass generates but ``__init__``.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        names = [n for cls in reversed(type(self).__mro__) for n in getattr(cls, "__slots__", ())]
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in names if not n.startswith("_"))
        return f"{type(self).__name__}({shown})"


class Lit(Value):
    """A literal: None, bool, int, float, str, bytes (or a placeholder for a buffer)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class Seq(Value):
    """A list, tuple, set or frozenset (mutable while the machine runs)."""

    __slots__ = ("items", "kind")

    def __init__(self, kind: str, items: list[Value]) -> None:
        self.kind = kind
        self.items = items


class Map(Value):
    """A dict literal (pairs, in insertion order)."""

    __slots__ = ("items",)

    def __init__(self, items: list[tuple[Value, Value]]) -> None:
        self.items = items


class Global(Value):
    """What ``find_class(module, name)`` would return, after ``_compat_pickle`` mapping.

    ``written`` keeps the names as they appear in the stream when they were mapped.
    ``computed`` is set when the names were not string literals (STACK_GLOBAL on
    values the real unpickler would reject, or an EXT code).
    """

    __slots__ = ("_dotted", "computed", "module", "name", "offset", "opcode", "written")

    def __init__(
        self,
        module: str,
        name: str,
        offset: int,
        opcode: str,
        written: tuple[str, str] | None = None,
        computed: bool = False,
    ) -> None:
        self.module = module
        self.name = name
        self.offset = offset
        self.opcode = opcode
        self.written = written
        self.computed = computed
        self._dotted: str | None = None

    @property
    def dotted(self) -> str:  # asked for many times per call by the policy
        dotted = self._dotted
        if dotted is None:
            dotted = self._dotted = f"{self.module}.{self.name}"
        return dotted


class Call(Value):
    """The result of calling ``callee`` (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST)."""

    __slots__ = ("args", "callee", "items_added", "kind", "kwargs", "offset", "states")

    def __init__(
        self, callee: Value, args: Value, kind: str, offset: int, kwargs: Value | None = None
    ) -> None:
        self.callee = callee
        self.args = args
        self.kind = kind
        self.offset = offset
        self.kwargs = kwargs
        # a list once BUILD gives the first state (most calls get none: no empty list each)
        self.states: list[Value] | tuple[()] = ()
        self.items_added = False

    def add_state(self, state: Value) -> None:
        if self.states:
            self.states.append(state)  # type: ignore[union-attr]
        else:
            self.states = [state]


class Persistent(Value):
    """What ``persistent_load(pid)`` returns (torch storages, for instance)."""

    __slots__ = ("offset", "pid")

    def __init__(self, pid: Value, offset: int) -> None:
        self.pid = pid
        self.offset = offset


class Invocation:
    """A place where the real unpickler calls something.

    ``kind``: ``reduce`` (func(*args)), ``new`` (cls.__new__(cls, *args), the
    default reconstruction path), ``obj``/``inst`` (cls(*args), or cls.__new__
    when there are no args and cls is a class), ``setstate`` (BUILD calling
    inst.__setstate__), ``method`` (APPEND/SETITEM/ADDITEMS on something that is
    not a plain list/dict/set: its extend/append/__setitem__/add is called).
    """

    __slots__ = ("args", "callee", "detail", "kind", "offset", "result")
    __repr__ = Value.__repr__

    def __init__(
        self,
        kind: str,
        callee: Value,
        args: Value,
        offset: int,
        result: Value | None = None,
        detail: str = "",
    ) -> None:
        self.kind = kind
        self.callee = callee
        self.args = args
        self.offset = offset
        self.result = result
        self.detail = detail


class PickleTrace:
    """Everything one run of the machine saw, in stream order."""

    def __init__(self, kept: int = 0, kept_limit: int | None = None) -> None:
        self.globals: list[Global] = []
        self.invocations: list[Invocation] = []
        self.builds: list[tuple[Value, Value, int]] = []
        self.persistent: list[Persistent] = []
        self.streams = 0
        self.protocols: list[int] = []
        self.error: str | None = None
        self.error_offset: int | None = None
        self.end_offset = 0
        self.ops = 0
        self.result: Value | None = None
        self.trailing = 0
        self.notes: list[str] = []
        self.kept = kept  # bytes of long string literals held in memory (see KEPT_BYTES)
        self.kept_limit = KEPT_BYTES if kept_limit is None else kept_limit
        # what the values made so far hold, in units (about 64 bytes each): one per object
        # made, per memo entry, per eight references put in a list, per 64 bytes of a
        # short literal (longer ones are bounded by KEPT_BYTES instead)
        self.values = 0
        self.over_budget = False  # stopped by a budget (opcodes or values), not by the data
        self.over_value_budget = False  # the budget was the value budget
        self.more_streams_at: int | None = None  # stopped after max_streams; data goes on here

    def add(self, other: PickleTrace) -> None:
        self.globals.extend(other.globals)
        self.invocations.extend(other.invocations)
        self.builds.extend(other.builds)
        self.persistent.extend(other.persistent)
        self.protocols.extend(other.protocols)
        self.streams += other.streams
        self.ops += other.ops
        self.values += other.values


class PickleError(Exception):
    """The stream is malformed here (the real unpickler would raise too)."""


class OpBudgetError(PickleError):
    """The opcode budget ran out here (the real unpickler would read on)."""


class ValueBudgetError(OpBudgetError):
    """The value budget ran out here: the stream makes more values than a scan holds."""


class _Stop(Exception):
    def __init__(self, value: Value | None) -> None:
        self.value = value


class _Mark:
    __slots__ = ()


_NONE = Lit(None)
_TRUE = Lit(True)
_FALSE = Lit(False)
_U32 = struct.Struct("<I").unpack_from
_I32 = struct.Struct("<i").unpack_from
_U64 = struct.Struct("<Q").unpack_from
_F64 = struct.Struct(">d").unpack_from
_SMALL_INTS = tuple(Lit(v) for v in range(256))  # BININT1 values (literals are never mutated)
_EMPTY_TUPLE = Seq("tuple", [])  # tuples are never mutated either (CPython shares () too)

# Hook called after BUILD on a value; joblib uses it to skip raw array bytes.
BuildHook = Callable[["Machine", Value, Value], None]


class _Reader:
    """A read window over a binary stream: the machine indexes ``data`` directly.

    Refills from ``fh`` in chunks (all at once for in-memory streams), skips raw
    payloads by seeking when the stream can seek, and knows its logical position
    (``tell``), so nested machines (joblib object arrays) can share it. At the end
    of a run :meth:`sync` puts ``fh`` back at the logical position.
    """

    __slots__ = ("_end", "_seekable", "base", "data", "eof", "fh", "i", "n")

    CHUNK = 1 << 20

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.data = b""
        self.i = 0
        self.n = 0
        self._seekable = fh.seekable()
        self.base = fh.tell() if self._seekable else 0  # stream offset of data[0]
        self.eof = False
        self._end: int | None = None

    # the file-object protocol, for code that is handed ``machine.fh``
    def seekable(self) -> bool:
        return self._seekable

    def tell(self) -> int:
        return self.base + self.i

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 1:
            offset += self.tell()
        elif whence == 2:
            offset += self.end()
        if self.base <= offset <= self.base + self.n:
            self.i = offset - self.base
            return offset
        self.fh.seek(offset)
        self.base, self.data, self.i, self.n, self.eof = offset, b"", 0, 0, False
        return offset

    def end(self) -> int:
        """The stream's length (seekable streams only)."""
        if self._end is None:
            here = self.fh.tell()
            self._end = self.fh.seek(0, 2)
            self.fh.seek(here)
        return self._end

    def has(self, size: int) -> bool:
        """Whether ``size`` more bytes exist (always True for streams that cannot seek)."""
        if self.n - self.i >= size or not self._seekable:
            return True
        return self.end() - self.tell() >= size

    def fill(self, need: int) -> bool:
        """Make ``need`` bytes available at ``i``; False if the stream ends first."""
        while self.n - self.i < need and not self.eof:
            rest = self.data[self.i :]
            self.base += self.i
            if isinstance(self.fh, io.BytesIO):
                more = self.fh.read()
                self.eof = True
            elif rest:
                # what is needed runs past the window (a byte string, mostly): read up
                # to its end only, so that it is the whole new window (slicing it out
                # copies nothing) and the next window starts clean, instead of copying
                # a chunk behind ``rest``; at least as much again as ``rest`` (up to a
                # chunk), so that a line that keeps growing is read in linear time
                more = self.fh.read(max(need - len(rest), min(len(rest) + 4096, self.CHUNK)))
                if not more:
                    self.eof = True
            else:
                more = self.fh.read(max(self.CHUNK, need))
                if not more:
                    self.eof = True
            self.data = rest + more if rest else more
            self.i = 0
            self.n = len(self.data)
        return self.n - self.i >= need

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer only at the end of the stream)."""
        if self.i + n > self.n:
            self.fill(n)
        i = self.i
        out = self.data[i : i + n]
        self.i = i + len(out)
        return out

    def readline(self, limit: int) -> bytes:
        """A line with its newline, or ``limit`` bytes, or what is left at the end."""
        while True:
            i = self.i
            nl = self.data.find(b"\n", i, i + limit)
            if nl >= 0:
                self.i = nl + 1
                return self.data[i : nl + 1]
            have = self.n - i
            if have >= limit or not self.fill(have + 1):
                return self.read(min(limit, self.n - self.i))

    def skip(self, n: int) -> int:
        """Step over ``n`` bytes without keeping them; the number actually skipped."""
        inside = min(n, self.n - self.i)
        self.i += inside
        rest = n - inside
        if rest <= 0:
            return n
        here = self.base + self.i
        self.data, self.i, self.n = b"", 0, 0
        if self._seekable:
            skipped = min(rest, max(0, self.end() - here))
            self.fh.seek(here + skipped)
        else:
            skipped = 0
            while skipped < rest:
                chunk = self.fh.read(min(rest - skipped, 1 << 22))
                if not chunk:
                    break
                skipped += len(chunk)
        self.base = here + skipped
        self.eof = skipped < rest
        return inside + skipped

    def sync(self) -> None:
        if self._seekable:
            self.fh.seek(self.base + self.i)


def ops_message(max_ops: int) -> str:
    return f"more than {max_ops} opcodes"


def values_message(max_values: int) -> str:
    return f"more values than a scan holds ({max_values} units of about 64 bytes)"


def python2_global(module: str, name: str, offset: int, opcode: str) -> Global:
    """``find_class`` below protocol 3: Python 2 names mapped through ``_compat_pickle``."""
    import _compat_pickle  # only pickles below protocol 3 need it: off start-up

    if (module, name) in _compat_pickle.NAME_MAPPING:
        mapped = _compat_pickle.NAME_MAPPING[(module, name)]
        return Global(*mapped, offset, opcode, (module, name))
    if module in _compat_pickle.IMPORT_MAPPING:
        return Global(_compat_pickle.IMPORT_MAPPING[module], name, offset, opcode, (module, name))
    return Global(module, name, offset, opcode)


class Machine:
    """Run one pickle stream symbolically from a binary file object."""

    def __init__(
        self,
        fh: BinaryIO,
        trace: PickleTrace | None = None,
        *,
        base_offset: int = 0,
        max_ops: int = MAX_OPS,
        max_values: int = MAX_VALUES,
        build_hook: BuildHook | None = None,
    ) -> None:
        self.r = fh if isinstance(fh, _Reader) else _Reader(fh)
        self.owns_reader = not isinstance(fh, _Reader)
        self.start = self.r.tell()
        self.trace = trace if trace is not None else PickleTrace()
        self.base_offset = base_offset
        self.max_ops = max_ops
        self.max_values = max_values
        self.build_hook = build_hook
        self.stack: list[Value] = []
        self.metastack: list[list[Value]] = []
        self.memo: dict[int, Value] = {}
        self.proto = 0
        self.op_offset = 0

    @property
    def fh(self) -> BinaryIO:
        """The stream, positioned where the machine is (hooks run nested machines on it)."""
        return self.r  # type: ignore[return-value]

    @property
    def pos(self) -> int:
        """Bytes consumed since the machine started."""
        return self.r.tell() - self.start

    @pos.setter
    def pos(self, value: int) -> None:
        if value != self.pos:
            self.r.seek(self.start + value)

    # ------------------------------------------------------------ input

    def read(self, n: int) -> bytes:
        r = self.r
        i = r.i
        if i + n <= r.n:
            r.i = i + n
            return r.data[i : i + n]
        data = r.read(n)
        if len(data) < n:
            raise PickleError("pickle data was truncated")
        return data

    def readline(self) -> bytes:
        line = self.r.readline(MAX_LINE)
        if not line.endswith(b"\n"):
            if len(line) >= MAX_LINE:
                return self._rest_of_long_line(line)
            raise PickleError("pickle data was truncated")
        return line[:-1]

    def _rest_of_long_line(self, head: bytes) -> bytes:
        """The unpickler reads a line of any length (``I`` + a million blanks + ``1``
        is the number 1), so the machine reads on to the newline too, keeping the
        line's first ``MAX_LINE`` and last ``LINE_TAIL`` bytes: a string's value is
        cut, a padded number keeps its digits, a quoted string its closing quote."""
        tail = b""
        while True:
            chunk = self.r.readline(MAX_LINE)
            if not chunk:
                raise PickleError("pickle data was truncated")
            if chunk.endswith(b"\n"):
                return head + (tail + chunk[:-1])[-LINE_TAIL:]
            tail = (tail + chunk)[-LINE_TAIL:]

    def skip(self, n: int) -> None:
        """Skip ``n`` raw bytes that are not pickle opcodes (joblib array data)."""
        if self.r.skip(n) < n:
            raise PickleError("array data was truncated")

    # ------------------------------------------------------------ run

    def run(self) -> Value | None:
        """Run until STOP; raise PickleError (after recording what was seen) if malformed."""
        try:
            return self._run()
        finally:
            if self.owns_reader:
                self.r.sync()

    def _run(self) -> Value | None:
        dispatch = _DISPATCH
        trace = self.trace
        trace.streams += 1
        invocations = trace.invocations
        persistent = trace.persistent
        builds = trace.builds
        r = self.r
        memo = self.memo
        metastack = self.metastack
        max_ops = self.max_ops
        max_values = self.max_values
        inline_build = self.build_hook is None
        ops = trace.ops
        made = trace.values  # see PickleTrace.values; memo, marks and stack are added at checks
        offset0 = self.base_offset - self.start  # op_offset = offset0 + r.base + i
        data = r.data
        n = r.n
        i = r.i
        code = 0
        # the stack lives in a local while the opcodes below run inline; it is written
        # back to self.stack around every handler call (handlers may replace it)
        stack = self.stack
        # every opcode takes at least one byte, so before ``stop`` the opcode budget
        # cannot run out: one comparison per opcode covers the window and both budgets
        # (an opcode byte makes at most a few units, and ``stop`` leaves room for that)
        stop = i
        try:
            while True:
                if i >= stop:
                    if i >= n:
                        r.i = i
                        if not r.fill(1):
                            self.op_offset = offset0 + r.base + r.i
                            raise PickleError("pickle data was truncated (no STOP opcode)")
                        data, n, i = r.data, r.n, r.i
                    if ops >= max_ops:
                        ops += 1  # the opcode over the budget counts, as it always did
                        self.op_offset = offset0 + r.base + i
                        r.i = i + 1
                        raise OpBudgetError(ops_message(max_ops))
                    held = len(memo) * 3 // 2 + len(metastack) + (len(stack) >> 3)  # as held()
                    left = max_values - made - held
                    if left <= 0:
                        self.op_offset = offset0 + r.base + i
                        r.i = i
                        raise ValueBudgetError(values_message(max_values))
                    stop = min(n, i + max_ops - ops, i + (left >> 2) + 1)
                code = data[i]
                ops += 1
                # the commonest opcodes of real pickles, inline when their bytes are at hand
                # (ordered by how often torch/sklearn/joblib pickles use them); an opcode
                # that does not fit here, or is malformed, goes to its handler below
                if code == 0x68 and i + 2 <= n:  # BINGET
                    value = memo.get(data[i + 1])  # memo values are never None
                    if value is None:
                        break
                    stack.append(value)
                    i += 2
                    continue
                if code == 0x72 and i + 5 <= n:  # LONG_BINPUT
                    idx = _U32(data, i + 1)[0]
                    if idx > 0x7FFFFFFF or not stack:  # _pickle.c reads a signed size
                        break
                    memo[idx] = stack[-1]
                    i += 5
                    continue
                if code == 0x4B and i + 2 <= n:  # BININT1
                    stack.append(_SMALL_INTS[data[i + 1]])
                    i += 2
                    continue
                if code == 0x94:  # MEMOIZE
                    if not stack:
                        break
                    memo[len(memo)] = stack[-1]
                    i += 1
                    continue
                if code == 0x28:  # MARK
                    made += len(stack) >> 3  # counted while the checks cannot see it
                    metastack.append(stack)
                    stack = []
                    i += 1
                    continue
                if code == 0x58 and i + 5 <= n:  # BINUNICODE
                    size = _U32(data, i + 1)[0]
                    if i + 5 + size <= n and (size <= SHORT_LITERAL or _keep_whole(trace, size)):
                        try:
                            text = data[i + 5 : i + 5 + size].decode("utf-8", "surrogatepass")
                        except UnicodeDecodeError:
                            break
                        stack.append(Lit(text))
                        made += 2 + (size >> 6) if size <= SHORT_LITERAL else 2
                        i += 5 + size
                        continue
                elif code == 0x52:  # REDUCE
                    if len(stack) < 2:
                        break
                    args = stack.pop()
                    func = stack.pop()
                    offset = offset0 + r.base + i
                    call = Call(func, args, "reduce", offset)
                    invocations.append(Invocation("reduce", func, args, offset, call))
                    stack.append(call)
                    made += 3
                    i += 1
                    continue
                elif code == 0x74:  # TUPLE
                    if not metastack:
                        break
                    items = stack
                    stack = metastack.pop()
                    made -= len(stack) >> 3  # visible to the checks again
                    stack.append(Seq("tuple", items))
                    made += 2 + (len(items) >> 3)
                    i += 1
                    continue
                elif code == 0x86:  # TUPLE2
                    if len(stack) < 2:
                        break
                    second = stack.pop()
                    stack[-1] = Seq("tuple", [stack[-1], second])
                    made += 2
                    i += 1
                    continue
                elif code == 0x85:  # TUPLE1
                    if not stack:
                        break
                    stack[-1] = Seq("tuple", [stack[-1]])
                    made += 2
                    i += 1
                    continue
                elif code == 0x87:  # TUPLE3
                    if len(stack) < 3:
                        break
                    items = stack[-3:]
                    del stack[-3:]
                    stack.append(Seq("tuple", items))
                    made += 2
                    i += 1
                    continue
                elif code == 0x62 and inline_build:  # BUILD
                    if len(stack) < 2:
                        break
                    state = stack.pop()
                    inst = stack[-1]
                    offset = offset0 + r.base + i
                    builds.append((inst, state, offset))
                    if isinstance(inst, Call):
                        if inst.states:
                            inst.states.append(state)  # type: ignore[union-attr]
                        else:
                            inst.states = [state]
                    invocations.append(Invocation("setstate", inst, state, offset, None, "BUILD"))
                    made += 3
                    i += 1
                    continue
                elif code == 0x89:  # NEWFALSE
                    stack.append(_FALSE)
                    i += 1
                    continue
                elif code == 0x4E:  # NONE
                    stack.append(_NONE)
                    i += 1
                    continue
                elif code == 0x29:  # EMPTY_TUPLE
                    stack.append(_EMPTY_TUPLE)
                    i += 1
                    continue
                elif code == 0x4D and i + 3 <= n:  # BININT2
                    stack.append(Lit(data[i + 1] | data[i + 2] << 8))
                    made += 1
                    i += 3
                    continue
                elif code == 0x51:  # BINPERSID
                    if not stack:
                        break
                    ref = Persistent(stack.pop(), offset0 + r.base + i)
                    persistent.append(ref)
                    stack.append(ref)
                    made += 2
                    i += 1
                    continue
                elif code == 0x71 and i + 2 <= n:  # BINPUT
                    if not stack:
                        break
                    memo[data[i + 1]] = stack[-1]
                    i += 2
                    continue
                elif code == 0x8C and i + 2 <= n:  # SHORT_BINUNICODE
                    size = data[i + 1]
                    if i + 2 + size <= n:
                        try:
                            text = data[i + 2 : i + 2 + size].decode("utf-8", "surrogatepass")
                        except UnicodeDecodeError:
                            break
                        stack.append(Lit(text))
                        made += 2 + (size >> 6)
                        i += 2 + size
                        continue
                elif code == 0x47 and i + 9 <= n:  # BINFLOAT
                    stack.append(Lit(_F64(data, i + 1)[0]))
                    made += 1
                    i += 9
                    continue
                elif code == 0x43 and i + 2 <= n:  # SHORT_BINBYTES
                    size = data[i + 1]
                    if i + 2 + size <= n:
                        stack.append(Lit(data[i + 2 : i + 2 + size]))
                        made += 2 + (size >> 6)
                        i += 2 + size
                        continue
                elif code == 0x42 and i + 5 <= n:  # BINBYTES
                    size = _U32(data, i + 1)[0]
                    if i + 5 + size <= n and (size <= SHORT_LITERAL or _keep_whole(trace, size)):
                        stack.append(Lit(data[i + 5 : i + 5 + size]))
                        made += 2 + (size >> 6) if size <= SHORT_LITERAL else 2
                        i += 5 + size
                        continue
                elif code == 0x7D:  # EMPTY_DICT
                    stack.append(Map([]))
                    made += 2
                    i += 1
                    continue
                elif code == 0x75:  # SETITEMS on a dict (anything else calls a method)
                    target = metastack[-1][-1] if metastack and metastack[-1] else None
                    if type(target) is Map:
                        items = stack
                        stack = metastack.pop()
                        made -= len(stack) >> 3  # visible to the checks again
                        pairs = len(items) >> 1
                        made += pairs  # a unit each; past the budget they are not made
                        if made + len(memo) * 3 // 2 + len(metastack) >= max_values:
                            stop = i + 1  # the check before the next opcode stops the run
                        elif len(target.items) + pairs <= MAX_CONTAINER_ITEMS:
                            # an odd item out is dropped, as _container_add does
                            target.items.extend(zip(items[::2], items[1::2], strict=False))
                        i += 1
                        continue
                elif code == 0x6A and i + 5 <= n:  # LONG_BINGET
                    value = memo.get(_U32(data, i + 1)[0])
                    if value is None:
                        break
                    stack.append(value)
                    i += 5
                    continue
                elif code == 0x4A and i + 5 <= n:  # BININT
                    stack.append(Lit(_I32(data, i + 1)[0]))
                    made += 1
                    i += 5
                    continue
                elif code == 0x81:  # NEWOBJ
                    if len(stack) < 2:
                        break
                    args = stack.pop()
                    cls = stack.pop()
                    offset = offset0 + r.base + i
                    call = Call(cls, args, "new", offset)
                    invocations.append(Invocation("new", cls, args, offset, call))
                    stack.append(call)
                    made += 3
                    i += 1
                    continue
                elif code == 0x95 and i + 9 <= n:  # FRAME whose bytes are all in the window
                    if _U64(data, i + 1)[0] <= n - i - 9:
                        i += 9
                        continue
                elif code == 0x5D:  # EMPTY_LIST
                    stack.append(Seq("list", []))
                    made += 2
                    i += 1
                    continue
                elif code == 0x65:  # APPENDS on a list (anything else calls a method)
                    target = metastack[-1][-1] if metastack and metastack[-1] else None
                    if type(target) is Seq and target.kind == "list":
                        items = stack
                        stack = metastack.pop()
                        made -= len(stack) >> 3  # visible to the checks again
                        if len(target.items) + len(items) <= MAX_CONTAINER_ITEMS:
                            target.items.extend(items)
                            made += len(items) >> 2  # the list grows while ``items`` lives
                        i += 1
                        continue
                elif code == 0x88:  # NEWTRUE
                    stack.append(_TRUE)
                    i += 1
                    continue
                elif code == 0x61:  # APPEND on a list (anything else calls a method)
                    if len(stack) > 1:
                        target = stack[-2]
                        if type(target) is Seq and target.kind == "list":
                            items = target.items
                            if len(items) < MAX_CONTAINER_ITEMS:
                                items.append(stack[-1])
                                if not len(items) & 7:
                                    made += 1  # a unit per eight references
                            stack.pop()
                            i += 1
                            continue
                elif code == 0x32 and stack:  # DUP
                    stack.append(stack[-1])
                    i += 1
                    continue
                handler = dispatch.get(code)
                self.op_offset = offset0 + r.base + i
                r.i = i + 1
                if handler is None:
                    raise PickleError(f"invalid load key {bytes([code])!r}")
                trace.ops = ops
                trace.values = made
                self.stack = stack
                try:
                    handler(self)
                except _Stop as end:
                    return end.value
                except (IndexError, KeyError) as exc:
                    raise PickleError(f"stack or memo error: {exc!r}") from None
                finally:
                    stack = self.stack
                ops = trace.ops
                made = trace.values
                data, n, i = r.data, r.n, r.i
                stop = i  # check both budgets before the next opcode
            # an inline opcode found an error: let its handler raise the usual message
            self.op_offset = offset0 + r.base + i
            r.i = i + 1
            self.stack = stack
            trace.values = made
            try:
                dispatch[code](self)
            except (IndexError, KeyError) as exc:
                raise PickleError(f"stack or memo error: {exc!r}") from None
            raise PickleError(f"invalid opcode state at {code:#x}")  # pragma: no cover
        finally:
            self.stack = stack
            if trace.ops < ops:
                trace.ops = ops
            # what was held when the run ended (as the check counts it: see held())
            self.stack, trace.values = stack, max(trace.values, made)
            trace.values = self.held()

    # ------------------------------------------------------------ helpers

    def push(self, value: Value) -> None:
        """Push a value just made (counted: a value and what it wraps, see PickleTrace.values)."""
        self.stack.append(value)
        self.trace.values += 2

    def held(self) -> int:
        """Units held so far, as the budget check counts them (for hooks: only while the
        machine runs; when it has stopped, ``trace.values`` says what it held)."""
        # a memo entry (a dict slot and an int key) weighs about a unit and a half
        memo = len(self.memo) * 3 // 2
        return self.trace.values + memo + len(self.metastack) + (len(self.stack) >> 3)

    def room(self, units: int) -> bool:
        """Whether ``units`` more fit the value budget; if not, they are counted anyway
        (without being made) so that the check before the next opcode stops the run."""
        if self.held() + units <= self.max_values:
            return True
        self.trace.values += units
        return False

    def hold(self, units: int) -> None:
        """Count ``units`` more held (a value budget check comes before the next opcode)."""
        self.trace.values += units

    def pop(self) -> Value:
        if not self.stack:
            raise PickleError("unpickling stack underflow")
        return self.stack.pop()

    def top(self) -> Value:
        if not self.stack:
            raise PickleError("unpickling stack underflow")
        return self.stack[-1]

    def pop_mark(self) -> list[Value]:
        if not self.metastack:
            raise PickleError("could not find MARK")
        items = self.stack
        self.stack = self.metastack.pop()
        self.trace.values -= len(self.stack) >> 3  # op_mark counted it while it was hidden
        return items

    def find_class(self, module: str, name: str, opcode: str) -> Global:
        if self.proto < 3:
            glob = python2_global(module, name, self.op_offset, opcode)
        else:
            glob = Global(module, name, self.op_offset, opcode)
        self.trace.globals.append(glob)
        self.trace.values += 1
        return glob

    def invoke(
        self, kind: str, callee: Value, args: Value, detail: str = "", kwargs: Value | None = None
    ) -> Call:
        call = Call(callee, args, kind, self.op_offset, kwargs)
        self.trace.invocations.append(Invocation(kind, callee, args, self.op_offset, call, detail))
        self.trace.values += 1  # the Invocation (push counts the Call)
        return call


# ------------------------------------------------------------------ opcodes


def _c_strtol(text: bytes) -> int | None:
    """C ``strtol(s, &end, 0)`` as _pickle.c's load_int uses it (None if it fails)."""
    s = text.lstrip(b" \t\n\v\f\r")
    sign = 1
    if s[:1] in (b"+", b"-"):
        sign = -1 if s[:1] == b"-" else 1
        s = s[1:]
    base = 10
    if s[:2].lower() == b"0x" and s[2:3] and s[2:3].lower() in b"0123456789abcdef":
        base, s = 16, s[2:]
    elif s[:1] == b"0":
        base = 8
    digits = b"0123456789abcdef"[:base]
    n = 0
    used = 0
    for c in s.lower():
        pos = digits.find(bytes([c]))
        if pos < 0:
            break
        n = n * base + pos
        used += 1
    rest = s[used:]
    if used == 0 or (rest and rest[:1] != b"\0") or n >= 1 << 63:
        return None
    return sign * n


def _parse_int_line(data: bytes) -> int | None:
    value = _c_strtol(data)
    if value is not None:
        return value
    try:  # _pickle.c falls back to PyLong_FromString(s, NULL, 0)
        return int(data, 0)
    except ValueError:
        return None


def op_int(m: Machine) -> None:
    data = m.readline()
    if data in (b"00", b"01"):
        m.push(Lit(data == b"01"))
        return
    value = _parse_int_line(data)
    m.push(Lit(value if value is not None else 0))
    if value is None:
        raise PickleError(f"could not convert string to int: {data[:40]!r}")


def op_long(m: Machine) -> None:
    data = m.readline()
    if data.endswith(b"L"):
        data = data[:-1]
    try:
        m.push(Lit(int(data, 0)))
    except ValueError:
        raise PickleError(f"invalid literal for LONG: {data[:40]!r}") from None


def op_float(m: Machine) -> None:
    data = m.readline()
    try:
        m.push(Lit(float(data)))
    except ValueError:
        raise PickleError(f"could not convert string to float: {data[:40]!r}") from None


def _decode_string(data: bytes) -> bytes:
    if len(data) >= 2 and data[0] == data[-1] and data[:1] in (b"'", b'"'):
        try:
            return codecs.escape_decode(data[1:-1])[0]
        except ValueError as exc:  # a bad \x escape: the unpickler raises too
            raise PickleError(f"invalid STRING escape: {exc}") from None
    raise PickleError("the STRING opcode argument must be quoted")


def op_string(m: Machine) -> None:
    raw = _decode_string(m.readline())
    m.push(Lit(_py2_string(raw)))


def _py2_string(raw: bytes) -> str | bytes:
    # Unpickler default encoding="ASCII" decodes Python 2 str to str when it can
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        return raw


def op_unicode(m: Machine) -> None:
    m.push(Lit(m.readline().decode("raw-unicode-escape", errors="replace")))


MAX_LITERAL = 1 << 20  # longer byte strings are skipped, not kept in memory
# all long strings of one run together: past this, each keeps only a short head, so that
# memory stays bounded however large the pickle (a grader re-reads a cut one it needs)
KEPT_BYTES = 64 << 20
SHORT_LITERAL = 4096  # always kept whole (names, keys); the opcode budget bounds them


def _keep_whole(trace: PickleTrace, size: int) -> bool:
    """Whether a string of ``size`` bytes is kept whole (and counted), or cut."""
    if size <= SHORT_LITERAL:
        return True
    if size > MAX_LITERAL or trace.kept + size > trace.kept_limit:
        return False
    trace.kept += size
    return True


def _read_sized(m: Machine, width: int, signed: bool = False) -> bytes:
    raw = m.read(width)
    size = int.from_bytes(raw, "little", signed=signed)
    if size < 0:
        raise PickleError("negative byte count")
    if _keep_whole(m.trace, size):
        if size <= SHORT_LITERAL:  # longer ones count in ``kept``
            m.hold(size >> 6)
        return m.read(size)
    offset = m.r.tell()
    keep = MAX_LITERAL if m.trace.kept + MAX_LITERAL <= m.trace.kept_limit else SHORT_LITERAL
    head = CutBytes(m.read(keep))
    m.trace.kept += keep
    head.offset = offset
    head.size = size
    m.skip(size - keep)
    return head


def op_binint(m: Machine) -> None:
    m.push(Lit(struct.unpack("<i", m.read(4))[0]))


def op_binint1(m: Machine) -> None:
    m.stack.append(_SMALL_INTS[m.read(1)[0]])


def op_binint2(m: Machine) -> None:
    m.push(Lit(struct.unpack("<H", m.read(2))[0]))


def op_long1(m: Machine) -> None:
    m.push(Lit(int.from_bytes(_read_sized(m, 1), "little", signed=True)))


def op_long4(m: Machine) -> None:
    m.push(Lit(int.from_bytes(_read_sized(m, 4, signed=True), "little", signed=True)))


def op_binfloat(m: Machine) -> None:
    m.push(Lit(struct.unpack(">d", m.read(8))[0]))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def op_binunicode(m: Machine) -> None:
    m.push(Lit(_unicode(_read_sized(m, 4))))


def op_short_binunicode(m: Machine) -> None:
    m.push(Lit(_unicode(_read_sized(m, 1))))


def op_binunicode8(m: Machine) -> None:
    m.push(Lit(_unicode(_read_sized(m, 8))))


def _unicode(data: bytes) -> str:
    try:
        return _text(data)
    except UnicodeDecodeError:
        if isinstance(data, CutBytes):  # cut short on purpose, maybe mid-character
            return data.decode("utf-8", errors="replace")
        raise PickleError("invalid UTF-8 in unicode string") from None


def op_binstring(m: Machine) -> None:
    m.push(Lit(_py2_string(_read_sized(m, 4, signed=True))))


def op_short_binstring(m: Machine) -> None:
    m.push(Lit(_py2_string(_read_sized(m, 1))))


def op_binbytes(m: Machine) -> None:
    m.push(Lit(_read_sized(m, 4)))


def op_short_binbytes(m: Machine) -> None:
    m.push(Lit(_read_sized(m, 1)))


def op_binbytes8(m: Machine) -> None:
    m.push(Lit(_read_sized(m, 8)))


def op_bytearray8(m: Machine) -> None:
    m.push(Lit(bytearray(_read_sized(m, 8))))


def op_next_buffer(m: Machine) -> None:
    # pickle.loads(data) stops here, but a loader that passes buffers= (out-of-band
    # protocol-5 data, as Ray and Dask do) reads on: read on, to see what it would run
    m.push(Lit(b""))


def op_readonly_buffer(m: Machine) -> None:
    m.top()


def op_none(m: Machine) -> None:
    m.stack.append(_NONE)


def op_true(m: Machine) -> None:
    m.stack.append(_TRUE)


def op_false(m: Machine) -> None:
    m.stack.append(_FALSE)


def op_proto(m: Machine) -> None:
    proto = m.read(1)[0]
    if proto > 5:
        raise PickleError(f"unsupported pickle protocol: {proto}")
    m.proto = proto
    m.trace.protocols.append(proto)


def op_frame(m: Machine) -> None:
    size = struct.unpack("<Q", m.read(8))[0]
    if size > (1 << 62):
        raise PickleError("frame size too large")
    # _pickle.c only checks that the frame's bytes are present; it does not
    # enforce opcode boundaries at frame ends
    if not m.r.has(size):
        raise PickleError("pickle data was truncated (frame)")


def op_tuple(m: Machine) -> None:
    m.push(_seq_from_mark(m, "tuple"))


def op_empty_tuple(m: Machine) -> None:
    m.stack.append(_EMPTY_TUPLE)


def _tuple_n(n: int) -> Callable[[Machine], None]:
    def handler(m: Machine) -> None:
        if len(m.stack) < n:
            raise PickleError("unpickling stack underflow")
        items = m.stack[-n:]
        del m.stack[-n:]
        m.push(Seq("tuple", items))

    return handler


def op_empty_list(m: Machine) -> None:
    m.push(Seq("list", []))


def op_empty_dict(m: Machine) -> None:
    m.push(Map([]))


def op_empty_set(m: Machine) -> None:
    m.push(Seq("set", []))


def op_frozenset(m: Machine) -> None:
    m.push(_seq_from_mark(m, "frozenset"))


def op_list(m: Machine) -> None:
    m.push(_seq_from_mark(m, "list"))


def _seq_from_mark(m: Machine, kind: str) -> Seq:
    items = m.pop_mark()
    m.hold(len(items) >> 3)
    return Seq(kind, items)


def op_dict(m: Machine) -> None:
    items = m.pop_mark()
    if len(items) % 2:
        raise PickleError("odd number of items for DICT")
    if not m.room(len(items) >> 1):
        m.push(Map([]))  # the check before the next opcode stops the run
        return
    m.hold(len(items) >> 1)
    m.push(Map([(items[i], items[i + 1]) for i in range(0, len(items), 2)]))


def _class_from_lines(m: Machine, opcode: str) -> Global:
    module = m.readline()
    name = m.readline()
    try:
        return m.find_class(module.decode("utf-8"), name.decode("utf-8"), opcode)
    except UnicodeDecodeError:
        raise PickleError(f"{opcode} names are not UTF-8") from None


def op_inst(m: Machine) -> None:
    cls = _class_from_lines(m, "INST")
    args = m.pop_mark()
    m.push(m.invoke("inst", cls, Seq("tuple", args)))


def op_obj(m: Machine) -> None:
    args = m.pop_mark()
    if not args:
        raise PickleError("OBJ without a class")
    cls = args.pop(0)
    m.push(m.invoke("obj", cls, Seq("tuple", args)))


def op_newobj(m: Machine) -> None:
    args = m.pop()
    cls = m.pop()
    m.push(m.invoke("new", cls, args))


def op_newobj_ex(m: Machine) -> None:
    kwargs = m.pop()
    args = m.pop()
    cls = m.pop()
    m.push(m.invoke("new", cls, args, kwargs=kwargs))


def op_global(m: Machine) -> None:
    m.push(_class_from_lines(m, "GLOBAL"))


def op_stack_global(m: Machine) -> None:
    name = m.pop()
    module = m.pop()
    if (
        isinstance(name, Lit)
        and isinstance(module, Lit)
        and isinstance(name.value, str)
        and isinstance(module.value, str)
    ):
        m.push(m.find_class(module.value, name.value, "STACK_GLOBAL"))
        return
    for operand in (module, name):
        never_str = isinstance(operand, Seq | Map) or (
            isinstance(operand, Lit) and not isinstance(operand.value, str | bytes)
        )
        if never_str:  # a container or a number here stops every unpickler
            raise PickleError("STACK_GLOBAL requires str")
    # names computed at load time (str.join results, for instance) are real strings then,
    # and so are Python 2 strings under encoding='latin1': keep going with a global whose
    # name is unknown to us
    glob = Global(_describe(module), _describe(name), m.op_offset, "STACK_GLOBAL", computed=True)
    m.trace.globals.append(glob)
    m.push(glob)


def _describe(value: Value) -> str:
    if isinstance(value, Lit):
        return repr(value.value)[:80]
    if isinstance(value, Global):
        return value.dotted
    if isinstance(value, Call):
        inner = value.callee
        label = inner.dotted if isinstance(inner, Global) else type(inner).__name__.lower()
        return f"<result of {label}(...)>"
    return f"<{type(value).__name__.lower()}>"


def _ext(width: int) -> Callable[[Machine], None]:
    def handler(m: Machine) -> None:
        code = int.from_bytes(m.read(width), "little")
        if code <= 0:
            raise PickleError("EXT specifies code <= 0")
        import copyreg

        key = copyreg._inverted_registry.get(code)  # type: ignore[attr-defined]
        if key is not None:
            m.push(m.find_class(key[0], key[1], f"EXT{width}"))
            return
        glob = Global("<extension registry>", str(code), m.op_offset, f"EXT{width}", computed=True)
        m.trace.globals.append(glob)
        m.push(glob)

    return handler


def op_reduce(m: Machine) -> None:
    args = m.pop()
    func = m.pop()
    m.push(m.invoke("reduce", func, args))


def op_pop(m: Machine) -> None:
    if m.stack:
        m.stack.pop()
    else:
        m.pop_mark()


def op_pop_mark(m: Machine) -> None:
    m.pop_mark()


def op_dup(m: Machine) -> None:
    m.stack.append(m.top())


def op_get(m: Machine) -> None:
    try:
        idx = int(m.readline(), 10)
    except ValueError:
        raise PickleError("invalid GET index") from None
    _get(m, idx)


def _get(m: Machine, idx: int) -> None:
    if idx not in m.memo:
        raise PickleError(f"memo value not found at index {idx}")
    m.stack.append(m.memo[idx])


def op_binget(m: Machine) -> None:
    _get(m, m.read(1)[0])


def op_long_binget(m: Machine) -> None:
    _get(m, struct.unpack("<I", m.read(4))[0])


def op_put(m: Machine) -> None:
    try:
        idx = int(m.readline(), 10)
    except ValueError:
        raise PickleError("invalid PUT index") from None
    if idx < 0:
        raise PickleError("negative PUT argument")
    m.memo[idx] = m.top()


def op_binput(m: Machine) -> None:
    m.memo[m.read(1)[0]] = m.top()


def op_long_binput(m: Machine) -> None:
    idx = struct.unpack("<i", m.read(4))[0]
    if idx < 0:
        raise PickleError("negative LONG_BINPUT argument")
    m.memo[idx] = m.top()


def op_memoize(m: Machine) -> None:
    m.memo[len(m.memo)] = m.top()


def _container_add(m: Machine, target: Value, kind: str, items: list[Value]) -> None:
    """APPEND(S)/SETITEM(S)/ADDITEMS: plain containers take data; anything else runs code."""
    if kind == "list" and isinstance(target, Seq) and target.kind == "list":
        if len(target.items) + len(items) <= MAX_CONTAINER_ITEMS:
            target.items.extend(items)
            m.hold(len(items) >> 2)
        return
    if kind == "dict" and isinstance(target, Map):
        pairs = len(items) >> 1
        if len(target.items) + pairs <= MAX_CONTAINER_ITEMS and m.room(pairs):
            target.items.extend((items[i], items[i + 1]) for i in range(0, len(items) - 1, 2))
            m.hold(pairs)
        return
    if kind == "set" and isinstance(target, Seq) and target.kind == "set":
        if len(target.items) + len(items) <= MAX_CONTAINER_ITEMS:
            target.items.extend(items)
            m.hold(len(items) >> 2)
        return
    method = {"list": "extend", "dict": "__setitem__", "set": "add"}[kind]
    if isinstance(target, Call):
        target.items_added = True
    m.trace.invocations.append(
        Invocation("method", target, Seq("tuple", items[:8]), m.op_offset, None, method)
    )
    m.hold(3)


def op_append(m: Machine) -> None:
    value = m.pop()
    _container_add(m, m.top(), "list", [value])


def op_appends(m: Machine) -> None:
    items = m.pop_mark()
    _container_add(m, m.top(), "list", items)


def op_setitem(m: Machine) -> None:
    value = m.pop()
    key = m.pop()
    _container_add(m, m.top(), "dict", [key, value])


def op_setitems(m: Machine) -> None:
    items = m.pop_mark()
    _container_add(m, m.top(), "dict", items)


def op_additems(m: Machine) -> None:
    items = m.pop_mark()
    _container_add(m, m.top(), "set", items)


def op_build(m: Machine) -> None:
    state = m.pop()
    inst = m.top()
    m.trace.builds.append((inst, state, m.op_offset))
    if isinstance(inst, Call):
        inst.add_state(state)
    m.trace.values += 3
    m.trace.invocations.append(Invocation("setstate", inst, state, m.op_offset, None, "BUILD"))
    if m.build_hook is not None:
        m.build_hook(m, inst, state)


def op_mark(m: Machine) -> None:
    m.hold(len(m.stack) >> 3)
    m.metastack.append(m.stack)
    m.stack = []


def op_stop(m: Machine) -> None:
    value = m.pop()
    raise _Stop(value)


def op_persid(m: Machine) -> None:
    pid = m.readline()
    try:
        text = pid.decode("ascii")
    except UnicodeDecodeError:
        raise PickleError("persistent IDs in protocol 0 must be ASCII strings") from None
    ref = Persistent(Lit(text), m.op_offset)
    m.trace.persistent.append(ref)
    m.push(ref)


def op_binpersid(m: Machine) -> None:
    ref = Persistent(m.pop(), m.op_offset)
    m.trace.persistent.append(ref)
    m.push(ref)


_DISPATCH: dict[int, Callable[[Machine], None]] = {
    ord("("): op_mark,
    ord("."): op_stop,
    ord("0"): op_pop,
    ord("1"): op_pop_mark,
    ord("2"): op_dup,
    ord("F"): op_float,
    ord("I"): op_int,
    ord("J"): op_binint,
    ord("K"): op_binint1,
    ord("L"): op_long,
    ord("M"): op_binint2,
    ord("N"): op_none,
    ord("P"): op_persid,
    ord("Q"): op_binpersid,
    ord("R"): op_reduce,
    ord("S"): op_string,
    ord("T"): op_binstring,
    ord("U"): op_short_binstring,
    ord("V"): op_unicode,
    ord("X"): op_binunicode,
    ord("a"): op_append,
    ord("b"): op_build,
    ord("c"): op_global,
    ord("d"): op_dict,
    ord("}"): op_empty_dict,
    ord("e"): op_appends,
    ord("g"): op_get,
    ord("h"): op_binget,
    ord("i"): op_inst,
    ord("j"): op_long_binget,
    ord("l"): op_list,
    ord("]"): op_empty_list,
    ord("o"): op_obj,
    ord("p"): op_put,
    ord("q"): op_binput,
    ord("r"): op_long_binput,
    ord("s"): op_setitem,
    ord("t"): op_tuple,
    ord(")"): op_empty_tuple,
    ord("u"): op_setitems,
    ord("G"): op_binfloat,
    0x80: op_proto,
    0x81: op_newobj,
    0x82: _ext(1),
    0x83: _ext(2),
    0x84: _ext(4),
    0x85: _tuple_n(1),
    0x86: _tuple_n(2),
    0x87: _tuple_n(3),
    0x88: op_true,
    0x89: op_false,
    0x8A: op_long1,
    0x8B: op_long4,
    ord("B"): op_binbytes,
    ord("C"): op_short_binbytes,
    0x8C: op_short_binunicode,
    0x8D: op_binunicode8,
    0x8E: op_binbytes8,
    0x8F: op_empty_set,
    0x90: op_additems,
    0x91: op_frozenset,
    0x92: op_newobj_ex,
    0x93: op_stack_global,
    0x94: op_memoize,
    0x95: op_frame,
    0x96: op_bytearray8,
    0x97: op_next_buffer,
    0x98: op_readonly_buffer,
}


def run_stream(
    fh: BinaryIO,
    *,
    base_offset: int = 0,
    max_ops: int = MAX_OPS,
    max_values: int = MAX_VALUES,
    build_hook: BuildHook | None = None,
    trace: PickleTrace | None = None,
) -> PickleTrace:
    """Run one pickle from ``fh``'s position; errors are recorded on the trace, not raised.

    ``max_values`` bounds the units the run holds (see :attr:`PickleTrace.values`),
    counting what ``trace`` already holds.
    """
    machine = Machine(
        fh,
        trace,
        base_offset=base_offset,
        max_ops=max_ops,
        max_values=max_values,
        build_hook=build_hook,
    )
    result = machine.trace
    # the machine makes many small objects and few cycles: the cyclic collector, run
    # over an ever larger memo, costs more than the machine itself on big pickles
    collecting = gc.isenabled()
    gc.disable()
    try:
        result.result = machine.run()
    except PickleError as exc:
        result.error = str(exc)
        result.error_offset = machine.op_offset
        result.over_budget = isinstance(exc, OpBudgetError)
        result.over_value_budget = isinstance(exc, ValueBudgetError)
    except (RecursionError, MemoryError, OverflowError, ValueError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        result.error_offset = machine.op_offset
    finally:
        if collecting:
            gc.enable()
    result.end_offset = base_offset + machine.pos
    return result


def run_all(
    fh: BinaryIO,
    *,
    max_streams: int = 64,
    max_ops: int = MAX_OPS,
    max_values: int = MAX_VALUES,
    build_hook: BuildHook | None = None,
    more_is_pickle: bool = True,
    kept_bytes: int | None = None,
) -> PickleTrace:
    """Run every pickle in ``fh`` one after the other until the data ends.

    Loaders such as legacy ``torch.load`` read several pickles from one file;
    a trailing stream that does not parse is only noted (``trailing`` bytes).
    ``max_ops`` and ``max_values`` are for all streams together. Data left after ``max_streams`` streams
    is noted (``more_streams_at``) unless ``more_is_pickle`` is False: a loader that
    reads a known number of pickles (legacy torch: raw storage bytes follow).
    ``kept_bytes`` bounds the long string literals held whole (default :data:`KEPT_BYTES`);
    a caller that can re-read the stream passes 0, and they are read again if needed.
    """
    total = PickleTrace(kept_limit=kept_bytes)
    offset = 0
    # worded for all streams together, whatever one stream had left
    ops_error, values_error = ops_message(max_ops), values_message(max_values)
    for index in range(max_streams):
        start = fh.tell() if fh.seekable() else offset
        probe = fh.read(1)
        if not probe:
            break
        if fh.seekable():
            fh.seek(start)
        else:  # pragma: no cover - every source here is seekable
            break
        if total.ops >= max_ops or total.values >= max_values:
            total.over_value_budget = total.ops < max_ops
            total.error = values_error if total.over_value_budget else ops_error
            total.error_offset, total.over_budget = start, True
            break
        trace = run_stream(
            fh,
            base_offset=start,
            max_ops=max_ops - total.ops,
            max_values=max_values - total.values,
            build_hook=build_hook,
            trace=PickleTrace(kept=total.kept, kept_limit=kept_bytes),
        )
        total.kept = trace.kept
        if index > 0 and trace.error is not None and trace.ops <= 2 and not trace.globals:
            total.trailing = _remaining(fh, start)
            break
        total.add(trace)
        if trace.error is not None:
            total.error = trace.error
            if trace.over_budget:
                total.error = values_error if trace.over_value_budget else ops_error
            total.error_offset = trace.error_offset
            total.over_budget = trace.over_budget
            total.over_value_budget = trace.over_value_budget
            total.end_offset = trace.end_offset
            break
        if index == 0:
            total.result = trace.result
        total.end_offset = trace.end_offset
        offset = trace.end_offset
    else:
        if more_is_pickle and fh.read(1):
            total.more_streams_at = offset
    return total


def _remaining(fh: BinaryIO, start: int) -> int:
    fh.seek(0, 2)
    return fh.tell() - start


__all__ = [
    "MAX_LITERAL",
    "MAX_VALUES",
    "Call",
    "CutBytes",
    "Global",
    "Invocation",
    "Lit",
    "Machine",
    "Map",
    "OpBudgetError",
    "Persistent",
    "PickleError",
    "PickleTrace",
    "Seq",
    "Value",
    "ValueBudgetError",
    "python2_global",
    "run_all",
    "run_stream",
]
