"""The model lock file: what every model file must be, checked cheaply on every load.

``chainward model lock`` writes a TOML file listing, per model, where it came from
(a local folder, or a Hugging Face repository at an exact commit resolved from the
local cache), every file's size and digest, its format and the model scanner's
verdict when available. :func:`check_lock` compares a model with its entry and
names every changed, missing and extra file; an entry that does not pin an exact
revision is drift too.

Re-verification is incremental: after a check, the digest computed for each file
is remembered with the file's (size, mtime, ctime, inode) in chainward's data
folder; a later check re-hashes only files whose stat changed. ``full=True``
ignores that memory. (A user who can rewrite chainward's data folder can poison
it; use ``full`` where that matters.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward import __version__
from chainward._internal.paths import data_dir
from chainward.integrity._files import write_atomic
from chainward.integrity.errors import IntegrityError, Problem, VerificationError
from chainward.integrity.hashing import HashAlgorithm, Piece, hash_pieces
from chainward.integrity.hfcache import (
    is_commit,
    looks_like_repo_id,
    resolve_repo,
    snapshot_of,
)
from chainward.integrity.walk import ModelFile, ModelTree, relative_ignore, walk_model

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_log = logging.getLogger(__name__)

LOCK_VERSION = 1
DEFAULT_LOCK_NAME = "chainward-models.lock"
_MAX_LOCK_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class LockedFile:
    path: str
    size: int
    digest: str
    format: str | None = None
    verdict: str | None = None


@dataclass(frozen=True)
class LockedModel:
    """One model's entry in the lock file."""

    name: str
    source: str  # "local" or "huggingface"
    algorithm: HashAlgorithm
    files: tuple[LockedFile, ...]
    path: str | None = None
    repo: str | None = None
    revision: str | None = None
    format: str | None = None
    verdict: str | None = None

    def root_digest(self) -> str:
        """SHA-256 over the file digests in name order, as the OMS root digest is made."""
        hasher = hashlib.sha256()
        for f in sorted(self.files, key=lambda f: f.path):
            hasher.update(bytes.fromhex(f.digest))
        return hasher.hexdigest()

    @property
    def key(self) -> str:
        return f"hf:{self.repo}" if self.source == "huggingface" else f"local:{self.path}"


@dataclass(frozen=True)
class LockFile:
    models: tuple[LockedModel, ...] = ()
    generator: str = field(default=f"chainward {__version__}")


# -- TOML ---------------------------------------------------------------------------


def _toml_str(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_str(value)
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dumps(lock: LockFile) -> str:
    lines = [
        "# chainward model lock file: verify with `chainward model verify PATH --lock FILE`",
        f"version = {LOCK_VERSION}",
        f"generator = {_toml_str(lock.generator)}",
    ]
    for model in sorted(lock.models, key=lambda m: m.key):
        lines += ["", "[[models]]"]
        fields: list[tuple[str, object]] = [
            ("name", model.name),
            ("source", model.source),
            ("path", model.path),
            ("repo", model.repo),
            ("revision", model.revision),
            ("format", model.format),
            ("verdict", model.verdict),
            ("algorithm", model.algorithm.value),
            ("root_digest", model.root_digest()),
        ]
        lines += [f"{k} = {_toml_value(v)}" for k, v in fields if v is not None]
        for f in model.files:
            lines += ["", "[[models.files]]"]
            row: list[tuple[str, object]] = [
                ("path", f.path),
                ("size", f.size),
                ("digest", f.digest),
                ("format", f.format),
                ("verdict", f.verdict),
            ]
            lines += [f"{k} = {_toml_value(v)}" for k, v in row if v is not None]
    return "\n".join(lines) + "\n"


def _field(
    table: dict[str, Any], key: str, kind: type, where: str, *, required: bool = True
) -> Any:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise IntegrityError(f"lock file: {where}: {key!r} must be a {kind.__name__}")
    return value


def loads(text: str, *, source: str = "lock file") -> LockFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise IntegrityError(f"not a valid TOML lock file ({exc})", path=source) from None
    version = data.get("version")
    if version != LOCK_VERSION:
        raise IntegrityError(f"unsupported lock file version {version!r}", path=source)
    models = []
    raw_models = data.get("models", [])
    if not isinstance(raw_models, list):
        raise IntegrityError("lock file: 'models' must be an array of tables", path=source)
    for index, raw in enumerate(raw_models):
        where = f"models[{index}]"
        if not isinstance(raw, dict):
            raise IntegrityError(f"lock file: {where} is not a table", path=source)
        files = []
        for j, rf in enumerate(raw.get("files", [])):
            fw = f"{where}.files[{j}]"
            if not isinstance(rf, dict):
                raise IntegrityError(f"lock file: {fw} is not a table", path=source)
            digest = _field(rf, "digest", str, fw).lower()
            try:
                bytes.fromhex(digest)
            except ValueError:
                raise IntegrityError(f"lock file: {fw}: malformed digest", path=source) from None
            files.append(
                LockedFile(
                    path=_field(rf, "path", str, fw),
                    size=_field(rf, "size", int, fw),
                    digest=digest,
                    format=_field(rf, "format", str, fw, required=False),
                    verdict=_field(rf, "verdict", str, fw, required=False),
                )
            )
        source_kind = _field(raw, "source", str, where)
        if source_kind not in ("local", "huggingface"):
            raise IntegrityError(f"lock file: {where}: unknown source {source_kind!r}", path=source)
        models.append(
            LockedModel(
                name=_field(raw, "name", str, where),
                source=source_kind,
                algorithm=HashAlgorithm.parse(_field(raw, "algorithm", str, where)),
                files=tuple(files),
                path=_field(raw, "path", str, where, required=False),
                repo=_field(raw, "repo", str, where, required=False),
                revision=_field(raw, "revision", str, where, required=False),
                format=_field(raw, "format", str, where, required=False),
                verdict=_field(raw, "verdict", str, where, required=False),
            )
        )
        root = _field(raw, "root_digest", str, where, required=False)
        if root is not None and root.lower() != models[-1].root_digest():
            raise IntegrityError(
                f"lock file: {where}: root_digest does not match the file digests "
                "(edited by hand? re-lock the model)",
                path=source,
            )
        names = [f.path for f in files]
        if len(set(names)) != len(names):
            raise IntegrityError(f"lock file: {where}: a file is listed twice", path=source)
    return LockFile(models=tuple(models), generator=str(data.get("generator", "")))


def read_lock(path: Path) -> LockFile:
    try:
        if path.stat().st_size > _MAX_LOCK_BYTES:
            raise IntegrityError("lock file is too large", path=str(path))
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IntegrityError(f"cannot read lock file: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError:
        raise IntegrityError("lock file is not UTF-8 text", path=str(path)) from None
    return loads(text, source=str(path))


def write_lock(path: Path, lock: LockFile) -> None:
    write_atomic(path, dumps(lock).encode("utf-8"))


# -- verified-state memory ----------------------------------------------------------

_Stat = tuple[int, int, int, int]


def _stat_key(f: ModelFile) -> _Stat:
    st = os.stat(f.path)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _state_path(model_root: Path, algorithm: HashAlgorithm) -> Path:
    key = hashlib.sha256(f"{os.path.abspath(model_root)}\0{algorithm.value}".encode()).hexdigest()
    return data_dir() / "integrity-state" / f"{key[:32]}.json"


def _load_state(path: Path) -> dict[str, tuple[_Stat, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {k: (tuple(v[0]), v[1]) for k, v in data.items()}  # type: ignore[misc]
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return {}


def _save_state(path: Path, state: dict[str, tuple[_Stat, str]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({k: [list(v[0]), v[1]] for k, v in state.items()}).encode())
    except (OSError, IntegrityError):
        pass  # the memory is an optimisation; failing to keep it must not fail the check


def digest_tree(
    tree: ModelTree,
    algorithm: HashAlgorithm,
    *,
    names: Iterable[str] | None = None,
    full: bool = False,
    workers: int | None = None,
) -> tuple[dict[str, str], int]:
    """Hex digest of each file (restricted to ``names``), re-hashing only changed ones.

    Returns (digests, number of files actually hashed).
    """
    wanted = set(names) if names is not None else None
    files = [f for f in tree.files if wanted is None or f.name in wanted]
    state_file = _state_path(tree.root, algorithm)
    state = {} if full else _load_state(state_file)
    digests: dict[str, str] = {}
    stats: dict[str, _Stat] = {}
    work: list[Piece] = []
    for f in files:
        try:
            stats[f.name] = _stat_key(f)
        except OSError:
            raise IntegrityError("file vanished during the check", path=str(f.path)) from None
        cached = state.get(f.name)
        if cached is not None and cached[0] == stats[f.name]:
            digests[f.name] = cached[1]
        else:
            work.append(Piece(f, 0, f.size, False))
    for name, raw in hash_pieces(work, algorithm, workers=workers).items():
        digests[name] = raw.hex()
    new_state = {n: (stats[n], d) for n, d in digests.items()}
    if full or work or set(new_state) != set(state):
        _save_state(state_file, {**state, **new_state})
    return digests, len(work)


# -- locking and checking -----------------------------------------------------------


def _detect_format(path: Path) -> str | None:
    try:
        from chainward.models.detect import detect_format
    except ImportError:
        return None
    try:
        return detect_format(path)
    except Exception:  # a detector bug must not stop locking
        return None


#: model root -> (the model's verdict, {file name: verdict}) from the model scanner
Scanner = Callable[[Path], "tuple[str | None, dict[str, str]]"]


def model_scanner() -> Scanner | None:
    """chainward's model scanner as a lock :data:`Scanner`, when it is installed."""
    try:
        from chainward.models.scanner import scan
    except ImportError:
        return None

    def run(root: Path) -> tuple[str | None, dict[str, str]]:
        try:
            result = scan(root)
        except Exception as exc:  # the verdict is optional; a scanner failure must not stop locking
            _log.warning("model scanner failed on %s (%s); no verdict recorded", root, exc)
            return None, {}
        per_file: dict[str, str] = {}
        for item in result.files:
            rel = os.path.relpath(item.path, root) if root.is_dir() else root.name
            per_file[Path(rel).as_posix()] = item.verdict.value
        return result.verdict.value, per_file

    return run


def _main_format(files: Sequence[tuple[LockedFile, int]]) -> str | None:
    best = max((f for f in files if f[0].format), key=lambda f: f[1], default=None)
    return best[0].format if best else None


@dataclass(frozen=True)
class ResolvedModel:
    """Where a lock entry's files are on disk now."""

    root: Path
    source: str
    name: str
    path: str | None = None
    repo: str | None = None
    revision: str | None = None


def resolve_target(target: str, *, lock_dir: Path, cache_dir: Path | None = None) -> ResolvedModel:
    """A command-line model argument: a local path, or ``org/name[@revision]``."""
    local = Path(target)
    if local.exists() or not looks_like_repo_id(target):
        if not local.exists():
            raise IntegrityError("no such model file or folder", path=target)
        snap = snapshot_of(local)
        if snap is not None:
            return ResolvedModel(
                snap.path, "huggingface", snap.repo_id, None, snap.repo_id, snap.revision
            )
        try:
            rel = os.path.relpath(os.path.abspath(local), os.path.abspath(lock_dir))
        except ValueError:  # another drive on Windows
            rel = os.path.abspath(local)
        name = Path(os.path.abspath(local)).name
        return ResolvedModel(local, "local", name, Path(rel).as_posix())
    snap = resolve_repo(target, cache_dir)
    return ResolvedModel(snap.path, "huggingface", snap.repo_id, None, snap.repo_id, snap.revision)


def _tree_for(root: Path, lock_path: Path | None) -> ModelTree:
    ignore = []
    if lock_path is not None and root.is_dir():
        inside = relative_ignore(root, lock_path)
        if inside is not None:
            ignore.append(inside)
    return walk_model(root, ignore=ignore)


def lock_model(
    resolved: ResolvedModel,
    *,
    algorithm: HashAlgorithm = HashAlgorithm.SHA256,
    lock_path: Path | None = None,
    scanner: Scanner | None = None,
    workers: int | None = None,
) -> LockedModel:
    """Hash a model into a lock entry (also remembering the state for fast re-checks)."""
    tree = _tree_for(resolved.root, lock_path)
    if not tree.files:
        raise IntegrityError("the model has no files to lock", path=str(resolved.root))
    digests, _ = digest_tree(tree, algorithm, full=True, workers=workers)
    verdict, per_file = scanner(resolved.root) if scanner is not None else (None, {})
    rows = []
    for f in tree.files:
        locked = LockedFile(
            f.name, f.size, digests[f.name], _detect_format(f.path), per_file.get(f.name)
        )
        rows.append((locked, f.size))
    return LockedModel(
        name=resolved.name,
        source=resolved.source,
        algorithm=algorithm,
        files=tuple(r[0] for r in rows),
        path=resolved.path,
        repo=resolved.repo,
        revision=resolved.revision,
        format=_main_format(rows),
        verdict=verdict,
    )


def merge(lock: LockFile, models: Iterable[LockedModel]) -> LockFile:
    by_key = {m.key: m for m in lock.models}
    for m in models:
        by_key[m.key] = m
    return LockFile(models=tuple(by_key.values()))


def resolve_entry(
    entry: LockedModel, *, lock_dir: Path, cache_dir: Path | None = None
) -> ResolvedModel:
    """Where a lock entry's model is on disk now (its folder, or its cache snapshot)."""
    if entry.source == "local":
        if entry.path is None:
            raise IntegrityError(f"lock entry {entry.name!r} has no path")
        root = Path(entry.path) if os.path.isabs(entry.path) else lock_dir / entry.path
        return ResolvedModel(root, "local", entry.name, entry.path)
    if not entry.repo:
        raise IntegrityError(f"lock entry {entry.name!r} has no repo")
    spec = f"{entry.repo}@{entry.revision}" if is_commit(entry.revision) else entry.repo
    snap = resolve_repo(spec, cache_dir)
    return ResolvedModel(snap.path, "huggingface", snap.repo_id, None, snap.repo_id, snap.revision)


def find_entry(lock: LockFile, resolved: ResolvedModel) -> LockedModel:
    for model in lock.models:
        if model.source != resolved.source:
            continue
        if model.source == "huggingface" and model.repo == resolved.repo:
            return model
        if (
            model.source == "local"
            and model.path is not None
            and os.path.normpath(model.path) == os.path.normpath(resolved.path or "")
        ):
            return model
    known = ", ".join(m.repo or m.path or m.name for m in lock.models) or "none"
    raise IntegrityError(
        f"{resolved.repo or resolved.path} is not in the lock file (locked models: {known})"
    )


@dataclass(frozen=True)
class LockCheck:
    """Result of :func:`check_lock`; ``problems`` empty means no drift."""

    model: LockedModel
    root: Path
    checked: int
    hashed: int
    changed: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    problems: tuple[Problem, ...]


def check_lock(
    resolved: ResolvedModel,
    entry: LockedModel,
    *,
    lock_path: Path | None = None,
    full: bool = False,
    workers: int | None = None,
) -> LockCheck:
    problems: list[Problem] = []
    if entry.source == "huggingface":
        if not is_commit(entry.revision):
            problems.append(
                Problem(
                    "unpinned-revision",
                    f"{entry.repo}: the lock does not pin an exact commit "
                    f"(revision {entry.revision!r}); re-lock it",
                    entry.repo or entry.name,
                )
            )
        elif resolved.revision != entry.revision:
            problems.append(
                Problem(
                    "revision-drift",
                    f"{entry.repo}: snapshot is revision {resolved.revision}, the lock pins "
                    f"{entry.revision}",
                    entry.repo or entry.name,
                )
            )
    tree = _tree_for(resolved.root, lock_path)
    expected = {f.path: f for f in entry.files}
    local = {f.name: f for f in tree.files}
    missing = sorted(set(expected) - set(local))
    extra = sorted(set(local) - set(expected))
    common = sorted(set(expected) & set(local))
    changed = {n for n in common if local[n].size != expected[n].size}
    digests, hashed = digest_tree(
        tree,
        entry.algorithm,
        names=[n for n in common if n not in changed],
        full=full,
        workers=workers,
    )
    changed |= {n for n, d in digests.items() if d != expected[n].digest}
    for name in sorted(changed):
        problems.append(Problem("changed", f"{name}: content differs from the lock", name))
    for name in missing:
        problems.append(Problem("missing", f"{name}: locked file is missing", name))
    for name in extra:
        problems.append(Problem("extra", f"{name}: file is not in the lock", name))
    return LockCheck(
        model=entry,
        root=resolved.root,
        checked=len(common),
        hashed=hashed,
        changed=tuple(sorted(changed)),
        missing=tuple(missing),
        extra=tuple(extra),
        problems=tuple(problems),
    )


def verify(
    path: str | os.PathLike[str],
    *,
    lock: str | os.PathLike[str],
    full: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Refuse a model that does not match its lock entry: return None or raise.

    ``path`` is a model folder or file, a Hugging Face snapshot folder, or
    ``org/name[@revision]`` resolved in the local cache. Raises
    :class:`VerificationError` (naming every changed, missing and extra file) on
    drift and :class:`IntegrityError` when the model or lock cannot be read. Only
    files whose size/mtime/ctime/inode changed since the last check are re-hashed,
    unless ``full``.
    """
    lock_path = Path(lock)
    lock_file = read_lock(lock_path)
    resolved = resolve_target(
        os.fspath(path),
        lock_dir=lock_path.parent,
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
    )
    result = check_lock(resolved, find_entry(lock_file, resolved), lock_path=lock_path, full=full)
    if result.problems:
        raise VerificationError(result.problems)


__all__ = [
    "DEFAULT_LOCK_NAME",
    "LockCheck",
    "LockFile",
    "LockedFile",
    "LockedModel",
    "ResolvedModel",
    "check_lock",
    "digest_tree",
    "dumps",
    "find_entry",
    "loads",
    "lock_model",
    "merge",
    "model_scanner",
    "read_lock",
    "resolve_entry",
    "resolve_target",
    "verify",
    "write_lock",
]
