"""The SQLite advisory store.

Readers never take the lock: the database runs in WAL mode, so a reader sees the last
committed state while an import is in progress. Writers serialise on a lock file beside
the database and apply an import in ONE transaction, so a killed import leaves the
previous contents intact. A new database is built under a temporary name and moved into
place with ``os.replace``.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import operator
import os
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from chainward.records import Severity, canonical_name
from chainward.vulndb._json import read_string_list, string_list
from chainward.vulndb.interface import (
    Advisory,
    AdvisoryDataError,
    AdvisoryStore,
    Affected,
    ImportStats,
    PackageMatcher,
    StoreMetadata,
    VulnDBError,
)
from chainward.vulndb.loader import Entry, Oversized
from chainward.vulndb.osv import (
    MalformedRecord,
    ParsedRecord,
    affected_from_json,
    affected_to_json,
    normalize_package,
    parse_record,
)
from chainward.vulndb.schema import (
    DDL,
    DERIVED_DDL,
    DERIVED_TABLES,
    MIGRATABLE,
    SCHEMA_VERSION,
)

LOCK_TIMEOUT = 600.0
_CANONICAL = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # PEP 503 names as they already are
_PAGE_SIZE = 16384  # long version lists: fewer overflow pages
_SEVERITIES = {int(s): s for s in Severity}
_MAX_PROBLEMS = 50
_IN_CHUNK = 500


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _newer(candidate: str, stored: str) -> bool:
    """True when ``candidate`` is a later ``modified`` stamp than ``stored``."""
    new, old = parse_timestamp(candidate), parse_timestamp(stored)
    if new is not None and old is not None:
        return new > old
    return candidate > stored


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # An import allocates many small, acyclic objects; generational collections in the
    # middle of it cost a third of the time and free nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def writer_lock(db_path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Serialise writers (imports, updates, first-use installs) of one database."""
    from filelock import FileLock, Timeout  # imported here: read-only runs never pay for it

    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(db_path)), timeout=timeout)
    try:
        with lock:
            yield
    except Timeout:
        raise VulnDBError(
            f"another chainward process is updating {db_path}; try again later"
        ) from None


def _connect(
    path: Path, *, scratch: bool = False, page_size: int | None = None
) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
    if page_size is not None:  # a new file only, before the journal mode freezes it
        conn.execute(f"PRAGMA page_size={int(page_size)}")
    if scratch:
        # A database being built under a temporary name: nobody else reads it, and a
        # failed build is deleted, so it needs neither WAL nor syncs (one fsync at the end).
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
    else:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


_AffectedRow = tuple[str, str, str, str]
_first2 = operator.itemgetter(0, 1)
_first3 = operator.itemgetter(0, 1, 2)
_MatchingRow = tuple[str, str, str, int | None, str, str, str, str | None]


def _derived_rows(
    parsed: ParsedRecord,
    aliases: str | None = None,
    compiler: Callable[[list[Affected]], tuple[str | None, str]] | None = None,
) -> tuple[list[_AffectedRow], list[_MatchingRow]]:
    """The ``affected`` rows of one record (one per package) and its ``matching`` rows
    (one per PyPI package, none when the record is withdrawn). ``compiler`` is
    :func:`~chainward.vulndb.compiled.compile_entries` (imported here when not given)."""
    if compiler is None:
        from chainward.vulndb.compiled import compile_entries

        compiler = compile_entries

    entries = parsed.affected
    groups: Iterable[tuple[tuple[str, str], list[Affected]]]
    if len(entries) == 1:  # the usual case
        groups = (((entries[0].ecosystem, entries[0].name), list(entries)),)
    else:
        by_package: dict[tuple[str, str], list[Affected]] = {}
        for entry in entries:
            by_package.setdefault((entry.ecosystem, entry.name), []).append(entry)
        groups = by_package.items()
    affected: list[_AffectedRow] = []
    matching: list[_MatchingRow] = []
    if aliases is None:
        aliases = _aliases_json(parsed.aliases)
    severity = None if parsed.severity is None else int(parsed.severity)
    for (ecosystem, name), group in groups:
        affected.append((ecosystem, name, parsed.id, affected_to_json(group)))
        if ecosystem == "PyPI" and not parsed.withdrawn:
            vnorm, m = compiler(group)
            matching.append(
                (name, parsed.id, parsed.modified, severity, aliases, parsed.summary, m, vnorm)
            )
    return affected, matching


# What one record contributes, worked out without the database: ("bad", message), or
# ("ok", id, modified, withdrawn, aliases, summary, severity[, affected rows, matching rows]).
_Outcome = tuple[Any, ...]
# Fresh databases of at least this many records are worked out by two processes.
FORK_MIN_RECORDS = 1000


def _head(parsed: ParsedRecord) -> _Outcome:
    return (
        "ok",
        parsed.id,
        parsed.modified,
        parsed.withdrawn,
        _aliases_json(parsed.aliases),
        parsed.summary,
        None if parsed.severity is None else int(parsed.severity),
    )


def _outcome(data: bytes, compiler: Callable[[list[Affected]], tuple[str | None, str]]) -> _Outcome:
    try:
        parsed = parse_record(data)
    except MalformedRecord as exc:
        return ("bad", str(exc))
    head = _head(parsed)
    return (*head, *_derived_rows(parsed, head[4], compiler))


def _can_fork(records: int) -> bool:
    if records < FORK_MIN_RECORDS or sys.platform != "linux" or not hasattr(os, "fork"):
        return False
    if threading.active_count() != 1:
        return False  # forking a threaded process can deadlock the child
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):
        return False


def _outcomes(
    entries: list[Entry], compiler: Callable[[list[Affected]], tuple[str | None, str]]
) -> list[_Outcome | None]:
    """:func:`_outcome` of every entry (None for oversized ones), in order.

    The pure-Python part of an import (parsing, compiling) is most of its time; with a
    spare CPU a forked child works out the second half of the records and sends its
    results back (``marshal``: strings, numbers, tuples and lists only), while this
    process does the first half. Anything going wrong in the child only costs time:
    this process then does the second half itself.
    """
    records: list[bytes | None] = [None if isinstance(d, Oversized) else d for _, d in entries]
    half = len(records) // 2
    child = _fork(records[half:], compiler) if _can_fork(len(records)) else None
    if child is None:
        return [None if d is None else _outcome(d, compiler) for d in records]
    pid, pipe = child
    try:
        mine = [None if d is None else _outcome(d, compiler) for d in records[:half]]
    except BaseException:  # interrupted: stop the child
        _abandon(pid, pipe)
        raise
    theirs = _collect(pid, pipe)
    if theirs is None or len(theirs) != len(records) - half:
        theirs = [None if d is None else _outcome(d, compiler) for d in records[half:]]
    return mine + theirs


def _fork(
    records: list[bytes | None], compiler: Callable[[list[Affected]], tuple[str | None, str]]
) -> tuple[int, int] | None:
    import marshal

    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: compute, send, leave without any clean-up of the parent's
        status = 1
        try:
            os.close(read_end)
            payload = marshal.dumps([None if d is None else _outcome(d, compiler) for d in records])
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _abandon(pid: int, pipe: int) -> None:
    import signal

    with contextlib.suppress(OSError):
        os.close(pipe)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


def _collect(pid: int, pipe: int) -> list[_Outcome | None] | None:
    import marshal

    try:
        with os.fdopen(pipe, "rb") as source:
            payload = source.read()
    finally:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:  # reaped already (SIGCHLD ignored): the payload tells
            status = 0
    if status != 0:
        return None
    try:
        value = marshal.loads(payload)  # a truncated payload does not load
    except (EOFError, ValueError, TypeError):
        return None
    return value if isinstance(value, list) else None


def _aliases_json(aliases: tuple[str, ...]) -> str:
    """The ``aliases`` column: ``json.dumps`` of the list."""
    return string_list(aliases, ", ")


def _clear_memo() -> None:
    from chainward.vulndb import compiled, osv

    osv.clear_memo()
    compiled.clear_memo()


def _schema_version(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return None if row is None else str(row[0])


def migrate(path: Path) -> None:
    """Bring a database of an older schema (:data:`MIGRATABLE`) up to date, in place.

    The full records, the import log and the change log are kept; the derived
    tables (``affected``, ``matching``) are rebuilt from the records in one transaction, so a killed
    migration leaves the old database as it was.
    """
    with writer_lock(path):
        try:
            _migrate(path)
        except sqlite3.Error as exc:
            raise VulnDBError(
                f"cannot upgrade the advisory database {path} to schema {SCHEMA_VERSION} "
                f"({exc}); delete the file to rebuild it from the bundled snapshot"
            ) from None


def _migrate(path: Path) -> None:
    conn = _connect(path)
    try:
        if _schema_version(conn) == str(SCHEMA_VERSION):
            return  # another process migrated it while we waited for the lock
        conn.execute("BEGIN IMMEDIATE")
        try:
            for table in DERIVED_TABLES:
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in DERIVED_DDL:
                conn.execute(statement)
            affected: list[_AffectedRow] = []
            matching: list[_MatchingRow] = []
            with _gc_paused():
                for (raw,) in conn.execute("SELECT record FROM advisories"):
                    try:
                        more_affected, more_matching = _derived_rows(parse_record(raw))
                    except MalformedRecord:
                        continue  # it was imported, so it parsed once; never fatal
                    affected.extend(more_affected)
                    matching.extend(more_matching)
            conn.executemany("INSERT OR REPLACE INTO affected VALUES (?,?,?,?)", affected)
            conn.executemany("INSERT OR REPLACE INTO matching VALUES (?,?,?,?,?,?,?,?)", matching)
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def initialise(path: Path, *, scratch: bool = False) -> None:
    """Create an empty database with the current schema at ``path``."""
    conn = _connect(path, scratch=scratch, page_size=_PAGE_SIZE)
    try:
        conn.executescript(DDL)
        conn.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )
    finally:
        conn.close()


def _advisory_from_row(row: tuple[Any, ...]) -> Advisory:
    """An advisory's metadata from a ``matching`` row (name, id, modified, aliases JSON,
    summary, severity, vnorm, m)."""
    _, ident, modified, aliases, summary, severity, _, _ = row
    return Advisory(
        id=ident,
        modified=modified,
        aliases=read_string_list(aliases),
        summary=summary,
        severity=None if severity is None else _SEVERITIES[severity],
    )


class SqliteAdvisoryStore(AdvisoryStore):
    """An :class:`AdvisoryStore` in one SQLite file."""

    def __init__(self, path: Path, *, scratch: bool = False) -> None:
        """Open ``path``; ``scratch`` is for :func:`build_database`'s temporary file only."""
        self.path = path
        self._lock = threading.RLock()
        try:
            self._conn = _connect(path, scratch=scratch)
            found = _schema_version(self._conn)
            if found is not None and found.isdigit() and int(found) in MIGRATABLE:
                self._conn.close()
                migrate(path)
                self._conn = _connect(path)
                found = _schema_version(self._conn)
        except sqlite3.DatabaseError as exc:
            raise VulnDBError(
                f"{path} is not a chainward advisory database ({exc}); "
                "delete it or run 'chainward db import' with --db pointing elsewhere"
            ) from None
        if found != str(SCHEMA_VERSION):
            self._conn.close()
            raise VulnDBError(
                f"{path} has advisory database schema {found or 'none'}, this chainward needs "
                f"{SCHEMA_VERSION}: delete the file to rebuild it from the bundled snapshot"
            )
        self._cache: dict[tuple[str, str], list[Advisory]] = {}
        self._data_version = self._current_data_version()

    # -- reading -------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SqliteAdvisoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _current_data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def _refresh(self) -> None:
        # Another connection (another process's import) committed: drop cached answers.
        version = self._current_data_version()
        if version != self._data_version:
            self._cache.clear()
            self._data_version = version

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def meta(self, key: str) -> str | None:
        with self._lock:
            return self._meta(key)

    def advisories_for(self, name: str, ecosystem: str = "PyPI") -> list[Advisory]:
        return self.advisories_for_many([name], ecosystem)[normalize_package(ecosystem, name)]

    def advisories_for_many(
        self, names: Iterable[str], ecosystem: str = "PyPI"
    ) -> dict[str, list[Advisory]]:
        wanted = {normalize_package(ecosystem, n) for n in names}
        with self._lock:
            self._refresh()
            result = {
                n: self._cache[(ecosystem, n)] for n in wanted if (ecosystem, n) in self._cache
            }
            missing = sorted(wanted - result.keys())
            for start in range(0, len(missing), _IN_CHUNK):
                chunk = missing[start : start + _IN_CHUNK]
                found: dict[str, list[Advisory]] = {n: [] for n in chunk}
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    "SELECT f.name, a.id, a.modified, a.withdrawn, a.aliases, a.summary, "
                    "a.severity, f.spec FROM affected f JOIN advisories a ON a.id = f.id "
                    f"WHERE f.ecosystem = ? AND f.name IN ({marks}) ORDER BY a.id",
                    (ecosystem, *chunk),
                )
                for name, ident, modified, withdrawn, aliases, summary, severity, spec in rows:
                    found[name].append(
                        Advisory(
                            id=ident,
                            modified=modified,
                            aliases=read_string_list(aliases),
                            summary=summary,
                            severity=None if severity is None else _SEVERITIES[severity],
                            withdrawn=withdrawn,
                            affected=affected_from_json(spec),
                        )
                    )
                for name, advisories in found.items():
                    self._cache[(ecosystem, name)] = advisories
                    result[name] = advisories
        return result

    def matchers_for_many(
        self, names: Iterable[str], ecosystem: str = "PyPI"
    ) -> dict[str, PackageMatcher]:
        """Matchers over the precomputed columns: only withdrawn-free rows are read, and
        records are decoded no further than their metadata."""
        if ecosystem != "PyPI":
            return super().matchers_for_many(names, ecosystem)
        from chainward.vulndb.compiled import CompiledMatcher

        wanted = sorted({n if _CANONICAL.fullmatch(n) else canonical_name(n) for n in names})
        found: dict[str, list[tuple[Any, ...]]] = {n: [] for n in wanted}
        with self._lock:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    "SELECT name, id, modified, aliases, summary, severity, vnorm, m "
                    f"FROM matching WHERE name IN ({marks}) ORDER BY name, id",
                    chunk,
                )
                for row in rows:
                    found[row[0]].append(row)
        return {name: CompiledMatcher(rows, _advisory_from_row) for name, rows in found.items()}

    def record(self, advisory_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT record FROM advisories WHERE id = ?", (advisory_id,)
            ).fetchone()
        if row is None:
            return None
        value: dict[str, Any] = json.loads(row[0])
        return value

    def advisory(self, advisory_id: str, name: str, ecosystem: str = "PyPI") -> Advisory | None:
        """One advisory restricted to ``name``'s affected entries, or None."""
        for advisory in self.advisories_for(name, ecosystem):
            if advisory.id == advisory_id:
                return advisory
        return None

    def package_names(self, ecosystem: str = "PyPI", prefix: str | None = None) -> list[str]:
        """Every package named by some record (optionally only records whose id has ``prefix``)."""
        sql = "SELECT DISTINCT name FROM affected WHERE ecosystem = ?"
        args: tuple[Any, ...] = (ecosystem,)
        if prefix:
            sql += " AND id LIKE ?"
            args += (prefix.replace("%", "") + "%",)
        with self._lock:
            return sorted(r[0] for r in self._conn.execute(sql + " ORDER BY name", args))

    def changed_packages(self, since_import: int) -> set[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT name FROM changes WHERE import_id > ?", (since_import,)
            )
            return {r[0] for r in rows}

    def last_import_id(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT MAX(id) FROM imports").fetchone()
        return int(row[0] or 0)

    def imports(self) -> list[dict[str, Any]]:
        """The import log, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, at, source, seen, added, modified, unchanged, skipped "
                "FROM imports ORDER BY id"
            ).fetchall()
        keys = ("id", "at", "source", "seen", "added", "modified", "unchanged", "skipped")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def _counts(self) -> dict[str, Any]:
        c = self._conn
        prefixes = c.execute(
            "SELECT substr(id, 1, instr(id, '-') - 1) AS p, COUNT(*) FROM advisories "
            "GROUP BY p ORDER BY p"
        ).fetchall()
        return {
            "records": c.execute("SELECT COUNT(*) FROM advisories").fetchone()[0],
            "withdrawn": c.execute("SELECT COUNT(withdrawn) FROM advisories").fetchone()[0],
            "malicious": c.execute(
                "SELECT COUNT(*) FROM advisories WHERE id >= 'MAL-' AND id < 'MAL.'"
            ).fetchone()[0],
            "packages": c.execute(
                "SELECT COUNT(*) FROM (SELECT DISTINCT ecosystem, name FROM affected)"
            ).fetchone()[0],
            "by_prefix": {str(k): int(v) for k, v in prefixes},
            "newest_modified": c.execute("SELECT MAX(modified) FROM advisories").fetchone()[0],
            "import_id": int(c.execute("SELECT MAX(id) FROM imports").fetchone()[0] or 0),
        }

    def metadata(self) -> StoreMetadata:
        """Read from the counts each import stores (cheap), computed live if absent."""
        with self._lock:
            cached = self._meta("counts")
            counts = json.loads(cached) if cached else self._counts()
            return StoreMetadata(
                path=str(self.path),
                schema_version=SCHEMA_VERSION,
                records=int(counts["records"]),
                packages=int(counts["packages"]),
                withdrawn=int(counts["withdrawn"]),
                malicious=int(counts["malicious"]),
                source=self._meta("source"),
                last_update=self._meta("last_update"),
                newest_modified=counts["newest_modified"],
                import_id=int(counts["import_id"]),
                by_prefix=dict(counts["by_prefix"]),
            )

    # -- writing -------------------------------------------------------------------------

    def set_meta(self, values: dict[str, str]) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", values.items()
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def import_entries(
        self, entries: Iterable[Entry], *, source: str, meta: dict[str, str] | None = None
    ) -> ImportStats:
        """Apply OSV records as an overlay, all or nothing.

        A record is written when its id is new or its ``modified`` stamp is later than the
        stored one (per record, never a global watermark). Malformed records are skipped
        and counted. The caller holds :func:`writer_lock`.
        """
        started = time.perf_counter()
        with self._lock, _gc_paused():
            try:
                # Everything an import holds lives in _apply's frame and is freed before
                # the collector runs again (a collection over it costs more than freeing).
                import_id, counts, problems = self._apply(entries, source, meta)
            finally:
                _clear_memo()
            self._cache.clear()
            self._data_version = self._current_data_version()
        return ImportStats(
            import_id=import_id,
            seconds=time.perf_counter() - started,
            problems=tuple(problems),
            **counts,
        )

    def _apply(
        self, entries: Iterable[Entry], source: str, meta: dict[str, str] | None
    ) -> tuple[int, dict[str, int], list[str]]:
        """The body of :meth:`import_entries` (the caller holds the locks)."""
        from chainward.vulndb.compiled import compile_entries

        conn = self._conn
        stored = dict(conn.execute("SELECT id, modified FROM advisories").fetchall())
        counts = {"seen": 0, "added": 0, "modified": 0, "unchanged": 0, "skipped": 0}
        problems: list[str] = []
        written: dict[str, tuple[Any, ...]] = {}
        affected_rows: list[_AffectedRow] = []
        matching_rows: list[_MatchingRow] = []
        change_rows: set[tuple[int, str, str]] = set()
        conn.execute("BEGIN IMMEDIATE")
        try:
            import_id = int(
                conn.execute(
                    "INSERT INTO imports(at, source) VALUES (?, ?)", (now_iso(), source)
                ).lastrowid
                or 0
            )
            if not stored:
                # A fresh database: every record is written, so all of them can be
                # worked out up front (two processes where that helps).
                entries = list(entries)
                precomputed: Iterator[_Outcome | None] = iter(_outcomes(entries, compile_entries))
            else:
                precomputed = itertools.repeat(None)
            for (entry_name, data), outcome in zip(entries, precomputed, strict=False):
                counts["seen"] += 1
                if isinstance(data, Oversized):
                    counts["skipped"] += 1
                    if len(problems) < _MAX_PROBLEMS:
                        problems.append(f"{entry_name}: record of {data.size} bytes skipped")
                    continue
                if outcome is None:
                    try:
                        parsed = parse_record(data)
                    except MalformedRecord as exc:
                        outcome = ("bad", str(exc))
                    else:
                        outcome = _head(parsed)
                if outcome[0] == "bad":
                    counts["skipped"] += 1
                    if len(problems) < _MAX_PROBLEMS:
                        problems.append(f"{entry_name}: {outcome[1]}")
                    continue
                ident, modified = outcome[1], outcome[2]
                previous = stored.get(ident)
                if previous is not None and not _newer(modified, previous):
                    counts["unchanged"] += 1
                    continue
                if ident in written:
                    # The same id twice in one export: the later, newer copy wins.
                    affected_rows = [r for r in affected_rows if r[2] != ident]
                    matching_rows = [r for r in matching_rows if r[1] != ident]
                elif previous is not None:
                    for eco, name in conn.execute(
                        "SELECT ecosystem, name FROM affected WHERE id = ?", (ident,)
                    ).fetchall():
                        change_rows.add((import_id, eco, name))
                    conn.execute("DELETE FROM affected WHERE id = ?", (ident,))
                    conn.execute("DELETE FROM matching WHERE id = ?", (ident,))
                    counts["modified"] += 1
                else:
                    counts["added"] += 1
                stored[ident] = modified
                written[ident] = (
                    *outcome[1:7],
                    import_id,
                    data if isinstance(data, bytes) else bytes(data),
                )
                if len(outcome) > 7:
                    more_affected, more_matching = outcome[7], outcome[8]
                else:  # derived only now: an unchanged record needs none
                    more_affected, more_matching = _derived_rows(
                        parsed, outcome[4], compile_entries
                    )
                affected_rows.extend(more_affected)
                matching_rows.extend(more_matching)
                for row in more_affected:
                    change_rows.add((import_id, row[0], row[1]))
            if counts["seen"] == counts["skipped"]:
                # Nothing usable: the wrong file, not a partial success.
                detail = f" ({problems[0]})" if problems else ""
                raise AdvisoryDataError(
                    f"no OSV records found in {source}: {counts['seen']} entries, none "
                    f"readable{detail}"
                )
            conn.executemany(
                "INSERT OR REPLACE INTO advisories(id, modified, withdrawn, aliases, "
                "summary, severity, import_id, record) VALUES (?,?,?,?,?,?,?,?)",
                written.values(),
            )
            # In primary key order: these tables are b-trees on it (WITHOUT ROWID), and
            # appending to one is much cheaper than inserting all over it.
            affected_rows.sort(key=_first3)
            matching_rows.sort(key=_first2)
            conn.executemany(
                "INSERT INTO affected(ecosystem, name, id, spec) VALUES (?,?,?,?)",
                affected_rows,
            )
            conn.executemany("INSERT INTO matching VALUES (?,?,?,?,?,?,?,?)", matching_rows)
            conn.executemany(
                "INSERT OR IGNORE INTO changes(import_id, ecosystem, name) VALUES (?,?,?)",
                sorted(change_rows),
            )
            conn.execute(
                "UPDATE imports SET seen=?, added=?, modified=?, unchanged=?, skipped=? WHERE id=?",
                (*counts.values(), import_id),
            )
            values = {
                "source": source,
                "last_update": now_iso(),
                "counts": json.dumps(self._counts()),
                **(meta or {}),
            }
            conn.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", values.items()
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return import_id, counts, problems


def build_database(path: Path, entries: Iterable[Entry], *, source: str) -> ImportStats:
    """Write a fresh database to ``path`` atomically (temporary file, then ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp*"):  # left by killed builds
        stale.unlink(missing_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        initialise(temporary, scratch=True)
        with SqliteAdvisoryStore(temporary, scratch=True) as store:
            stats = store.import_entries(entries, source=source)
            store._conn.execute("PRAGMA journal_mode=DELETE")
        with open(temporary, "rb+") as built:
            os.fsync(built.fileno())  # on disk before it replaces anything
        os.replace(temporary, path)
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)
    return stats


__all__ = [
    "SqliteAdvisoryStore",
    "build_database",
    "initialise",
    "lock_path",
    "migrate",
    "now_iso",
    "parse_timestamp",
    "writer_lock",
]
