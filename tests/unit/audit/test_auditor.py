"""The auditor on real advisory data: folding, fixes, malicious releases, update deltas."""

from __future__ import annotations

import json
import zipfile
from datetime import date

from chainward.audit import AuditResult, IgnoreRule, audit
from chainward.audit.auditor import UNRATED_SEVERITY
from chainward.audit.vex import Product, VexStatement
from chainward.records import Component, Inventory, Provenance, Scope, Severity, Skipped
from chainward.vulndb import SqliteAdvisoryStore, import_path
from tests.conftest import OSV_UPDATE


def _inventory(*pins: str, **extra: Component) -> Inventory:
    components = []
    for pin in pins:
        name, _, version = pin.partition("==")
        components.append(Component(name, version or None, source=Provenance("req.txt", 1)))
    return Inventory(tuple(components) + tuple(extra.values()))


def _ids(result: AuditResult) -> dict[str, set[str]]:
    return {
        f"{d.component.name}=={d.component.version}": {v.id for v in d.vulns}
        for d in result.dependencies
    }


def test_twins_fold_into_one_finding_with_pysec_first(store: SqliteAdvisoryStore) -> None:
    result = audit(_inventory("jinja2==2.10"), store)
    [dep] = result.dependencies
    by_id = {v.id: v for v in dep.vulns}
    assert "GHSA-462w-v97r-4m45" not in by_id  # folded into its PYSEC twin
    twin = by_id["PYSEC-2019-217"]
    assert "GHSA-462w-v97r-4m45" in twin.aliases and "CVE-2019-10906" in twin.aliases
    assert twin.severity is Severity.HIGH  # from the GHSA twin's CVSS vector
    # GHSA-only record: CVE id first, as pip-audit reports it
    assert by_id["CVE-2024-22195"].aliases == ("GHSA-h5c8-rqwp-cp95",)
    assert len(result.findings) == len(dep.vulns)


def test_fix_version_is_the_smallest_that_fixes_everything(store: SqliteAdvisoryStore) -> None:
    result = audit(_inventory("urllib3==1.24.2"), store)
    [dep] = result.dependencies
    assert dep.fix_version is not None
    assert all(
        dep.fix_version in v.fix_versions or any(_ge(dep.fix_version, f) for f in v.fix_versions)
        for v in dep.vulns
    )
    after = audit(_inventory(f"urllib3=={dep.fix_version}"), store)
    assert after.dependencies[0].vulns == ()
    assert {f.fix for f in result.findings} == {f"upgrade urllib3 to {dep.fix_version}"}


def _ge(a: str, b: str) -> bool:
    from packaging.version import Version

    return Version(a) >= Version(b)


def test_not_vulnerable_versions_and_unknown_packages(store: SqliteAdvisoryStore) -> None:
    result = audit(_inventory("jinja2==3.1.4", "surely-not-a-package==1.0"), store)
    assert all(not d.vulns for d in result.dependencies)
    assert result.findings == ()


def test_withdrawn_records_are_never_reported(store: SqliteAdvisoryStore) -> None:
    withdrawn = []
    with zipfile.ZipFile(OSV_UPDATE.with_name("PyPI-all.zip")) as archive:
        for member in archive.namelist():
            record = json.loads(archive.read(member))
            if record.get("withdrawn"):
                withdrawn.append(record)
    assert len(withdrawn) == 10
    pins = []
    for record in withdrawn:
        affected = record["affected"][0]
        if affected.get("versions"):
            pins.append(f"{affected['package']['name']}=={affected['versions'][-1]}")
    assert pins
    result = audit(_inventory(*pins), store)
    reported = {v.id for d in result.dependencies for v in d.vulns}
    assert not reported & {r["id"] for r in withdrawn}


def test_malicious_release_is_critical_and_has_no_fix(store: SqliteAdvisoryStore) -> None:
    result = audit(_inventory("pytorchh==2.0.0", "3web-py==1.0.0"), store)
    assert {f.rule for f in result.findings} == {"MAL-2023-2133", "MAL-2024-9934"}
    assert all(f.severity is Severity.CRITICAL for f in result.findings)
    assert all(f.properties["category"] == "malicious" for f in result.findings)
    assert all(d.fix_version is None for d in result.dependencies)
    assert result.summary()["malicious"] == ["3web-py==1.0.0", "pytorchh==2.0.0"]
    assert result.summary()["vulnerabilities"] == 0


def test_unpinned_url_and_odd_versions_are_skipped_never_fatal(
    store: SqliteAdvisoryStore,
) -> None:
    inventory = Inventory(
        (
            Component("django", None, specifier=">=3"),
            Component("mylib", "1.0", url="git+https://example.invalid/mylib.git"),
            Component("jinja2", "not-a-version"),
            Component("jinja2", "2.10"),
        ),
        skipped=(Skipped("flask>=2", "not pinned"),),
    )
    result = audit(inventory, store)
    skipped = {s.entry for s in result.skipped}
    assert skipped == {"flask>=2", "django", "mylib"}
    assert [d.component.version for d in result.dependencies] == ["not-a-version", "2.10"]
    assert any("not a PEP 440 version" in w for w in result.warnings)


def test_unrated_records_gate_at_medium(store: SqliteAdvisoryStore) -> None:
    result = audit(_inventory("pyyaml==5.3"), store)
    unrated = [v for d in result.dependencies for v in d.vulns if v.severity is None]
    assert unrated
    assert unrated[0].to_json()["severity"] == "unknown"
    assert {f.severity for f in result.findings if f.rule == unrated[0].id} == {UNRATED_SEVERITY}


def test_ignores_match_ids_and_aliases_and_expire(store: SqliteAdvisoryStore) -> None:
    inventory = _inventory("jinja2==2.10")
    rules = [
        IgnoreRule("CVE-2019-10906", "sandbox unused", date(2099, 1, 1)),  # alias of a fold
        IgnoreRule("GHSA-h5c8-rqwp-cp95", "old decision", date(2020, 1, 1)),  # expired
    ]
    result = audit(inventory, store, ignores=rules, today=date(2025, 1, 1))
    ids = _ids(result)["jinja2==2.10"]
    assert "PYSEC-2019-217" not in ids
    assert "CVE-2024-22195" in ids  # expired: reported again
    assert [s.vulnerability.id for s in result.suppressed] == ["PYSEC-2019-217"]
    assert [r.id for r in result.expired_ignores] == ["GHSA-h5c8-rqwp-cp95"]
    assert any("expired" in w for w in result.warnings)


def test_vex_not_affected_suppresses_only_matching_products(store: SqliteAdvisoryStore) -> None:
    inventory = _inventory("jinja2==2.10", "jinja2==2.11.2")
    statements = [
        VexStatement(
            frozenset({"CVE-2020-28493"}),
            (Product("jinja2", "2.10"),),
            "not_affected",
            "vulnerable_code_not_in_execute_path",
        ),
        VexStatement(frozenset({"CVE-2019-10906"}), (Product("jinja2", None),), "affected"),
    ]
    result = audit(inventory, store, vex=statements)
    ids = _ids(result)
    assert "PYSEC-2021-66" not in ids["jinja2==2.10"]
    assert "PYSEC-2021-66" in ids["jinja2==2.11.2"]
    assert "PYSEC-2019-217" in ids["jinja2==2.10"]  # "affected" does not suppress
    assert result.suppressed[0].by == "vex"


def test_document_matches_the_contract(store: SqliteAdvisoryStore) -> None:
    inventory = Inventory((Component("requests", "2.19.0", scope=Scope.TRANSITIVE),))
    document = audit(inventory, store).to_document()
    assert set(document) == {"dependencies", "summary"}
    [dep] = document["dependencies"]
    assert set(dep) == {"name", "version", "scope", "vulns"}
    assert dep["scope"] == "transitive"
    assert dep["vulns"]
    for vuln in dep["vulns"]:
        assert set(vuln) == {"id", "aliases", "fix_versions", "severity", "summary"}
    json.dumps(document)


# -- after the update export: exactly the changed findings appear and disappear ---------


def _affected_pin(record: dict) -> str | None:
    affected = record["affected"][0]
    name = affected["package"]["name"]
    if affected.get("versions"):
        return f"{name}=={affected['versions'][-1]}"
    for rng in affected.get("ranges", []):
        for event in rng["events"]:
            if event.get("introduced", "0") != "0":
                return f"{name}=={event['introduced']}"
    return None  # "introduced: 0" only (GHSA-34jh-p97f-mpxf): the urllib3 control pin hits it


def test_update_changes_exactly_the_expected_findings(store: SqliteAdvisoryStore) -> None:
    new_records = {}
    with zipfile.ZipFile(OSV_UPDATE) as archive:
        for member in archive.namelist():
            record = json.loads(archive.read(member))
            if store.record(record["id"]) is None:
                new_records[record["id"]] = record
    assert len(new_records) == 20
    pins = sorted({p for p in (_affected_pin(r) for r in new_records.values()) if p})
    pins += ["urllib3==1.24.2", "pyyaml==5.0", "pyyaml==5.3", "jinja2==2.10", "requests==2.19.0"]
    inventory = _inventory(*pins)

    def findings(result: AuditResult) -> set[tuple[str, str, frozenset[str]]]:
        return {
            (f"{d.component.name}=={d.component.version}", v.id, v.ids)
            for d in result.dependencies
            for v in d.vulns
        }

    before = findings(audit(inventory, store))
    import_path(store, OSV_UPDATE)
    after = findings(audit(inventory, store))
    appeared = {(pin, ident) for pin, ident, _ in after - before}
    disappeared = {(pin, ident) for pin, ident, _ in before - after}
    appeared_ids = {(pin, i) for pin, _, ids in after - before for i in ids}

    # every new record shows up (GHSA-34jh-p97f-mpxf on the urllib3 1.24.2 control pin)
    assert set(new_records) <= {i for _, i in appeared_ids}
    assert ("urllib3==1.24.2", "GHSA-34jh-p97f-mpxf") in appeared_ids
    # widened range: 1.24.2 becomes affected by PYSEC-2023-207
    assert ("urllib3==1.24.2", "PYSEC-2023-207") in appeared
    # withdrawn: PYSEC-2020-148 disappears
    assert ("urllib3==1.24.2", "PYSEC-2020-148") in disappeared
    # narrowed: pyyaml 5.0 loses PYSEC-2021-142 but its GHSA twin still reports CVE-2020-14343
    assert ("pyyaml==5.0", "PYSEC-2021-142") in disappeared
    assert ("pyyaml==5.0", "CVE-2020-14343") in appeared
    assert ("pyyaml==5.0", "GHSA-8q59-q68h-6hv4") in appeared_ids
    expected_disappeared = {
        ("urllib3==1.24.2", "PYSEC-2020-148"),
        ("pyyaml==5.0", "PYSEC-2021-142"),
    }
    assert disappeared == expected_disappeared
    new_ids = {i for r in new_records.values() for i in (r["id"], *r.get("aliases", []))}
    unexpected = {
        (p, i)
        for p, i in appeared
        if i not in new_ids
        and (p, i) not in {("urllib3==1.24.2", "PYSEC-2023-207"), ("pyyaml==5.0", "CVE-2020-14343")}
    }
    assert unexpected == set()
    # text-only change and untouched packages: identical findings
    unchanged = {f for f in before if f[0] in {"jinja2==2.10", "requests==2.19.0", "pyyaml==5.3"}}
    assert unchanged <= after


def test_two_pysec_records_sharing_an_alias_stay_separate(store: SqliteAdvisoryStore) -> None:
    # PYSEC-2021-871/872 share CVE-2021-42343; pip-audit reports both, and so do we.
    result = audit(_inventory("distributed==1.23.1"), store)
    ids = {v.id for v in result.dependencies[0].vulns}
    assert ids == {"PYSEC-2021-871", "PYSEC-2021-872"}
