"""The symbolic machine against CPython's own unpickler (with inert stand-ins for globals)."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from typing import Any

import pytest

from chainward.models.detect import detect_format
from chainward.models.pickle.vm import Call, Global, Lit, Seq, run_all, run_stream
from tests.conftest import asset

CORPUS = asset("models")
LABELS = json.loads((CORPUS / "labels.json").read_text())


class _Stub:
    """Stands in for every global: records nothing, runs nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __new__(cls, *args: Any, **kwargs: Any) -> _Stub:
        return object.__new__(cls)

    def __call__(self, *args: Any, **kwargs: Any) -> _Stub:
        return _Stub()

    def __setstate__(self, state: Any) -> None:
        pass

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def add(self, item: Any) -> None:
        pass


class RecordingUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.looked_up: list[tuple[str, str]] = []

    def find_class(self, module: str, name: str) -> Any:
        self.looked_up.append((module, name))
        return _Stub

    def persistent_load(self, pid: Any) -> Any:
        return _Stub()


def _pickles() -> list[tuple[str, bytes]]:
    out = []
    for rel in LABELS:
        path = CORPUS / rel
        if not path.is_file():
            continue
        data = path.read_bytes()
        joblib_arrays = b"joblib.numpy_pickle" in data  # raw array bytes are not opcodes
        if (
            LABELS[rel]["label"] == "benign"
            and detect_format(path) == "pickle"
            and not joblib_arrays
        ):
            out.append((rel, data))
        elif data.startswith(b"PK") and rel.startswith("benign/torch"):
            with zipfile.ZipFile(path) as z:
                out.extend((f"{rel}!{n}", z.read(n)) for n in z.namelist() if n.endswith(".pkl"))
    return out


@pytest.mark.parametrize(("name", "data"), _pickles(), ids=[n for n, _ in _pickles()])
def test_same_globals_as_cpython(name: str, data: bytes) -> None:
    real = RecordingUnpickler(data)
    real.load()
    trace = run_stream(io.BytesIO(data))
    assert trace.error is None, trace.error
    ours = [g.written or (g.module, g.name) for g in trace.globals]
    assert ours == real.looked_up


def test_protocol_0_names_are_mapped_like_fix_imports() -> None:
    trace = run_all(io.BytesIO(b"c__builtin__\nset\n(]tR."))
    glob = trace.globals[0]
    assert (glob.module, glob.name) == ("builtins", "set")
    assert glob.written == ("__builtin__", "set")
    trace = run_all(io.BytesIO(b"\x80\x02ccommands\nrun\n)R."))
    assert trace.globals[0].module == "subprocess"
    # protocol 3+ does not map
    trace = run_all(io.BytesIO(b"\x80\x03ccommands\nrun\n)R."))
    assert trace.globals[0].module == "commands"


@pytest.mark.parametrize(
    ("line", "value"),
    [
        (b"01", True),
        (b"00", False),
        (b"0x1", 1),
        (b"010", 8),
        (b" 7", 7),
        (b"-5", -5),
        (b"123456789012345678901234567890", 123456789012345678901234567890),
    ],
)
def test_int_is_parsed_like_pickle_c(line: bytes, value: object) -> None:
    trace = run_stream(io.BytesIO(b"I" + line + b"\n."))
    assert trace.error is None
    assert isinstance(trace.result, Lit)
    assert trace.result.value == value
    assert pickle.loads(b"I" + line + b"\n.") == value


def test_pop_removes_an_empty_mark_like_cpython() -> None:
    data = b"K\x01(0."
    assert pickle.loads(data) == 1
    trace = run_stream(io.BytesIO(data))
    assert trace.error is None
    assert isinstance(trace.result, Lit) and trace.result.value == 1


def test_memoize_uses_memo_length() -> None:
    data = b"\x80\x04\x8c\x01a\x94\x8c\x01b\x94h\x00h\x01\x86."
    assert pickle.loads(data) == ("a", "b")
    trace = run_stream(io.BytesIO(data))
    assert isinstance(trace.result, Seq)
    assert [x.value for x in trace.result.items if isinstance(x, Lit)] == ["a", "b"]


def test_calls_before_a_bad_opcode_are_kept() -> None:
    trace = run_all(io.BytesIO(b"cos\nsystem\n(S'true'\ntR\xff"))
    assert trace.error is not None
    assert [i.kind for i in trace.invocations] == ["reduce"]
    assert isinstance(trace.invocations[0].callee, Global)


def test_several_streams() -> None:
    data = pickle.dumps(1) + pickle.dumps([2]) + pickle.dumps({"x": 3})
    trace = run_all(io.BytesIO(data))
    assert trace.streams == 3
    assert trace.error is None


def test_dotted_stack_global_and_build() -> None:
    data = b"\x80\x04\x8c\x05torch\x8c\x12serialization.os.x\x93)R}b."
    trace = run_all(io.BytesIO(data))
    assert trace.globals[0].name == "serialization.os.x"
    call = trace.invocations[0].result
    assert isinstance(call, Call) and len(call.states) == 1


def test_frame_past_the_end_stops_like_pickle_c() -> None:
    data = b"\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00K\x01."
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(data)
    assert run_stream(io.BytesIO(data)).error is not None


def test_huge_declared_lengths_do_not_allocate() -> None:
    for data in (
        b"\x80\x04\x8e" + (1 << 60).to_bytes(8, "little") + b"abc",
        b"\x80\x04\x8d" + (1 << 40).to_bytes(8, "little"),
        b"\x80\x04B" + (1 << 31).to_bytes(4, "little"),
    ):
        trace = run_all(io.BytesIO(data))
        assert trace.error is not None


def test_long_literals_are_kept_short() -> None:
    big = b"x" * (3 << 20)
    trace = run_stream(io.BytesIO(pickle.dumps(big, protocol=4)))
    assert trace.error is None
    assert isinstance(trace.result, Lit) and len(trace.result.value) == 1 << 20  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "operands",
    [b")U\x05\xcbu\x00\t\xb4", b"K\x01\x8c\x01x", b"\x8c\x02os}"],  # tuple, int, dict
)
def test_stack_global_on_a_container_or_number_stops_like_pickle_c(operands: bytes) -> None:
    # "STACK_GLOBAL requires str": random bytes (1 in ~40,000 uint8 weight blobs) read as
    # a computed global were unsafe; the unpickler stops there, nothing is looked up
    trace = run_stream(io.BytesIO(b"\x80\x04" + operands + b"\x93."))
    assert trace.error is not None and "requires str" in trace.error
    assert not trace.globals
    computed = run_stream(io.BytesIO(b"\x80\x04" + _join_call() + b"\x8c\x06system\x93."))
    assert [g.computed for g in computed.globals if g.name == "'system'"] == [True]


def _join_call() -> bytes:
    """``str('os')``: a module name only known at load time."""
    return b"\x8c\x08builtins\x8c\x03str\x93\x8c\x02os\x85R"
