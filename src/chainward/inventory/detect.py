"""What kind of input a file is, and which inputs a project directory holds.

Names decide first (``poetry.lock``, ``uv.lock``, ``pylock.*.toml``...), then content:
a TOML or JSON file is classified by its keys, and anything else that reads as a
requirements file is one. Walking a project skips virtualenvs, VCS metadata,
``node_modules``, ``site-packages`` and caches, and never follows symlinks.
"""

from __future__ import annotations

import enum
import importlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chainward.inventory._io import display, read_bytes, tomllib
from chainward.inventory.interface import InventoryError
from chainward.records import Provenance, Skipped


class Kind(str, enum.Enum):
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    PIPFILE = "pipfile"
    POETRY_LOCK = "poetry.lock"
    PIPFILE_LOCK = "Pipfile.lock"
    UV_LOCK = "uv.lock"
    PDM_LOCK = "pdm.lock"
    PYLOCK = "pylock"
    SBOM = "sbom"
    INVENTORY_JSON = "inventory-json"
    SETUP_CFG = "setup.cfg"


LOCKS = (Kind.POETRY_LOCK, Kind.PIPFILE_LOCK, Kind.UV_LOCK, Kind.PDM_LOCK, Kind.PYLOCK)

_PYLOCK_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")
_REQUIREMENTS_NAME = re.compile(r"(^|[-_.])requirements?([-_.].*)?\.(txt|pip|in)$", re.IGNORECASE)
_EXACT_NAMES = {
    "pyproject.toml": Kind.PYPROJECT,
    "setup.cfg": Kind.SETUP_CFG,
    "Pipfile": Kind.PIPFILE,
    "poetry.lock": Kind.POETRY_LOCK,
    "Pipfile.lock": Kind.PIPFILE_LOCK,
    "uv.lock": Kind.UV_LOCK,
    "pdm.lock": Kind.PDM_LOCK,
}
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "node_modules",
        "site-packages",
        "dist-packages",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        ".cache",
        ".idea",
        ".vscode",
        "__pypackages__",
    }
)
MAX_WALK_ENTRIES = 200_000


def kind_by_name(path: Path) -> Kind | None:
    """The kind a file's name announces (None when the name says nothing)."""
    name = path.name
    if name in _EXACT_NAMES:
        return _EXACT_NAMES[name]
    if _PYLOCK_NAME.match(name):
        return Kind.PYLOCK
    if _REQUIREMENTS_NAME.search(name):
        return Kind.REQUIREMENTS
    if path.parent.name.lower() == "requirements" and path.suffix in (".txt", ".in", ".pip"):
        return Kind.REQUIREMENTS
    return None


def kind_of(path: Path) -> Kind:
    """Classify one file given by the user: by name, else by content."""
    by_name = kind_by_name(path)
    if by_name is not None:
        return by_name
    if _is_sbom(path):
        return Kind.SBOM
    data = read_bytes(path)
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except json.JSONDecodeError as exc:
            # "[" may open a TOML table; "{" or a .json name is JSON that does not parse
            if head == b"{" or path.suffix.lower() == ".json":
                raise InventoryError(
                    f"malformed JSON: {exc.msg}", path=display(path), line=exc.lineno
                ) from None
            doc = None
        except (ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict) and "_meta" in doc and ("default" in doc or "develop" in doc):
            return Kind.PIPFILE_LOCK
        from chainward.inventory.inventory_json import looks_like_inventory

        if looks_like_inventory(doc):
            return Kind.INVENTORY_JSON
        if doc is not None:
            raise InventoryError(
                "unrecognised JSON file (not a Pipfile.lock, an SBOM or a chainward inventory)",
                path=display(path),
            )
    try:
        toml = tomllib.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        toml = None
    if toml:
        kind = _toml_kind(toml)
        if kind is None:
            raise InventoryError(
                "unrecognised TOML file (not a pyproject, Pipfile or lock file)",
                path=display(path),
            )
        return kind
    if path.suffix in (".txt", ".in", ".pip", "") or _looks_textual(data):
        return Kind.REQUIREMENTS
    raise InventoryError(
        "unrecognised file format (not a requirements, pyproject, lock or SBOM file)",
        path=display(path),
    )


def _toml_kind(doc: dict[str, object]) -> Kind | None:
    metadata = doc.get("metadata")
    if "lock-version" in doc and "packages" in doc:
        return Kind.PYLOCK
    if isinstance(metadata, dict) and "lock_version" in metadata:
        return Kind.PDM_LOCK
    if isinstance(metadata, dict) and ("lock-version" in metadata or "content-hash" in metadata):
        return Kind.POETRY_LOCK
    if "package" in doc and "version" in doc and ("requires-python" in doc or "revision" in doc):
        return Kind.UV_LOCK
    if "project" in doc or "tool" in doc or "build-system" in doc or "dependency-groups" in doc:
        return Kind.PYPROJECT
    if "packages" in doc or "dev-packages" in doc or "source" in doc:
        return Kind.PIPFILE
    return None


def _looks_textual(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" not in sample


def _is_sbom(path: Path) -> bool:
    name = path.name.lower()
    if not name.endswith((".json", ".xml", ".spdx", ".cdx", ".bom")):
        return False
    try:
        sbom_in = importlib.import_module("chainward.inventory.sbom_in")
    except ImportError:
        return _sbom_sniff(path)
    return bool(sbom_in.looks_like_sbom(path))


def _sbom_sniff(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return any(m in head for m in (b'"bomFormat"', b'"spdxVersion"', b"cyclonedx.org/schema"))


@dataclass
class Discovery:
    """What a directory walk found."""

    manifests: list[tuple[Kind, Path]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file() or (path / "conda-meta").is_dir()


_RYE_LOCK = re.compile(r"^requirements([-_.][\w.-]+)?\.lock$", re.IGNORECASE)
_REQUIREMENT_LINE = re.compile(
    r"^(-|[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*(===?|~=|!=|<=?|>=?|@|;|$))"
)


def _reads_as_requirements(path: Path) -> bool:
    """A ``requirements.lock`` written by rye, not a Helm chart's YAML of the same name."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8192).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    for line in head.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return bool(_REQUIREMENT_LINE.match(line)) and ":" not in line.split()[0][1:]
    return False


def discover(root: Path, *, want_files: bool = True) -> Discovery:
    """Every manifest (and, when asked, every other regular file) under ``root``."""
    found = Discovery()
    count = 0
    for directory, names in _walk(root, found):
        for name in sorted(names):
            count += 1
            if count > MAX_WALK_ENTRIES:
                found.skipped.append(
                    Skipped(
                        display(root),
                        f"directory walk stopped after {MAX_WALK_ENTRIES} "
                        "files; pass sub-directories explicitly",
                        Provenance(display(root)),
                    )
                )
                return found
            path = directory / name
            kind = kind_by_name(path)
            if kind is None and _RYE_LOCK.match(name) and _reads_as_requirements(path):
                kind = Kind.REQUIREMENTS  # rye's requirements.lock / requirements-dev.lock
            if kind is not None:
                found.manifests.append((kind, path))
            elif want_files:
                found.files.append(path)
    return found


def _inside(link: str, top: str) -> bool:
    try:
        target = os.path.realpath(link)
    except (OSError, ValueError):
        return False
    return target == top or target.startswith(top.rstrip(os.sep) + os.sep)


def _walk(root: Path, found: Discovery) -> Iterator[tuple[Path, list[str]]]:
    top = os.path.realpath(root)
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            found.skipped.append(
                Skipped(display(directory), f"cannot list directory: {exc.strerror}")
            )
            continue
        files: list[str] = []
        subdirs: list[Path] = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    if _inside(entry.path, top) and entry.is_file():
                        files.append(entry.name)  # e.g. a Hugging Face snapshot -> its blob
                    else:
                        found.skipped.append(
                            Skipped(
                                entry.path,
                                "symbolic link leaving the project (or to a directory) not "
                                "followed; pass its target explicitly",
                            )
                        )
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info"):
                        continue
                    sub = Path(entry.path)
                    if is_virtualenv(sub):
                        continue
                    subdirs.append(sub)
                elif entry.is_file(follow_symlinks=False):
                    files.append(entry.name)
            except OSError:
                continue
        yield directory, files
        stack.extend(sorted(subdirs, reverse=True))


__all__ = ["LOCKS", "Discovery", "Kind", "discover", "is_virtualenv", "kind_by_name", "kind_of"]
