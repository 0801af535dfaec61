"""Fixtures for the monitor unit tests: a real advisory database and a fresh monitor DB."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import OSV_ALL


@pytest.fixture(scope="session")
def advisory_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The advisory database built from the shared OSV export (PyPI-all.zip)."""
    from chainward.vulndb import import_path, open_store

    path = tmp_path_factory.mktemp("advisories") / "advisories.sqlite"
    store = open_store(path, install_snapshot=False)
    import_path(store, OSV_ALL)
    store.close()
    return path


@pytest.fixture
def monitor(advisory_db: Path, tmp_path: Path) -> Iterator[object]:
    from chainward.monitor.db import open_database
    from chainward.monitor.store import Monitor

    copy = tmp_path / "advisories.sqlite"
    shutil.copy(advisory_db, copy)
    db = open_database(f"sqlite:///{tmp_path / 'monitor.sqlite'}")
    service = Monitor(db, copy)
    yield service
    service.close()
    db.dispose()
