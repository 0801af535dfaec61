"""``chainward db update``: download an OSV export over HTTP(S) and apply it.

The export is streamed to a temporary file beside the database (with a progress bar on
stderr), then imported in one transaction; the database is never touched before the
download is complete and its size checked. Conditional requests (``If-None-Match`` /
``If-Modified-Since``, remembered per URL) make a repeated update cheap. The writer
lock is held throughout, so concurrent updates run one after the other.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from chainward import __version__
from chainward.errors import NetworkError
from chainward.vulndb.interface import ImportStats
from chainward.vulndb.loader import iter_entries
from chainward.vulndb.store import SqliteAdvisoryStore, writer_lock

# OSV's public bucket: the per-ecosystem export for PyPI.
DEFAULT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
MAX_DOWNLOAD_BYTES = 2 * 1024 * 1024 * 1024

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class UpdateResult:
    url: str
    modified: bool
    downloaded: int = 0
    stats: ImportStats | None = None


def _meta_keys(url: str) -> tuple[str, str]:
    return f"http.etag:{url}", f"http.last_modified:{url}"


@contextlib.contextmanager
def _temporary(directory: Path) -> Iterator[Path]:
    # Downloads of killed runs are left behind; the writer lock is held, so none is live.
    for stale in directory.glob(".download-*.zip"):
        stale.unlink(missing_ok=True)
    path = directory / f".download-{os.getpid()}.zip"
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _download(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    target: Path,
    progress: Progress | None,
) -> tuple[int, httpx.Headers] | None:
    """Stream ``url`` to ``target``; None when the server answered 304."""
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 304:
            return None
        if response.status_code != 200:
            raise NetworkError(f"{url}: server answered HTTP {response.status_code}")
        declared = response.headers.get("content-length")
        total = int(declared) if declared and declared.isdigit() else None
        if total is not None and total > MAX_DOWNLOAD_BYTES:
            raise NetworkError(f"{url}: export of {total} bytes exceeds the 2 GiB limit")
        received = 0
        with target.open("wb") as handle:
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > MAX_DOWNLOAD_BYTES:
                    raise NetworkError(f"{url}: export exceeds the 2 GiB limit")
                handle.write(chunk)
                if progress is not None:
                    progress(received, total)
            handle.flush()
            os.fsync(handle.fileno())
        if total is not None and received != total:
            raise NetworkError(f"{url}: download incomplete ({received} of {total} bytes)")
        return received, response.headers


def update(
    store: SqliteAdvisoryStore,
    url: str = DEFAULT_URL,
    *,
    timeout: float = 60.0,
    progress: Progress | None = None,
    force: bool = False,
) -> UpdateResult:
    """Download the export at ``url`` and overlay it on ``store``, all or nothing."""
    if not url.startswith(("http://", "https://")):
        raise NetworkError(f"unsupported URL {url!r} (http or https; use 'db import' for files)")
    etag_key, modified_key = _meta_keys(url)
    with writer_lock(store.path):
        headers = {"User-Agent": f"chainward/{__version__}"}
        if not force:
            etag, last_modified = store.meta(etag_key), store.meta(modified_key)
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        with _temporary(store.path.parent) as target:
            try:
                with httpx.Client(
                    timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
                    follow_redirects=True,
                ) as client:
                    outcome = _download(client, url, headers, target, progress)
            except httpx.TimeoutException:
                raise NetworkError(f"{url}: timed out after {timeout:g} s without data") from None
            except httpx.HTTPError as exc:
                detail = " ".join(str(exc).split()) or exc.__class__.__name__
                raise NetworkError(f"{url}: download failed: {detail}") from None
            if outcome is None:
                return UpdateResult(url, modified=False)
            size, response_headers = outcome
            meta = {}
            if response_headers.get("etag"):
                meta[etag_key] = response_headers["etag"]
            if response_headers.get("last-modified"):
                meta[modified_key] = response_headers["last-modified"]
            stats = store.import_entries(iter_entries(target), source=url, meta=meta)
    return UpdateResult(url, modified=True, downloaded=size, stats=stats)


__all__ = ["DEFAULT_URL", "UpdateResult", "update"]
