"""Pickles inside HDF5: what PyTables (pandas ``HDFStore``) unpickles when it reads a node.

The files are made by pandas/PyTables and h5py (``generate.py pandas_hdfstore``):
pickled string attributes (``non_index_axes``, ``info``, ``freq``, user metadata)
and object columns stored as ``VLArray`` rows, plain, gzip-wrapped and in
shuffle+deflate chunks. Nothing is ever unpickled.
"""

from __future__ import annotations

import gzip
import io
import random

from chainward.models import scan, scan_bytes
from chainward.models.hdf5 import find_pickles
from chainward.records import Verdict
from tests.conftest import asset

CORPUS = asset("models")


def _read(rel: str) -> bytes:
    data = (CORPUS / rel).read_bytes()
    return gzip.decompress(data) if rel.endswith(".gz") else data


def test_walks_every_group_of_a_real_store() -> None:
    data = _read("benign/pandas_hdf/hdfstore_fixed_table.h5.gz")
    found = find_pickles(io.BytesIO(data), len(data))
    assert found.problems == []
    places = {where for where, _ in found.items}
    # table format: pickled attributes on the group and on the table
    assert "/table_df attribute 'non_index_axes'" in places
    assert "/table_df attribute 'metadata'" in places
    assert "/multi attribute 'levels'" in places
    assert "/table_df/table attribute 'a_kind'" in places
    # fixed format: the index's freq attribute and the object column's VLArray rows
    assert "/fixed_df/axis1 attribute 'freq'" in places
    assert "/fixed_df/block1_values row 0" in places
    rows = dict(found.items)
    assert rows["/fixed_df/block1_values row 0"].startswith(b"\x80\x05")
    assert rows["/fixed_df/axis1 attribute 'freq'"].startswith(b"cpandas._libs.tslibs.offsets")


def test_shuffle_and_deflate_chunks_are_undone() -> None:
    data = _read("benign/pandas_hdf/hdfstore_compressed.h5")
    found = find_pickles(io.BytesIO(data), len(data))
    assert found.problems == []
    rows = [blob for where, blob in found.items if " row " in where]
    assert len(rows) == 2 and all(row.startswith(b"\x80\x05") for row in rows)


def test_real_stores_are_safe_and_payloads_unsafe() -> None:
    benign = scan(CORPUS / "benign" / "pandas_hdf")
    assert [f.verdict for f in benign.files] == [Verdict.SAFE] * 7
    malicious = scan(CORPUS / "malicious" / "pandas_hdf")
    assert len(malicious.files) == 11
    for file in malicious.files:
        assert file.verdict is Verdict.UNSAFE, file.path
        assert any("posix.system" in f.message and "HDF5" in f.message for f in file.findings)


def test_nested_h5py_group_names_the_attribute() -> None:
    result = scan(CORPUS / "malicious" / "pandas_hdf" / "h5py_latest_nested_group.h5")
    messages = [f.message for f in result.files[0].findings]
    assert any("/a/b/c attribute 'meta'" in m for m in messages), messages


def test_unknown_chunk_filter_is_not_fully_analysed() -> None:
    # the same object column, its deflate filter renamed to LZF (id 32000): the rows
    # cannot be read, so the file is reported as not fully analysed, never safe
    data = _read("malicious/pandas_hdf/object_column_zlib.h5")
    deflate = b"\x01\x00\x08\x00\x01\x00\x01\x00deflate\x00"
    assert deflate in data
    patched = data.replace(deflate, b"\x00\x7d" + deflate[2:])
    result = scan_bytes(patched, "lzf.h5")
    assert result.verdict is Verdict.ERROR, [f.message for f in result.findings]
    assert any("32000" in f.message for f in result.findings)


def test_mutated_and_truncated_stores_never_crash() -> None:
    data = _read("malicious/pandas_hdf/object_column_zlib.h5")
    rng = random.Random(4)
    samples = [data[: rng.randrange(64, len(data))] for _ in range(20)]
    for _ in range(120):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        samples.append(bytes(mutated))
    for sample in samples:
        result = scan_bytes(sample, "fuzz.h5")
        assert not any(f.rule == "internal-error" for f in result.findings)


def test_only_pytables_object_arrays_are_read_as_pickles() -> None:
    # without PSEUDOATOM "object" PyTables returns the rows as uint8 arrays and unpickles
    # nothing; such datasets (encoded images, raw bytes) are data and are not read
    data = _read("malicious/pandas_hdf/object_column.h5.gz")
    assert data.count(b"PSEUDOATOM") == 1
    renamed = data.replace(b"PSEUDOATOM", b"PSEUDOATOX")
    found = find_pickles(io.BytesIO(renamed), len(renamed))
    assert not [where for where, _ in found.items if " row " in where]
    assert scan_bytes(renamed, "rows.h5").verdict is Verdict.SAFE
    assert scan_bytes(data, "rows.h5").verdict is Verdict.UNSAFE
