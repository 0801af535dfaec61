"""The local Hugging Face hub cache, checked offline.

Layout (huggingface_hub): ``<cache>/models--ORG--NAME/`` holds ``blobs/`` (content
addressed: an LFS file's blob is named by the SHA-256 of its content, a regular
git file's blob by its git blob SHA-1), ``refs/<branch>`` (a commit hash) and
``snapshots/<commit>/`` whose files are relative symlinks into ``blobs/``.

:func:`check_cache` verifies every blob against its name and every snapshot link
against its target, so tampering with a cached file is reported per file without
any network access. :func:`resolve_repo` finds a repository's snapshot folder for a
revision, for ``chainward model lock org/name``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from chainward.integrity._files import open_regular
from chainward.integrity.errors import IntegrityError, Problem
from chainward.integrity.hashing import BUFFER_SIZE, HashAlgorithm, default_workers, digest_range

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_KINDS = ("models", "datasets", "spaces")


def default_cache_dir() -> Path:
    """``HF_HUB_CACHE``, else ``HF_HOME/hub``, else ``~/.cache/huggingface/hub``."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HUGGINGFACE_HUB_CACHE"):
        return Path(os.environ["HUGGINGFACE_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def is_commit(text: str | None) -> bool:
    return bool(text and _COMMIT.match(text))


def looks_like_repo_id(text: str) -> bool:
    spec = text.split("@", 1)[0]
    return bool(_REPO_ID.match(spec)) and not Path(text).exists()


def repo_folder_name(repo_id: str, kind: str = "models") -> str:
    return f"{kind}--{repo_id.replace('/', '--')}"


def repo_id_of(folder: Path) -> str | None:
    """``org/name`` of a ``models--org--name`` cache folder."""
    for kind in _KINDS:
        prefix = f"{kind}--"
        if folder.name.startswith(prefix):
            return folder.name[len(prefix) :].replace("--", "/")
    return None


@dataclass(frozen=True)
class Snapshot:
    """One revision of a cached repository."""

    repo_id: str
    revision: str
    path: Path
    repo_dir: Path
    requested: str


def resolve_repo(spec: str, cache_dir: Path | None = None) -> Snapshot:
    """``org/name[@revision]`` -> its snapshot folder in the local cache (no network)."""
    repo_id, _, wanted = spec.partition("@")
    wanted = wanted or "main"
    cache = cache_dir or default_cache_dir()
    repo_dir = next(
        (
            cache / repo_folder_name(repo_id, k)
            for k in _KINDS
            if (cache / repo_folder_name(repo_id, k)).is_dir()
        ),
        None,
    )
    if repo_dir is None:
        raise IntegrityError(
            f"{repo_id} is not in the local Hugging Face cache at {cache} "
            "(download it first, or pass --cache-dir)"
        )
    if is_commit(wanted):
        revision = wanted
    else:
        ref = repo_dir / "refs" / wanted
        try:
            revision = ref.read_text(encoding="utf-8").strip()
        except OSError:
            snaps = sorted(p.name for p in (repo_dir / "snapshots").glob(f"{wanted}*"))
            if len(snaps) == 1 and len(wanted) >= 7:
                revision = snaps[0]
            else:
                raise IntegrityError(
                    f"revision {wanted!r} of {repo_id} is not in the local cache"
                ) from None
        if not is_commit(revision):
            raise IntegrityError(f"cache ref {ref} does not hold a commit hash", path=str(ref))
    path = repo_dir / "snapshots" / revision
    if not path.is_dir():
        raise IntegrityError(f"snapshot {revision} of {repo_id} is not in the local cache")
    return Snapshot(repo_id, revision, path, repo_dir, wanted)


def snapshot_of(path: Path) -> Snapshot | None:
    """The snapshot a local path is (or lies in), when it is inside a hub cache."""
    resolved = Path(os.path.abspath(path))
    for candidate in (resolved, *resolved.parents):
        if candidate.parent.name == "snapshots":
            repo_dir = candidate.parent.parent
            repo_id = repo_id_of(repo_dir)
            if repo_id is not None and is_commit(candidate.name):
                return Snapshot(repo_id, candidate.name, candidate, repo_dir, candidate.name)
    return None


def git_blob_sha1(path: Path) -> str:
    """The git blob id of a file: SHA-1 of ``b"blob <size>\\0"`` + content."""
    hasher = hashlib.sha1(usedforsecurity=False)
    size = path.stat().st_size
    hasher.update(b"blob %d\0" % size)
    with open_regular(path) as fh:
        buffer = bytearray(BUFFER_SIZE)
        view = memoryview(buffer)
        while got := fh.readinto(buffer):
            hasher.update(view[:got])
    return hasher.hexdigest()


def _blob_problem(blob: Path) -> Problem | None:
    name = blob.name
    try:
        if _SHA256.match(name):
            size = blob.stat().st_size
            actual = digest_range(blob, 0, size, HashAlgorithm.SHA256, whole=True).hex()
        elif _COMMIT.match(name):
            actual = git_blob_sha1(blob)
        else:
            return None  # .incomplete downloads and foreign files are reported by the caller
    except (OSError, IntegrityError) as exc:
        return Problem("blob-unreadable", f"blob {name}: cannot be read ({exc})", name)
    if actual != name:
        return Problem("blob-tampered", f"blob {name}: content does not match its name", name)
    return None


@dataclass(frozen=True)
class CacheCheck:
    """Result of :func:`check_cache`: what was checked, and every problem found."""

    repos: tuple[str, ...]
    blobs_checked: int
    links_checked: int
    problems: tuple[Problem, ...]


def _repo_dirs(path: Path) -> Iterator[tuple[Path, Path | None]]:
    """(repo folder, snapshot to restrict to) for a cache, a repo folder or a snapshot."""
    snap = snapshot_of(path)
    if snap is not None:
        yield snap.repo_dir, snap.path
        return
    if (path / "blobs").is_dir() or (path / "snapshots").is_dir():
        yield path, None
        return
    found = False
    for child in sorted(path.iterdir()) if path.is_dir() else []:
        if repo_id_of(child) is not None and child.is_dir():
            found = True
            yield child, None
    if not found:
        raise IntegrityError(
            "not a Hugging Face cache, cache repository or snapshot folder", path=str(path)
        )


def _link_problems(snapshot: Path, blobs: Path) -> tuple[int, list[Problem]]:
    problems: list[Problem] = []
    count = 0
    blobs_real = os.path.realpath(blobs)
    for dirpath, dirnames, filenames in os.walk(snapshot):
        dirnames.sort()
        for fname in sorted(
            filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        ):
            full = os.path.join(dirpath, fname)
            rel = os.path.relpath(full, snapshot.parent.parent)
            count += 1
            if not os.path.islink(full):
                problems.append(
                    Problem(
                        "unlinked-file",
                        f"{rel}: is a regular file, not a link into blobs/ (cannot be checked)",
                        rel,
                    )
                )
                continue
            target = os.path.realpath(full)
            if os.path.dirname(target) != blobs_real:
                problems.append(
                    Problem(
                        "link-escapes",
                        f"{rel}: links outside the repository's blobs/ ({target})",
                        rel,
                    )
                )
                continue
            if not os.path.isfile(target):
                problems.append(Problem("blob-missing", f"{rel}: its blob is missing", rel))
                continue
    return count, problems


def check_cache(path: Path, *, workers: int | None = None) -> CacheCheck:
    """Check blobs against their names and snapshot links against blobs/ (offline)."""
    if not path.exists():
        raise IntegrityError("no such folder", path=str(path))
    problems: list[Problem] = []
    repos: list[str] = []
    blobs_to_check: list[tuple[Path, list[str]]] = []
    links = 0
    for repo_dir, only in _repo_dirs(path):
        repos.append(repo_id_of(repo_dir) or repo_dir.name)
        blobs = repo_dir / "blobs"
        users: dict[str, list[str]] = {}
        snapshots = [only] if only is not None else sorted((repo_dir / "snapshots").glob("*"))
        for snap in snapshots:
            if not snap.is_dir():
                continue
            count, found = _link_problems(snap, blobs)
            links += count
            problems.extend(found)
            for dirpath, _dirs, files in os.walk(snap):
                for fname in files:
                    full = os.path.join(dirpath, fname)
                    if os.path.islink(full):
                        users.setdefault(os.path.basename(os.path.realpath(full)), []).append(
                            os.path.relpath(full, repo_dir)
                        )
        names = (
            sorted(users)
            if only is not None
            else sorted(p.name for p in blobs.iterdir() if p.is_file())
            if blobs.is_dir()
            else []
        )
        for name in names:
            blob = blobs / name
            if blob.is_file():
                blobs_to_check.append((blob, users.get(name, [])))
    count = min(workers or default_workers(), max(1, len(blobs_to_check)))
    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(lambda item: _blob_problem(item[0]), blobs_to_check))
    for (_blob, used_by), problem in zip(blobs_to_check, results, strict=True):
        if problem is None:
            continue
        if used_by:
            for rel in used_by:
                problems.append(Problem(problem.rule, f"{rel}: {problem.message}", rel))
        else:
            problems.append(problem)
    return CacheCheck(tuple(repos), len(blobs_to_check), links, tuple(problems))


__all__ = [
    "CacheCheck",
    "Snapshot",
    "check_cache",
    "default_cache_dir",
    "git_blob_sha1",
    "is_commit",
    "looks_like_repo_id",
    "repo_id_of",
    "resolve_repo",
    "snapshot_of",
]
