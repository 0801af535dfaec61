"""Static scanning of model files: find code execution without loading anything.

Public API::

    from chainward.models import scan, detect_format
    result = scan(Path("model.pt"))          # ScanResult
    for file in result.files:                # FileResult(path, format, verdict, findings)
        ...

Nothing here imports torch, tensorflow, onnx or h5py, and nothing is unpickled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chainward.models.detect import detect_format

if TYPE_CHECKING:
    from chainward.models.interface import FileResult, ScanOptions, ScanResult
    from chainward.models.scanner import scan, scan_bytes

_LAZY = {
    "FileResult": "chainward.models.interface",
    "ScanOptions": "chainward.models.interface",
    "ScanResult": "chainward.models.interface",
    "scan": "chainward.models.scanner",
    "scan_bytes": "chainward.models.scanner",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'chainward.models' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = ["FileResult", "ScanOptions", "ScanResult", "detect_format", "scan", "scan_bytes"]
