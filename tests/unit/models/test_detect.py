from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import pickle
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from chainward.models.detect import detect_bytes, detect_format
from tests.conftest import asset

CORPUS = asset("models")


@pytest.mark.parametrize(
    ("rel", "fmt"),
    [
        ("benign/torch/state_dict.pt", "pytorch"),
        ("benign/torch/state_dict_legacy.pt", "pytorch"),
        ("benign/torch/torchscript.pt", "pytorch"),
        ("benign/torch/renamed_weights.bin", "pytorch"),
        ("benign/numpy/array.npy", "numpy"),
        ("benign/numpy/arrays.npz", "npz"),
        ("benign/sklearn/forest.joblib", "joblib"),
        ("benign/sklearn/forest.joblib.gzip", "joblib"),
        ("benign/sklearn/forest.joblib.xz", "joblib"),
        ("benign/sklearn/forest.joblib.lzma", "joblib"),
        ("benign/sklearn/forest.joblib.zlib", "joblib"),
        ("benign/sklearn/forest.joblib.bz2", "joblib"),
        ("benign/sklearn/logreg.pkl", "pickle"),
        ("benign/keras/dense.keras", "keras"),
        ("benign/keras/dense.h5", "hdf5"),
        ("benign/onnx/model.onnx", "onnx"),
        ("benign/gguf/chatml.gguf", "gguf"),
        ("benign/safetensors/model.safetensors", "safetensors"),
        ("benign/tf/saved_model/saved_model.pb", "tf-savedmodel"),
        ("benign/tf/saved_model", "tf-savedmodel"),
        ("malicious/torch/model.safetensors", "pytorch"),
        ("malicious/pickle/renamed_payload.txt", "pickle"),
        ("malicious/archive/model.tar", "tar"),
        ("malicious/archive/payload.pkl.gz", "gzip"),
        ("malicious/archive/payload.7z", "7z"),
    ],
)
def test_corpus_formats(rel: str, fmt: str) -> None:
    assert detect_format(CORPUS / rel) == fmt


@pytest.mark.parametrize("proto", range(6))
def test_every_protocol(proto: int) -> None:
    assert detect_bytes(pickle.dumps({"a": [1, (2, 3)], "b": "x"}, protocol=proto)) == "pickle"


def test_wrappers() -> None:
    data = pickle.dumps([1, 2])
    assert detect_bytes(gzip.compress(data)) == "gzip"
    assert detect_bytes(bz2.compress(data)) == "bz2"
    assert detect_bytes(lzma.compress(data)) == "xz"
    assert detect_bytes(zlib.compress(data)) == "zlib"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("x")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"a"))
    assert detect_bytes(buf.getvalue()) == "tar"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hi")
    assert detect_bytes(buf.getvalue()) == "zip"


def test_zip_with_prefix_is_still_found() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps(1, 2))
    assert detect_bytes(b"\x00" * 300 + buf.getvalue()) == "pytorch"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"import os\nprint('hello')\n",
        b"Version 1.0\nSome text\n",
        b"Generic single-database configuration.",
        json.dumps({"a": 1}).encode(),
        b"%PDF-1.4\n" + bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n" + bytes(100),
        b"\x7fELF" + bytes(200),
        b"# comment\n(a, b)\n",
    ],
)
def test_non_models(data: bytes) -> None:
    assert detect_bytes(data) is None


def test_safetensors_needs_a_consistent_length() -> None:
    header = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    good = struct.pack("<Q", len(header)) + header + bytes(4)
    assert detect_bytes(good) == "safetensors"
    assert detect_bytes(struct.pack("<Q", 10**9) + header) is None


def test_unreadable_paths(tmp_path: Path) -> None:
    assert detect_format(tmp_path / "missing") is None
    assert detect_format(tmp_path) is None


# a pickle whose first literal is longer than the sniffed head (pickle.dumps((blob, obj))
# writes PROTO + BINBYTES outside any frame; protocol 0 writes the text on one line) was
# not recognised as a pickle, so its payload was skipped as a non-model file
@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("first", ["x" * 100_000, b"x" * 100_000], ids=["str", "bytes"])
def test_pickle_starting_with_a_long_literal(protocol: int, first: object) -> None:
    import os
    import pickle

    from chainward.models import scan_bytes
    from chainward.records import Verdict

    class Inert:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, ("true",))

    data = pickle.dumps((first, Inert()), protocol=protocol)
    result = scan_bytes(data, "blob")
    assert result.format == "pickle"
    assert result.verdict is Verdict.UNSAFE


@pytest.mark.parametrize(
    "data",
    [
        b"\x80\x04B" + b"\xff" * 8192,  # a length op cut by the head, then junk: still a pickle
        b"(V" + b"x" * 9000,
    ],
    ids=["binbytes", "text"],
)
def test_long_literal_prefix_is_sniffed_as_pickle(data: bytes) -> None:
    from chainward.models.detect import detect_stream

    assert detect_stream(io.BytesIO(data), data[:8192], len(data)) == "pickle"


@pytest.mark.parametrize(
    "data",
    [b"V" + b"x" * 9000, b"(Vshort", b"B" + b"\xff" * 9000, b"hello world " * 1000],
    ids=["bare-text", "short", "bare-binbytes", "prose"],
)
def test_text_without_a_pickle_start_is_not_a_pickle(data: bytes) -> None:
    from chainward.models.detect import detect_stream

    assert detect_stream(io.BytesIO(data), data[:8192], len(data)) != "pickle"


def test_the_zip_end_magic_is_the_zip_readers() -> None:
    from chainward.models import detect, zipread

    assert detect.ZIP_END_MAGIC == zipread.EOCD_SIG


# red team 2026-11-27: the sniffer must not skip a text pickle whose head is cut oddly


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_legacy_torch_magic_with_any_pickle_protocol(protocol: int) -> None:
    # torch.save(..., pickle_protocol=N, _use_new_zipfile_serialization=False)
    data = b"".join(pickle.dumps(v, protocol) for v in (0x1950A86A20F9469CFC6C, 1001, {}))
    assert detect_bytes(data) == "pytorch"


def test_framed_long_that_is_not_the_magic_is_a_plain_pickle() -> None:
    assert detect_bytes(pickle.dumps(0x1950A86A20F9469CFC6D, 4)) == "pickle"


@pytest.mark.parametrize("pad", range(0, 48, 3))
def test_protocol0_head_cut_inside_any_line(pad: int) -> None:
    # floats, memo PUTs and GETs: wherever byte 8192 falls, the head is a pickle's
    shared = [1.5]
    obj = ["x" * pad, *(float(i) / 7 for i in range(600)), *(shared for _ in range(100))]
    assert detect_bytes(pickle.dumps(obj, protocol=0)) == "pickle"


@pytest.mark.parametrize(
    "data",
    [
        b"L" + b"9" * 100 + b"L\n0N.",  # a Python 2 long with 100 digits
        b"I" + b"1" * 200 + b"\n.",
        b"F" + b" " * 9000 + b"1\n.",  # float() strips blanks, however many
        b"Np" + b" " * 9000 + b"1\n.",
    ],
    ids=["long", "int", "padded-float", "padded-put"],
)
def test_long_number_lines_are_pickle(data: bytes) -> None:
    assert detect_bytes(data) == "pickle"


@pytest.mark.parametrize(
    "data", [b"Ixyz" + b"a" * 100 + b"\n.", b"F" + b"x" * 9000], ids=["word", "letters"]
)
def test_long_non_number_lines_are_not_pickle(data: bytes) -> None:
    assert detect_bytes(data) != "pickle"


@pytest.mark.parametrize(
    "data",
    [
        b"V" + b"x" * 9000 + b"\n0cposix\nsystem\n(Vtrue\ntR.",
        b"S'" + b"x" * 20_000 + b"'\np0\n0N.",
        b"V" + b"x" * (3 << 20) + b"\n0N.",  # the line ends megabytes later
    ],
    ids=["unicode", "string", "megabytes"],
)
def test_a_first_line_longer_than_the_head_is_read_to_its_end(data: bytes) -> None:
    # the unpickler reads a line of any length, then the opcodes after it run
    assert detect_bytes(data) == "pickle"


@pytest.mark.parametrize(
    "data",
    [b"V" + b"x" * 9000 + b"\nand then more prose\n", b"Sx" + b"y" * 9000 + b"\n0N."],
    ids=["prose-after", "unquoted-string"],
)
def test_a_long_first_line_followed_by_text_is_not_a_pickle(data: bytes) -> None:
    assert detect_bytes(data) != "pickle"
