"""The SQLite schema of the advisory database.

Bump :data:`SCHEMA_VERSION` on any incompatible change; a database of another version
is refused with a message saying how to rebuild it.
"""

from __future__ import annotations

SCHEMA_VERSION = 2

DDL = """
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
-- One row per (package, record): the record's affected entries for that package, compact.
CREATE TABLE IF NOT EXISTS affected (
    ecosystem TEXT NOT NULL,
    name      TEXT NOT NULL,
    id        TEXT NOT NULL,
    spec      TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS affected_by_id ON affected (id);
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

__all__ = ["DDL", "SCHEMA_VERSION"]
