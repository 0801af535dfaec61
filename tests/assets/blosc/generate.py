"""Real Blosc1 chunks for tests/unit/models/test_blosc.py, written by PyTables' c-blosc.

Run from the repository root with PyTables installed (``pip install tables``):

    python tests/assets/blosc/generate.py

Each ``<name>.blosc`` is one raw chunk (still compressed, as stored in the HDF5
file) of a CArray holding ``expected_values(count)`` as little-endian int32;
``chunks.json`` records the parameters. Nothing here is needed at test time but
the written files.
"""

from __future__ import annotations

import json
import struct
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name: (complib, complevel, shuffle, bitshuffle, elements per chunk)
# (an odd element count makes a short last block; several blocks need a large chunk)
CASES = {
    "blosclz_shuffle": ("blosc:blosclz", 5, True, False, 300_001),  # split streams
    "blosclz_small": ("blosc:blosclz", 9, True, False, 20_000),  # one block
    "lz4_shuffle": ("blosc:lz4", 5, True, False, 300_001),
    "lz4hc_shuffle": ("blosc:lz4hc", 9, True, False, 300_001),
    "zlib_shuffle": ("blosc:zlib", 1, True, False, 300_001),
    "zstd_shuffle": ("blosc:zstd", 5, True, False, 300_001),
    "bitshuffle": ("blosc:lz4", 5, False, True, 20_000),  # one block
    "bitshuffle_blocks": ("blosc:lz4", 5, False, True, 300_001),  # short last block: not shuffled
    "bitshuffle_zstd": ("blosc:zstd", 5, False, True, 300_001),
    "snappy": ("blosc:snappy", 5, True, False, 20_000),  # not supported: must be an error
}


def expected_values(count: int) -> bytes:
    """Compressible but not trivial int32 data (the tests rebuild it to compare)."""
    return struct.pack(f"<{count}i", *((i // 3) % 1000 + (i % 7) * 100_000 for i in range(count)))


def main() -> None:
    import numpy as np
    import tables

    manifest = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (complib, level, shuffle, bitshuffle, count) in CASES.items():
            if complib.split(":")[1] not in tables.blosc_compressor_list():
                print(f"{name}: {complib} not in this c-blosc build, skipped", file=sys.stderr)
                continue
            data = np.frombuffer(expected_values(count), dtype="<i4")
            path = Path(tmp) / f"{name}.h5"
            filters = tables.Filters(
                complevel=level, complib=complib, shuffle=shuffle, bitshuffle=bitshuffle
            )
            with tables.open_file(path, "w") as h5:
                array = h5.create_carray("/", "x", obj=data, chunkshape=(count,), filters=filters)
                raw = bytes(array.read_chunk((0,)))
            if raw == expected_values(count):
                print(f"{name}: HDF5 stored the chunk unfiltered, skipped", file=sys.stderr)
                continue
            (HERE / f"{name}.blosc").write_bytes(raw)
            manifest[name] = {
                "complib": complib,
                "complevel": level,
                "shuffle": shuffle,
                "bitshuffle": bitshuffle,
                "count": count,
                "tables": tables.__version__,
                "blosc": tables.which_lib_version("blosc")[1],
            }
    (HERE / "chunks.json").write_text(json.dumps(manifest, indent=1) + "\n")
    write_object_rows()


class _Inert:
    """Pickles as ``os.system('true')`` (posix.system on Linux); never unpickled here."""

    def __reduce__(self) -> tuple[object, ...]:
        import os

        return (os.system, ("true",))


def write_object_rows() -> None:
    """PyTables VLArrays of pickled rows (ObjectAtom, what pandas writes for object
    columns) in bit-shuffled Blosc chunks: ``object_rows_bitshuffle.h5`` holds plain
    data, ``object_rows_bitshuffle_payload.h5`` a payload row."""
    import tables

    filters = tables.Filters(complevel=9, complib="blosc:lz4", shuffle=False, bitshuffle=True)
    rows: dict[str, list[object]] = {
        "object_rows_bitshuffle": [(1, "a"), {"k": [1.5, None]}, "text"],
        "object_rows_bitshuffle_payload": [(1, "a"), _Inert()],
    }
    for name, values in rows.items():
        with tables.open_file(HERE / f"{name}.h5", "w") as h5:
            array = h5.create_vlarray("/", "rows", tables.ObjectAtom(), filters=filters)
            for value in values:
                array.append(value)


if __name__ == "__main__":
    main()
