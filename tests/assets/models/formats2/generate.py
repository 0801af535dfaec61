"""Generate the second labelled model corpus (formats the first one did not reach).

Run from the repository root:

    pip install torch==2.13.0 h5py numpy joblib lz4 backports.zstd tflite flatbuffers
    python tests/assets/models/formats2/generate.py [torchscript] [hdf5] [tflite] [compressed]

* TorchScript archives are written by ``torch.jit.save`` (torch 2.13.0 CPU).
  The ``edited_*`` samples are real archives whose ``code/`` text was edited
  afterwards, as an attacker would (torch.jit.load accepts them: checked here).
* HDF5 files are written by h5py; the dense-attribute ones get their root
  attributes into dense storage (fractal heap + v2 B-tree) the way Keras does
  for a big ``model_config``: an attribute over 64 KB, or many attributes
  with ``libver='latest'``.
* TFLite files are built with the ``flatbuffers`` builder and the generated
  schema classes of the ``tflite`` package (tensorflow/lite/schema/schema.fbs),
  which is what the TFLite converter writes; TensorFlow itself is too large to
  install here.
* Compressed wrappers: ``joblib.dump(..., compress="lz4")`` and ``"zstd"``
  (lz4 / backports.zstd), and ``torch.save`` output piped through the lz4 and
  zstd frame compressors.

Malicious files are INERT (``true``, paths under ``/tmp/chainward-inert``) and
reproduce published attacks; ``labels.json`` (keys relative to
tests/assets/models, like the first corpus) records the label, the verdict
chainward must give and the source imitated. Nothing here is loaded by tests.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import warnings
import zipfile
from pathlib import Path

warnings.filterwarnings("ignore")
HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent
LABELS_FILE = HERE / "labels.json"
LABELS: dict[str, dict[str, str]] = (
    json.loads(LABELS_FILE.read_text()) if LABELS_FILE.exists() else {}
)
INERT = "/tmp/chainward-inert"


def label(path: Path, kind: str, expect: str, source: str) -> None:
    LABELS[str(path.relative_to(CORPUS))] = {"label": kind, "expect": expect, "source": source}


def out_dir(kind: str, fmt: str) -> Path:
    folder = HERE / kind / fmt
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def edit_zip(src: Path, dst: Path, member_suffix: str, edits: list[tuple[bytes, bytes]]) -> None:
    """Rewrite one member's text in a zip archive (CRC recomputed), as an attacker would."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith(member_suffix):
                for old, new in edits:
                    assert old in data, (old, info.filename)
                    data = data.replace(old, new)
            zout.writestr(info, data)


# ------------------------------------------------------------------ TorchScript


def strip_code(src: Path, dst: Path) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if "/code/" not in info.filename:
                zout.writestr(info, zin.read(info.filename))


def torchscript() -> None:
    import torch
    from torch import Tensor

    torch.manual_seed(0)
    benign = out_dir("benign", "torchscript")
    malicious = out_dir("malicious", "torchscript")

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 2, 3)
            self.fc = torch.nn.Linear(8, 2)
            self.norm = torch.nn.LayerNorm(2)

        def forward(self, x: Tensor) -> Tensor:
            y = torch.relu(self.conv(x)).flatten(1)[:, :8]
            out = [self.fc(y)]
            for i in range(2):
                out.append(out[-1] * float(i))
            return self.norm(torch.stack(out).mean(0))

    torch.jit.script(Net()).save(benign / "scripted.pt")
    label(benign / "scripted.pt", "benign", "safe", "torch.jit.script(...).save")
    traced = torch.jit.trace(Net().eval(), torch.randn(1, 1, 5, 5))
    traced.save(benign / "traced.pt")
    label(benign / "traced.pt", "benign", "safe", "torch.jit.trace(...).save")

    quantized = torch.ao.quantization.quantize_dynamic(
        torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.LSTM(4, 4)),
        {torch.nn.Linear, torch.nn.LSTM},
        dtype=torch.qint8,
    )
    torch.jit.script(quantized).save(benign / "quantized_dynamic.pt")
    label(
        benign / "quantized_dynamic.pt",
        "benign",
        "safe",
        "torch.jit.script of a dynamically quantized Linear+LSTM (torch.classes.quantized/rnn)",
    )

    @torch.jit.script
    class Vocab:  # a scripted class with its own __getstate__/__setstate__
        def __init__(self, words: list[str]) -> None:
            self.words = words

        def __getstate__(self) -> list[str]:
            return self.words

        def __setstate__(self, state: list[str]) -> None:
            self.words = state

    class Tagger(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.vocab = Vocab(["a", "b"])
            self.emb = torch.nn.Embedding(2, 3)

        def forward(self, x: Tensor) -> Tensor:
            return self.emb(x) * float(len(self.vocab.words))

    torch.jit.script(Tagger()).save(benign / "scripted_class_setstate.pt")
    label(
        benign / "scripted_class_setstate.pt",
        "benign",
        "safe",
        "torch.jit.script module holding a scripted class with __setstate__",
    )

    lite = benign / "lite_interpreter.ptl"
    torch.jit.script(Net())._save_for_lite_interpreter(str(lite))
    label(lite, "benign", "safe", "torch.jit.script(...)._save_for_lite_interpreter (mobile)")

    class ReadFile(torch.nn.Module):
        def forward(self, x: Tensor) -> Tensor:
            # exfiltration: the file's bytes come back as the model's output
            leak = torch.from_file("/etc/passwd", shared=False, size=4096, dtype=torch.uint8)
            return torch.cat([x.flatten(), leak.float()])

    torch.jit.script(ReadFile()).save(malicious / "forward_from_file.pt")
    label(
        malicious / "forward_from_file.pt",
        "malicious",
        "unsafe",
        "TorchScript forward reads any file with torch.from_file (aten::from_file) and returns "
        "it as output",
    )

    # mobile: the lite interpreter runs bytecode.pkl and needs no code/ folder, so an
    # attacker strips it (a stripped benign copy loads and runs: checked below)
    full = HERE / "_lite.ptl"
    torch.jit.script(ReadFile())._save_for_lite_interpreter(str(full))
    stripped = malicious / "lite_bytecode_from_file.ptl"
    strip_code(full, stripped)
    full.unlink()
    label(
        stripped,
        "malicious",
        "unsafe",
        "lite-interpreter archive without code/: bytecode.pkl's operator table calls "
        "aten::from_file",
    )
    probe = HERE / "_probe.ptl"
    strip_code(lite, probe)
    from torch.jit.mobile import _load_for_lite_interpreter

    assert _load_for_lite_interpreter(str(probe))(torch.randn(1, 1, 5, 5)).shape == (1, 2)
    probe.unlink()

    @torch.jit.script
    class Dropper:
        def __init__(self, n: int) -> None:
            self.n = n

        def __getstate__(self) -> int:
            return self.n

        def __setstate__(self, state: int) -> None:
            self.n = state
            torch.save("import os; os.system('true')", "/tmp/chainward-inert/evil.pth")

    class Carrier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.state = Dropper(1)
            self.fc = torch.nn.Linear(2, 2)

        def forward(self, x: Tensor) -> Tensor:
            return self.fc(x)

    torch.jit.script(Carrier()).save(malicious / "setstate_save.pt")
    label(
        malicious / "setstate_save.pt",
        "malicious",
        "unsafe",
        "TorchScript __setstate__ writes a file with torch.save (aten::save) while "
        "torch.jit.load runs (write primitive: .pth / start-up file persistence)",
    )

    # an attacker edits an ordinary archive's code: ops.aten.* spelling, in __setstate__
    edited = malicious / "edited_ops_aten_save.pt"
    edit_zip(
        benign / "scripted_class_setstate.pt",
        edited,
        "code/__torch__.py",
        [
            (
                b"    self.words = state\n",
                b"    self.words = state\n"
                b'    ops.aten.save(state, "/tmp/chainward-inert/.bashrc")\n',
            )
        ],
    )
    # the same edit with a harmless operator loads: torch accepts edited code/ text
    # (the malicious file itself is never loaded)
    probe = HERE / "_probe.pt"
    edit_zip(
        benign / "scripted_class_setstate.pt",
        probe,
        "code/__torch__.py",
        [(b"    self.words = state\n", b"    self.words = state\n    _n = ops.aten.len(state)\n")],
    )
    assert torch.jit.load(str(probe)).vocab.words == ["a", "b"]
    probe.unlink()
    label(
        edited,
        "malicious",
        "unsafe",
        "real torch.jit.save archive whose code/ text was edited to call ops.aten.save in "
        "__setstate__ (runs on torch.jit.load)",
    )


# ------------------------------------------------------------------ torch.package

NET_SOURCE = """import torch


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return torch.relu(self.fc(x))
"""


def torch_package() -> None:
    import torch
    from torch.package import PackageExporter, PackageImporter

    benign = out_dir("benign", "torch_package")
    malicious = out_dir("malicious", "torch_package")
    src = HERE / "_pkgsrc"
    (src / "tinynet").mkdir(parents=True, exist_ok=True)
    (src / "tinynet" / "__init__.py").write_text("")
    (src / "tinynet" / "net.py").write_text(NET_SOURCE)
    sys.path.insert(0, str(src))
    try:
        from tinynet.net import Net

        path = benign / "net.package.pt"
        with PackageExporter(str(path)) as exporter:
            exporter.extern("torch.**")
            exporter.intern("tinynet.**")
            exporter.save_pickle("model", "model.pkl", Net())
        model = PackageImporter(str(path)).load_pickle("model", "model.pkl")
        assert model(torch.ones(1, 4)).shape == (1, 2)
        label(
            path,
            "benign",
            "suspicious",
            "torch.package.PackageExporter of a model class (its packaged class is not on any "
            "allowlist profile, so review)",
        )
        evil = malicious / "net_import_payload.package.pt"
        edit_zip(
            path,
            evil,
            "tinynet/net.py",
            [(b"import torch\n", b"import os\nimport torch\n\nos.system('true')\n")],
        )
        label(
            evil,
            "malicious",
            "unsafe",
            "torch.package whose packaged module runs os.system at import "
            "(PackageImporter.load_pickle imports it)",
        )
    finally:
        sys.path.remove(str(src))
        for leftover in sorted(src.rglob("*"), reverse=True):
            leftover.unlink() if leftover.is_file() else leftover.rmdir()
        src.rmdir()


# ------------------------------------------------------------------ HDF5 dense attributes


def _keras_h5(path: Path, layers: list[object]) -> str:
    """Save a real Keras 3 model to legacy HDF5 and return its model_config text."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import h5py
    import keras

    model = keras.Sequential([keras.Input((4,)), *layers])
    model.save(path)
    with h5py.File(path, "r") as f:
        value = f.attrs["model_config"]
    return value.decode() if isinstance(value, bytes) else str(value)


def _dense_h5(
    path: Path, source: Path, config: str, extra: dict[str, str], *, weights: bool, **kw: object
) -> None:
    """A libver='latest' file with root attributes as tf.keras 2 writes them (model_config
    as fixed-length bytes) and, for small models, the weights Keras saved; big or many
    attributes go to dense storage."""
    import h5py
    import numpy as np

    with h5py.File(source, "r") as src, h5py.File(path, "w", libver="latest", **kw) as f:
        for name in src if weights else ():
            src.copy(src[name], f, name=name)
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        for key, value in extra.items():
            f.attrs[key] = value
        # h5py 2 (tf.keras 2's era) stored bytes as fixed-length strings: np.bytes_ does now
        f.attrs["model_config"] = np.bytes_(config.encode("utf-8"))
        f.attrs["training_config"] = np.bytes_(b'{"loss": "mse", "optimizer_config": {}}')
        assert h5py.h5o.get_info(f.id).num_attrs == 4 + len(extra)


def _is_dense(path: Path) -> bool:
    """True if HDF5 must keep the root attributes densely: more than the compact maximum
    (h5py's phase change), or one attribute too large for a version-2 header message."""
    import h5py

    with h5py.File(path, "r") as f:
        max_compact, _ = f.id.get_create_plist().get_attr_phase_change()
        sizes = [f.attrs.get_id(k).get_storage_size() for k in f.attrs]
        return len(sizes) > max_compact or max(sizes) > 0xFFFF


def hdf5() -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import h5py
    import keras
    import numpy as np

    benign = out_dir("benign", "hdf5")
    malicious = out_dir("malicious", "hdf5")
    tmp = HERE / "_tmp"
    tmp.mkdir(exist_ok=True)
    try:
        big = [keras.layers.Dense(2, name=f"dense_block_{i:04d}") for i in range(300)]
        big_config = _keras_h5(tmp / "big.h5", big)
        assert len(big_config) > 64 * 1024
        path = benign / "keras_big_config_dense.h5"
        _dense_h5(path, tmp / "big.h5", big_config, {}, weights=False)
        assert _is_dense(path)
        label(
            path,
            "benign",
            "safe",
            "h5py libver=latest: a 300-layer Keras model whose >64 KB model_config lives in "
            "dense attribute storage (fractal heap huge object)",
        )
        small = [keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)]
        small_config = _keras_h5(tmp / "small.h5", small)
        meta = {f"metadata_{k}": f"value {k}" for k in ("author", "license", "dataset", "epochs",
                "commit", "framework", "task", "created", "notes", "url")}  # fmt: skip
        path = benign / "keras_many_attributes_dense.h5"
        _dense_h5(path, tmp / "small.h5", small_config, meta, weights=True, track_order=True)
        assert _is_dense(path)
        label(
            path,
            "benign",
            "safe",
            "h5py libver=latest, track_order: Keras model with 14 root attributes in dense "
            "storage (fractal heap managed objects, v2 B-tree name index)",
        )

        def payload(x: object) -> object:
            return x

        evil = lambda x: (__import__("os").system("true"), x)[1]  # noqa: E731 - inert
        lambda_config = _keras_h5(tmp / "lambda.h5", [*small, keras.layers.Lambda(evil)])
        assert "Lambda" in lambda_config
        path = malicious / "lambda_dense_many_attributes.h5"
        _dense_h5(path, tmp / "lambda.h5", lambda_config, meta, weights=True, track_order=True)
        assert _is_dense(path)
        label(
            path,
            "malicious",
            "unsafe",
            "CVE-2025-9905: Keras Lambda bytecode in a model_config kept in HDF5 dense "
            "attribute storage (many root attributes)",
        )
        big_lambda = _keras_h5(tmp / "big_lambda.h5", [*big, keras.layers.Lambda(evil)])
        assert len(big_lambda) > 64 * 1024
        path = malicious / "lambda_dense_huge_config.h5"
        _dense_h5(path, tmp / "big_lambda.h5", big_lambda, {}, weights=False)
        assert _is_dense(path)
        label(
            path,
            "malicious",
            "unsafe",
            "CVE-2025-9905: Keras Lambda bytecode at the end of a >64 KB model_config stored "
            "as a fractal-heap huge object (dense attribute storage)",
        )
        # thousands of attributes: a B-tree of depth > 0 and a heap of nested indirect blocks
        for name, kind, expect, config, source in (
            (
                "attributes_3000_nested_heap.h5",
                "benign",
                "safe",
                small_config,
                "h5py libver=latest: 3000 root attributes beside a Keras model_config (v2 B-tree "
                "of depth 1, fractal heap with nested indirect blocks), gzip-wrapped",
            ),
            (
                "lambda_among_3000_attributes.h5",
                "malicious",
                "unsafe",
                lambda_config,
                "CVE-2025-9905: Keras Lambda model_config hidden among 3000 root attributes "
                "(deep fractal heap), gzip-wrapped",
            ),
        ):
            plain = tmp / name
            many = {f"attr_{i:04d}": np.bytes_((b"v%d-" % i) * (1 + i % 97)) for i in range(3000)}
            with h5py.File(plain, "w", libver="latest") as f:
                for key, value in many.items():
                    f.attrs[key] = value
                f.attrs["model_config"] = np.bytes_(config.encode("utf-8"))
            assert _is_dense(plain)
            folder = benign if kind == "benign" else malicious
            target = folder / (name + ".gz")
            target.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
            label(target, kind, expect, source)
    finally:
        for leftover in tmp.iterdir():
            leftover.unlink()
        tmp.rmdir()


# ------------------------------------------------------------------ TFLite


def _flex_options(op: str, nodedef_op: str, inputs: list[str]) -> bytes:
    """custom_options of a Flex op as the TFLite converter writes them
    (tensorflow/compiler/mlir/lite: FlexBuffer vector [op name, serialized NodeDef])."""
    from flatbuffers import flexbuffers
    from tensorboard.compat.proto import node_def_pb2

    node = node_def_pb2.NodeDef(name=op.lower(), op=nodedef_op, input=inputs)
    raw = node.SerializeToString()
    assert max(raw) < 0x80  # FlexBuffer strings are written from str in Python
    builder = flexbuffers.Builder()
    with builder.Vector():
        builder.String(op)
        builder.String(raw.decode("ascii"))
    return bytes(builder.Finish())


def _tflite(ops: list[tuple[int, str | None, bytes | None]], strings: bool = False) -> bytes:
    """A one-subgraph model: input -> FULLY_CONNECTED (weights, bias) -> output, then each
    extra operator of ``ops`` (builtin code, custom code, custom options) on string tensors.

    Written with the flatbuffers builder and the tflite package's generated schema classes.
    """
    import flatbuffers
    import numpy as np
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator
    from tflite.TensorType import TensorType

    b = flatbuffers.Builder(1024)

    def ivec(start, values):  # type: ignore[no-untyped-def]
        start(b, len(values))
        for v in reversed(values):
            b.PrependInt32(v)
        return b.EndVector()

    def bvec(data: bytes) -> int:
        return b.CreateByteVector(data)

    weights = np.arange(8, dtype=np.float32).reshape(2, 4) / 10
    bias = np.zeros(2, dtype=np.float32)
    path = b"/etc/passwd"
    string_tensor = (
        np.array([1], "<i4").tobytes() + np.array([12, 12 + len(path)], "<i4").tobytes() + path
    )
    buffer_data = [b"", weights.tobytes(), bias.tobytes(), b"", string_tensor, b""]
    buffers = []
    for data in buffer_data:
        d = bvec(data) if data else None
        tflite.BufferStart(b)
        if d is not None:
            tflite.BufferAddData(b, d)
        buffers.append(tflite.BufferEnd(b))
    # tensors: 0 input, 1 weights, 2 bias, 3 output, 4 path (string const), 5 string out
    specs = [
        ("input", [1, 4], TensorType.FLOAT32, 0),
        ("dense/kernel", [2, 4], TensorType.FLOAT32, 1),
        ("dense/bias", [2], TensorType.FLOAT32, 2),
        ("output", [1, 2], TensorType.FLOAT32, 3),
        ("path", [], TensorType.STRING, 4),
        ("contents", [], TensorType.STRING, 5),
    ]
    tensors = []
    for name, shape, dtype, buf in specs:
        n = b.CreateString(name)
        sh = ivec(tflite.TensorStartShapeVector, shape)
        tflite.TensorStart(b)
        tflite.TensorAddShape(b, sh)
        tflite.TensorAddType(b, dtype)
        tflite.TensorAddBuffer(b, buf)
        tflite.TensorAddName(b, n)
        tensors.append(tflite.TensorEnd(b))
    all_ops = [(BuiltinOperator.FULLY_CONNECTED, None, None), *ops]
    codes = []
    for builtin, custom, _ in all_ops:
        c = b.CreateString(custom) if custom else None
        tflite.OperatorCodeStart(b)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(builtin, 127))
        tflite.OperatorCodeAddBuiltinCode(b, builtin)
        tflite.OperatorCodeAddVersion(b, 1)
        if c is not None:
            tflite.OperatorCodeAddCustomCode(b, c)
        codes.append(tflite.OperatorCodeEnd(b))
    operators = []
    for index, (_, _, options) in enumerate(all_ops):
        ins = ivec(tflite.OperatorStartInputsVector, [0, 1, 2] if index == 0 else [4])
        outs = ivec(tflite.OperatorStartOutputsVector, [3] if index == 0 else [5])
        opts = bvec(options) if options else None
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, index)
        tflite.OperatorAddInputs(b, ins)
        tflite.OperatorAddOutputs(b, outs)
        if opts is not None:
            tflite.OperatorAddCustomOptions(b, opts)
        operators.append(tflite.OperatorEnd(b))

    def tvec(start, items):  # type: ignore[no-untyped-def]
        start(b, len(items))
        for item in reversed(items):
            b.PrependUOffsetTRelative(item)
        return b.EndVector()

    t = tvec(tflite.SubGraphStartTensorsVector, tensors)
    o = tvec(tflite.SubGraphStartOperatorsVector, operators)
    outputs = [3, 5] if ops else [3]
    gi = ivec(tflite.SubGraphStartInputsVector, [0])
    go = ivec(tflite.SubGraphStartOutputsVector, outputs)
    name = b.CreateString("main")
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, t)
    tflite.SubGraphAddInputs(b, gi)
    tflite.SubGraphAddOutputs(b, go)
    tflite.SubGraphAddOperators(b, o)
    tflite.SubGraphAddName(b, name)
    subgraph = tflite.SubGraphEnd(b)
    sg = tvec(tflite.ModelStartSubgraphsVector, [subgraph])
    oc = tvec(tflite.ModelStartOperatorCodesVector, codes)
    bf = tvec(tflite.ModelStartBuffersVector, buffers)
    desc = b.CreateString("MLIR Converted.")
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, oc)
    tflite.ModelAddSubgraphs(b, sg)
    tflite.ModelAddDescription(b, desc)
    tflite.ModelAddBuffers(b, bf)
    b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def tflite_models() -> None:
    from ai_edge_litert.interpreter import Interpreter
    from tflite.BuiltinOperator import BuiltinOperator

    benign = out_dir("benign", "tflite")
    malicious = out_dir("malicious", "tflite")
    custom = BuiltinOperator.CUSTOM

    dense = _tflite([])
    # the real TFLite runtime (ai-edge-litert) loads and runs the benign model
    interpreter = Interpreter(model_content=dense)
    interpreter.allocate_tensors()
    interpreter.invoke()
    (benign / "dense.tflite").write_bytes(dense)
    label(
        benign / "dense.tflite",
        "benign",
        "safe",
        "FULLY_CONNECTED model built with flatbuffers + tflite schema classes; runs in "
        "ai-edge-litert",
    )
    detection = _tflite([(custom, "TFLite_Detection_PostProcess", b"")])
    (benign / "detection_postprocess.tflite").write_bytes(detection)
    label(
        benign / "detection_postprocess.tflite",
        "benign",
        "safe",
        "TFLite's own registered custom op TFLite_Detection_PostProcess (SSD detectors)",
    )
    flex_ok = _tflite([(custom, "FlexStringUpper", _flex_options("StringUpper", "StringUpper",
                       ["path"]))])  # fmt: skip
    (benign / "flex_string_upper.tflite").write_bytes(flex_ok)
    label(
        benign / "flex_string_upper.tflite",
        "benign",
        "safe",
        "select-TF (Flex) op StringUpper, pure computation",
    )
    for name, code, nodedef_op, source in (
        (
            "flex_read_file.tflite",
            "FlexReadFile",
            "ReadFile",
            "tf.io.read_file converted with SELECT_TF_OPS: FlexReadFile reads /etc/passwd",
        ),
        (
            "flex_write_file.tflite",
            "FlexWriteFile",
            "WriteFile",
            "tf.io.write_file converted with SELECT_TF_OPS: FlexWriteFile",
        ),
        (
            "flex_disguised_write_file.tflite",
            "FlexStringUpper",
            "WriteFile",
            "Flex op named StringUpper whose NodeDef runs WriteFile (the delegate runs the "
            "NodeDef op)",
        ),
    ):
        data = _tflite([(custom, code, _flex_options(code[4:], nodedef_op, ["path"]))])
        (malicious / name).write_bytes(data)
        label(malicious / name, "malicious", "unsafe", source)


# ------------------------------------------------------------------ lz4 / zstd wrappers


class SystemTrue:
    """The classic pickle payload (inert: runs ``true``)."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("true",))


def compressed() -> None:
    import joblib
    import lz4.block
    import lz4.frame
    import numpy as np
    import torch
    from backports import zstd

    benign = out_dir("benign", "compressed")
    malicious = out_dir("malicious", "compressed")
    rng = np.random.default_rng(0)
    estimator = {
        "coef_": rng.normal(size=(64, 32)),
        "intercept_": np.zeros(32),
        "classes_": np.array(["cat", "dog"], dtype=object),
        "n_features_in_": 64,
    }
    joblib.dump(estimator, benign / "estimator.joblib.lz4", compress="lz4")
    label(benign / "estimator.joblib.lz4", "benign", "safe", "joblib.dump(compress='lz4')")
    joblib.dump(
        {**estimator, "postprocess": SystemTrue()},
        malicious / "estimator_payload.joblib.lz4",
        compress="lz4",
    )
    label(
        malicious / "estimator_payload.joblib.lz4",
        "malicious",
        "unsafe",
        "joblib.dump(compress='lz4') of an estimator carrying an os.system reduce after its "
        "arrays (scanners without lz4 support skip it)",
    )
    state = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.Linear(64, 8)).state_dict()
    buf = io.BytesIO()
    torch.save(state, buf)
    plain = buf.getvalue()
    (benign / "state_dict.pt.zst").write_bytes(zstd.compress(plain))
    label(benign / "state_dict.pt.zst", "benign", "safe", "torch.save piped through zstd")
    linked = lz4.frame.compress(plain, block_linked=True, block_size=lz4.frame.BLOCKSIZE_MAX64KB)
    (benign / "state_dict.pt.lz4").write_bytes(linked)
    label(
        benign / "state_dict.pt.lz4",
        "benign",
        "safe",
        "torch.save piped through lz4 (linked 64 KB blocks)",
    )
    # the legacy frame `lz4 -l` writes: magic, then (size, block) pairs of independent blocks
    legacy = (0x184C2102).to_bytes(4, "little")
    for start in range(0, len(plain), 8 << 20):
        block = lz4.block.compress(plain[start : start + (8 << 20)], store_size=False)
        legacy += len(block).to_bytes(4, "little") + block
    (benign / "state_dict.pt.legacy.lz4").write_bytes(legacy)
    label(
        benign / "state_dict.pt.legacy.lz4",
        "benign",
        "safe",
        "torch.save in the LZ4 legacy frame (`lz4 -l`), blocks from lz4.block.compress",
    )
    buf = io.BytesIO()
    torch.save({"model": state, "hook": SystemTrue()}, buf)
    evil = buf.getvalue()
    (malicious / "checkpoint.pt.zst").write_bytes(zstd.compress(evil, level=19))
    label(
        malicious / "checkpoint.pt.zst",
        "malicious",
        "unsafe",
        "torch checkpoint with an os.system reduce, piped through zstd",
    )
    # a zstd skippable frame first, then the payload frame: decoders skip the first
    skippable = (0x184D2A50).to_bytes(4, "little") + (16).to_bytes(4, "little") + bytes(16)
    (malicious / "pickle_after_skippable.zst").write_bytes(
        skippable + zstd.compress(pickle_payload())
    )
    label(
        malicious / "pickle_after_skippable.zst",
        "malicious",
        "unsafe",
        "os.system pickle in a zstd frame behind a skippable frame",
    )
    data = lz4.frame.compress(
        bytes(200_000) + pickle_payload(),
        block_linked=True,
        block_checksum=True,
        content_checksum=True,
        store_size=True,
    )
    (malicious / "padded_pickle.lz4").write_bytes(
        lz4.frame.compress(pickle_payload(), block_linked=False) + data
    )
    label(
        malicious / "padded_pickle.lz4",
        "malicious",
        "unsafe",
        "two lz4 frames: an os.system pickle, then 200 KB of zeros and another one "
        "(checksummed, linked blocks)",
    )


def multi_member() -> None:
    """Concatenated gzip members / bz2 streams: gzip.open and bz2.open read them all."""
    import bz2

    benign = out_dir("benign", "compressed")
    malicious = out_dir("malicious", "compressed")
    evil = pickle_payload()
    cut = evil.index(b"system") - 8  # the first member stops before the payload
    data = gzip.compress(evil[:cut], mtime=0) + gzip.compress(evil[cut:], mtime=0)
    assert gzip.decompress(data) == evil
    (malicious / "pickle_split_members.pkl.gz").write_bytes(data)
    label(
        malicious / "pickle_split_members.pkl.gz",
        "malicious",
        "unsafe",
        "pickle split across two gzip members: gzip.open yields both, a scanner reading only "
        "the first member sees a harmless truncated pickle",
    )
    data = bz2.compress(evil[:cut]) + bz2.compress(evil[cut:])
    assert bz2.decompress(data) == evil
    (malicious / "pickle_split_streams.pkl.bz2").write_bytes(data)
    label(
        malicious / "pickle_split_streams.pkl.bz2",
        "malicious",
        "unsafe",
        "pickle split across two bz2 streams (bz2.open reads both)",
    )
    state = (HERE / "benign/compressed/state_dict.pt.lz4").read_bytes()
    import lz4.frame

    plain = lz4.frame.decompress(state)
    half = len(plain) // 2
    data = gzip.compress(plain[:half], mtime=0) + gzip.compress(plain[half:], mtime=0)
    (benign / "state_dict_two_members.pt.gz").write_bytes(data)
    label(
        benign / "state_dict_two_members.pt.gz",
        "benign",
        "safe",
        "torch.save output written as two gzip members (as `cat a.gz b.gz` makes)",
    )


def pickle_payload() -> bytes:
    import pickle

    return pickle.dumps({"weights": [0.0] * 4, "hook": SystemTrue()}, protocol=4)


SECTIONS = {
    "torchscript": torchscript,
    "torch_package": torch_package,
    "hdf5": hdf5,
    "tflite": tflite_models,
    "compressed": compressed,
    "multi_member": multi_member,
}


def main() -> None:
    chosen = sys.argv[1:] or list(SECTIONS)
    for name in chosen:
        SECTIONS[name]()
    LABELS_FILE.write_text(json.dumps(dict(sorted(LABELS.items())), indent=1) + "\n")


if __name__ == "__main__":
    os.chdir(CORPUS.parents[2])
    main()
