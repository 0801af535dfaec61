"""``scan(path)``: detect each file's format by content and run its scanner.

Directories are walked in one process. Symbolic links are followed when they
stay inside the scanned tree, or inside the Hugging Face cache repository the
tree belongs to (``models--org--name/snapshots/REV/x`` -> ``../../blobs/SHA``);
links leading elsewhere are reported and not followed unless
``ScanOptions(follow_symlinks=True)``.
"""

from __future__ import annotations

import gc
import os
import struct
import time
import zlib
from collections.abc import Iterator, Sequence

from chainward._internal import import_module
from chainward.models.context import BudgetError, ScanContext, Source, lzma_error
from chainward.models.detect import SAVED_MODEL_FILES, ZIP_END_MAGIC, detect_format, path_text
from chainward.models.interface import (
    FileResult,
    FormatScanner,
    ModelScanError,
    ScanOptions,
    ScanResult,
    verdict_of,
)
from chainward.records import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from chainward.models.detect import StrPath

# format -> "module:Class"
_REGISTRY: dict[str, str] = {
    "pickle": "chainward.models.pickles:PickleScanner",
    "numpy": "chainward.models.pickles:NumpyScanner",
    "joblib": "chainward.models.pickles:JoblibScanner",
    "pytorch": "chainward.models.torch:TorchScanner",
    "zip": "chainward.models.containers:ZipScanner",
    "npz": "chainward.models.containers:ZipScanner",
    "tar": "chainward.models.containers:TarScanner",
    "7z": "chainward.models.containers:SevenZipScanner",
    "gzip": "chainward.models.containers:CompressedScanner",
    "bz2": "chainward.models.containers:CompressedScanner",
    "xz": "chainward.models.containers:CompressedScanner",
    "lzma": "chainward.models.containers:CompressedScanner",
    "zlib": "chainward.models.containers:CompressedScanner",
    "zstd": "chainward.models.containers:CompressedScanner",
    "lz4": "chainward.models.containers:CompressedScanner",
    "safetensors": "chainward.models.safetensors:SafetensorsScanner",
    "gguf": "chainward.models.gguf:GgufScanner",
    "onnx": "chainward.models.onnx:OnnxScanner",
    "tf-savedmodel": "chainward.models.tf:SavedModelScanner",
    "tf-graphdef": "chainward.models.tf:SavedModelScanner",
    "keras": "chainward.models.keras:KerasScanner",
    "keras-config": "chainward.models.keras:KerasConfigScanner",
    "hdf5": "chainward.models.keras:Hdf5Scanner",
    "tflite": "chainward.models.tflite:TfliteScanner",
}
_CACHE: dict[str, FormatScanner] = {}


class NoCodeScanner(FormatScanner):
    """Formats that carry no code path we know of (TFLite flatbuffers)."""

    formats = ("tflite",)

    def scan(self, source: Source, ctx: ScanContext) -> None:
        return None


def scanner_for(fmt: str) -> FormatScanner | None:
    target = _REGISTRY.get(fmt)
    if target is None:
        return None
    if target not in _CACHE:
        module_name, _, attr = target.partition(":")
        _CACHE[target] = getattr(import_module(module_name), attr)()
    return _CACHE[target]


# formats that are ZIP archives themselves, or check what follows their data (pickle)
_OWN_ZIP_FORMATS = frozenset({"zip", "npz", "keras", "pickle"})


def _ends_like_a_zip(source: Source) -> bool:
    """An end-of-central-directory record in the last 64 KB (read before importing the
    archive readers, which most files never need)."""
    if source.size < 22:
        return False
    with source.open() as fh:
        fh.seek(max(0, source.size - 22 - 65535))
        return ZIP_END_MAGIC in fh.read()


def dispatch(source: Source, ctx: ScanContext) -> None:
    """Scan ``source`` with the scanner of its (already detected) format."""
    fmt = source.format or source.detect()
    if fmt is None:
        return
    source.format = fmt
    ctx.formats.append(fmt)
    scanner = scanner_for(fmt)
    if scanner is None:
        ctx.error(source.display, f"no scanner for format {fmt!r}")
        return
    try:
        scanner.scan(source, ctx)
        zip_itself = fmt in _OWN_ZIP_FORMATS or source.head(4) == b"PK\x03\x04"
        if not zip_itself and _ends_like_a_zip(source):
            from chainward.models.containers import scan_appended_zip

            scan_appended_zip(source, ctx, after=0, front=fmt)
    except BudgetError as exc:
        ctx.add("decompression-bomb", Severity.MEDIUM, f"not fully scanned: {exc}", source.display)
    except (OSError, EOFError, ValueError, MemoryError, RecursionError, IndexError, KeyError,
            struct.error, zlib.error, lzma_error(), OverflowError) as exc:  # fmt: skip
        ctx.error(source.display, f"could not be scanned: {type(exc).__name__}: {exc}")


def scan_source(source: Source, options: ScanOptions | None = None) -> FileResult:
    options = options or ScanOptions()
    ctx = ScanContext(options, source.display)
    ctx._dispatch = dispatch
    try:
        dispatch(source, ctx)
    except Exception as exc:  # a scanner bug must not hide other files' results
        ctx.errored = True
        ctx.add(
            "internal-error",
            Severity.LOW,
            f"internal error while scanning: {type(exc).__name__}: {exc}",
            source.display,
        )
    findings = tuple(ctx.findings)
    return FileResult(
        source.display,
        source.format,
        verdict_of(findings, errored=ctx.errored),
        findings,
        source.size,
    )


def scan_bytes(
    data: bytes, name: str = "<bytes>", options: ScanOptions | None = None
) -> FileResult:
    """Scan a model held in memory (``name`` is only used in messages)."""
    return scan_source(Source.from_bytes(name, data), options)


def scan(path: StrPath | Sequence[StrPath], options: ScanOptions | None = None) -> ScanResult:
    """Scan model files, directories (recursively) and archives; never loads anything.

    Raises :class:`ModelScanError` for a path that does not exist or cannot be
    read; anything wrong *inside* a file becomes a finding on that file. Folders
    with many files are scanned by a pool of worker processes (``options.jobs``);
    the result is the same, in the same order, as a scan in one process.
    """
    options = options or ScanOptions()
    paths = [path_text(p) for p in path] if isinstance(path, list | tuple) else [path_text(path)]  # type: ignore[arg-type]
    collecting = gc.isenabled()
    gc.disable()  # scanning allocates much and frees it by reference counting
    try:
        return _scan_paths(paths, options)
    finally:
        if collecting:
            gc.enable()


# A planned entry: a finished result, or a walked file to detect and scan
# (path, display, key); key is the (device, inode) of what the path leads to.
_Job = tuple[str, str, tuple[int, int] | None]
_Planned = FileResult | _Job

# formats whose scan does not look at neighbouring files: a second path to the same
# file (Hugging Face snapshot links to blobs/) can reuse the first path's result
PATH_INDEPENDENT = frozenset(
    {"pickle", "pytorch", "numpy", "npz", "joblib", "safetensors", "gguf", "tflite"}
    | {"zip", "tar", "7z", "gzip", "bz2", "xz", "lzma", "zlib", "zstd", "lz4"}
)


def _scan_paths(paths: list[str], options: ScanOptions) -> ScanResult:
    plan: list[_Planned] = []
    for root in paths:
        if not os.path.lexists(root):
            raise ModelScanError("no such file or directory", path=root)
        if os.path.isdir(root):
            saved = next(
                (
                    os.path.join(root, n)
                    for n in SAVED_MODEL_FILES
                    if os.path.isfile(os.path.join(root, n))
                ),
                None,
            )
            if saved is not None:
                plan.append(_scan_file(saved, options, root, "tf-savedmodel"))
            for file, problem in _walk(root, options):
                if problem is not None:
                    plan.append(problem)
                    continue
                folder, name = os.path.split(file)
                if name in SAVED_MODEL_FILES and folder == root:
                    continue
                plan.append((file, file, _file_key(file)))
        else:
            if not os.path.isfile(root):
                raise ModelScanError("not a regular file or directory", path=root)
            fmt = detect_format(root)
            if fmt is None:
                try:
                    with open(root, "rb"):
                        pass
                except OSError as exc:
                    raise ModelScanError(f"cannot read: {exc.strerror}", path=root) from None
            plan.append(_scan_file(root, options, root, fmt))
    jobs = [item for item in plan if isinstance(item, tuple)]
    results = _run_jobs(jobs, options)
    files: list[FileResult] = []
    skipped: list[str] = []
    for item in plan:
        if isinstance(item, FileResult):
            files.append(item)
            continue
        result = results[id(item)]
        if result is None:
            skipped.append(item[1])
        else:
            files.append(result)
    return ScanResult(tuple(files), tuple(skipped))


def _file_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def scan_walked(path: StrPath, display: str, options: ScanOptions) -> FileResult | None:
    """Detect and scan one file found in a folder; None if it is not a model file."""
    path = os.fspath(path)
    fmt = detect_format(path)
    if fmt is None:
        return None
    return _scan_file(path, options, display, fmt)


def _run_jobs(jobs: list[_Job], options: ScanOptions) -> dict[int, FileResult | None]:
    """Scan every job once per file (links to a file already scanned reuse its result)."""
    first: dict[tuple[int, int], _Job] = {}
    unique: list[_Job] = []
    aliases: list[_Job] = []
    for job in jobs:
        key = job[2]
        if key is not None and key in first:
            aliases.append(job)
            continue
        if key is not None:
            first[key] = job
        unique.append(job)
    results: dict[int, FileResult | None] = {}
    for job, result in zip(unique, _scan_many(unique, options), strict=True):
        results[id(job)] = result
    rescan: list[_Job] = []
    for job in aliases:
        assert job[2] is not None
        seen = results[id(first[job[2]])]
        if seen is None:
            results[id(job)] = None
        elif seen.format in PATH_INDEPENDENT:
            results[id(job)] = _repath(seen, first[job[2]][1], job[1])
        else:
            rescan.append(job)
    for job, result in zip(rescan, _scan_many(rescan, options), strict=True):
        results[id(job)] = result
    return results


def _scan_many(jobs: list[_Job], options: ScanOptions) -> list[FileResult | None]:
    workers = 1
    if len(jobs) > 1 and options.jobs != 1:
        from chainward.models import parallel

        workers = parallel.workers_for(len(jobs), options.jobs)
    if workers <= 1:
        return [scan_walked(path, display, options) for path, display, _key in jobs]
    from chainward.models import parallel

    out: list[FileResult | None] = [None] * len(jobs)
    pending = list(range(len(jobs)))
    if options.jobs <= 0:
        # automatic: the smallest files first, here, for a moment; a pool only pays for
        # itself when work is left after that (a folder of small files is done by then)
        pending.sort(key=lambda i: parallel.file_size(jobs[i][0]))
        deadline = time.perf_counter() + parallel.SERIAL_SECONDS
        done = 0
        while done < len(pending) and time.perf_counter() < deadline:
            path, display, _key = jobs[pending[done]]
            out[pending[done]] = scan_walked(path, display, options)
            done += 1
        pending = pending[done:]
    if len(pending) > 1:
        rest = [(jobs[i][0], jobs[i][1]) for i in pending]
        workers = min(workers, len(pending))
        for index, result in zip(
            pending, parallel.scan_in_pool(rest, options, workers), strict=True
        ):
            out[index] = result
    elif pending:
        path, display, _key = jobs[pending[0]]
        out[pending[0]] = scan_walked(path, display, options)
    return out


def _repath(result: FileResult, old: str, new: str) -> FileResult:
    """``result`` as if the file had been scanned under the name ``new``."""

    def moved(text: str) -> str:
        if text == old or text.startswith(old + "!"):
            return new + text[len(old) :]
        return text

    findings = tuple(
        f.replace(
            subject=moved(f.subject),
            location=None
            if f.location is None
            else f.location.replace(path=moved(f.location.path)),
        )
        for f in result.findings
    )
    return result.replace(path=new, findings=findings)


def _scan_file(path: str, options: ScanOptions, display: str, fmt: str | None) -> FileResult:
    try:
        source = Source.from_path(path, display)
    except OSError as exc:
        from chainward.models.interface import finding

        item = finding("scan-error", Severity.LOW, f"cannot read: {exc.strerror}", display)
        return FileResult(display, None, verdict_of([item], errored=True), (item,))
    if fmt is None:
        from chainward.models.interface import finding

        item = finding(
            "unknown-format",
            Severity.LOW,
            "not a model format chainward recognises; nothing was analysed",
            display,
        )
        return FileResult(display, None, verdict_of([item], errored=True), (item,), source.size)
    source.format = fmt
    return scan_source(source, options)


def _hf_repo_root(path: str) -> str | None:
    """The ``models--org--name`` folder ``path`` (a resolved path) lies in, if any."""
    while True:
        parent, name = os.path.split(path)
        if name.startswith(("models--", "datasets--", "spaces--")):
            return path
        if parent == path:
            return None
        path = parent


def _link_target(path: str, real_dirs: dict[str, str], hops: int = 0) -> str:
    """``os.path.realpath(path)``, with each folder resolved once.

    A Hugging Face snapshot holds one ``../../blobs/<sha>`` link per file: climbing out
    of a folder already resolved is plain string work; any other shape of link (or a
    chain longer than the system's 40) goes to ``realpath``.
    """
    folder, name = os.path.split(path)
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.realpath(folder)
    full = os.path.join(real, name)
    if not os.path.islink(full):
        return full
    try:
        link = os.readlink(full)
    except OSError:
        return os.path.realpath(full)
    parts = link.split("/")
    ups = 0
    while ups < len(parts) and parts[ups] == "..":
        ups += 1
    rest = parts[ups:]
    if hops >= 40 or os.path.isabs(link) or not rest or any(p in ("", ".", "..") for p in rest):
        return os.path.realpath(full)
    base = real
    for _ in range(ups):
        base = os.path.dirname(base)
    return _link_target(os.path.join(base, *rest), real_dirs, hops + 1)


def _walk(root: str, options: ScanOptions) -> Iterator[tuple[str, FileResult | None]]:
    """Files under ``root`` (sorted), following links that stay in bounds."""
    # plain strings: a Hugging Face cache has a link per file, and pathlib's
    # resolve()/parents cost more than scanning the small files they point to
    root_real = os.path.realpath(root)
    hf_root = _hf_repo_root(root_real)
    allowed = [root_real] + ([hf_root] if hf_root else [])
    prefixes = tuple(a.rstrip(os.sep) + os.sep for a in allowed)
    seen_dirs: set[tuple[int, int]] = set()
    real_dirs: dict[str, str] = {}
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            st = os.stat(directory)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                continue
            seen_dirs.add(key)
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[str] = []
        for entry in entries:
            if entry.is_symlink():
                target = _link_target(entry.path, real_dirs)
                inside = target in allowed or target.startswith(prefixes)
                if not inside and not options.follow_symlinks:
                    from chainward.models.interface import finding

                    item = finding(
                        "symlink-outside",
                        Severity.LOW,
                        f"symbolic link to {target} leaves the scanned tree; not followed "
                        "(use --follow-symlinks)",
                        entry.path,
                    )
                    yield (
                        entry.path,
                        FileResult(item.subject, None, verdict_of([item]), (item,)),
                    )
                    continue
                if not os.path.exists(target):
                    continue
            if entry.is_dir(follow_symlinks=True):
                if entry.name not in (".git", "__pycache__"):
                    subdirs.append(entry.path)
            elif entry.is_file(follow_symlinks=True):
                yield entry.path, None
        stack.extend(reversed(subdirs))


__all__ = ["dispatch", "scan", "scan_bytes", "scan_source", "scan_walked", "scanner_for"]
