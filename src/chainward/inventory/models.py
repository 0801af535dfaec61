"""Model artifact discovery: which files in a project are ML models, by content.

The format comes from ``chainward.models.detect.detect_format`` (the model scanners'
detector) when it is available, else from a small magic-byte sniff below. Files whose
extension marks them as source code or documents are not opened; everything else has
its first bytes read. Hashes are streamed, so size does not matter for memory.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chainward.inventory._io import display
from chainward.records import Inventory, ModelArtifact, Provenance, Skipped

_CHUNK = 1024 * 1024
# never model weights: skip opening them at all
_TEXT_SUFFIXES = frozenset(
    {
        ".a",
        ".bat",
        ".bz2",
        ".c",
        ".cc",
        ".cfg",
        ".cpp",
        ".css",
        ".csv",
        ".dll",
        ".dylib",
        ".exe",
        ".gif",
        ".gitattributes",
        ".gitignore",
        ".go",
        ".gz",
        ".h",
        ".hpp",
        ".htm",
        ".html",
        ".ico",
        ".in",
        ".ini",
        ".ipynb",
        ".jar",
        ".java",
        ".jpeg",
        ".jpg",
        ".js",
        ".jsx",
        ".kt",
        ".license",
        ".lock",
        ".log",
        ".md",
        ".mo",
        ".o",
        ".pdf",
        ".php",
        ".png",
        ".po",
        ".ps1",
        ".pxd",
        ".py",
        ".pyc",
        ".pyi",
        ".pyx",
        ".rb",
        ".rs",
        ".rst",
        ".scss",
        ".sh",
        ".so",
        ".spec",
        ".sql",
        ".svg",
        ".tar",
        ".tgz",
        ".toml",
        ".ts",
        ".tsv",
        ".tsx",
        ".txt",
        ".typed",
        ".webp",
        ".whl",
        ".xml",
        ".xz",
        ".yaml",
        ".yml",
        ".zst",
    }
)
_JSON_LIKE = frozenset({".json", ".jsonl"})
_CONTAINERS = frozenset({"zip", "tar", "7z", "gzip", "bz2", "xz", "lzma", "zlib", "zstd", "lz4"})


def _sniff(path: Path) -> str | None:
    """A minimal content sniff used until the model scanners' detector is installed."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return None
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "hdf5"
    if head.startswith(b"GGUF"):
        return "gguf"
    if head.startswith(b"\x93NUMPY"):
        return "numpy"
    if head[4:8] == b"TFL3":
        return "tflite"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "pickle"
    if len(head) >= 10:
        (length,) = struct.unpack("<Q", head[:8])
        if 0 < length < 100_000_000 and head[8:10] in (b'{"', b"{ ", b"{\n"):
            return "safetensors"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    return None


def _zip_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()[:10_000]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if any(n.endswith("/data.pkl") or n == "data.pkl" for n in names):
        return "pytorch"
    if "config.json" in names and any(n.endswith(".weights.h5") for n in names):
        return "keras"
    if any(n.endswith(".npy") for n in names) and all(n.endswith(".npy") for n in names):
        return "numpy"
    return None


def _detector() -> Callable[[Path], str | None]:
    try:
        from chainward.models.detect import detect_format
    except ImportError:
        return _sniff

    def detect(path: Path) -> str | None:
        try:
            result = detect_format(path)
        except Exception:  # a detector failure must not hide the rest of the inventory
            return _sniff(path)
        if result in (None, "", "unknown") or result in _CONTAINERS:
            return None  # a plain archive is not a model (a model inside one is named as such)
        return str(result)

    return detect


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def model_artifact(path: Path, fmt: str, *, shown: str | None = None) -> ModelArtifact:
    size = path.stat().st_size
    return ModelArtifact(shown or display(path), fmt, size, sha256_file(path))


def _hash_or_error(path: Path) -> str | OSError:
    try:
        return sha256_file(path)
    except OSError as exc:
        return exc


def find_models(files: Iterable[Path], *, hash_files: bool = True) -> Inventory:
    """The model files among ``files`` (regular files found by a directory walk).

    Formats are detected one by one (a few KB each); the hashes, which read every byte,
    run on a thread per core: hashlib releases the GIL, so several model files hash at
    disk speed instead of one core's SHA-256 speed. ``hash_files=False`` leaves
    ``sha256`` empty for callers that do not report it (``chainward scan``).
    """
    detect = _detector()
    found: list[tuple[Path, str, int]] = []
    skipped: list[Skipped] = []
    for path in files:
        suffix = path.suffix.lower()
        if suffix in _TEXT_SUFFIXES:
            continue
        try:
            size = os.path.getsize(path)
            if size < 8 or (suffix in _JSON_LIKE and size < 1 << 20):
                continue
            fmt = detect(path)
            if fmt is None:
                continue
            found.append((path, fmt, size))
        except OSError as exc:
            shown = display(path)
            skipped.append(Skipped(shown, f"cannot read: {exc.strerror}", Provenance(shown)))
    workers = max(1, min(len(found), os.cpu_count() or 1))
    if not hash_files:
        digests: list[str | OSError | None] = [None] * len(found)
    elif workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            digests = list(pool.map(_hash_or_error, [path for path, _, _ in found]))
    else:
        digests = [_hash_or_error(path) for path, _, _ in found]
    models: list[ModelArtifact] = []
    for (path, fmt, size), digest in zip(found, digests, strict=True):
        shown = display(path)
        if isinstance(digest, OSError):
            skipped.append(Skipped(shown, f"cannot read: {digest.strerror}", Provenance(shown)))
        else:
            models.append(ModelArtifact(shown, fmt, size, digest))
    return Inventory((), tuple(models), tuple(skipped))


__all__ = ["find_models", "model_artifact", "sha256_file"]
