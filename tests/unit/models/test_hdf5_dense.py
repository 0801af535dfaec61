"""HDF5 dense attribute storage (fractal heap + v2 B-tree), read without h5py.

The files are written by h5py (tests/assets/models/formats2/generate.py): a Keras
model_config over 64 KB (a huge heap object), 14 root attributes with creation
order tracked (managed objects), and 3000 attributes (a B-tree of depth 1 and a
heap with nested indirect blocks).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
from pathlib import Path

from chainward.models import scan_bytes
from chainward.models.hdf5 import (
    Hdf5Error,
    _File,
    _read_heap,
    as_text,
    read_root_attributes,
)
from chainward.records import Verdict
from tests.conftest import asset

HDF5 = asset("models") / "formats2"


def _load(rel: str) -> bytes:
    data = (HDF5 / rel).read_bytes()
    return gzip.decompress(data) if rel.endswith(".gz") else data


def _attrs(data: bytes):  # type: ignore[no-untyped-def]
    return read_root_attributes(io.BytesIO(data), len(data))


def test_huge_model_config_in_dense_storage() -> None:
    attrs = _attrs(_load("benign/hdf5/keras_big_config_dense.h5"))
    assert attrs.dense and attrs.dense_error is None
    config = json.loads(as_text(attrs.values["model_config"]))
    assert len(config["config"]["layers"]) == 301  # InputLayer + 300 Dense
    assert len(attrs.values["model_config"]) > 64 * 1024
    assert as_text(attrs.values["keras_version"]) == "2.15.0"


def test_many_attributes_tracked_in_creation_order() -> None:
    attrs = _attrs(_load("benign/hdf5/keras_many_attributes_dense.h5"))
    assert attrs.dense and attrs.dense_error is None
    assert len(attrs.values) == 14
    assert as_text(attrs.values["metadata_license"]) == "value license"


def test_thousands_of_attributes_nested_heap() -> None:
    data = _load("benign/hdf5/attributes_3000_nested_heap.h5.gz")
    attrs = _attrs(data)
    assert attrs.dense_error is None
    assert len(attrs.values) == 3001
    for i in (0, 1, 96, 97, 1500, 2999):
        assert attrs.values[f"attr_{i:04d}"] == (b"v%d-" % i) * (1 + i % 97)
    json.loads(as_text(attrs.values["model_config"]))


def test_heap_is_really_nested() -> None:
    data = _load("benign/hdf5/attributes_3000_nested_heap.h5.gz")
    index = data.find(b"FRHP")
    f = _File(io.BytesIO(data), len(data))
    heap = _read_heap(f, index)
    assert heap.root_rows > heap.max_direct_rows  # the root has child indirect blocks
    assert data.count(b"BTIN") >= 1  # the name index has internal nodes


def test_lambda_in_dense_storage_is_unsafe() -> None:
    for rel in (
        "malicious/hdf5/lambda_dense_huge_config.h5",
        "malicious/hdf5/lambda_dense_many_attributes.h5",
        "malicious/hdf5/lambda_among_3000_attributes.h5.gz",
    ):
        result = scan_bytes(_load(rel), rel)
        assert result.verdict is Verdict.UNSAFE, rel
        assert any(f.rule == "keras-lambda-bytecode" for f in result.findings)


def _corruptions(data: bytes, seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    marks = [data.find(sig) for sig in (b"FRHP", b"BTHD", b"BTLF", b"BTIN", b"FHIB", b"FHDB")]
    marks = [m for m in marks if m >= 0]
    out = []
    for _ in range(count):
        mutated = bytearray(data)
        base = rng.choice(marks)
        for _ in range(rng.randint(1, 4)):
            pos = min(len(data) - 1, base + rng.randint(0, 80))
            mutated[pos] = rng.randint(0, 255)
        out.append(bytes(mutated))
    return out


def test_corrupted_dense_structures_never_crash() -> None:
    for rel in (
        "benign/hdf5/keras_many_attributes_dense.h5",
        "benign/hdf5/attributes_3000_nested_heap.h5.gz",
        "malicious/hdf5/lambda_dense_huge_config.h5",
    ):
        for mutated in _corruptions(_load(rel), seed=len(rel), count=60):
            with contextlib.suppress(Hdf5Error, IndexError, ValueError):
                _attrs(mutated)
            result = scan_bytes(mutated, "mutated.h5")
            assert not any(f.rule == "internal-error" for f in result.findings)


def test_unreadable_dense_storage_is_an_error_not_safe(tmp_path: Path) -> None:
    data = bytearray(_load("benign/hdf5/keras_many_attributes_dense.h5"))
    heap = data.find(b"FRHP")
    data[heap : heap + 4] = b"XXXX"
    result = scan_bytes(bytes(data), "broken.h5")
    assert result.verdict is Verdict.ERROR
    assert any("dense storage could not be read" in f.message for f in result.findings)
