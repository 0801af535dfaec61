"""Opening the monitoring database: SQLite by default, PostgreSQL by URL; migrations on open."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from chainward._internal.paths import data_dir
from chainward.errors import ConfigError, MissingDependencyError
from chainward.monitor.errors import MonitorError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_database_url() -> str:
    """``<data dir>/monitor.sqlite``."""
    return f"sqlite:///{data_dir() / 'monitor.sqlite'}"


def _normalise_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", "psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed.render_as_string(hide_password=False)
    if backend == "sqlite":
        return url
    raise ConfigError(
        f"unsupported database {backend!r}: use sqlite:///PATH or postgresql+psycopg://..."
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings chainward relies on."""
    url = _normalise_url(url)
    try:
        if url.startswith("sqlite"):
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8
            )
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    except NoSuchModuleError:
        raise MissingDependencyError("psycopg", "postgres", "a PostgreSQL database") from None
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(
            exc.name or "psycopg", "postgres", "a PostgreSQL database"
        ) from None
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise MonitorError(f"cannot open the monitoring database: {exc.orig}") from None


@dataclass
class Database:
    """The engine plus the lock that serialises writers (SQLite allows one at a time)."""

    engine: Engine
    url: str
    write_lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction, serialised with every other writer of this process."""
        with self.write_lock, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def inserted_id(result: Any) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - only for statements that are not single inserts
        raise MonitorError("the database did not return the new row's id")
    return int(key[0])


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Open (and migrate) the monitoring database at ``url`` (default: the data dir)."""
    resolved = url or default_database_url()
    engine = create_db_engine(resolved)
    if upgrade:
        migrate(engine)
    return Database(engine=engine, url=resolved)


__all__ = [
    "Database",
    "create_db_engine",
    "default_database_url",
    "inserted_id",
    "migrate",
    "open_database",
]
