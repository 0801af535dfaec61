"""The advisory database: OSV records in SQLite, synced, matched by PEP 440.

Public API::

    store = open_store()                      # installs the bundled snapshot on first use
    store.advisories_for("jinja2")            # -> list[Advisory]
    import_path(store, Path("PyPI-all.zip"))  # overlay an export (zip, directory, file)
    store.changed_packages(since_import=3)    # names to re-evaluate after an update
    store.metadata()                          # counts, source, last update, data age
"""

from __future__ import annotations

from pathlib import Path

from chainward.vulndb.interface import (
    Advisory,
    AdvisoryDataError,
    AdvisoryStore,
    Affected,
    ImportStats,
    Range,
    StoreMetadata,
    VulnDBError,
)
from chainward.vulndb.store import SqliteAdvisoryStore, build_database, initialise, writer_lock


def open_store(path: Path | None = None, *, install_snapshot: bool = True) -> SqliteAdvisoryStore:
    """Open the advisory database at ``path`` (default: the user data dir).

    A missing database is created from the bundled snapshot (or empty when
    ``install_snapshot`` is false), atomically and under the writer lock.
    """
    if path is None:
        from chainward._internal.paths import default_db_path

        path = default_db_path()
    path = Path(path)
    if not path.exists():
        with writer_lock(path):
            if not path.exists():
                if install_snapshot:
                    from chainward.vulndb.snapshot import (
                        SNAPSHOT_SOURCE,
                        iter_snapshot,
                        snapshot_info,
                    )

                    info = snapshot_info()
                    source = SNAPSHOT_SOURCE
                    if info.get("origin"):
                        source = f"{SNAPSHOT_SOURCE} ({info['origin']})"
                    build_database(path, iter_snapshot(), source=source)
                else:
                    initialise(path)
    return SqliteAdvisoryStore(path)


def import_path(
    store: SqliteAdvisoryStore,
    source: Path,
    *,
    label: str | None = None,
    meta: dict[str, str] | None = None,
) -> ImportStats:
    """Overlay the records of a zip export, a directory or a JSON file, all or nothing."""
    from chainward.vulndb.loader import iter_entries

    with writer_lock(store.path):
        return store.import_entries(
            iter_entries(Path(source)), source=label or str(source), meta=meta
        )


__all__ = [
    "Advisory",
    "AdvisoryDataError",
    "AdvisoryStore",
    "Affected",
    "ImportStats",
    "Range",
    "SqliteAdvisoryStore",
    "StoreMetadata",
    "VulnDBError",
    "build_database",
    "import_path",
    "open_store",
]
