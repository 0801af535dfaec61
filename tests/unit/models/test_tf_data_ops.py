"""tf.data ops in a SavedModel graph that write or read any path, or reach a tf.data
service over the network (red team 2026-11-27): none is in a saver or serving graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.models import scan
from chainward.records import Verdict


def _varint(n: int) -> bytes:
    out = b""
    while n > 0x7F:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n])


def _field(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _saved_model(ops: list[str]) -> bytes:
    graph = b"".join(
        _field(1, _field(1, f"n{i}".encode()) + _field(2, op.encode()))
        for i, op in enumerate(["Placeholder", "Const", "SaveV2", "RestoreV2", *ops])
    )
    return b"\x08\x01" + _field(2, _field(1, _field(4, b"serve")) + _field(2, graph))


@pytest.mark.parametrize(
    "op",
    [
        "DatasetToTFRecord",
        "SaveDatasetV2",
        "DistributedSave",
        "SnapshotDatasetV2",
        "LoadDataset",
        "CSVDatasetV2",
        "SqlDataset",
        "LMDBDataset",
        "TFRecordReaderV2",
        "FixedLengthRecordReaderV2",
        "DataServiceDatasetV4",
        "RegisterDatasetV2",
    ],
)
def test_file_and_network_dataset_ops_are_unsafe(tmp_path: Path, op: str) -> None:
    (tmp_path / "saved_model.pb").write_bytes(_saved_model(["TensorSliceDataset", op]))
    assert scan(tmp_path).files[0].verdict is Verdict.UNSAFE


def test_a_plain_dataset_pipeline_is_safe(tmp_path: Path) -> None:
    ops = ["TensorSliceDataset", "MapDataset", "BatchDatasetV2", "PrefetchDataset"]
    (tmp_path / "saved_model.pb").write_bytes(_saved_model(ops))
    assert scan(tmp_path).files[0].verdict is Verdict.SAFE
