"""Where chainward keeps its data (advisory database, monitor database, caches)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """``CHAINWARD_HOME`` if set, else the user data dir; created on demand."""
    override = os.environ.get("CHAINWARD_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir("chainward"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """The advisory database: ``CHAINWARD_DB`` if set, else ``<data dir>/advisories.sqlite``."""
    override = os.environ.get("CHAINWARD_DB")
    return Path(override) if override else data_dir() / "advisories.sqlite"
