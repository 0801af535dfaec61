"""Keras models: the ``.keras`` ZIP (Keras 3) and legacy HDF5 ``.h5`` files.

Keras rebuilds a model from a JSON config; the dangerous parts of that config are
(keras/src/saving/serialization_lib.py, keras/src/legacy/saving/):

* ``Lambda`` layers, whose function is Python *bytecode* (base64 marshal,
  ``__lambda__`` in Keras 3, ``function_type: lambda`` in legacy files) —
  executed on load wherever safe mode is off or ignored (CVE-2024-3660,
  CVE-2025-9905);
* ``module``/``class_name`` pairs outside ``keras``/``tensorflow``: Keras imports
  the module to find the class (CVE-2025-1550);
* function references (``class_name: function``), resolved by import, including
  gadgets inside Keras itself such as ``keras.utils.get_file`` (CVE-2025-8747) and
  ``enable_unsafe_deserialization`` (CVE-2025-9906);
* ``TFOpLambda`` layers calling IO or Python-callback ops.

``.keras`` archives have ``config.json`` (checked), ``metadata.json`` and
``model.weights.h5`` (weights only); other members are sniffed like any archive
member. HDF5 files are read with :mod:`chainward.models.hdf5` (no h5py).
"""

from __future__ import annotations

import io
import json
from typing import BinaryIO

from chainward.models.containers import iter_zip_members, scan_member
from chainward.models.context import ScanContext, Source
from chainward.models.detect import HDF5_MAGIC, HEAD_SIZE, _pickle_kind
from chainward.models.hdf5 import Hdf5Error, as_text, find_pickles, read_root_attributes
from chainward.models.interface import FormatScanner
from chainward.models.pickle.denylist import danger_of
from chainward.models.pickle.policy import grade
from chainward.models.pickle.vm import run_all
from chainward.models.pickles import PickleScanner, bytes_reader
from chainward.records import Severity

# keras_hub/keras_nlp/keras_cv: the packages Keras's own loader imports classes from
# (only KerasSaveable subclasses; saving/serialization_lib._retrieve_class_or_fn)
SAFE_MODULE_PREFIXES = (
    "keras",
    "tf_keras",
    "tensorflow.keras",
    "tensorflow.python.keras",
    "keras_hub",
    "keras_nlp",
    "keras_cv",
)
SAFE_FUNCTION_MODULES = (
    "keras.activations",
    "keras.src.activations",
    "keras.losses",
    "keras.src.losses",
    "keras.metrics",
    "keras.src.metrics",
    "keras.initializers",
    "keras.regularizers",
    "keras.constraints",
    "keras.optimizers",
    "keras.src.ops",
    "keras.ops",
    "builtins",
)
KERAS_GADGETS = (
    "get_file",
    "enable_unsafe_deserialization",
    "load_model",
    "load_weights",
    "save_model",
    "register_keras_serializable",
    "load_img",
    "save_img",
    "text_dataset_from_directory",
    "image_dataset_from_directory",
    "audio_dataset_from_directory",
    "deserialize_keras_object",
)
TF_IO_FUNCTIONS = (
    "io.read_file",
    "io.write_file",
    "io.gfile",
    "py_function",
    "numpy_function",
    "py_func",
    "compat.v1.py_func",
    "io.matching_files",
    "summary.create_file_writer",
    "debugging.experimental",
    "print",
)
MAX_NODES = 2_000_000


def _module_ok(module: str) -> bool:
    return module == "" or any(
        module == p or module.startswith(p + ".") for p in SAFE_MODULE_PREFIXES
    )


def check_config(config: object, ctx: ScanContext, where: str) -> None:
    """Walk a Keras model config (any nesting) and report dangerous constructs."""
    stack: list[tuple[object, str]] = [(config, "")]
    count = 0
    while stack:
        node, path = stack.pop()
        count += 1
        if count > MAX_NODES:
            ctx.add(
                "keras-config-too-large",
                Severity.MEDIUM,
                "model config is too large to analyse fully",
                where,
            )
            return
        if isinstance(node, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        _check_object(node, ctx, where, path)
        for key, value in node.items():
            if isinstance(value, dict | list):
                stack.append((value, f"{path}.{key}" if path else str(key)))


def _check_object(node: dict[str, object], ctx: ScanContext, where: str, path: str) -> None:
    class_name = node.get("class_name")
    module = node.get("module")
    config = node.get("config")
    detail = path or "config"
    name = config.get("name") if isinstance(config, dict) else None
    label = f"layer {name!r}" if isinstance(name, str) else detail
    if class_name == "Lambda" and isinstance(config, dict):
        function = config.get("function")
        ftype = config.get("function_type")
        if (
            ftype == "lambda"
            or (isinstance(function, dict) and function.get("class_name") == "__lambda__")
            or (isinstance(function, list | str) and ftype != "function")
        ):
            ctx.add(
                "keras-lambda-bytecode",
                Severity.HIGH,
                f"Lambda {label} carries Python bytecode that runs when the model is loaded "
                "(unless safe mode blocks it)",
                where,
                detail,
            )
        elif ftype == "function":
            fmodule = config.get("module")
            fname = function if isinstance(function, str) else str(function)[:80]
            if isinstance(fmodule, str) and not _module_ok(fmodule):
                danger = danger_of(f"{fmodule}.{fname}")
                ctx.add(
                    "keras-function-reference",
                    Severity.HIGH,
                    f"Lambda {label} calls {fmodule}.{fname}"
                    + (f": {danger}" if danger else " (a module outside Keras)"),
                    where,
                    detail,
                )
    if (
        class_name == "__lambda__"
        and isinstance(config, dict)
        and "code" in config
        and not path.endswith("config.function")  # already reported on its Lambda layer
    ):
        ctx.add(
            "keras-lambda-bytecode",
            Severity.HIGH,
            f"serialized lambda at {detail} carries Python bytecode",
            where,
            detail,
        )
    if class_name == "function" and isinstance(module, str):
        ref = config if isinstance(config, str) else node.get("registered_name")
        full = f"{module}.{ref}"
        if not _module_ok(module):
            danger = danger_of(full)
            ctx.add(
                "keras-function-reference",
                Severity.HIGH,
                f"config references function {full}"
                + (f": {danger}" if danger else ", outside Keras (imported on load)"),
                where,
                detail,
            )
        elif isinstance(ref, str) and ref.split(".")[-1] in KERAS_GADGETS:
            ctx.add(
                "keras-function-reference",
                Severity.HIGH,
                f"config references {full}, a Keras function with side effects used in "
                "published safe-mode bypasses",
                where,
                detail,
            )
        elif not module.startswith(SAFE_FUNCTION_MODULES):
            ctx.add(
                "keras-function-reference",
                Severity.MEDIUM,
                f"config references function {full}; review it",
                where,
                detail,
            )
    elif isinstance(module, str) and isinstance(class_name, str) and not _module_ok(module):
        danger = danger_of(f"{module}.{class_name}")
        if danger is not None:
            ctx.add(
                "keras-dangerous-module",
                Severity.HIGH,
                f"config imports {module}.{class_name}: {danger}",
                where,
                detail,
            )
        else:
            ctx.add(
                "keras-custom-module",
                Severity.MEDIUM,
                f"config imports class {class_name} from {module}, outside Keras (custom "
                "code runs on load; review it)",
                where,
                detail,
            )
    if class_name in _EXTERNAL_LOADERS and isinstance(config, dict):
        _check_external_files(class_name, config, ctx, where, detail, label)
    if class_name == "TFOpLambda" and isinstance(config, dict):
        function = config.get("function")
        if isinstance(function, str) and function.startswith(TF_IO_FUNCTIONS):
            ctx.add(
                "keras-tf-op",
                Severity.HIGH,
                f"TFOpLambda {label} calls tf.{function}",
                where,
                detail,
            )


# layers that read a path from their config while the model loads: TFSMLayer loads a
# whole SavedModel (keras PR #22035); lookup layers and keras-hub tokenizers read a
# vocabulary file, local or remote via tf.io.gfile (keras PRs #21751 and #23050,
# keras-hub PRs #2517 and #2771)
_EXTERNAL_LOADERS: dict[str, tuple[str, ...]] = {
    "TFSMLayer": ("filepath",),
    "StringLookup": ("vocabulary",),
    "IntegerLookup": ("vocabulary",),
    "IndexLookup": ("vocabulary",),
    "TextVectorization": ("vocabulary",),
    "BytePairTokenizer": ("vocabulary", "merges"),
    "WordPieceTokenizer": ("vocabulary",),
    "SentencePieceTokenizer": ("proto",),
    "PARSeqTokenizer": ("vocabulary",),
}


def _check_external_files(
    class_name: str,
    config: dict[str, object],
    ctx: ScanContext,
    where: str,
    detail: str,
    label: str,
) -> None:
    for key in _EXTERNAL_LOADERS[class_name]:
        value = config.get(key)
        if not isinstance(value, str) or not value:
            continue
        escapes = value.startswith(("/", "\\", "~")) or "://" in value or ".." in value
        what = "a SavedModel" if class_name == "TFSMLayer" else "a file"
        ctx.add(
            "keras-external-file",
            Severity.HIGH if escapes or class_name == "TFSMLayer" else Severity.MEDIUM,
            f"{class_name} {label} loads {what} from {value!r} ({key}) while the model "
            "loads, from outside the archive",
            where,
            detail,
        )


def _check_json(text: str, ctx: ScanContext, where: str, what: str) -> None:
    try:
        config = json.loads(text)
    except (ValueError, RecursionError):
        ctx.add("keras-config-malformed", Severity.MEDIUM, f"{what} is not valid JSON", where)
        return
    check_config(config, ctx, where)


class KerasScanner(FormatScanner):
    formats = ("keras",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        for entry, member, head in iter_zip_members(source, ctx):
            name = entry.name.split("\x00", 1)[0]  # as zipfile, which Keras reads with, names it
            if name == "config.json":
                _check_config_member(member, ctx)
                continue
            if name in ("metadata.json", "model.weights.h5"):
                continue  # version facts, and weights only: Keras reads no config from them
            scan_member(member, head, ctx)


class KerasConfigScanner(FormatScanner):
    """A model folder's ``config.json``: ``keras.saving.load_model`` on the folder (or
    ``hf://`` on a Hub repository) builds the model from it, as from a ``.keras`` archive."""

    formats = ("keras-config",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        _check_config_member(source, ctx)


def _check_config_member(member: Source, ctx: ScanContext) -> None:
    limit = ctx.options.max_header_bytes
    if member.size > limit:
        ctx.add(
            "keras-config-too-large",
            Severity.MEDIUM,
            f"model config of {member.size} bytes is over the {limit}-byte analysis budget; "
            "not checked",
            member.display,
        )
        return
    with member.open() as fh:
        data = fh.read(limit)
    _check_json(data.decode("utf-8", errors="replace"), ctx, member.display, "config.json")


class Hdf5Scanner(FormatScanner):
    formats = ("hdf5",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        where = source.display
        head = source.head(HEAD_SIZE)
        if not head.startswith(HDF5_MAGIC) and _pickle_kind(head, source.size) is not None:
            # a user block the HDF5 library skips, holding a pickle that pickle.load (or
            # a legacy torch.load) runs from byte 0: one file, two loaders
            ctx.add(
                "hdf5-pickle-polyglot",
                Severity.MEDIUM,
                "the HDF5 user block before the superblock is a pickle; pickle-based loaders "
                "read it from the first byte",
                where,
            )
            PickleScanner().scan(source, ctx)
        with source.open() as fh:
            try:
                attrs = read_root_attributes(fh, source.size)
            except (Hdf5Error, IndexError, ValueError) as exc:
                ctx.error(where, f"HDF5 root attributes could not be read: {exc}")
                return
            _scan_hdf5_pickles(fh, source.size, ctx, where)
        for key in ("model_config", "training_config"):
            value = attrs.values.get(key)
            if value is not None:
                _check_json(as_text(value), ctx, where, key)
        for key, value in attrs.shadowed:
            ctx.add(
                "hdf5-duplicate-attribute",
                Severity.MEDIUM,
                f"root attribute {key!r} is stored twice (object header and dense storage) with "
                "different values; HDF5 reads the dense copy, other readers may not",
                where,
            )
            if key in ("model_config", "training_config"):
                _check_json(as_text(value), ctx, where, key)
        if attrs.dense_error is not None and "model_config" not in attrs.values:
            ctx.error(
                where,
                f"root attributes in HDF5 dense storage could not be read ({attrs.dense_error}); "
                "a model config there was not checked",
            )


def _scan_hdf5_pickles(fh: BinaryIO, size: int, ctx: ScanContext, where: str) -> None:
    """What PyTables (pandas ``HDFStore``) unpickles: string attributes and object rows."""
    try:
        found = find_pickles(fh, size)
    except (Hdf5Error, IndexError, ValueError) as exc:
        ctx.error(where, f"HDF5 groups could not be walked for pickled attributes: {exc}")
        return
    for place, data in found.items:
        # PyTables keeps the raw string when unpickling fails: only what a load would run counts
        trace = run_all(
            io.BytesIO(data),
            max_ops=ctx.options.max_pickle_ops,
            max_streams=1,
            more_is_pickle=False,
        )
        for item in grade(trace, reader=bytes_reader(data)):
            detail = f"HDF5 {place}" + ("" if item.offset is None else f", byte {item.offset}")
            ctx.add(
                item.rule, item.severity, f"{item.message} (pickle in HDF5 {place})", where, detail
            )
    for problem in found.problems[:8]:
        ctx.error(where, f"HDF5 node not fully read for pickled data: {problem}")


__all__ = ["Hdf5Scanner", "KerasConfigScanner", "KerasScanner", "check_config"]
