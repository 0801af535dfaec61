"""``chainward db``: import, update and inspect the advisory database."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from chainward.cli.options import emit, is_quiet, report_options
from chainward.exitcodes import EXIT_OK
from chainward.report.interface import Report, Section
from chainward.vulndb.freshness import (
    DEFAULT_MAX_AGE_DAYS,
    resolve_max_age,
    staleness_warning,
)


def db_option(func: Any) -> Any:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Advisory database file (default: $CHAINWARD_DB, else the user data dir).",
    )(func)


def max_age_option(func: Any) -> Any:
    return click.option(
        "--max-age",
        "max_age",
        type=click.IntRange(min=0),
        default=None,
        help=f"Warn when the newest advisory is older than DAYS "
        f"(default: $CHAINWARD_DB_MAX_AGE or {DEFAULT_MAX_AGE_DAYS}).",
        metavar="DAYS",
    )(func)


def _stats_document(stats: Any) -> dict[str, Any]:
    return {
        "import_id": stats.import_id,
        "seen": stats.seen,
        "added": stats.added,
        "modified": stats.modified,
        "unchanged": stats.unchanged,
        "skipped": stats.skipped,
        "seconds": round(stats.seconds, 3),
        "records_per_second": round(stats.rate),
        "problems": list(stats.problems),
    }


def _stats_report(kind: str, document: dict[str, Any], stats: Any, headline: str) -> Report:
    rows = [
        (k, str(document["import"][k]))
        for k in ("added", "modified", "unchanged", "skipped", "seconds", "records_per_second")
    ]
    return Report(
        kind=kind,
        document=document,
        sections=(Section("Import", ("", "records"), rows),),
        summary_lines=(headline,),
        warnings=tuple(stats.problems),
    )


@click.group("db")
def db() -> None:
    """Manage the advisory database (OSV records, offline)."""


@db.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@db_option
@report_options
def import_command(
    source: Path, db_path: Path | None, output_format: str, output: Path | None
) -> int:
    """Import OSV records from SOURCE: an all.zip export, a directory of JSON files, or a
    JSON file. Records are applied per id and modified stamp; malformed ones are skipped
    and counted."""
    from chainward.vulndb import import_path, open_store

    with open_store(db_path) as store:
        stats = import_path(store, source)
        meta = store.metadata()
    document = {"database": meta.as_dict(), "import": _stats_document(stats)}
    headline = (
        f"imported {stats.seen} records from {source} in {stats.seconds:.2f} s "
        f"({stats.rate:,.0f}/s): {stats.added} added, {stats.modified} modified, "
        f"{stats.unchanged} unchanged, {stats.skipped} skipped"
    )
    emit(
        _stats_report("db-import", document, stats, headline),
        output_format,
        output,
        quiet=is_quiet(),
    )
    return EXIT_OK


class _Bar:
    """A rich progress bar on stderr, shown only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.progress: Any = None
        self.task: Any = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TransferSpeedColumn,
            )

            self.progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=Console(stderr=True),
                transient=True,
            )

    def __enter__(self) -> _Bar:
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task("downloading advisories", total=None)
        return self

    def __call__(self, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


@db.command("update")
@click.option("--url", default=None, help="Export to download (default: OSV's PyPI all.zip).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for the server before giving up.",
)
@click.option("--force", is_flag=True, help="Download even if the server says nothing changed.")
@db_option
@report_options
def update_command(
    url: str | None,
    timeout: float,
    force: bool,
    db_path: Path | None,
    output_format: str,
    output: Path | None,
) -> int:
    """Download the latest advisories (conditional request) and apply them atomically."""
    from chainward.vulndb import open_store
    from chainward.vulndb.sync import DEFAULT_URL, update

    url = url or os.environ.get("CHAINWARD_DB_URL") or DEFAULT_URL
    with open_store(db_path) as store, _Bar(not is_quiet()) as bar:
        result = update(store, url, timeout=timeout, progress=bar, force=force)
        meta = store.metadata()
    document: dict[str, Any] = {
        "database": meta.as_dict(),
        "url": result.url,
        "modified": result.modified,
        "downloaded_bytes": result.downloaded,
        "import": _stats_document(result.stats) if result.stats else None,
    }
    if result.stats is None:
        report = Report(
            kind="db-update",
            document=document,
            summary_lines=(f"{url}: not modified since the last update; nothing to do",),
        )
    else:
        stats = result.stats
        headline = (
            f"downloaded {result.downloaded:,} bytes from {url}: {stats.added} added, "
            f"{stats.modified} modified, {stats.unchanged} unchanged, {stats.skipped} skipped"
        )
        report = _stats_report("db-update", document, stats, headline)
    emit(report, output_format, output, quiet=is_quiet())
    return EXIT_OK


@db.command("status")
@db_option
@max_age_option
@report_options
def status_command(
    db_path: Path | None, max_age: int | None, output_format: str, output: Path | None
) -> int:
    """Show record counts, source, last update and data age."""
    from chainward.audit.auditor import data_age_days
    from chainward.vulndb import open_store

    days = resolve_max_age(max_age)
    with open_store(db_path) as store:
        meta = store.metadata()
        imports = store.imports()
    age = data_age_days(meta)
    warning = staleness_warning(meta, days)
    document = {
        **meta.as_dict(),
        "age_days": age,
        "max_age_days": days,
        "stale": warning is not None,
        "imports": imports[-10:],
    }
    rows = [
        ("database", meta.path),
        (
            "records",
            f"{meta.records:,} ({', '.join(f'{k} {v}' for k, v in meta.by_prefix.items())})",
        ),
        ("packages", f"{meta.packages:,}"),
        ("withdrawn", str(meta.withdrawn)),
        ("malicious (MAL-)", str(meta.malicious)),
        ("source", meta.source or "-"),
        ("last update", meta.last_update or "-"),
        ("newest record", f"{meta.newest_modified or '-'} ({age} days old)"),
        ("schema", str(meta.schema_version)),
    ]
    report = Report(
        kind="db-status",
        document=document,
        sections=(Section("Advisory database", ("", ""), rows),),
        warnings=(warning,) if warning else (),
    )
    emit(report, output_format, output, quiet=is_quiet())
    return EXIT_OK


__all__ = ["db", "db_option", "max_age_option", "resolve_max_age", "staleness_warning"]
