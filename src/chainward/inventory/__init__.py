"""Inventory: what a project depends on, from any source, as one set of records.

``collect()`` is the one entry point: project directories (every supported manifest
found inside), single manifest/lock/SBOM files, requirements files, the running
interpreter's environment or another interpreter's, and model files found in the
project. Malformed input raises :class:`InventoryError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from chainward.inventory.collector import Options, collect_inventory
from chainward.inventory.interface import InventoryError, Source
from chainward.records import Inventory


def collect(
    targets: Sequence[str | Path] = (),
    *,
    requirements: Sequence[str | Path] = (),
    env: bool = False,
    python: str | None = None,
    resolve: bool = False,
    python_version: str | None = None,
    platform: str | None = None,
    include_models: bool = True,
    hash_models: bool = True,
) -> Inventory:
    """Collect the inventory of ``targets`` and the other named sources.

    Args:
        targets: project directories, or single manifest, lock or SBOM files (the
            format is detected from name and content).
        requirements: files read as pip requirements files whatever their name.
        env: read the running interpreter's installed distributions.
        python: read the installed distributions of this other interpreter.
        resolve: resolve unpinned requirements with pip's resolver (``pip install
            --dry-run --report``) against the user's configured index.
        python_version: evaluate environment markers for this Python (``X.Y``).
        platform: evaluate markers for this platform (``linux``, ``win32``, ``darwin``
            or a wheel platform tag).
        include_models: also list model files found in project directories.
        hash_models: compute the SHA-256 of every model file found (reads every byte).

    Raises:
        InventoryError: a source is missing, unreadable or malformed.
    """
    options = Options(
        env=env,
        python=python,
        resolve=resolve,
        python_version=python_version,
        platform=platform,
        include_models=include_models,
        hash_models=hash_models,
    )
    return collect_inventory([Path(t) for t in targets], [Path(r) for r in requirements], options)


__all__ = ["InventoryError", "Source", "collect"]
