"""The value budget: a pickle that builds more values than a scan holds stops with a finding.

Bombs are generated here, small, and run against a small ``max_values``: what is tested
is what the machine counts (``PickleTrace.values``, ``Machine.held``), not memory use.
Nothing here is unpickled.
"""

from __future__ import annotations

import io
import pickle
import struct

import pytest

from chainward.models.pickle import vm
from chainward.models.pickle.policy import bytes_reader, grade
from chainward.models.pickle.vm import Machine, Map, ValueBudgetError, run_all

PROTO4 = b"\x80\x04"
LIMIT = 20_000


def _memoized(unit: bytes, count: int, head: bytes = b"") -> bytes:
    """``count`` copies of ``unit`` (which leaves one value), each memoized and popped."""
    return PROTO4 + head + (unit + b"\x94" + b"0") * count + b"N."


BOMBS = {
    # TUPLE1 of a shared small int: one tuple kept alive by the memo per 4 opcodes
    "tuples": _memoized(b"K\x01\x85", 50_000),
    "empty lists": _memoized(b"]", 50_000),
    "distinct ints": b"".join(
        [PROTO4, *(b"J" + struct.pack("<i", 1000 + n) + b"\x940" for n in range(50_000)), b"N."]
    ),
    "distinct strings": b"".join(
        [PROTO4, *(b"\x8c\x06" + b"%06d" % n + b"\x940" for n in range(50_000)), b"N."]
    ),
    # a string just under the always-kept size weighs by its bytes
    "medium strings": b"".join(
        [
            PROTO4,
            *(b"X" + struct.pack("<I", 4000) + b"%04d" % n * 1000 + b"\x940" for n in range(400)),
            b"N.",
        ]
    ),
    "nested tuples": PROTO4 + b"N" + b"\x85" * 50_000 + b".",
    "marks": PROTO4 + b"(" * 50_000 + b"N.",
    "builds": PROTO4
    + b"\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R"
    + b"}b" * 50_000
    + b".",
    "calls": PROTO4 + b"\x8c\x08builtins\x94\x8c\x03int\x94\x93\x94" + b"h\x02)R0" * 50_000 + b"N.",
    "references on the stack": PROTO4 + b"N" + b"2" * 400_000 + b".",
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_stops_at_the_value_budget(name: str) -> None:
    data = BOMBS[name]
    trace = run_all(io.BytesIO(data), max_values=LIMIT)
    assert trace.over_budget and trace.over_value_budget
    assert trace.error == vm.values_message(LIMIT)
    assert trace.error_offset is not None and trace.error_offset < len(data) - 2
    # what was held when the run stopped (memo, marks, stack included): at the budget, not past it
    assert LIMIT <= trace.values < LIMIT * 5 // 4


def test_held_values_stay_under_the_budget_while_running() -> None:
    seen: list[int] = []

    def hook(machine: Machine, inst: object, state: object) -> None:
        seen.append(machine.held())

    # an OrderedDict built again every 100 tuples lets the hook look at the count mid-run
    head = b"\x8c\x0bcollections\x94\x8c\x0bOrderedDict\x94\x93\x94)R\x94"
    probe = b"h\x03}b0"
    data = PROTO4 + head + (b"K\x01\x85\x940" * 100 + probe) * 1000 + b"N."
    machine = Machine(io.BytesIO(data), max_values=LIMIT, build_hook=hook)
    with pytest.raises(ValueBudgetError):
        machine.run()
    assert len(seen) > 10 and max(seen) < LIMIT
    assert seen == sorted(seen)  # nothing is dropped: the memo keeps every tuple
    assert LIMIT <= machine.trace.values < LIMIT * 5 // 4


def test_many_pairs_at_once_are_not_made_past_the_budget() -> None:
    # a dict, MARK, 200,000 pushes of one shared int, SETITEMS: 100,000 pairs at once
    data = PROTO4 + b"}\x94(" + b"K\x01" * 200_000 + b"u."
    machine = Machine(io.BytesIO(data), max_values=LIMIT)
    with pytest.raises(ValueBudgetError):
        machine.run()
    target = machine.memo[0]
    assert isinstance(target, Map) and target.items == []


def test_budget_finding_and_the_names_after_it() -> None:
    # a payload placed after the bomb: the run stops, the rest is searched for names
    payload = b"\x8c\x05posix\x94\x8c\x06system\x94\x93\x94\x8c\x04true\x94\x85\x94R\x94."
    data = BOMBS["tuples"][:-2] + b"0" + payload[:-1] + b"0N."
    trace = run_all(io.BytesIO(data), max_values=LIMIT)
    assert trace.over_value_budget
    graded = grade(trace, reader=bytes_reader(data))
    rules = {item.rule: item for item in graded}
    assert "more values than a scan holds" in rules["pickle-op-budget"].message
    assert any("posix.system" in item.message for item in graded)


def test_budget_is_for_all_streams_together() -> None:
    first = BOMBS["tuples"][: 2 + 5 * 2000] + b"N."  # about 7,000 units, then STOP
    trace = run_all(io.BytesIO(first * 3), max_values=LIMIT)
    assert trace.streams == 3 and trace.over_value_budget
    assert trace.error == vm.values_message(LIMIT)


def test_real_pickles_stay_well_under_the_default_budget() -> None:
    vocabulary = {f"token{n}": n for n in range(20_000)}
    state = {"weights": [float(n) for n in range(5_000)], "vocabulary": vocabulary}
    for protocol in (0, 2, 4, 5):
        data = pickle.dumps(state, protocol=protocol)
        trace = run_all(io.BytesIO(data))
        assert trace.error is None
        # a dict entry: a key string, an int, a pair and a memo slot, about six units
        assert trace.values < 8 * (len(vocabulary) + len(state["weights"]))
        assert trace.values * 20 < vm.MAX_VALUES


def test_the_value_budget_grows_with_the_file_up_to_a_cap() -> None:
    # a big real pickle holds about a third of a unit per byte: a 16 MB vectorizer with
    # 900,000 words needs 5.4 million units, more than a small file is allowed
    assert vm.values_for(0) == vm.MAX_VALUES
    assert vm.values_for(16_000_000) == 16_000_000 // 3
    assert vm.values_for(10**12) == vm.MAX_SCALED_VALUES
