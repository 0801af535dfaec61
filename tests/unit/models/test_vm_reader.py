"""The machine's read window: the same trace whatever the stream hands it, and how."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from chainward.models.detect import detect_format
from chainward.models.pickle import vm
from chainward.models.pickle.vm import PickleTrace, run_all, run_stream
from tests.conftest import asset

CORPUS = asset("models")
LABELS = json.loads((CORPUS / "labels.json").read_text())


class Trickle(io.RawIOBase):
    """A stream that cannot seek and returns at most a few bytes per read."""

    def __init__(self, data: bytes, step: int = 5) -> None:
        self.data = data
        self.pos = 0
        self.calls = 0
        self.step = step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.calls += 1
        n = min(len(buffer), 1 + self.calls % self.step, len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def _summary(trace: PickleTrace) -> tuple[object, ...]:
    return (
        [(g.module, g.name, g.offset, g.opcode, g.computed) for g in trace.globals],
        [(i.kind, i.offset, i.detail) for i in trace.invocations],
        [p.offset for p in trace.persistent],
        trace.error,
        trace.error_offset,
        trace.end_offset,
        trace.ops,
        trace.protocols,
    )


def _raw_pickles() -> list[str]:
    out = []
    for rel in sorted(LABELS):
        path = CORPUS / rel
        if path.is_file() and detect_format(path) == "pickle":
            out.append(rel)
    return out


@pytest.mark.parametrize("rel", _raw_pickles())
def test_trickling_stream_gives_the_same_trace(rel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (CORPUS / rel).read_bytes()
    whole = run_stream(io.BytesIO(data))
    monkeypatch.setattr(vm._Reader, "CHUNK", 3)
    trickled = run_stream(Trickle(data))  # type: ignore[arg-type]
    assert _summary(trickled) == _summary(whole)


def test_large_payloads_are_skipped_and_streams_follow(tmp_path: Path) -> None:
    big = b"x" * (3 * vm.MAX_LITERAL + 17)
    first = pickle.dumps({"blob": big, "tail": "after"}, protocol=4)
    second = pickle.dumps(("next", 2), protocol=2)
    data = first + second
    (tmp_path / "two.pkl").write_bytes(data)
    with (tmp_path / "two.pkl").open("rb") as on_disk:
        for stream in (io.BytesIO(data), on_disk):
            trace = run_all(stream)  # type: ignore[arg-type]
            assert trace.error is None
            assert trace.streams == 2
            assert trace.end_offset == len(data)
    # a stream that cannot seek reads the payload through instead
    trace = run_stream(Trickle(data, step=1 << 16))  # type: ignore[arg-type]
    assert trace.error is None
    assert trace.end_offset == len(first)


def test_truncated_payload_is_reported_at_its_opcode() -> None:
    data = pickle.dumps(b"y" * (2 * vm.MAX_LITERAL), protocol=4)[: vm.MAX_LITERAL + 100]
    trace = run_stream(io.BytesIO(data))
    assert trace.error is not None and "truncated" in trace.error
    assert trace.end_offset == len(data)


def test_stream_position_is_left_after_the_stop() -> None:
    data = pickle.dumps([1, 2, 3], protocol=2) + b"GARBAGE"
    fh = io.BytesIO(data)
    trace = run_stream(fh)
    assert trace.error is None
    assert fh.tell() == len(data) - len(b"GARBAGE")


def test_long_strings_held_in_memory_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # memory grew with the file: 300 one-MiB byte strings kept 300 MiB
    monkeypatch.setattr(vm, "KEPT_BYTES", 64 * 1024)
    blobs = [bytes([n]) * 10_000 for n in range(40)]
    texts = ["é" * 6_000 for _ in range(20)]
    data = pickle.dumps([blobs, texts, "short" * 10], protocol=4)
    for trace in (run_all(io.BytesIO(data)), run_stream(Trickle(data, step=4096))):
        assert trace.error is None
        assert trace.kept <= vm.KEPT_BYTES + vm.SHORT_LITERAL * 60
        assert isinstance(trace.result, vm.Seq)
        kept_blobs, kept_texts, short = trace.result.items
        assert isinstance(kept_blobs, vm.Seq) and isinstance(kept_texts, vm.Seq)
        values = [item.value for item in kept_blobs.items if isinstance(item, vm.Lit)]
        assert values[0] == blobs[0]  # the first ones whole, while the budget lasts
        cut = values[-1]
        assert isinstance(cut, vm.CutBytes) and len(cut) == vm.SHORT_LITERAL
        assert cut.size == 10_000 and data[cut.offset : cut.offset + cut.size] == blobs[-1]
        last_text = kept_texts.items[-1]
        assert (
            isinstance(last_text, vm.Lit) and last_text.value == texts[-1][: len(last_text.value)]
        )
        assert isinstance(short, vm.Lit) and short.value == "short" * 10


def test_the_bound_holds_across_the_streams_of_one_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vm, "KEPT_BYTES", 64 * 1024)
    one = pickle.dumps([b"x" * 10_000 for _ in range(8)], protocol=4)  # 80 KB: over alone
    trace = run_all(io.BytesIO(one + one))
    assert trace.streams == 2 and trace.error is None
    # six strings whole, then heads only: two in the first stream, all eight in the
    # second, which starts where the first left the count
    assert trace.kept == 6 * 10_000 + 10 * vm.SHORT_LITERAL


def test_a_file_that_can_be_read_again_keeps_no_long_literals(tmp_path: Path) -> None:
    # array data of a raw pickle on disk is not held: the grader re-reads a cut literal
    # it needs, so a payload nested deep in a long byte string is still found
    from chainward.models import scan

    inner = b"\x80\x02cposix\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03."
    nested = inner + b"\x00" * 300_000  # the loader unpickles it; the padding is ignored
    outer = (
        b"\x80\x02ctorch.storage\n_load_from_bytes\n(B"
        + len(nested).to_bytes(4, "little")
        + nested
        + b"tR."
    )
    path = tmp_path / "nested.pkl"
    path.write_bytes(outer)
    trace = run_all(io.BytesIO(outer), kept_bytes=0)
    assert trace.kept <= vm.SHORT_LITERAL
    result = scan(path)
    assert result.verdict.value == "unsafe", [f.message for f in result.findings]
    assert any("posix.system" in f.message for f in result.findings)
