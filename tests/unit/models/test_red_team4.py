"""Fourth red-team pass (TensorFlow protobufs): GraphDefs in any field order, tf.print to a
file, tf.data ops that hide a graph or list files, and keras_metadata.pb's layer JSON.

The corpus samples are in tests/assets/models/{benign,malicious}/redteam4 (generate.py
red_team4_*); these build the same shapes by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from chainward.models import ScanOptions, scan, scan_bytes
from chainward.models.detect import detect_bytes
from chainward.records import Verdict


def _varint(n: int) -> bytes:
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def _pb(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _node(name: str, op: str, *attrs: tuple[str, bytes]) -> bytes:
    entries = b"".join(_pb(5, _pb(1, k.encode()) + _pb(2, v)) for k, v in attrs)
    return _pb(1, name.encode()) + _pb(2, op.encode()) + entries


def _saved_model(*nodes: bytes) -> bytes:
    graph = _pb(1, _node("save", "SaveV2")) + b"".join(_pb(1, node) for node in nodes)
    return b"\x08\x01" + _pb(2, _pb(1, _pb(4, b"serve")) + _pb(2, graph))


VERSIONS = _pb(4, b"\x08\x8d\x08\x10\x0c")
READ = _node("read", "ReadFile")


def _rules(data: bytes, name: str = "saved_model.pb") -> tuple[Verdict, list[str]]:
    result = scan_bytes(data, name)
    return result.verdict, [f.message for f in result.findings]


def test_graph_def_fields_in_any_order_are_sniffed() -> None:
    op_first = _pb(1, _pb(2, b"ReadFile") + _pb(1, b"read"))
    library = _pb(2, _pb(1, _pb(1, _pb(1, b"fn")) + _pb(3, READ)))
    for data in (VERSIONS + _pb(1, READ), op_first + VERSIONS, library + _pb(1, READ)):
        assert detect_bytes(data) == "tf-graphdef"
        assert scan_bytes(data, "frozen.pb").verdict is Verdict.UNSAFE


def test_protobufs_that_are_not_graphs_stay_unsniffed() -> None:
    # a first "node" whose fields are varints, and a library entry that is a varint
    assert detect_bytes(VERSIONS + _pb(1, b"\x10\x01\x18\x02")) is None
    assert detect_bytes(_pb(2, b"\x08\x01") + VERSIONS) is None


def test_print_to_a_file_is_unsafe_and_to_stderr_is_not() -> None:
    to_file = _node("p", "PrintV2", ("output_stream", _pb(2, b"file:///home/u/.bashrc")))
    verdict, messages = _rules(_saved_model(to_file))
    assert verdict is Verdict.UNSAFE
    assert any("appends to any file" in m for m in messages)
    to_stderr = _node("p", "PrintV2", ("output_stream", _pb(2, b"stderr")))
    assert _rules(_saved_model(to_stderr))[0] is Verdict.SAFE
    # the same attr on another op is nothing
    other = _node("w", "StringFormat", ("output_stream", _pb(2, b"file:///x")))
    assert _rules(_saved_model(other))[0] is Verdict.SAFE
    # a PrintV2 in a library function (FunctionDef.node_def = 3) of a frozen graph
    library = _pb(2, _pb(1, _pb(1, _pb(1, b"fn")) + _pb(3, to_file)))
    assert _rules(_pb(1, _node("c", "StatefulPartitionedCall")) + library, "g.pb")[0] is (
        Verdict.UNSAFE
    )


def test_print_to_a_file_in_text_format() -> None:
    text = (
        b'saved_model_schema_version: 1\nmeta_graphs { graph_def { node { name: "p" '
        b'op: "PrintV2" attr { key: "output_stream" value { s: "fi" "le:///tmp/x" } } } } }\n'
    )
    assert _rules(text, "saved_model.pbtxt")[0] is Verdict.UNSAFE
    assert _rules(text.replace(b'"fi" "le:', b'"std" "err'), "saved_model.pbtxt")[0] is (
        Verdict.SAFE
    )


def test_tf_data_ops_that_hide_a_graph_or_list_files() -> None:
    tensor = b"\x08\x07" + _pb(8, _pb(1, READ))  # a GraphDef in a string Const
    hidden = _saved_model(
        _node("g", "Const", ("value", _pb(8, tensor))), _node("d", "DatasetFromGraph")
    )
    assert _rules(hidden)[0] is Verdict.UNSAFE
    assert _rules(_saved_model(_node("f", "MatchingFilesDataset")))[0] is Verdict.UNSAFE


def _keras_metadata(*layers: dict[str, object]) -> bytes:
    return b"".join(
        _pb(1, b"\x10\x01" + _pb(4, b"_tf_keras_layer") + _pb(5, json.dumps(layer).encode()))
        for layer in layers
    )


LAMBDA = {
    "class_name": "Lambda",
    "config": {"name": "l", "function": ["4wEA", None, None], "function_type": "lambda"},
}
DENSE = {"class_name": "Dense", "config": {"name": "dense", "units": 2}}


def _folder(tmp_path: Path, metadata: bytes) -> Path:
    (tmp_path / "saved_model.pb").write_bytes(_saved_model())
    (tmp_path / "keras_metadata.pb").write_bytes(metadata)
    return tmp_path


def test_keras_metadata_json_is_field_5(tmp_path: Path) -> None:
    assert scan(_folder(tmp_path, _keras_metadata(DENSE, LAMBDA))).verdict is Verdict.UNSAFE
    assert scan(_folder(tmp_path, _keras_metadata(DENSE))).verdict is Verdict.SAFE
    assert scan(_folder(tmp_path, b"")).verdict is Verdict.SAFE


def test_keras_metadata_past_the_header_limit_is_still_read(tmp_path: Path) -> None:
    padding = {"class_name": "Dense", "config": {"name": "x" * 5000}}
    folder = _folder(tmp_path, _keras_metadata(padding, LAMBDA))
    result = scan(folder, ScanOptions(max_header_bytes=4096))
    assert result.verdict is Verdict.UNSAFE
    rules = {f.rule for f in result.findings}
    assert rules == {"keras-lambda-bytecode", "keras-config-too-large"}


def test_malformed_keras_metadata_is_reported(tmp_path: Path) -> None:
    result = scan(_folder(tmp_path, _keras_metadata(DENSE)[:-3]))
    assert result.verdict is Verdict.SUSPICIOUS
    assert {f.rule for f in result.findings} == {"tf-malformed"}


def _onnx_external(location: bytes) -> bytes:
    """TensorProto{dims 2, FLOAT, name, external_data [location], data_location EXTERNAL}."""
    entry = _pb(13, _pb(1, b"location") + _pb(2, location))
    return b"\x08\x02\x10\x01" + _pb(8, b"v") + entry + b"\x70\x01"


def _onnx_model(graph: bytes, *functions: bytes) -> bytes:
    graph += _pb(2, b"g")
    extra = b"".join(_pb(25, f) for f in functions)
    return b"\x08\x08" + _pb(2, b"pytorch") + _pb(7, graph) + _pb(8, b"\x08\x11") + extra


def test_onnx_sparse_attribute_external_data() -> None:
    sparse = _pb(1, _onnx_external(b"/etc/passwd")) + _pb(2, b"\x08\x01\x10\x07")
    for field in (22, 23):  # sparse_tensor, sparse_tensors
        attr = _pb(1, b"sparse_value") + _pb(field, sparse)
        node = _pb(2, b"y") + _pb(4, b"Constant") + _pb(5, attr)
        assert scan_bytes(_onnx_model(_pb(1, node)), "m.onnx").verdict is Verdict.UNSAFE
    inside = _pb(1, _onnx_external(b"weights.bin"))
    node = _pb(2, b"y") + _pb(4, b"Constant") + _pb(5, _pb(1, b"sparse_value") + _pb(22, inside))
    assert scan_bytes(_onnx_model(_pb(1, node)), "m.onnx").verdict is Verdict.SAFE


def test_onnx_function_attribute_default_external_data() -> None:
    default = _pb(1, b"w") + _pb(5, _onnx_external(b"..\\..\\secret"))
    function = _pb(1, b"F") + _pb(10, b"local") + _pb(11, default)
    node = _pb(2, b"y") + _pb(4, b"F") + _pb(7, b"local")
    result = scan_bytes(_onnx_model(_pb(1, node), function), "m.onnx")
    assert result.verdict is Verdict.UNSAFE
    assert "onnx-external-data-escape" in {f.rule for f in result.findings}


def test_a_file_url_elsewhere_in_a_text_graph_is_not_a_print_to_a_file() -> None:
    text = (
        b'saved_model_schema_version: 1\nmeta_graphs { graph_def { node { name: "p" '
        b'op: "PrintV2" attr { key: "output_stream" value { s: "stderr" } } } '
        b'node { name: "c" op: "Const" attr { key: "note" value { s: "file:///docs" } } } } }\n'
    )
    assert _rules(text, "saved_model.pbtxt")[0] is Verdict.SAFE
