"""Model-card facts read from the files next to a model, never invented.

Sources: Hugging Face ``config.json`` (``architectures``, ``model_type``), the YAML
front matter of the model's ``README.md`` (``license``, ``datasets``,
``base_model``, ``pipeline_tag``; the Hub's model-card metadata keys) and the
Hugging Face cache layout ``models--ORG--NAME/snapshots/REVISION/`` (repository
and revision). Files are read with size limits; YAML aliases are refused so a
crafted README cannot expand into unbounded work.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

CONFIG_NAME = "config.json"
README_NAME = "README.md"
_MAX_CONFIG = 4 * 1024 * 1024
_MAX_README = 256 * 1024
_MAX_ITEMS = 64
_REVISION = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class MetadataFile:
    """A model-card source file that was read, with its digest."""

    path: Path
    role: str  # "config" | "readme"
    size: int
    sha256: str


@dataclass(frozen=True)
class ModelFacts:
    """What the files say about a model; every field is None/empty when they say nothing."""

    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    task: str | None = None
    license: str | None = None
    datasets: tuple[str, ...] = ()
    base_models: tuple[str, ...] = ()
    hf_repo: str | None = None
    hf_revision: str | None = None
    sources: tuple[MetadataFile, ...] = ()

    @property
    def has_card(self) -> bool:
        return bool(
            self.architectures or self.model_type or self.task or self.datasets or self.base_models
        )


@lru_cache(maxsize=1)
def _loader() -> Any:
    """A SafeLoader that refuses anchors/aliases (no billion-laughs expansion).

    Built on first use: PyYAML is only imported when a README has front matter.
    """
    import yaml

    class NoAliasLoader(yaml.SafeLoader):  # type: ignore[misc]
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError("YAML aliases are not accepted in model-card metadata")
            return super().compose_node(parent, index)

    return NoAliasLoader


def hf_repo_dir(path: Path) -> Path | None:
    """The ``models--ORG--NAME`` folder of a Hugging Face cache containing ``path``."""
    for parent in path.parents:
        if parent.name.startswith("models--") and (parent / "snapshots").is_dir():
            return parent
    return None


def _allowed(path: Path) -> bool:
    """Symlinks are followed only inside one Hugging Face cache repository (blobs)."""
    if not path.is_symlink():
        return True
    repo = hf_repo_dir(path)
    if repo is None:
        return False
    try:
        path.resolve(strict=True).relative_to(repo.resolve(strict=True))
    except (OSError, ValueError, RuntimeError):
        return False
    return True


def _read_limited(path: Path, limit: int) -> bytes | None:
    try:
        if not _allowed(path) or not path.is_file():
            return None
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError:
        return None
    return None if len(data) > limit else data


def _strings(value: Any) -> tuple[str, ...]:
    """A string or a list of strings from metadata; anything else is ignored."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    out = [item.strip() for item in items[:_MAX_ITEMS] if isinstance(item, str) and item.strip()]
    return tuple(dict.fromkeys(out))


def front_matter(text: str) -> dict[str, Any]:
    """The YAML front matter of a Markdown file (empty when absent or malformed)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), 0)
    if not end:
        return {}
    import yaml

    try:
        data = yaml.load("\n".join(lines[1:end]), Loader=_loader())  # safe loader, no aliases
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def hf_cache_location(path: Path) -> tuple[str, str] | None:
    """(repo id, revision) when ``path`` lies in a Hugging Face cache snapshot."""
    parts = path.parts
    for index in range(len(parts) - 2, 0, -1):
        if parts[index] != "snapshots":
            continue
        repo_dir, revision = parts[index - 1], parts[index + 1]
        kind, _, rest = repo_dir.partition("--")
        if kind == "models" and rest and _REVISION.match(revision):
            return rest.replace("--", "/"), revision
    return None


def _config_facts(data: bytes) -> tuple[tuple[str, ...], str | None]:
    try:
        config = json.loads(data)
    except (ValueError, RecursionError):
        return (), None
    if not isinstance(config, dict):
        return (), None
    model_type = config.get("model_type")
    return _strings(config.get("architectures")), (
        model_type.strip() if isinstance(model_type, str) and model_type.strip() else None
    )


def read_facts(model_dir: Path | None, members: Sequence[Path] = ()) -> ModelFacts:
    """Facts about the model in ``model_dir`` (None for a lone model file)."""
    location = None
    for member in members:
        location = hf_cache_location(member)
        if location:
            break
    if location is None and model_dir is not None:
        location = hf_cache_location(model_dir / "x")
    if model_dir is None:
        return ModelFacts(
            hf_repo=location[0] if location else None, hf_revision=location[1] if location else None
        )
    sources: list[MetadataFile] = []
    architectures: tuple[str, ...] = ()
    model_type = None
    config_path = model_dir / CONFIG_NAME
    config = _read_limited(config_path, _MAX_CONFIG)
    if config is not None:
        architectures, model_type = _config_facts(config)
        sources.append(_source(config_path, "config", config))
    card: dict[str, Any] = {}
    readme_path = model_dir / README_NAME
    readme = _read_limited(readme_path, _MAX_README)
    if readme is not None:
        card = front_matter(readme.decode("utf-8", errors="replace"))
        sources.append(_source(readme_path, "readme", readme))
    licenses = _strings(card.get("license"))
    task = _strings(card.get("pipeline_tag"))
    return ModelFacts(
        architectures=architectures,
        model_type=model_type,
        task=task[0] if task else None,
        license=licenses[0] if licenses else None,
        datasets=_strings(card.get("datasets")),
        base_models=_strings(card.get("base_model")),
        hf_repo=location[0] if location else None,
        hf_revision=location[1] if location else None,
        sources=tuple(sources),
    )


def _source(path: Path, role: str, data: bytes) -> MetadataFile:
    return MetadataFile(path, role, len(data), hashlib.sha256(data).hexdigest())


def has_model_card(directory: Path) -> bool:
    """True when ``directory`` holds a config.json or README.md that describes a model."""
    return any(
        _allowed(directory / name) and (directory / name).is_file()
        for name in (CONFIG_NAME, README_NAME)
    )


__all__ = [
    "MetadataFile",
    "ModelFacts",
    "front_matter",
    "hf_cache_location",
    "hf_repo_dir",
    "read_facts",
]
