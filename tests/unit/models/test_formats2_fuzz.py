"""Hostile bytes through the new decoders: LZ4 frames, TFLite flatbuffers, HDF5 dense
storage, TorchScript text. They may refuse (their own error types) but never crash,
hang or read past their budgets."""

from __future__ import annotations

import contextlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from chainward.models import ScanOptions, scan_bytes
from chainward.models.lz4 import Lz4Error, decompress_block, decompress_stream
from chainward.models.tflite import FlatbufferError, flex_node_op, parse_model
from chainward.models.torchscript import analyze_bytecode, analyze_code
from tests.conftest import asset

ROOT = asset("models") / "formats2"
LZ4_MAGIC = b"\x04\x22\x4d\x18"
SEEDS = {
    "lz4": (ROOT / "benign/compressed/state_dict.pt.lz4").read_bytes()[:4096],
    "tflite": (ROOT / "malicious/tflite/flex_disguised_write_file.tflite").read_bytes(),
    "h5": (ROOT / "benign/hdf5/keras_many_attributes_dense.h5").read_bytes(),
}


def _mutate(seed: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(seed)
    for pos, value in edits:
        data[pos % len(data)] = value
    return bytes(data)


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_lz4_random_frames(body: bytes) -> None:
    try:
        out = decompress_stream(io.BytesIO(LZ4_MAGIC + body), 1 << 16)
    except Lz4Error:
        return
    assert len(out) <= 1 << 16
    out_block = bytearray()
    try:
        decompress_block(body, out_block, 1 << 16)
    except Lz4Error:
        return
    assert len(out_block) <= 1 << 16


@settings(max_examples=100, deadline=None)
@given(edits)
def test_mutated_lz4_and_tflite(changes: list[tuple[int, int]]) -> None:
    for kind in ("lz4", "tflite"):
        data = _mutate(SEEDS[kind], changes)
        result = scan_bytes(data, f"x.{kind}", ScanOptions(max_member_bytes=1 << 20))
        assert not any(f.rule == "internal-error" for f in result.findings)
    with contextlib.suppress(FlatbufferError, IndexError):
        parse_model(_mutate(SEEDS["tflite"], changes))


@settings(max_examples=60, deadline=None)
@given(edits)
def test_mutated_hdf5_dense(changes: list[tuple[int, int]]) -> None:
    # concentrate edits on the dense-storage structures (after the first 2 KB)
    data = _mutate(SEEDS["h5"], [(2048 + pos % (len(SEEDS["h5"]) - 2048), v) for pos, v in changes])
    result = scan_bytes(data, "x.h5")
    assert not any(f.rule == "internal-error" for f in result.findings)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=256))
def test_flexbuffer_and_code_text(data: bytes) -> None:
    with contextlib.suppress(FlatbufferError, ValueError):
        flex_node_op(data)
    analyze_code(data.decode("latin-1"))
    analyze_bytecode(data)
