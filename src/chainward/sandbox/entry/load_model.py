"""Load one model file inside the sandbox, under the in-process lockdown (stdlib only).

usage: load_model.py MODEL OUT_DIR LIB_DIR LOADER

The loader library is imported first (its own start-up may spawn or probe), then the
lockdown seccomp filter forbids exec, process creation and non-unix sockets for every
thread, and only then is the file deserialised - with ``weights_only=False`` on purpose:
the point is to see what the file would do to a user who loads it.
"""

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

ZIP_MAGIC = b"PK\x03\x04"
_NOTES: list[str] = []
NPY_MAGIC = b"\x93NUMPY"


def _pick_loader(path: str, requested: str) -> str:
    if requested != "auto":
        return requested
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(NPY_MAGIC):
        return "numpy"
    if head.startswith(ZIP_MAGIC):
        try:
            import zipfile

            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
            if any(n.endswith("data.pkl") for n in names):
                return "torch"
            if any(n.endswith(".npy") for n in names):
                return "numpy"
        except Exception:
            pass
        return "torch"
    if head[:1] == b"\x80" or head[:1] in (b"(", b"c", b"]", b"}"):
        # torch's legacy format is a pickle too; torch.load handles both
        return "pickle"
    return "joblib"


def _torch_zip_without_torch(path: str) -> Callable[[], Any]:
    """A torch checkpoint's pickle, unpickled with tensor storages stubbed out."""
    import pickle
    import zipfile

    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith("data.pkl"))
        data = zf.read(name)

    def _stub(*args: Any, **kwargs: Any) -> None:
        return None

    class _Unpickler(pickle.Unpickler):
        def persistent_load(self, pid: Any) -> None:
            return None

        def find_class(self, module: str, name: str) -> Any:
            # torch's own rebuild helpers cannot be imported; everything else resolves
            # for real, so a payload's callable is reached and runs into the lockdown
            if module == "torch" or module.startswith("torch."):
                sys.audit("pickle.find_class", module, name)
                return _stub
            return super().find_class(module, name)

    import io

    def run() -> Any:
        return _Unpickler(io.BytesIO(data)).load()

    return run


def _load(loader: str, path: str) -> Callable[[], Any]:
    if loader == "torch":
        try:
            import torch
        except ImportError:
            _NOTES.append(
                "torch is not installed: the checkpoint's pickle ran with storages stubbed"
            )
            return _torch_zip_without_torch(path)

        def run() -> Any:
            return torch.load(path, map_location="cpu", weights_only=False)
    elif loader == "joblib":
        import joblib

        def run() -> Any:
            return joblib.load(path)
    elif loader == "numpy":
        import numpy

        def run() -> Any:
            return numpy.load(path, allow_pickle=True)
    else:
        import pickle

        def run() -> Any:
            with open(path, "rb") as fh:
                return pickle.load(fh)

    return run


def _describe(obj: Any) -> str:
    kind = type(obj)
    text = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(obj, dict):
        text += f" with {len(obj)} keys"
    return text


def main() -> None:
    model, out_dir, lib_dir, requested = sys.argv[1:5]
    sys.path.insert(0, lib_dir)
    import _bpf  # type: ignore[import-not-found]

    result: dict[str, Any] = {"model": model, "loader": None, "lockdown": False, "ok": False}
    fd = os.open(os.path.join(out_dir, "result.json"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        loader = _pick_loader(model, requested)
        result["loader"] = loader
        try:
            run = _load(loader, model)
        except ImportError as exc:
            result["exception"] = {"type": "ImportError", "message": str(exc), "phase": "import"}
            return
        if _NOTES:
            result["notes"] = list(_NOTES)
        _bpf.install(_bpf.build("lockdown"))
        result["lockdown"] = True
        try:
            obj = run()
            result["ok"] = True
            result["object"] = _describe(obj)
        except MemoryError:
            result["exception"] = {"type": "MemoryError", "message": "out of memory"}
        except BaseException as exc:
            tb = traceback.extract_tb(exc.__traceback__)
            result["exception"] = {
                "type": type(exc).__name__,
                "message": str(exc)[:500],
                "where": f"{tb[-1].filename}:{tb[-1].lineno}" if tb else "",
            }
    finally:
        os.write(fd, json.dumps(result).encode())
        os.close(fd)


if __name__ == "__main__":
    main()
