"""The import path's shortcuts give exactly what the plain computations give.

An import memoises work per distinct version list and range, assembles JSON from
pieces, reads zip central directories itself and skips regular expressions; each is
checked here against the straightforward code it replaces (the pre-memoisation
implementation of the derived columns is kept below as the reference).
"""

from __future__ import annotations

import io
import json
import mmap
import os
import random
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chainward.vulndb import build_database
from chainward.vulndb import loader as loader_module
from chainward.vulndb._json import compact, read_string_list, spaced, string_list
from chainward.vulndb.compiled import (
    _REPEATED,
    _SELF_AFFECTED,
    _compile_range,
    _no_advisory,
    _pep440_spelling,
    _Row,
    normal_form,
    normalise_plain,
)
from chainward.vulndb.interface import Affected
from chainward.vulndb.loader import Oversized, iter_entries
from chainward.vulndb.match import odd_versions, parse_pep440
from chainward.vulndb.osv import _odd_of, clear_memo, parse_record
from tests.conftest import OSV_ALL

_COMPACT = json.JSONEncoder(separators=(",", ":"))


def _reference_spec(entries: list[Affected]) -> str:
    return _COMPACT.encode(
        [
            [
                e.ecosystem,
                e.name,
                e.versions,
                [[r.type, r.events] for r in e.ranges],
                () if e.ecosystem != "PyPI" else odd_versions(e.versions),
            ]
            for e in entries
        ]
    )


def _reference_compile(entries: list[Affected]) -> tuple[str | None, str]:
    plain: list[str] = []
    odd: list[str] = []
    ranges: list[Any] = []
    fixed: dict[str, None] = {}
    for entry in entries:
        if entry.versions:
            strange = odd_versions(entry.versions)
            odd.extend(strange)
            plain.extend(v for v in entry.versions if v not in set(strange))
        for rng in entry.ranges:
            if rng.type == "GIT":
                continue
            fixed.update((value, None) for kind, value in rng.events if kind == "fixed")
            compiled = _compile_range(rng.type, rng.events)
            if compiled is not None and compiled[1]:
                ranges.append(compiled)
    exact: list[str] = []
    keyed: list[str] = []
    for version in odd:
        key = parse_pep440(version)
        form = normal_form(key)
        if form is not None:
            plain.append(form)
        elif key is None:
            exact.append(version)
        else:
            keyed.append(version)
    vnorm = normalise_plain(plain) if plain else None
    row = _Row(("", "", vnorm, [exact, keyed, ranges, []]), _no_advisory)
    spelled = sorted((k, c, s) for c in fixed for k, s in (_pep440_spelling(c),) if k is not None)
    candidates: list[list[Any]] = []
    clean: set[Any] = set()
    for key, candidate, spelling in spelled:
        if row.affects(candidate, spelling):
            flag = _SELF_AFFECTED
        elif key in clean:
            flag = _REPEATED
        else:
            flag = 0
            clean.add(key)
        candidates.append([candidate, flag, spelling])
    return vnorm, _COMPACT.encode([exact, keyed, ranges, candidates])


def _reference_rows(raw: bytes) -> tuple[tuple[Any, ...], set[tuple[Any, ...]], set[Any]]:
    parsed = parse_record(raw)
    aliases = json.dumps(list(parsed.aliases))
    severity = None if parsed.severity is None else int(parsed.severity)
    groups: dict[tuple[str, str], list[Affected]] = {}
    for entry in parsed.affected:
        groups.setdefault((entry.ecosystem, entry.name), []).append(entry)
    affected = {(eco, name, parsed.id, _reference_spec(g)) for (eco, name), g in groups.items()}
    matching = set()
    for (eco, name), group in groups.items():
        if eco == "PyPI" and not parsed.withdrawn:
            vnorm, m = _reference_compile(group)
            matching.add(
                (name, parsed.id, parsed.modified, severity, aliases, parsed.summary, m, vnorm)
            )
    advisory = (
        parsed.id,
        parsed.modified,
        parsed.withdrawn,
        aliases,
        parsed.summary,
        severity,
        parsed.raw,
    )
    return advisory, affected, matching


def test_built_database_equals_the_plain_computation(tmp_path: Path) -> None:
    """Every derived row of PyPI-all.zip, against the pre-memoisation implementation."""
    db = tmp_path / "db.sqlite"
    build_database(db, iter_entries(OSV_ALL), source="t")
    conn = sqlite3.connect(db)
    try:
        advisories = {
            r[0]: r
            for r in conn.execute(
                "SELECT id, modified, withdrawn, aliases, summary, severity, record FROM advisories"
            )
        }
        affected = set(conn.execute("SELECT ecosystem, name, id, spec FROM affected"))
        matching = set(
            conn.execute(
                "SELECT name, id, modified, severity, aliases, summary, m, vnorm FROM matching"
            )
        )
    finally:
        conn.close()
    want_affected: set[tuple[Any, ...]] = set()
    want_matching: set[Any] = set()
    count = 0
    with zipfile.ZipFile(OSV_ALL) as archive:
        for name in archive.namelist():
            advisory, more_affected, more_matching = _reference_rows(archive.read(name))
            assert advisories[advisory[0]] == advisory
            want_affected |= more_affected
            want_matching |= more_matching
            count += 1
    assert count == len(advisories) == 2654
    assert affected == want_affected
    assert matching == want_matching
    assert len(matching) == 2644


def test_odd_versions_shortcut_matches_odd_versions() -> None:
    clear_memo()
    lists = []
    with zipfile.ZipFile(OSV_ALL) as archive:
        for name in archive.namelist()[::20]:
            for entry in json.loads(archive.read(name)).get("affected", ()):
                lists.append(tuple(entry.get("versions") or ()))
    pieces = ["0", "1", "9", "00", "01", ".", "..", "a", "b", "rc", ".post", ".dev", "-"]
    pieces += ["+", "!", "v", "\n", "|", " ", "\u00e9", "\u0661", "\u00b2", "x"]
    rnd = random.Random(3)
    for _ in range(20000):
        size = rnd.randint(0, 5)
        lists.append(tuple("".join(rnd.choices(pieces, k=rnd.randint(0, 6))) for _ in range(size)))
        if rnd.random() < 0.2:
            lists.append(rnd.choice(lists))
    for versions in lists:
        assert _odd_of(versions) == odd_versions(versions), versions
    clear_memo()


def test_json_pieces_match_the_json_module() -> None:
    rnd = random.Random(4)
    alphabet = ['"', "\\", "\n", "\x7f", "\x00", "a", "1", ".", " ", "\u00e9", "\U0001f600", "/"]
    for _ in range(5000):
        values = [
            "".join(rnd.choices(alphabet, k=rnd.randint(0, 5))) for _ in range(rnd.randint(0, 4))
        ]
        assert string_list(values) == _COMPACT.encode(values)
        assert string_list(tuple(values), ", ") == json.dumps(values)
        assert read_string_list(string_list(values)) == tuple(values)
        assert read_string_list(string_list(tuple(values), ", ")) == tuple(values)
        nested = [values, [1, None, 2.5, True], (), [values[:1], []]]
        assert compact(nested) == _COMPACT.encode(nested)
        assert spaced(nested) == json.dumps(nested)


def _archive(tmp_path: Path, name: str, **options: Any) -> Path:
    path = tmp_path / name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("A-1.json", b'{"id": "A-1"}')
        archive.writestr(
            zipfile.ZipInfo("stored/B-2.json"), b'{"id": "B-2"}', compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("notes.txt", b"not a record")
        archive.writestr("dir.json/", b"")
        archive.writestr("\u00e9t\u00e9/C-3.json", b'{"id": "C-3"}' * 50)
        info = zipfile.ZipInfo("D-4.json")
        info.extra = b"\x55\x54\x05\x00\x01\x00\x00\x00\x00"  # an extended timestamp
        archive.writestr(info, b'{"id": "D-4"}', compress_type=zipfile.ZIP_DEFLATED)
        if options.get("zip64"):
            with archive.open("E-5.json", "w", force_zip64=True) as member:
                member.write(b'{"id": "E-5"}')
        if options.get("comment"):
            archive.comment = b"an archive comment"
    path.write_bytes(options.get("prefix", b"") + buffer.getvalue())
    return path


def _by_zipfile(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [
            (i.filename, archive.read(i))
            for i in archive.infolist()
            if i.filename.endswith(".json") and not i.is_dir()
        ]


@pytest.mark.parametrize(
    ("options", "direct_read"),
    [
        ({}, True),
        ({"zip64": True}, True),  # zip64 in the local header only: sizes fit 32 bits
        ({"comment": True}, False),
        ({"prefix": b"#!/bin/sh\nexit 0\n"}, False),
    ],
    ids=["plain", "zip64", "comment", "prefix"],
)
def test_zip_entries_match_zipfile(
    tmp_path: Path, options: dict[str, Any], direct_read: bool
) -> None:
    path = _archive(tmp_path, "export.zip", **options)
    entries = list(loader_module._from_zip(path))  # (iter_entries wants "PK" first)
    assert all(not isinstance(data, Oversized) for _, data in entries)
    assert entries == _by_zipfile(path)
    with path.open("rb") as handle:
        view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            direct = loader_module._central_directory(view)
        finally:
            view.close()
    # the central directory is read directly only when nothing needs zipfile's care
    assert (direct is not None) == direct_read


def test_bad_shapes_are_counted_not_fatal(tmp_path: Path) -> None:
    good = {
        "id": "X-1",
        "modified": "2024-01-01T00:00:00Z",
        "severity": 5,  # not a list: ignored
        "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}, "versions": ["1.0"]}],
    }
    bad = {
        "id": "X-2",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [{"events": 5}]}],
    }
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "X-1.json").write_text(json.dumps(good))
    (folder / "X-2.json").write_text(json.dumps(bad))
    stats = build_database(tmp_path / "db.sqlite", iter_entries(folder), source="t")
    assert (stats.seen, stats.added, stats.skipped) == (2, 1, 1)
    assert "range events is not a list" in stats.problems[0]


def _contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = {}
        for table in tables:
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()
            if table == "imports":
                rows = [r[:1] + r[2:] for r in rows]  # without the time stamp
            if table == "meta":
                rows = [r for r in rows if r[0] != "last_update"]
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        conn.close()


def test_forked_build_equals_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh build works out half of the records in a forked child (where it can);
    the database is the same, and a child that fails only costs time."""
    from chainward.vulndb import store as store_module

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    folder = tmp_path / "records"
    folder.mkdir()
    with zipfile.ZipFile(OSV_ALL) as archive:
        for name in archive.namelist()[::9]:
            (folder / name).write_bytes(archive.read(name))
    (folder / "zz-bad.json").write_bytes(b"{not json")
    (folder / "zz-twin.json").write_bytes(
        json.dumps({**json.loads((folder / name).read_bytes()), "modified": "2099-01-01"}).encode()
    )

    def build(target: str) -> dict[str, list[tuple[Any, ...]]]:
        stats = build_database(tmp_path / target, iter_entries(folder), source="t")
        assert (stats.seen, stats.skipped) == (297, 1)
        return _contents(tmp_path / target)

    monkeypatch.setattr(store_module, "_can_fork", lambda records: False)
    alone = build("alone.sqlite")
    forks: list[int] = []
    real_fork = store_module._fork

    def counted(*args: Any) -> Any:
        found = real_fork(*args)
        forks.append(1 if found else 0)
        return found

    monkeypatch.setattr(store_module, "_can_fork", lambda records: True)
    monkeypatch.setattr(store_module, "_fork", counted)
    assert build("forked.sqlite") == alone
    assert forks == [1]

    parent = os.getpid()
    real_outcome = store_module._outcome

    def failing_in_child(*args: Any) -> Any:
        if os.getpid() != parent:
            raise MemoryError("the child dies")
        return real_outcome(*args)

    monkeypatch.setattr(store_module, "_outcome", failing_in_child)
    assert build("failed.sqlite") == alone
