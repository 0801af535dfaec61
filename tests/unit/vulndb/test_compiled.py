"""The precomputed matching data (schema 3) answers exactly what the reference matcher
answers on the decoded records, and older databases are migrated to it."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from chainward.audit import audit
from chainward.records import Component, Inventory, Provenance, canonical_name
from chainward.vulndb import SqliteAdvisoryStore, import_path, open_store
from chainward.vulndb.compiled import CompiledMatcher, normal_form, normalise_plain
from chainward.vulndb.match import _PLAIN_ONE, ReferenceMatcher, parse_pep440
from chainward.vulndb.schema import SCHEMA_VERSION
from tests.conftest import OSV_ALL, OSV_UPDATE, asset

# Spellings the data rarely or never uses, probed on every package.
_ODD_PROBES = ("0", "0.0.1", "999", "1.0.0-beta", "v1.0", "1!1.0", "1.0+local", "junk", "")


def _listed_versions() -> list[str]:
    versions: list[str] = []
    with zipfile.ZipFile(OSV_ALL) as archive:
        for member in archive.namelist():
            for affected in json.loads(archive.read(member))["affected"]:
                versions.extend(affected.get("versions") or ())
    return versions


def test_normal_forms_of_plain_spellings_equal_those_of_their_pep440_keys() -> None:
    plain = sorted({v for v in _listed_versions() if _PLAIN_ONE.fullmatch(v)})
    extra = ["0", "0.0", "1.0.0a1", "1.0.0.post0.dev0", "10.0", "1.10", "1.0.10.0", "2.0rc0"]
    plain += extra
    joined = normalise_plain(plain)
    forms = [normal_form(parse_pep440(v)) for v in plain]
    assert joined == "\n" + "\n".join(f or "?" for f in forms) + "\n"
    assert normal_form(parse_pep440("1!1.0")) is None
    assert normal_form(parse_pep440("1.0+local")) is None


def _probes(store: SqliteAdvisoryStore) -> dict[str, list[str]]:
    """Every version a record names for each package (plus odd spellings), thinned to
    about 25 per package so that the comparison stays fast."""
    probes: dict[str, set[str]] = {}
    for zip_path in (OSV_ALL, OSV_UPDATE):
        with zipfile.ZipFile(zip_path) as archive:
            for member in archive.namelist():
                record = json.loads(archive.read(member))
                for affected in record.get("affected", ()):
                    name = canonical_name(affected["package"]["name"])
                    found = probes.setdefault(name, set(_ODD_PROBES))
                    found.update(affected.get("versions") or ())
                    for rng in affected.get("ranges") or ():
                        for event in rng.get("events", ()):
                            found.update(v for v in event.values() if isinstance(v, str))
    thinned = {}
    for name, versions in probes.items():
        ordered = sorted(versions)
        step = max(1, len(ordered) // 25)
        thinned[name] = sorted(set(ordered[::step]) | set(_ODD_PROBES))
    return thinned


def _compare_everything(store: SqliteAdvisoryStore) -> int:
    probes = _probes(store)
    compiled = store.matchers_for_many(probes)
    references = {
        name: ReferenceMatcher(found, "PyPI")
        for name, found in store.advisories_for_many(probes).items()
    }
    checked = 0
    for name, versions in probes.items():
        ours, theirs = compiled[name], references[name]
        assert isinstance(ours, CompiledMatcher)
        for version in versions:
            matched = ours.matching(version)
            expected = theirs.matching(version)
            assert [a.id for a in matched] == [a.id for a in expected], (name, version)
            checked += 1
            if not matched:
                continue
            by_id = {a.id: a for a in expected}
            groups = [[a] for a in matched] + [matched]
            for group in groups:
                reference_group = [by_id[a.id] for a in group]
                fixes = ours.fix_versions(group, version)
                assert fixes == theirs.fix_versions(reference_group, version), (name, version)
                assert ours.first_fix(group, version) == (fixes[0] if fixes else None)
    return checked


def test_compiled_matcher_equals_the_reference_matcher(store: SqliteAdvisoryStore) -> None:
    assert _compare_everything(store) > 10_000


def test_compiled_matcher_equals_the_reference_after_an_update(
    store: SqliteAdvisoryStore,
) -> None:
    import_path(store, OSV_UPDATE)  # new, widened, narrowed and withdrawn records
    assert _compare_everything(store) > 10_000


def test_withdrawn_records_have_no_matching_rows(store: SqliteAdvisoryStore) -> None:
    conn = store._conn
    withdrawn = {
        r[0] for r in conn.execute("SELECT id FROM advisories WHERE withdrawn IS NOT NULL")
    }
    assert withdrawn
    rows = {r[0] for r in conn.execute("SELECT id FROM matching")}
    assert not rows & withdrawn


def _pins() -> Inventory:
    path = asset("audit", "constraints-572.txt")  # a copy of benchmarks/audit's input
    components = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        name, sep, version = line.partition("==")
        if sep:
            components.append(
                Component(canonical_name(name), version.strip(), source=Provenance("c", number))
            )
    return Inventory(tuple(components))


def _downgrade(path: Path, version: int) -> None:
    """Make a current database look like one written by an older chainward."""
    conn = sqlite3.connect(path)
    if version == 3:  # an earlier layout of the matching data: [odd, ranges, fixed]
        conn.execute("UPDATE matching SET m = '[[],[],[]]'")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        conn.commit()
        conn.close()
        return
    conn.execute("DROP TABLE matching")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("old_version", [1, 2, 3])
def test_an_older_database_is_migrated_in_place(
    store: SqliteAdvisoryStore, tmp_path: Path, old_version: int
) -> None:
    import_path(store, OSV_UPDATE)  # the user's own import must survive the migration
    expected = audit(_pins(), store).to_document()
    imports = store.imports()
    path = tmp_path / "old.sqlite"
    store._conn.execute(f"VACUUM INTO '{path}'")
    _downgrade(path, old_version)
    if old_version < 3:
        with pytest.raises(sqlite3.OperationalError):
            sqlite3.connect(path).execute("SELECT * FROM matching")
    with open_store(path) as migrated:
        assert migrated.meta("schema_version") == str(SCHEMA_VERSION)
        assert migrated.imports() == imports
        assert audit(_pins(), migrated).to_document() == expected


def test_audit_reads_only_the_matching_table(
    store: SqliteAdvisoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Speed guard: an audit decodes neither full records nor affected entries, builds
    advisories only for matching records, and evaluates few versions besides the pins."""
    from chainward.vulndb import compiled, match, osv

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the audit decoded stored entries")

    monkeypatch.setattr(osv, "affected_from_json", refuse)
    monkeypatch.setattr(match, "advisory_affects", refuse)
    monkeypatch.setattr(store, "record", refuse)
    calls = {"affects": 0, "advisories": 0}
    affects = compiled._Row.affects
    advisory = compiled._Row.advisory.fget
    assert advisory is not None

    def counting_affects(row: compiled._Row, version: str, pep: str | None = None) -> bool:
        calls["affects"] += 1
        return affects(row, version, pep)

    def counting_advisory(row: compiled._Row) -> object:
        if row._advisory is None:
            calls["advisories"] += 1
        return advisory(row)

    monkeypatch.setattr(compiled._Row, "affects", counting_affects)
    monkeypatch.setattr(compiled._Row, "advisory", property(counting_advisory))
    pins = _pins()
    result = audit(pins, store)
    names = sorted({c.name for c in pins.components})
    marks = ",".join("?" * len(names))
    rows = store._conn.execute(f"SELECT COUNT(*) FROM matching WHERE name IN ({marks})", names)
    read = rows.fetchone()[0]
    assert len(result.findings) == 1086
    # one evaluation per (pin, record) read, plus the fix candidates records do not share
    # (3,350 when written; the reference matcher made 4,455 advisory_affects calls)
    assert read == 1595
    assert calls["affects"] < 3_600, calls
    # metadata decoded only for the records that match a pin (1,088 of the 1,595 read)
    assert calls["advisories"] == 1088, calls
