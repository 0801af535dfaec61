"""After an update is imported, exactly the changed findings appear and disappear.

The shared update export covers new records, a widened and a narrowed range and a
withdrawal (tests/unit/audit/test_auditor.py). These are the holes around it: a record
whose aliases change (findings fold or split), a record that moves to another package, a
malicious (MAL-) record that is withdrawn or added, a withdrawal undone, and an older copy
of a record imported after a newer one. Every update record is a real record from
PyPI-all.zip with one change, a later ``modified`` stamp and a note in ``details``, as the
shared export's changed copies are.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from chainward.audit import AuditResult, audit
from chainward.records import Component, Inventory, Provenance
from chainward.vulndb import SqliteAdvisoryStore, import_path
from tests.conftest import OSV_ALL, OSV_UPDATE, run_cli

LATER = "2024-11-01T00:00:00Z"


def _record(ident: str) -> dict[str, Any]:
    with zipfile.ZipFile(OSV_ALL) as archive:
        return dict(json.loads(archive.read(f"{ident}.json")))


def _changed(ident: str, what: str, **fields: Any) -> dict[str, Any]:
    record = _record(ident)
    record.update(fields)
    record["modified"] = LATER
    record["details"] = f"{record.get('details', '')}\n\n[chainward test fixture] {what}"
    return record


def _import(store: SqliteAdvisoryStore, tmp_path: Path, *records: dict[str, Any]) -> None:
    folder = tmp_path / "update"
    folder.mkdir()
    for record in records:
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    import_path(store, folder)


def _inventory(*pins: str) -> Inventory:
    components = []
    for pin in pins:
        name, _, version = pin.partition("==")
        components.append(Component(name, version, source=Provenance("requirements.txt", 1)))
    return Inventory(tuple(components))


def _findings(result: AuditResult) -> dict[str, dict[str, frozenset[str]]]:
    """pin -> {primary id: every id and alias of that finding}."""
    return {
        f"{d.component.name}=={d.component.version}": {v.id: frozenset(v.ids) for v in d.vulns}
        for d in result.dependencies
    }


def test_removing_aliases_splits_twins_into_two_findings(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    pins = _inventory("jinja2==2.10", "jinja2==2.11.2")
    before = _findings(audit(pins, store))
    assert "GHSA-462w-v97r-4m45" in before["jinja2==2.10"]["PYSEC-2019-217"]
    _import(store, tmp_path, _changed("PYSEC-2019-217", "aliases removed", aliases=[]))
    after = _findings(audit(pins, store))
    # the PYSEC record and its former GHSA twin no longer share an id: two findings,
    # the GHSA one shown by its CVE (pip-audit's choice) -- no stale alias keeps them folded
    assert after["jinja2==2.10"]["PYSEC-2019-217"] == {"PYSEC-2019-217"}
    assert after["jinja2==2.10"]["CVE-2019-10906"] == {"CVE-2019-10906", "GHSA-462w-v97r-4m45"}
    assert set(after["jinja2==2.10"]) == set(before["jinja2==2.10"]) | {"CVE-2019-10906"}
    assert after["jinja2==2.11.2"] == before["jinja2==2.11.2"]  # fixed in 2.10.1: untouched


def test_adding_an_alias_folds_two_findings_into_one(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    pins = _inventory("jinja2==2.10")
    before = _findings(audit(pins, store))["jinja2==2.10"]
    assert {"PYSEC-2021-66", "CVE-2024-22195"} <= set(before)
    aliases = [*_record("PYSEC-2021-66")["aliases"], "GHSA-h5c8-rqwp-cp95"]
    _import(store, tmp_path, _changed("PYSEC-2021-66", "GHSA alias added", aliases=aliases))
    after = _findings(audit(pins, store))["jinja2==2.10"]
    assert set(after) == set(before) - {"CVE-2024-22195"}
    assert {"GHSA-h5c8-rqwp-cp95", "CVE-2024-22195"} <= after["PYSEC-2021-66"]


def test_a_record_moved_to_another_package_leaves_the_old_one(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    pins = _inventory("requests==2.30.0", "requests-toolbelt==2.30.0")
    before = _findings(audit(pins, store))
    assert "PYSEC-2023-74" in before["requests==2.30.0"]
    assert before["requests-toolbelt==2.30.0"] == {}
    record = _record("PYSEC-2023-74")
    [affected] = record["affected"]
    moved = {**affected, "package": {"name": "requests-toolbelt", "ecosystem": "PyPI"}}
    moved.pop("versions", None)
    _import(store, tmp_path, _changed("PYSEC-2023-74", "package renamed", affected=[moved]))
    after = _findings(audit(pins, store))
    # its GHSA twin still covers requests (now shown by its CVE); the PYSEC id has moved
    assert "PYSEC-2023-74" not in after["requests==2.30.0"]
    assert "CVE-2023-32681" in after["requests==2.30.0"]
    assert "PYSEC-2023-74" in after["requests-toolbelt==2.30.0"]
    assert len(after["requests==2.30.0"]) == len(before["requests==2.30.0"])


def test_withdrawn_malicious_record_is_no_longer_reported(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    pins = _inventory("pytorchh==1.0")
    assert audit(pins, store).summary()["malicious"] == ["pytorchh==1.0"]
    _import(store, tmp_path, _changed("MAL-2023-2133", "withdrawn", withdrawn=LATER))
    result = audit(pins, store)
    assert _findings(result) == {"pytorchh==1.0": {}}
    assert result.summary()["malicious"] == []


def test_new_malicious_record_flags_only_the_named_releases(store: SqliteAdvisoryStore) -> None:
    pins = _inventory("aiocpa==0.1.12", "aiocpa==0.1.13", "aiocpa==0.1.14")
    assert audit(pins, store).summary()["malicious"] == []
    import_path(store, OSV_UPDATE)
    result = audit(pins, store)
    assert result.summary()["malicious"] == ["aiocpa==0.1.13", "aiocpa==0.1.14"]
    assert _findings(result)["aiocpa==0.1.12"] == {}


def test_undoing_a_withdrawal_brings_the_finding_back(
    store: SqliteAdvisoryStore, tmp_path: Path
) -> None:
    pins = _inventory("urllib3==1.24.2")
    import_path(store, OSV_UPDATE)  # withdraws PYSEC-2020-148
    assert "PYSEC-2020-148" not in _findings(audit(pins, store))["urllib3==1.24.2"]
    restored = _changed("PYSEC-2020-148", "withdrawal undone")
    restored["modified"] = "2024-12-01T00:00:00Z"  # later than the update's withdrawal
    _import(store, tmp_path, restored)
    assert "PYSEC-2020-148" in _findings(audit(pins, store))["urllib3==1.24.2"]


def test_an_older_export_imported_later_does_not_undo_the_update(
    store: SqliteAdvisoryStore,
) -> None:
    pins = _inventory("urllib3==1.24.2", "pyyaml==5.0")
    import_path(store, OSV_UPDATE)
    updated = _findings(audit(pins, store))
    import_path(store, OSV_ALL)  # the same ids with older ``modified`` stamps
    assert _findings(audit(pins, store)) == updated
    assert "PYSEC-2023-207" in updated["urllib3==1.24.2"]  # the widened range stays
    assert "PYSEC-2020-148" not in updated["urllib3==1.24.2"]  # and the withdrawal


def test_db_import_of_a_directory_then_audit_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "advisories.sqlite"
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("pytorchh==1.0\njinja2==2.10\n")
    before = run_cli("audit", "-r", str(reqs), "--db", str(db), "-f", "json")
    assert before.code == 1, before.stderr
    assert before.json()["summary"]["malicious"] == ["pytorchh==1.0"]
    folder = tmp_path / "export"
    folder.mkdir()
    for record in (
        _changed("MAL-2023-2133", "withdrawn", withdrawn=LATER),
        _changed("PYSEC-2019-217", "aliases removed", aliases=[]),
    ):
        (folder / f"{record['id']}.json").write_text(json.dumps(record))
    imported = run_cli("db", "import", str(folder), "--db", str(db), "-f", "json")
    assert imported.code == 0, imported.stderr
    assert imported.json()["import"]["modified"] == 2
    after = run_cli("audit", "-r", str(reqs), "--db", str(db), "-f", "json")
    deps = {d["name"]: {v["id"] for v in d["vulns"]} for d in after.json()["dependencies"]}
    assert after.json()["summary"]["malicious"] == []
    assert deps["pytorchh"] == set()
    old = {d["name"]: {v["id"] for v in d["vulns"]} for d in before.json()["dependencies"]}
    assert deps["jinja2"] == old["jinja2"] | {"CVE-2019-10906"}
