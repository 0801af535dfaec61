"""Model artifacts grouped into models: one SBOM component per model.

A Hugging Face style folder (a ``config.json`` or ``README.md`` beside the weights,
or a cache snapshot) is one model made of several files; any other model file is a
model on its own. Every file keeps its own SHA-256.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from chainward.records import ModelArtifact
from chainward.sbom.modelcard import (
    ModelFacts,
    has_model_card,
    hf_cache_location,
    hf_repo_dir,
    read_facts,
)

_CHUNK = 1024 * 1024
_MAX_SNAPSHOT_ENTRIES = 10_000


@dataclass(frozen=True)
class ModelFile:
    """One file of a model. ``role`` is "weights" for model artifacts, else the card source."""

    path: str
    format: str
    size: int
    sha256: str | None
    role: str = "weights"
    verdict: str | None = None  # the model scanner's verdict, when it was asked for


@dataclass(frozen=True)
class ModelEntry:
    """One model: its files and what its card files say."""

    name: str
    version: str | None
    path: str
    files: tuple[ModelFile, ...]
    facts: ModelFacts

    @property
    def ref(self) -> str:
        return f"model:{self.path}"


def _display(path: Path, base: Path | None, fallback: str) -> str:
    """``path`` relative to ``base`` when it lies inside it (symlinks are not resolved)."""
    if base is not None:
        try:
            relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(base))
        except ValueError:
            return fallback
        return relative.as_posix() or "."
    return fallback


def file_sha256(path: Path) -> str | None:
    """Streaming SHA-256 of a file, None when unreadable."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _snapshot_link(blob: Path) -> Path | None:
    """The snapshot path naming a Hugging Face cache blob (its symlink), if any.

    The inventory does not follow symlinks, so a cached model shows up as
    ``models--ORG--NAME/blobs/<sha256>``; its name and revision live in the snapshot
    symlinks. The revision in ``refs/main`` wins when several point at the blob.
    """
    if blob.parent.name != "blobs":
        return None
    repo = hf_repo_dir(blob)
    if repo is None or blob.parent.parent != repo:
        return None
    try:
        target = blob.resolve(strict=True)
        main = (repo / "refs" / "main").read_text(encoding="utf-8").strip()[:64]
    except OSError:
        main = ""
        target = blob
    found: list[tuple[bool, str, Path]] = []
    seen = 0
    for snapshot in sorted((repo / "snapshots").iterdir()):
        for entry in snapshot.rglob("*"):
            seen += 1
            if seen > _MAX_SNAPSHOT_ENTRIES:
                break
            try:
                if entry.is_symlink() and entry.resolve(strict=True) == target:
                    found.append((snapshot.name != main, entry.as_posix(), entry))
            except (OSError, RuntimeError):
                continue
    return min(found)[2] if found else None


def group_models(
    models: Sequence[ModelArtifact],
    base: Path | None = None,
    verdicts: Mapping[str, str] | None = None,
) -> list[ModelEntry]:
    """Group artifacts into models, in a stable order (by path).

    Paths are shown relative to ``base`` (the project directory) when inside it;
    ``verdicts`` maps an artifact's inventory path to the model scanner's verdict.
    """
    verdicts = verdicts or {}
    groups: dict[Path, list[tuple[ModelArtifact, Path]]] = {}
    singles: list[tuple[ModelArtifact, Path]] = []
    verdict_of: dict[str, str | None] = {}
    for artifact in sorted(models, key=lambda m: m.path):
        fs_path = Path(artifact.path)  # as the inventory shows it: absolute or cwd-relative
        link = _snapshot_link(fs_path)
        if link is not None:
            fs_path = link
        shown = _display(fs_path, base, fs_path.as_posix())
        verdict_of[shown] = verdicts.get(artifact.path)
        if shown != artifact.path:
            artifact = ModelArtifact(
                shown, artifact.format, artifact.size, artifact.sha256, artifact.origin
            )
        parent = fs_path.parent
        if hf_cache_location(fs_path) or has_model_card(parent):
            groups.setdefault(parent, []).append((artifact, fs_path))
        else:
            singles.append((artifact, fs_path))
    entries: list[ModelEntry] = []
    for directory, members in groups.items():
        facts = read_facts(directory, [fs for _, fs in members])
        files = [_weights(artifact, fs, verdict_of.get(artifact.path)) for artifact, fs in members]
        for source in facts.sources:
            shown = _display(source.path, base, source.path.as_posix())
            files.append(
                ModelFile(
                    shown,
                    "json" if source.role == "config" else "markdown",
                    source.size,
                    source.sha256,
                    source.role,
                )
            )
        first = members[0][0].path
        shown_dir = _display(directory, base, first.rsplit("/", 1)[0] if "/" in first else ".")
        name = facts.hf_repo or directory.name or shown_dir
        entries.append(
            ModelEntry(
                name,
                facts.hf_revision,
                shown_dir,
                tuple(sorted(files, key=lambda f: f.path)),
                facts,
            )
        )
    for artifact, fs_path in singles:
        facts = read_facts(None, [fs_path])
        entries.append(
            ModelEntry(
                fs_path.name or artifact.path,
                facts.hf_revision,
                artifact.path,
                (_weights(artifact, fs_path, verdict_of.get(artifact.path)),),
                facts,
            )
        )
    return sorted(entries, key=lambda e: e.path)


def _weights(artifact: ModelArtifact, fs_path: Path, verdict: str | None) -> ModelFile:
    digest = artifact.sha256 or file_sha256(fs_path)
    return ModelFile(artifact.path, artifact.format, artifact.size, digest, verdict=verdict)


__all__ = ["ModelEntry", "ModelFile", "file_sha256", "group_models"]
