"""The SQLite store: imports from every input shape, per-record sync, robustness."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from chainward.records import Severity
from chainward.vulndb import (
    AdvisoryDataError,
    SqliteAdvisoryStore,
    VulnDBError,
    import_path,
    open_store,
)
from tests.conftest import OSV_ALL, OSV_UPDATE


def test_full_export_is_indexed_with_full_records(store: SqliteAdvisoryStore) -> None:
    meta = store.metadata()
    assert meta.records == 2654
    assert meta.packages == 663
    assert meta.withdrawn == 10
    assert meta.malicious == 4
    assert meta.by_prefix == {"GHSA": 7, "MAL": 4, "PYSEC": 2643}
    record = store.record("GHSA-8q59-q68h-6hv4")
    assert record is not None
    assert record["database_specific"]["severity"] == "CRITICAL"
    assert record["references"] and record["affected"][0]["ecosystem_specific"]


def test_names_are_pep503_normalised_on_both_sides(store: SqliteAdvisoryStore) -> None:
    ids = {a.id for a in store.advisories_for("PyYAML")}
    assert "GHSA-8q59-q68h-6hv4" in ids  # record spells it "PyYAML"
    assert "PYSEC-2021-142" in ids  # record spells it "pyyaml"
    assert ids == {a.id for a in store.advisories_for("py_yaml".replace("_", ""))}
    assert store.advisories_for("no-such-package-xyz") == []


def test_update_export_applies_per_id_and_modified(store: SqliteAdvisoryStore) -> None:
    before = store.last_import_id()
    stats = import_path(store, OSV_UPDATE)
    # 20 new records carry OLDER modified stamps than the newest in the database: a
    # watermark sync would miss them.
    assert (stats.seen, stats.added, stats.modified, stats.unchanged, stats.skipped) == (
        24,
        20,
        4,
        0,
        0,
    )
    assert store.metadata().records == 2674
    assert store.record("PYSEC-2020-148")["withdrawn"] == "2024-10-15T00:00:00Z"  # type: ignore[index]
    again = import_path(store, OSV_UPDATE)
    assert (again.added, again.modified, again.unchanged) == (0, 0, 24)
    changed = store.changed_packages(before)
    assert {"urllib3", "pyyaml", "jinja2", "aiocpa", "aiohttp", "django"} <= changed
    assert "requests" not in changed
    assert store.changed_packages(store.last_import_id()) == set()


def test_older_copy_of_a_record_does_not_replace_a_newer_one(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    with zipfile.ZipFile(OSV_ALL) as archive:
        record = json.loads(archive.read("PYSEC-2021-142.json"))
    record["modified"] = "2001-01-01T00:00:00Z"
    record["affected"][0]["ranges"] = []
    (tmp_path / "old.json").write_text(json.dumps(record))
    stats = import_path(store, tmp_path / "old.json")
    assert stats.unchanged == 1
    assert store.record("PYSEC-2021-142")["modified"] != "2001-01-01T00:00:00Z"  # type: ignore[index]


def test_directory_and_single_file_imports(tmp_path: Path) -> None:
    export = tmp_path / "export"
    (export / "nested").mkdir(parents=True)
    with zipfile.ZipFile(OSV_UPDATE) as archive:
        for index, member in enumerate(archive.namelist()):
            where = export / "nested" if index % 2 else export
            (where / member).write_bytes(archive.read(member))
    (export / "README.txt").write_text("not a record")
    with open_store(tmp_path / "db.sqlite", install_snapshot=False) as store:
        assert import_path(store, export).added == 24
        single = tmp_path / "one.json"
        [original] = export.rglob("PYSEC-2024-60.json")
        single.write_bytes(original.read_bytes())
        assert import_path(store, single).unchanged == 1


def test_malformed_records_are_skipped_and_counted(tmp_path: Path) -> None:
    export = tmp_path / "bad.zip"
    with zipfile.ZipFile(OSV_UPDATE) as good, zipfile.ZipFile(export, "w") as bad:
        for member in good.namelist()[:3]:
            bad.writestr(member, good.read(member))
        bad.writestr("not-json.json", b"{oops")
        bad.writestr("no-id.json", json.dumps({"modified": "2024-01-01T00:00:00Z"}))
        bad.writestr("array.json", b"[1, 2]")
        bad.writestr(
            "bad-affected.json",
            json.dumps({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": "everything"}),
        )
        bad.writestr("deep.json", b"[" * 100_000 + b"]" * 100_000)
    with open_store(tmp_path / "db.sqlite", install_snapshot=False) as store:
        stats = import_path(store, export)
    assert (stats.seen, stats.added, stats.skipped) == (8, 3, 5)
    assert any("not-json.json" in p for p in stats.problems)


def test_oversized_member_is_skipped_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("chainward.vulndb.loader.MAX_RECORD_BYTES", 3000)
    with open_store(tmp_path / "db.sqlite", install_snapshot=False) as store:
        stats = import_path(store, OSV_UPDATE)
    assert (stats.added, stats.skipped) == (12, 12)


def test_unreadable_sources_are_input_errors(tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(OSV_UPDATE.read_bytes()[:10_000])
    with open_store(tmp_path / "db.sqlite", install_snapshot=False) as store:
        with pytest.raises(AdvisoryDataError):
            import_path(store, truncated)
        with pytest.raises(AdvisoryDataError, match="no such file"):
            import_path(store, tmp_path / "missing.zip")
        assert store.metadata().records == 0  # nothing half-imported


def test_corrupt_truncated_zip_member_rolls_back(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    data = bytearray(OSV_UPDATE.read_bytes())
    data[2000:2100] = b"\0" * 100  # damage a member's compressed bytes
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    with pytest.raises(AdvisoryDataError):
        import_path(store, damaged)
    assert store.metadata().records == 2654


def test_not_a_database_and_wrong_schema(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(VulnDBError, match="not a chainward advisory database"):
        open_store(junk)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('schema_version', '999')")
    conn.commit()
    conn.close()
    with pytest.raises(VulnDBError, match="schema 999"):
        open_store(other)


def test_severity_columns(store: SqliteAdvisoryStore) -> None:
    by_id = {a.id: a for a in store.advisories_for("pytorchh")}
    assert by_id["MAL-2023-2133"].severity is Severity.CRITICAL
    assert by_id["MAL-2023-2133"].malicious


def test_reader_sees_old_data_until_the_writer_commits(store: SqliteAdvisoryStore) -> None:
    reader = SqliteAdvisoryStore(store.path)
    try:
        assert {a.id for a in reader.advisories_for("aiocpa")} == set()

        def entries():  # the reader queries while the import transaction is open
            with zipfile.ZipFile(OSV_UPDATE) as archive:
                for member in archive.namelist():
                    yield member, archive.read(member)
                    assert reader.metadata().records == 2654

        store.import_entries(entries(), source="update")
        assert {a.id for a in reader.advisories_for("aiocpa")} == {"MAL-2024-11518"}
    finally:
        reader.close()


def test_a_source_without_any_record_is_an_error(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.json").write_text('{"hello": "world"}')
    for source in (tmp_path / "empty", tmp_path / "notes.json"):
        with pytest.raises(AdvisoryDataError, match="no OSV records"):
            import_path(store, source)
    assert store.last_import_id() == 1  # nothing recorded
