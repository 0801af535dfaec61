"""The inventory half of :mod:`chainward.records`: components, model artifacts, skips.

Import these from ``chainward.records``; they live here so that commands that never
build an inventory (a model scan) do not pay for defining them at start-up.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Scope(str, enum.Enum):
    """Why a component is in the inventory."""

    DIRECT = "direct"
    TRANSITIVE = "transitive"
    DEV = "dev"
    OPTIONAL = "optional"


class PackageVerdict(str, enum.Enum):
    """Verdict on one package (``chainward pkg check``)."""

    CLEAN = "clean"
    SUSPICIOUS = "suspicious"
    MALICIOUS = "malicious"


@dataclass(frozen=True)
class Provenance:
    """Where something was declared or found: a file, and a line in it when known."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Component:
    """One software dependency, whatever source declared it.

    ``name`` is PEP 503 normalised; ``version`` is None when the source did not pin
    one exactly (the inventory then also records a ``Skipped`` entry saying why).
    ``path`` is the dependency chain from a direct dependency down to this one
    (empty for direct ones). ``groups`` names the dev/optional groups or extras it
    belongs to. ``requires`` holds normalised names of its own dependencies when the
    source knows the graph.
    """

    name: str
    version: str | None
    ecosystem: str = "PyPI"
    purl: str = ""
    scope: Scope = Scope.DIRECT
    source: Provenance | None = None
    path: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    hashes: tuple[tuple[str, str], ...] = ()
    specifier: str = ""
    marker: str = ""
    url: str | None = None
    licenses: tuple[str, ...] = ()
    author: str | None = None

    @property
    def pinned(self) -> bool:
        return self.version is not None

    def key(self) -> tuple[str, str, str | None]:
        return (self.ecosystem, self.name, self.version)


@dataclass(frozen=True)
class ModelArtifact:
    """One model file found in a project (or inside a model folder)."""

    path: str
    format: str
    size: int
    sha256: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class Skipped:
    """Something that was not analysed, and why; it always reaches the report."""

    entry: str
    reason: str
    source: Provenance | None = None


@dataclass(frozen=True)
class Inventory:
    """Everything a project depends on: components, model files, and what was skipped."""

    components: tuple[Component, ...] = ()
    models: tuple[ModelArtifact, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def merged(self, other: Inventory) -> Inventory:
        """Union of two inventories without duplicate components (first wins)."""
        seen: dict[tuple[str, str, str | None, Scope], Component] = {}
        for comp in (*self.components, *other.components):
            seen.setdefault((*comp.key(), comp.scope), comp)
        models: dict[str, ModelArtifact] = {}
        for model in (*self.models, *other.models):
            models.setdefault(model.path, model)
        skipped = tuple(dict.fromkeys((*self.skipped, *other.skipped)))
        return Inventory(tuple(seen.values()), tuple(models.values()), skipped)


__all__ = [
    "Component",
    "Inventory",
    "ModelArtifact",
    "PackageVerdict",
    "Provenance",
    "Scope",
    "Skipped",
]
