"""Format scanners on hand-made edge cases: headers, archives, bombs, links, caches."""

from __future__ import annotations

import io
import json
import pickle
import shutil
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from chainward.models import ScanOptions, scan, scan_bytes
from chainward.models.jinja import analyze_template
from chainward.models.onnx import escapes
from chainward.models.safetensors import check_header
from chainward.records import Verdict
from tests.conftest import asset

CORPUS = asset("models")
EVIL = b"cos\nsystem\n(S'true'\ntR."


def rules(data: bytes, options: ScanOptions | None = None) -> list[str]:
    return [f.rule for f in scan_bytes(data, "x", options).findings]


# ------------------------------------------------------------------ safetensors


def _st(header: dict[str, object], data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def test_safetensors_checks() -> None:
    ok = {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
    assert check_header(json.dumps(ok).encode(), 8) == []
    assert scan_bytes(_st(ok, bytes(8))).verdict is Verdict.SAFE
    overlap = {
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
    }
    assert any("overlaps" in p for p in check_header(json.dumps(overlap).encode(), 12))
    wrong_size = {"w": {"dtype": "F64", "shape": [2], "data_offsets": [0, 8]}}
    assert check_header(json.dumps(wrong_size).encode(), 8)
    out_of_range = {"w": {"dtype": "U8", "shape": [100], "data_offsets": [0, 100]}}
    assert check_header(json.dumps(out_of_range).encode(), 8)
    assert "safetensors-malformed" in rules(_st(ok, bytes(8) + EVIL))
    assert "safetensors-malformed" in rules(struct.pack("<Q", 6) + b'{"a": ')


def test_safetensors_metadata_is_data() -> None:
    header = {
        "__metadata__": {"code": "eval(__import__('os'))"},
        "w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
    }
    assert scan_bytes(_st(header, b"\x00")).verdict is Verdict.SAFE


# ------------------------------------------------------------------ gguf / jinja


def test_ordinary_templates_are_clean() -> None:
    template = (
        "{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('x') }}"
        "{% endif %}{{ m.content | tojson }}{% endfor %}{% set ns = namespace(a=1) %}"
        "{{ strftime_now('%Y') }}"
    )
    assert analyze_template(template) == []
    generation = "{% for m in messages %}{% generation %}{{ m.content }}{% endgeneration %}"
    assert analyze_template(generation + "{% endfor %}") == []


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('true') }}",
        "{{ self._TemplateReference__context }}",
        "{{ x|attr('__cla' ~ 'ss__') }}",
        "{{ x|attr(name) }}",
        "{{ '{0.__class__}'.format(x) }}",
        "{{ x['__globals__'] }}",
        # dunder keys spelled in pieces (found in this project's review, 2026-11-27)
        "{{ ''['__cla' + 'ss__'] }}",
        "{{ ''['__cla' ~ 'ss__'] }}",
        "{% set k = '__glo' ~ 'bals__' %}{{ f[k] }}",
        "{{ ''[['_', '_', 'class', '_', '_']|join] }}",
        "{{ x['%c%c' % (95, 95) ~ 'init' ~ '%c%c' % (95, 95)] }}",
        # inside transformers' {% generation %} block, which plain Jinja2 cannot parse
        "{% generation %}{{ cycler.__init__.__globals__.os.popen('true') }}{% endgeneration %}",
        # syntax another runtime may accept but Jinja2 refuses: the text is still checked
        "{% raw_block %}{{ x.__class__.__mro__ }}",
    ],
)
def test_escape_shapes(template: str) -> None:
    assert any(i.severity >= 3 for i in analyze_template(template))


def test_gguf_bounds() -> None:
    # claims a 2**40-byte key string: rejected before any allocation
    data = b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1 << 40) + b"k"
    assert "gguf-malformed" in rules(data)
    data = b"GGUF" + struct.pack("<IQQ", 3, 0, 10**12)
    assert "gguf-malformed" in rules(data)


def test_gguf_corpus_template() -> None:
    result = scan(CORPUS / "malicious/gguf/ssti_template.gguf")
    assert any(f.rule == "template-dunder-access" for f in result.findings)


# ------------------------------------------------------------------ onnx


def test_onnx_escape_rules(tmp_path: Path) -> None:
    assert escapes("/etc/passwd", tmp_path)
    assert escapes("C:/Windows/x", tmp_path)
    assert escapes("../x.bin", tmp_path)
    assert escapes("a/../../x.bin", tmp_path)
    assert escapes("w\x00.bin", tmp_path) == "contains a NUL byte"  # was a ValueError
    assert escapes("weights.bin", tmp_path) is None
    assert escapes("sub/../weights.bin", tmp_path) is None
    outside = tmp_path.parent / "outside.bin"
    (tmp_path / "link.bin").symlink_to(outside)
    assert escapes("link.bin", tmp_path)


def test_onnx_external_relative_is_fine() -> None:
    result = scan(CORPUS / "benign/onnx/external")
    assert result.verdict is Verdict.SAFE
    assert [f.format for f in result.files] == ["onnx"]


# ------------------------------------------------------------------ archives


def _zip(members: dict[str, bytes], **kwargs: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", **kwargs) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_zip_traversal_and_symlink_members() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../../etc/cron.d/x", b"x")
        link = zipfile.ZipInfo("link")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
    found = rules(buf.getvalue())
    assert "archive-path-traversal" in found
    assert "archive-symlink" in found


def test_tar_links_and_traversal() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("../evil.pkl")
        info.size = len(EVIL)
        tar.addfile(info, io.BytesIO(EVIL))
        sym = tarfile.TarInfo("weights")
        sym.type = tarfile.SYMTYPE
        sym.linkname = "/etc/shadow"
        tar.addfile(sym)
    found = rules(buf.getvalue())
    assert {"archive-path-traversal", "archive-symlink", "pickle-dangerous-call"} <= set(found)


def test_zip_bomb_is_a_finding() -> None:
    data = _zip({"big.pkl": b"(" + b"K\x01" * 4_000_000}, compression=zipfile.ZIP_DEFLATED)
    options = ScanOptions(max_member_bytes=1 << 20)
    result = scan_bytes(data, "bomb.zip", options)
    assert "decompression-bomb" in [f.rule for f in result.findings]


def test_gzip_bomb_is_a_finding() -> None:
    import gzip

    data = gzip.compress(b"\x00" * (4 << 20))
    assert "decompression-bomb" in rules(data, ScanOptions(max_member_bytes=1 << 20))


def test_nesting_depth() -> None:
    data = EVIL
    for i in range(10):
        data = _zip({f"level{i}.zip": data})
    found = rules(data, ScanOptions(max_depth=4))
    assert "nesting-too-deep" in found


def test_hdf5_behind_a_large_user_block() -> None:
    # the HDF5 library looks for its signature at every power of two up to the end of
    # the file; the sniffer stopped at 1 MB
    lambda_h5 = (CORPUS / "malicious/keras/lambda.h5").read_bytes()
    result = scan_bytes(bytes(2 << 20) + lambda_h5, "model.h5")
    assert result.format == "hdf5"
    assert result.verdict is Verdict.UNSAFE


def test_pickle_in_an_hdf5_user_block_is_scanned_too() -> None:
    # one file, two loaders: h5py skips the user block, pickle.load (or a legacy
    # torch.load) runs it from byte 0
    dense = (CORPUS / "benign/keras/dense.h5").read_bytes()
    polyglot = EVIL.ljust(512, b"\x00") + dense
    rules = [f.rule for f in scan_bytes(polyglot, "model.pt").findings]
    assert {"hdf5-pickle-polyglot", "pickle-dangerous-call"} <= set(rules)
    text_block = b"written by our exporter\n".ljust(512, b" ") + dense
    assert scan_bytes(text_block, "model.h5").verdict is Verdict.SAFE


def test_zip_appended_to_a_pickle_is_scanned_too() -> None:
    # pickle.load stops at STOP; keras.saving.load_model (zipfile) finds the archive
    # from the end of the file: a benign pickle in front hid a Lambda layer
    keras_model = (CORPUS / "malicious/keras/lambda.keras").read_bytes()
    for front in (pickle.dumps([1], protocol=4), b"(lp0\nI1\na."):
        rules = [f.rule for f in scan_bytes(front + keras_model, "model.keras").findings]
        assert {"appended-zip-polyglot", "keras-lambda-bytecode"} <= set(rules)
    for front_file in ("benign/keras/dense.h5", "benign/torch/state_dict_legacy.pt"):
        front = (CORPUS / front_file).read_bytes()
        rules = [f.rule for f in scan_bytes(front + keras_model, "model.keras").findings]
        assert {"appended-zip-polyglot", "keras-lambda-bytecode"} <= set(rules), front_file
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("notes.txt", "x")
    inside = pickle.dumps({"blob": archive.getvalue()}, protocol=4)  # a zip in a byte string
    assert not scan_bytes(inside, "state.pkl").findings


def test_legacy_tar_checkpoint() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (("sys_info", pickle.dumps({}, 2)), ("pickle", EVIL)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    result = scan_bytes(buf.getvalue())
    assert result.format == "pytorch"
    assert result.verdict is Verdict.UNSAFE


def _with_storage(data: bytes) -> bytes:
    """The real benign ``state_dict.pt`` with tensor storage ``data/1`` replaced."""
    source = zipfile.ZipFile(CORPUS / "benign/torch/state_dict.pt")
    members = {
        info.filename: data if info.filename.endswith("/data/1") else source.read(info)
        for info in source.infolist()
    }
    return _zip(members)


@pytest.mark.parametrize(
    "storage",
    [
        b"\x80\x02X\xff\xff\xff\x7f" + bytes(range(256)) * 4,  # PROTO 2, BINUNICODE 2 GB
        b"\x80\x04\x82\x9c\x7f\x8e" + b"\x00" * 64,  # PROTO 4, EXT1: a "computed global"
        b"\x80\x03]q\x00(K\x01" + b"\xff" * 64,  # opcodes, then float bytes
    ],
)
def test_tensor_bytes_that_start_like_a_pickle_are_data(storage: bytes) -> None:
    # 20,000 random float32 storages: about one starts with PROTO; torch reads them raw
    result = scan_bytes(_with_storage(storage), "state_dict.pt")
    assert result.verdict is Verdict.SAFE, [f.message for f in result.findings]


def test_whole_pickle_hidden_in_a_tensor_storage_is_still_reported() -> None:
    result = scan_bytes(_with_storage(EVIL), "state_dict.pt")
    assert result.verdict is Verdict.UNSAFE


# ------------------------------------------------------------------ directories


def test_hugging_face_cache_links(tmp_path: Path) -> None:
    repo = tmp_path / "hub" / "models--org--name"
    blobs = repo / "blobs"
    snap = repo / "snapshots" / "abc123"
    blobs.mkdir(parents=True)
    snap.mkdir(parents=True)
    shutil.copy(CORPUS / "malicious/torch/subprocess_run.pt", blobs / "sha1")
    shutil.copy(CORPUS / "benign/safetensors/model.safetensors", blobs / "sha2")
    (snap / "pytorch_model.bin").symlink_to(Path("../../blobs/sha1"))
    (snap / "model.safetensors").symlink_to(Path("../../blobs/sha2"))
    (snap / "config.json").write_text("{}")
    result = scan(snap)
    verdicts = {Path(f.path).name: f.verdict for f in result.files}
    assert verdicts == {"model.safetensors": Verdict.SAFE, "pytorch_model.bin": Verdict.UNSAFE}
    assert len(result.skipped) == 1


def test_links_leaving_the_tree_are_reported(tmp_path: Path) -> None:
    outside = tmp_path / "outside.pkl"
    outside.write_bytes(EVIL)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "model.pkl").symlink_to(outside)
    (tree / "loop").symlink_to(tree)
    result = scan(tree)
    assert [f.findings[0].rule for f in result.files] == ["symlink-outside"]
    result = scan(tree, ScanOptions(follow_symlinks=True))
    assert result.verdict is Verdict.UNSAFE


# ------------------------------------------------------------------ protobuf formats


def _ld(field: int, payload: bytes) -> bytes:
    out = bytes([field << 3 | 2])
    n = len(payload)
    while True:
        byte = n & 0x7F
        n >>= 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out + payload


def test_keras_metadata_beside_a_saved_model(tmp_path: Path) -> None:
    shutil.copy(CORPUS / "benign/tf/saved_model/saved_model.pb", tmp_path / "saved_model.pb")
    layer = {
        "class_name": "Lambda",
        "config": {"name": "l", "function": ["4wEA", None, None], "function_type": "lambda"},
    }
    # SavedObject: node_id = 2, identifier = 4, metadata = 5 (keras saved_metadata.proto)
    saved_object = b"\x10\x01" + _ld(4, b"_tf_keras_layer") + _ld(5, json.dumps(layer).encode())
    (tmp_path / "keras_metadata.pb").write_bytes(_ld(1, saved_object))
    result = scan(tmp_path)
    assert result.verdict is Verdict.UNSAFE
    assert any(f.rule == "keras-lambda-bytecode" for f in result.findings)


def test_onnx_custom_domain_is_review() -> None:
    node = _ld(1, b"x") + _ld(2, b"y") + _ld(4, b"MyOp") + _ld(7, b"com.example")
    graph = _ld(1, node) + _ld(2, b"g")
    model = b"\x08\x08" + _ld(2, b"producer") + _ld(7, graph) + _ld(8, b"\x08\x11")
    result = scan_bytes(model, "m.onnx")
    assert result.format == "onnx"
    assert result.verdict is Verdict.SUSPICIOUS
    assert [f.rule for f in result.findings] == ["onnx-custom-op"]


def test_a_group_field_does_not_hide_what_follows() -> None:
    # protobuf keeps an unknown group (wire types 3/4) and reads on, so onnx.load still
    # reaches the external-data tensor after it; our reader used to stop there
    group = b"\x9b\x06" + b"\x08\x05" + b"\x9c\x06"  # field 99: start, a varint, end
    tensor = _ld(8, b"t") + _ld(13, _ld(1, b"location") + _ld(2, b"/etc/passwd")) + b"\x70\x01"
    graph = _ld(5, tensor) + _ld(2, b"g")
    unknown = b"\x98\x06\x05"  # field 99, a varint: unknown to ONNX, kept by protobuf
    for extra in (group, unknown, group + unknown):
        model = b"\x08\x08" + extra + _ld(7, graph) + _ld(8, b"\x08\x11")
        result = scan_bytes(model, "m.bin")
        assert result.format == "onnx"
        assert result.verdict is Verdict.UNSAFE, [f.message for f in result.findings]


def test_an_unknown_field_does_not_hide_a_saved_model() -> None:
    data = (CORPUS / "malicious/tf/read_file/saved_model.pb").read_bytes()
    for variant in (b"\x98\x06\x05" + data, data + b"\x98\x06\x05"):
        result = scan_bytes(variant, "saved_model.pb")
        assert result.format == "tf-savedmodel"
        assert result.verdict is Verdict.UNSAFE


def test_random_weights_that_start_like_a_graph_field_are_not_review() -> None:
    # 0x3a is field 7 (graph), length-delimited: 1 in ~2,500 raw weight blobs starts so
    blob = b"\x3a\xbe\x7b\x07\x78\xb1\xea\xdf\x5a\xb0\x54\x91" + bytes(range(256)) * 64
    result = scan_bytes(blob, "variables.data-00000-of-00001")
    assert result.format == "onnx"
    assert result.verdict is Verdict.SAFE, [f.message for f in result.findings]
    malformed = b"\x08\x08" + blob  # with an ir_version first it stays worth a review
    assert scan_bytes(malformed, "m.onnx").verdict is Verdict.SUSPICIOUS


TEXT_SAVED_MODEL = b"""# written by hand: TensorFlow loads saved_model.pbtxt when there is no .pb
saved_model_schema_version: 1
meta_graphs {
  meta_info_def { tags: "serve" }
  graph_def {
    node { name: "path" op: "Const" }
    node { name: "read" op: %s input: "path" }
  }
}
"""


@pytest.mark.parametrize("spelling", [b'"ReadFile"', b"'ReadFile'", b"\"Re\\141d\" 'File'"])
def test_text_saved_model(tmp_path: Path, spelling: bytes) -> None:
    text = TEXT_SAVED_MODEL % spelling
    result = scan_bytes(text, "saved_model.pbtxt")
    assert result.format == "tf-savedmodel"
    assert [f.rule for f in result.findings] == ["tf-dangerous-op"]
    (tmp_path / "saved_model.pbtxt").write_bytes(text)
    (tmp_path / "variables").mkdir()
    folder = scan(tmp_path)
    assert [(f.format, f.verdict) for f in folder.files] == [("tf-savedmodel", Verdict.UNSAFE)]
    checkpoint = TEXT_SAVED_MODEL % b'"SaveV2"'
    assert scan_bytes(checkpoint, "saved_model.pbtxt").verdict is Verdict.SAFE


@pytest.mark.parametrize(
    "spelling",
    [
        b'"Const" # was op: "ReadFile"',  # a comment is not a field
        b'"Const" attr { key: "note" value { s: "op: \'ReadFile\'" } }',  # nor a string
        b"\"Const\" attr { value { s: \"op: 'Const' op: 'ReadFile'\" } }",
    ],
)
def test_text_saved_model_ops_in_comments_or_strings_are_not_ops(spelling: bytes) -> None:
    assert scan_bytes(TEXT_SAVED_MODEL % spelling, "saved_model.pbtxt").verdict is Verdict.SAFE


def test_text_saved_model_op_pieces_around_a_comment() -> None:
    text = TEXT_SAVED_MODEL % b"\"Read\" # it's split\n 'File'"
    assert scan_bytes(text, "saved_model.pbtxt").verdict is Verdict.UNSAFE


def test_frozen_graphdef() -> None:
    node = _ld(1, b"read") + _ld(2, b"ReadFile")
    result = scan_bytes(_ld(1, node) + _ld(1, _ld(1, b"c") + _ld(2, b"Const")), "frozen.pb")
    assert result.format == "tf-graphdef"
    assert result.verdict is Verdict.UNSAFE
