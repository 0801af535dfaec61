"""Orchestration behind ``chainward.inventory.collect``: which reader for which input."""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chainward.inventory._io import display
from chainward.inventory._merge import merge
from chainward.inventory.detect import LOCKS, Kind, discover, kind_of
from chainward.inventory.interface import InventoryError
from chainward.records import Inventory, Skipped

# lock kind -> "module:function(path, manifest: Path | None, env) -> Inventory"
_LOCK_READERS = {
    Kind.POETRY_LOCK: "chainward.inventory.locks.poetry:read_poetry_lock",
    Kind.PIPFILE_LOCK: "chainward.inventory.locks.pipfile:read_pipfile_lock",
    Kind.UV_LOCK: "chainward.inventory.locks.uv:read_uv_lock",
    Kind.PDM_LOCK: "chainward.inventory.locks.pdm:read_pdm_lock",
    Kind.PYLOCK: "chainward.inventory.locks.pylock:read_pylock",
}


@dataclass(frozen=True)
class Options:
    env: bool = False
    python: str | None = None
    resolve: bool = False
    python_version: str | None = None
    platform: str | None = None
    include_models: bool = True
    hash_models: bool = True


def collect_inventory(
    targets: Sequence[Path], requirements: Sequence[Path], options: Options
) -> Inventory:
    from chainward.inventory.markers import check_target

    check_target(options.python_version, options.platform)  # validate early
    parts: list[Inventory] = []
    for target in targets:
        if target.is_dir():
            parts.append(read_directory(target, options))
        elif target.exists() or target.is_symlink():
            model = _model_file(target) if options.include_models else None
            if model is not None:
                parts.append(model)
            else:
                parts.append(read_file(target, kind_of(target), options))
        else:
            raise InventoryError("no such file or directory", path=display(target))
    for path in requirements:
        parts.append(read_file(path, Kind.REQUIREMENTS, options))
    if options.env or options.python:
        from chainward.inventory.environment import read_environment

        found = read_environment(python=options.python, declared=merge(parts), options=options)
        return merge([found])
    return merge(parts)


def _model_file(path: Path) -> Inventory | None:
    """A model file named directly (not a manifest by name): its artifact record."""
    from chainward.inventory.detect import kind_by_name
    from chainward.inventory.models import find_models

    if kind_by_name(path) is not None or not path.is_file():
        return None
    found = find_models([path])
    return found if found.models else None


def read_file(
    path: Path, kind: Kind, options: Options, *, manifest: Path | None = None
) -> Inventory:
    """One file of a known kind."""
    if kind is Kind.REQUIREMENTS:
        from chainward.inventory.requirements import RequirementsFileSource

        if options.resolve:
            from chainward.inventory.resolve import resolve_requirements

            return resolve_requirements(path, options)
        return RequirementsFileSource(
            path, python_version=options.python_version, platform=options.platform
        ).collect()
    if kind is Kind.PYPROJECT:
        from chainward.inventory.pyproject import PyprojectSource

        if options.resolve:
            from chainward.inventory.resolve import resolve_pyproject

            return resolve_pyproject(path, options)
        return PyprojectSource(
            path, python_version=options.python_version, platform=options.platform
        ).collect()
    if kind is Kind.PIPFILE:
        from chainward.inventory.pipfile import PipfileSource

        return PipfileSource(
            path, python_version=options.python_version, platform=options.platform
        ).collect()
    if kind is Kind.SETUP_CFG:
        from chainward.inventory.setupcfg import SetupCfgSource

        return SetupCfgSource(
            path, python_version=options.python_version, platform=options.platform
        ).collect()
    if kind is Kind.SBOM:
        return _read_sbom(path)
    if kind is Kind.INVENTORY_JSON:
        from chainward.inventory.inventory_json import read_inventory_json

        return read_inventory_json(path)
    if kind in _LOCK_READERS:
        if manifest is None:  # a lock named on its own: its project's manifest still says
            sibling = path.parent / ("Pipfile" if kind is Kind.PIPFILE_LOCK else "pyproject.toml")
            manifest = sibling if sibling.is_file() else None
        module_name, _, function = _LOCK_READERS[kind].partition(":")
        reader = getattr(importlib.import_module(module_name), function)
        result = reader(path, manifest=manifest, options=options)
        assert isinstance(result, Inventory)
        return result
    raise InventoryError(f"unsupported input kind {kind.value}", path=display(path))


def _top_requirements(manifests: list[tuple[Kind, Path]], options: Options) -> list[Inventory]:
    """Top-level requirements files of a project: not those another file includes with -r,
    nor constraints files (named so) that another file names with -c."""
    from chainward.inventory.requirements import RequirementsFileSource

    sources = []
    for kind, path in manifests:
        if kind is Kind.REQUIREMENTS:
            source = RequirementsFileSource(
                path, python_version=options.python_version, platform=options.platform
            )
            sources.append((source, source.collect()))
    own = {source: os.path.normcase(os.path.abspath(source.path)) for source, _ in sources}
    required: set[str] = set()  # pulled in with -r by another file: already covered
    constrained: set[str] = set()  # named with -c by another file
    for source, _ in sources:
        required |= source.read - source.as_constraints - {own[source]}
        constrained |= source.as_constraints - {own[source]}
    parts = []
    for source, inventory in sources:
        key = own[source]
        if key in required:
            continue
        # a pure constraints file pins but adds nothing; a compiled lock that other inputs
        # use as constraints (pip-tools' "-c base.txt") is still read for what it pins
        if key in constrained and "constraint" in source.path.name.lower():
            continue
        if options.resolve:
            inventory = read_file(source.path, Kind.REQUIREMENTS, options)
        parts.append(inventory)
    return parts


def _read_sbom(path: Path) -> Inventory:
    try:
        sbom_in = importlib.import_module("chainward.inventory.sbom_in")
    except ImportError:
        raise InventoryError("SBOM input not available in this build", path=display(path)) from None
    result = sbom_in.read_sbom(path)
    assert isinstance(result, Inventory)
    return result


def read_directory(root: Path, options: Options) -> Inventory:
    """Every manifest in a project directory, each lock read beside its manifest."""
    found = discover(root, want_files=options.include_models)
    by_dir: dict[Path, dict[Kind, list[Path]]] = {}
    for kind, path in found.manifests:
        by_dir.setdefault(path.parent, {}).setdefault(kind, []).append(path)
    parts: list[Inventory] = [Inventory(skipped=tuple(found.skipped))]
    for kinds in by_dir.values():
        pyproject = next(iter(kinds.get(Kind.PYPROJECT, [])), None)
        pipfile = next(iter(kinds.get(Kind.PIPFILE, [])), None)
        locks = [(k, p) for k in LOCKS for p in kinds.get(k, [])]
        for kind, path in locks:
            manifest = pipfile if kind is Kind.PIPFILE_LOCK else pyproject
            parts.append(read_file(path, kind, options, manifest=manifest))
        locked_kinds = {k for k, _ in locks}
        if pyproject is not None and not locked_kinds - {Kind.PIPFILE_LOCK}:
            parts.append(read_file(pyproject, Kind.PYPROJECT, options))
        if pipfile is not None and Kind.PIPFILE_LOCK not in locked_kinds:
            parts.append(read_file(pipfile, Kind.PIPFILE, options))
        for setup_cfg in kinds.get(Kind.SETUP_CFG, []):
            if not locked_kinds:
                parts.append(read_file(setup_cfg, Kind.SETUP_CFG, options))
    parts.extend(_top_requirements(found.manifests, options))
    if options.include_models:
        from chainward.inventory.models import find_models

        parts.append(find_models(found.files, hash_files=options.hash_models))
    merged = merge(parts)
    if not found.manifests and not merged.models:
        # say so: "0 dependencies" from a directory holding no manifest is not "no findings"
        nothing = Skipped(display(root), NOTHING_FOUND)
        merged = Inventory(merged.components, merged.models, (*merged.skipped, nothing))
    return merged


NOTHING_FOUND = "no requirements, pyproject, Pipfile, setup.cfg, lock or SBOM file found here"


__all__ = ["Options", "collect_inventory", "read_directory", "read_file"]
