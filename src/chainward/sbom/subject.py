"""The root component of an SBOM: the project, manifest or environment described."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from chainward.sbom.content import Subject

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_MAX_PYPROJECT = 4 * 1024 * 1024


def _from_pyproject(path: Path) -> Subject | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_PYPROJECT:
            return None
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    if not isinstance(project, dict) or not isinstance(project.get("name"), str):
        return None
    version = project.get("version")
    return Subject(project["name"], version if isinstance(version, str) else None)


def subject_for(
    targets: Sequence[Path], *, env: bool = False, python: str | None = None
) -> Subject:
    """Name the SBOM's subject after the project's metadata, else its folder or interpreter."""
    for target in targets:
        directory = target if target.is_dir() else target.parent
        found = _from_pyproject(directory / "pyproject.toml")
        if found is not None:
            return found
    if targets:
        first = targets[0]
        resolved = first.resolve()
        name = resolved.name if first.is_dir() else first.name
        return Subject(name or "project")
    if python:
        return Subject(f"python-environment ({python})", kind="platform")
    if env:
        version = ".".join(str(part) for part in sys.version_info[:3])
        return Subject(f"python-environment ({sys.prefix})", version, kind="platform")
    return Subject("project")


__all__ = ["subject_for"]
