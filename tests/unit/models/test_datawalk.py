"""The opcode walk that tells whether the rest of a pickle is data only."""

from __future__ import annotations

import io
import pickle
import pickletools
from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainward.models.pickle import datawalk
from chainward.models.pickle.datawalk import walk_data

CODE_OPS = {
    "GLOBAL", "INST", "STACK_GLOBAL", "EXT1", "EXT2", "EXT4", "REDUCE", "BUILD",
    "NEWOBJ", "NEWOBJ_EX", "OBJ", "PERSID", "BINPERSID",
}  # fmt: skip

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.binary(max_size=40)
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=6)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=40,
)


def first_code_op(data: bytes) -> int | None:
    """Where pickletools sees the first opcode that can run code, over all streams."""
    stream = io.BytesIO(data)
    while stream.tell() < len(data):
        for opcode, _arg, position in pickletools.genops(stream):
            if opcode.name in CODE_OPS:
                return position
    return None


@pytest.fixture(params=[1 << 20, 64], ids=["window-1MiB", "window-64B"])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(datawalk, "WINDOW", request.param)
    return int(request.param)


@settings(max_examples=150, deadline=None)
@given(value=values, protocol=st.integers(min_value=0, max_value=5), streams=st.integers(1, 3))
def test_the_walk_finds_what_pickletools_finds(value: object, protocol: int, streams: int) -> None:
    data = pickle.dumps(value, protocol) * streams
    for size in (1 << 20, 64):
        datawalk.WINDOW = size
        try:
            tail = walk_data(io.BytesIO(data))
        finally:
            datawalk.WINDOW = 1 << 20
        expected = first_code_op(data)
        assert tail.code_at == expected
        if expected is None:
            assert tail.data_only and tail.end == len(data), tail.stopped


def test_long_literals_and_lines_past_the_window_are_stepped_over(window: int) -> None:
    value = ["x" * 5000, b"y" * 70_000, "é" * 3000, 10**400, [1.5] * 100]
    for protocol in (0, 3, 4, 5):
        data = pickle.dumps(value, protocol)
        tail = walk_data(io.BytesIO(data), base=100)
        if protocol == 0:  # bytes pickle as a _codecs.encode call below protocol 3
            assert tail.code_op == "GLOBAL"
            continue
        assert tail.data_only and tail.end == 100 + len(data), tail.stopped


def test_code_after_a_long_data_prefix_is_found(window: int) -> None:
    evil = b"cposix\nsystem\n(Vtrue\ntR."
    data = pickle.dumps({"w": list(range(3000))}, 4) + evil
    tail = walk_data(io.BytesIO(data))
    assert (tail.code_at, tail.code_op) == (data.index(evil), "GLOBAL")


@pytest.mark.parametrize(
    ("data", "stopped"),
    [
        (b"\x80\x04\x8e" + (1 << 60).to_bytes(8, "little") + b"abc", "truncated literal"),
        (b"T" + (-5).to_bytes(4, "little", signed=True) + b"abc.", "negative size"),
        (b"V" + b"x" * 1000, "truncated line"),
        (b"\x80\x04N\xff", "invalid opcode 0xff"),
        (b"\x80\x04G\x00\x00", "truncated opcode"),
    ],
)
def test_malformed_rests_end_the_walk_without_code(data: bytes, stopped: str) -> None:
    tail = walk_data(io.BytesIO(data))
    assert tail.data_only and tail.stopped == stopped


def test_every_cut_of_a_real_pickle_ends_cleanly(window: int) -> None:
    data = pickle.dumps(OrderedDict(a=[1, 2.5, "x" * 300], b={"k": (None, True)}), 2)
    for cut in range(len(data)):
        tail = walk_data(io.BytesIO(data[:cut]))
        assert tail.end <= cut


def test_the_byte_budget_stops_the_walk() -> None:
    data = pickle.dumps(list(range(400_000)), 4)
    tail = walk_data(io.BytesIO(data), max_bytes=100_000)
    assert tail.data_only and "budget" in tail.stopped and tail.end < len(data)
