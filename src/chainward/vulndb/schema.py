"""The SQLite schema of the advisory database.

Bump :data:`SCHEMA_VERSION` on any incompatible change. A database of an older version
listed in :data:`MIGRATABLE` is brought up to date on open (its derived tables rebuilt
from the full records it keeps); any other version is refused with a message saying how
to rebuild it.
"""

from __future__ import annotations

SCHEMA_VERSION = 4
# Older versions whose ``advisories`` table (full records) is unchanged; their derived
# tables are rebuilt (3 had an earlier ``matching`` layout).
MIGRATABLE = frozenset({1, 2, 3})

# The derived tables a migration rebuilds (one statement each, for use in a transaction).
DERIVED_TABLES = ("affected", "matching")
DERIVED_DDL = (
    # One row per (package, record): the record's affected entries for that package, compact.
    """CREATE TABLE IF NOT EXISTS affected (
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    id        TEXT NOT NULL,
    spec      TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, id)
) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS affected_by_id ON affected (id)",
    # One row per (PyPI package, non-withdrawn record): the matching data precomputed at
    # import (vulndb/compiled.py) and the record metadata an audit reports, so that an
    # audit reads this small table alone. ``vnorm`` (possibly long) is the last column.
    """CREATE TABLE IF NOT EXISTS matching (
    name      TEXT NOT NULL,
    id        TEXT NOT NULL,
    modified  TEXT NOT NULL,
    severity  INTEGER,
    aliases   TEXT NOT NULL,
    summary   TEXT NOT NULL,
    m         TEXT NOT NULL,
    vnorm     TEXT,
    PRIMARY KEY (name, id)
) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS matching_by_id ON matching (id)",
)

_DERIVED = ";\n".join(DERIVED_DDL)

DDL = f"""
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- One row per OSV record; ``record`` is the full JSON as imported.
CREATE TABLE IF NOT EXISTS advisories (
    id        TEXT PRIMARY KEY,
    modified  TEXT NOT NULL,
    withdrawn TEXT,
    aliases   TEXT NOT NULL,
    summary   TEXT NOT NULL,
    severity  INTEGER,
    import_id INTEGER NOT NULL,
    record    BLOB NOT NULL
);
{_DERIVED};
CREATE TABLE IF NOT EXISTS imports (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    source    TEXT NOT NULL,
    seen      INTEGER NOT NULL DEFAULT 0,
    added     INTEGER NOT NULL DEFAULT 0,
    modified  INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    skipped   INTEGER NOT NULL DEFAULT 0
);
-- Package names touched by each import (before and after the change), for re-evaluation.
CREATE TABLE IF NOT EXISTS changes (
    import_id INTEGER NOT NULL,
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    PRIMARY KEY (import_id, ecosystem, name)
) WITHOUT ROWID;
"""

__all__ = ["DDL", "DERIVED_DDL", "DERIVED_TABLES", "MIGRATABLE", "SCHEMA_VERSION"]
