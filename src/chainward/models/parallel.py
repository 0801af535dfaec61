"""Scan the files of a folder in worker processes, results in input order.

Workers are forked (they inherit the imported scanners, so starting one costs a
few milliseconds), get the biggest files first so that no worker is left with a
large file at the end, and send back plain results. A pool is used only when
there are enough files to pay for it, the platform can fork, and the calling
process runs no other threads (forking a threaded process can deadlock). If a
worker dies, the files it had not finished are scanned in this process.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chainward.models.interface import FileResult, ScanOptions

MIN_FILES = 24  # below this a pool costs more than it saves
# automatic mode scans the smallest files in the calling process for this long first:
# starting workers (fork, the pool's imports, sending results back) costs ~50 ms
SERIAL_SECONDS = 0.15
MAX_WORKERS = 32

_OPTIONS: ScanOptions | None = None


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


def workers_for(count: int, requested: int) -> int:
    """How many worker processes to scan ``count`` files with (1: in this process)."""
    if requested == 1 or count < 2 or not can_fork():
        return 1
    if requested <= 0:
        if count < MIN_FILES:
            return 1
        requested = cpu_count()
    return max(1, min(requested, count, MAX_WORKERS))


def scan_in_pool(
    jobs: list[tuple[str, str]], options: ScanOptions, workers: int
) -> list[FileResult | None]:
    """``scan_walked`` on every (path, display) in ``workers`` processes, in input order."""
    import multiprocessing  # only here: the pool machinery costs ~20 ms to import
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from chainward.models.scanner import scan_walked

    order = sorted(range(len(jobs)), key=lambda i: -file_size(jobs[i][0]))
    out: list[FileResult | None] = [None] * len(jobs)
    done = [False] * len(jobs)
    chunk = max(1, min(8, len(jobs) // (workers * 8)))
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init, initargs=(options,)
        ) as pool:
            tasks = [(i, str(jobs[i][0]), jobs[i][1]) for i in order]
            for index, result in pool.map(_work, tasks, chunksize=chunk):
                out[index] = result
                done[index] = True
    except BrokenProcessPool:
        pass
    for index, finished in enumerate(done):
        if not finished:
            path, display = jobs[index]
            out[index] = scan_walked(path, display, options)
    return out


def file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _init(options: ScanOptions) -> None:
    global _OPTIONS
    _OPTIONS = options


def _work(task: tuple[int, str, str]) -> tuple[int, FileResult | None]:
    from chainward.models.scanner import scan_walked

    index, path, display = task
    assert _OPTIONS is not None
    return index, scan_walked(path, display, _OPTIONS)


__all__ = [
    "MIN_FILES",
    "SERIAL_SECONDS",
    "can_fork",
    "cpu_count",
    "file_size",
    "scan_in_pool",
    "workers_for",
]
