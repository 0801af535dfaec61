"""Advisory stores built from the real OSV exports in shared/osv."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainward.vulndb import SqliteAdvisoryStore, build_database
from chainward.vulndb.loader import iter_entries
from tests.conftest import OSV_ALL


@pytest.fixture(scope="session")
def osv_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding PyPI-all.zip, built once per session (do not modify)."""
    assert OSV_ALL.is_file(), f"missing shared OSV export {OSV_ALL}"
    path = tmp_path_factory.mktemp("osvdb") / "advisories.sqlite"
    build_database(path, iter_entries(OSV_ALL), source=str(OSV_ALL))
    return path


@pytest.fixture
def store(osv_db_file: Path, tmp_path: Path) -> Iterator[SqliteAdvisoryStore]:
    """A private, writable copy of the PyPI-all.zip database."""
    path = tmp_path / "advisories.sqlite"
    shutil.copyfile(osv_db_file, path)
    with SqliteAdvisoryStore(path) as opened:
        yield opened
