"""Enumerating the files of a model, with an explicit policy for what is not a plain file.

* Regular files are listed under their canonical OMS name: the relative POSIX path
  from the model root (for a single-file model, its file name).
* Symbolic links are followed when their target stays inside the model folder, or
  inside the ``blobs/`` folder of the same Hugging Face cache repository when the
  model is a cache snapshot; a link that escapes is refused, as is a broken link or a
  link cycle.
* Special files (FIFOs, sockets, devices) are refused: reading one could block
  forever or read a device.
* Names that are not valid UTF-8 are refused (they cannot be written into a
  signature losslessly), as the OMS specification requires.
* Default exclusions follow the OMS specification: ``.git``, ``.gitattributes``,
  ``.github`` and ``.gitignore`` at the top level only; user exclusions are exact
  relative paths (a directory excludes its subtree).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from chainward.integrity.errors import IntegrityError, UnsafePathError

DEFAULT_IGNORES: tuple[str, ...] = (".git", ".gitattributes", ".github", ".gitignore")

_MAX_DEPTH = 64
MAX_ENTRIES = 2_000_000  # bounds the walk even when links fan a subtree out many times


@dataclass(frozen=True)
class ModelFile:
    """One file of a model: its canonical name and how to read it."""

    name: str
    path: Path
    size: int
    mtime_ns: int
    inode: int
    symlink: bool = False


@dataclass(frozen=True)
class ModelTree:
    """Every file of a model, sorted by name (Unicode code point order)."""

    root: Path
    files: tuple[ModelFile, ...]
    single_file: bool
    ignored: tuple[str, ...]

    @property
    def symlinks_followed(self) -> bool:
        return any(f.symlink for f in self.files)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def normalize_ignore(entry: str) -> str:
    """Validate one user ignore path (exact, relative, no globs) and normalise it."""
    text = entry.replace("\\", "/").strip()
    if not text or text.startswith("/") or any(ch in text for ch in "*?["):
        raise IntegrityError(f"invalid ignore path {entry!r}: use an exact relative path")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise IntegrityError(f"invalid ignore path {entry!r}: use an exact relative path")
    return "/".join(parts)


def _is_ignored(name: str, ignores: frozenset[str]) -> bool:
    if name in ignores:
        return True
    parts = name.split("/")
    return any("/".join(parts[:i]) in ignores for i in range(1, len(parts)))


def hf_blobs_dir(root: Path) -> Path | None:
    """``<repo>/blobs`` when ``root`` is (inside) a Hugging Face cache snapshot folder."""
    resolved = root.resolve()
    for candidate in (resolved, *resolved.parents):
        if candidate.parent.name == "snapshots":
            blobs = candidate.parent.parent / "blobs"
            return blobs if blobs.is_dir() else None
    return None


def _check_name(name: str, where: Path) -> None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafePathError(
            "file name is not valid UTF-8 and cannot be signed", path=str(where)
        ) from None


def _inside(target: str, roots: Sequence[str]) -> bool:
    return any(target == r or target.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def walk_model(
    root: Path,
    *,
    ignore: Iterable[str] = (),
    default_ignores: bool = True,
    extra_link_roots: Iterable[Path] = (),
) -> ModelTree:
    """List every file of the model at ``root`` (a folder or a single file).

    ``ignore`` holds exact relative paths to leave out (the signature file, say).
    Raises ``UnsafePathError`` for escaping or broken links, cycles and special
    files, ``IntegrityError`` when ``root`` does not exist.
    """
    try:
        root_stat = root.lstat()
    except OSError as exc:
        raise IntegrityError(f"cannot read model: {exc.strerror}", path=str(root)) from None
    ignores = frozenset(
        [*(DEFAULT_IGNORES if default_ignores else ()), *(normalize_ignore(i) for i in ignore)]
    )
    if not stat.S_ISDIR(root_stat.st_mode) and not stat.S_ISLNK(root_stat.st_mode):
        return _single_file(root, root_stat)
    resolved_root = root.resolve()
    if not resolved_root.is_dir():
        if stat.S_ISLNK(root_stat.st_mode):
            return _single_file(root, root_stat)
        raise IntegrityError("model path is neither a file nor a folder", path=str(root))
    link_roots = [str(resolved_root), *(str(p.resolve()) for p in extra_link_roots)]
    blobs = hf_blobs_dir(root)
    if blobs is not None:
        link_roots.append(str(blobs.resolve()))

    files: list[ModelFile] = []
    used_ignores: set[str] = set()
    seen = 0
    # (directory to list, its canonical name prefix, resolved ancestors for cycle checks)
    stack: list[tuple[Path, str, tuple[str, ...]]] = [(root, "", (str(resolved_root),))]
    while stack:
        directory, prefix, ancestors = stack.pop()
        if len(ancestors) > _MAX_DEPTH:
            raise UnsafePathError("folder nesting too deep", path=str(directory))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise IntegrityError(
                f"cannot list folder: {exc.strerror}", path=str(directory)
            ) from None
        seen += len(entries)
        if seen > MAX_ENTRIES:
            raise UnsafePathError(
                f"more than {MAX_ENTRIES} entries (links multiplying a folder?)", path=str(root)
            )
        for entry in entries:
            name = f"{prefix}{entry.name}"
            where = Path(entry.path)
            _check_name(name, where)
            if _is_ignored(name, ignores):
                used_ignores.add(name)
                continue
            is_link = entry.is_symlink()
            if is_link:
                target = os.path.realpath(entry.path)
                if not _inside(target, link_roots):
                    raise UnsafePathError(
                        f"symbolic link points outside the model folder (to {target}); "
                        "copy the target into the model or remove the link",
                        path=str(where),
                    )
                try:
                    st = os.stat(entry.path)
                except OSError:
                    raise UnsafePathError("broken symbolic link", path=str(where)) from None
            else:
                target = entry.path
                st = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                real = (
                    os.path.realpath(entry.path)
                    if is_link
                    else str(Path(ancestors[-1]) / entry.name)
                )
                if is_link and any(_inside(a, [real]) for a in ancestors):
                    raise UnsafePathError("symbolic link cycle", path=str(where))
                stack.append((where, f"{name}/", (*ancestors, real)))
            elif stat.S_ISREG(st.st_mode):
                files.append(
                    ModelFile(
                        name=name,
                        path=where,
                        size=st.st_size,
                        mtime_ns=st.st_mtime_ns,
                        inode=st.st_ino,
                        symlink=is_link,
                    )
                )
            else:
                raise UnsafePathError(
                    "special file (FIFO, socket or device) in the model is refused",
                    path=str(where),
                )
    files.sort(key=lambda f: f.name)
    return ModelTree(
        root=root, files=tuple(files), single_file=False, ignored=tuple(sorted(used_ignores))
    )


def _single_file(root: Path, root_stat: os.stat_result) -> ModelTree:
    name = root.name
    _check_name(name, root)
    is_link = stat.S_ISLNK(root_stat.st_mode)
    try:
        st = root.stat()
    except OSError:
        raise UnsafePathError("broken symbolic link", path=str(root)) from None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePathError("special file (FIFO, socket or device) is refused", path=str(root))
    item = ModelFile(
        name=name,
        path=root,
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        inode=st.st_ino,
        symlink=is_link,
    )
    return ModelTree(root=root, files=(item,), single_file=True, ignored=())


def relative_ignore(model_root: Path, path: Path) -> str | None:
    """``path`` as an exact relative ignore entry when it lies inside the model folder."""
    try:
        rel = path.resolve().relative_to(model_root.resolve())
    except ValueError:
        return None
    text = PurePosixPath(*rel.parts).as_posix()
    return None if text in ("", ".") else text


__all__ = [
    "DEFAULT_IGNORES",
    "ModelFile",
    "ModelTree",
    "hf_blobs_dir",
    "normalize_ignore",
    "relative_ignore",
    "walk_model",
]
