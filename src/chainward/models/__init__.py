"""Static scanning of model files: find code execution without loading anything.

Public API::

    from chainward.models import scan, detect_format
    result = scan(Path("model.pt"))          # ScanResult
    for file in result.files:                # FileResult(path, format, verdict, findings)
        ...

Nothing here imports torch, tensorflow, onnx or h5py, and nothing is unpickled.
"""

from __future__ import annotations

from chainward._internal.lazy import lazy_exports
from chainward.models.detect import detect_format

TYPE_CHECKING = False
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


__all__ = ["FileResult", "ScanOptions", "ScanResult", "detect_format", "scan", "scan_bytes"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
