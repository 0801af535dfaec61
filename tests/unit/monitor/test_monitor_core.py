"""Storing uploads, incremental re-evaluation, suppressions and outbox events (real OSV data)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from chainward.monitor import queries, schema
from chainward.monitor.errors import NotFoundError, UploadError
from chainward.monitor.store import Monitor
from tests.conftest import OSV_UPDATE
from tests.unit.monitor.support import finding_ids, ids_in, make_inventory

# Versions chosen against the shared OSV data (see shared/osv/README.md, "simulated update").
PORTFOLIO = {
    "urllib3": "1.24.2",  # PYSEC-2023-207 widened to cover it; PYSEC-2020-148 withdrawn
    "idna": "3.6",  # PYSEC-2024-60 is new in the update
    "pyyaml": "5.0",  # PYSEC-2021-142 narrowed away; its GHSA twin still applies
    "requests": "2.19.0",
    "flask": "3.0.0",
}


def open_ids(service: Monitor, project: str, version: str | None = None) -> set[tuple[str, str]]:
    with service.db.read() as conn:
        found = queries.findings(conn, project, version)["findings"]
    return {(f["package"], x) for f in found for x in (f["id"], *f["aliases"])}


def count(service: Monitor, table: Any) -> int:
    with service.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_upload_records_the_audit_findings(monitor: Monitor) -> None:
    result = monitor.upload("shop", "1.0", make_inventory(PORTFOLIO))
    assert result["components"] == 5
    assert result["new_findings"] > 0
    found = open_ids(monitor, "shop")
    assert ("idna", "PYSEC-2024-60") not in found  # only in the update
    assert ("urllib3", "PYSEC-2020-148") in found
    assert ("requests", "PYSEC-2023-74") in found
    # Exactly the audit's answer for the same inventory.
    from chainward.audit import audit
    from chainward.monitor.ingest import inventory_from_document

    inventory = inventory_from_document(json.loads(make_inventory(PORTFOLIO)))
    expected = {
        (d["name"], x)
        for d in audit(inventory, monitor.advisories()).to_document()["dependencies"]
        for v in d["vulns"]
        for x in (v["id"], *v["aliases"])
    }
    assert found == expected


def test_reupload_is_idempotent(monitor: Monitor) -> None:
    body = make_inventory(PORTFOLIO)
    first = monitor.upload("shop", "1.0", body)
    second = monitor.upload("shop", "1.0", body)
    assert second["new_findings"] == 0 and second["fixed_findings"] == 0
    assert count(monitor, schema.findings) == first["new_findings"]


def test_removing_a_component_fixes_its_findings(monitor: Monitor) -> None:
    monitor.upload("shop", "1.0", make_inventory(PORTFOLIO))
    smaller = {k: v for k, v in PORTFOLIO.items() if k != "requests"}
    result = monitor.upload("shop", "1.0", make_inventory(smaller))
    assert result["fixed_findings"] >= 2
    assert not any(p == "requests" for p, _ in open_ids(monitor, "shop"))
    with monitor.db.read() as conn:
        history = queries.findings(conn, "shop", include_fixed=True)["findings"]
    fixed = [f for f in history if f["package"] == "requests"]
    assert fixed and all(f["state"] == "fixed" and f["fixed_at"] for f in fixed)


def test_sync_reevaluates_exactly_what_changed(monitor: Monitor) -> None:
    monitor.upload("shop", "1.0", make_inventory(PORTFOLIO))
    monitor.upload("other", "2.0", make_inventory({"flask": "3.0.0", "click": "8.1.7"}))
    monitor.catch_up()
    before = open_ids(monitor, "shop")
    result = monitor.sync(path=OSV_UPDATE)
    assert result.imported["added"] == 20 and result.imported["modified"] == 4
    assert not result.full
    after = open_ids(monitor, "shop")
    assert {
        ("idna", "PYSEC-2024-60"),
        ("urllib3", "PYSEC-2023-207"),
        ("urllib3", "GHSA-34jh-p97f-mpxf"),
    } <= after - before
    assert ("pyyaml", "GHSA-8q59-q68h-6hv4") in after  # the GHSA twin of the narrowed record
    assert ("urllib3", "PYSEC-2020-148") in before - after  # withdrawn
    # Only the three touched packages' project versions were re-evaluated.
    assert result.changed_packages == 3
    assert result.versions_evaluated == 1
    # The folded id changed for pyyaml: the same finding is carried over, not fixed + new.
    assert result.new_findings == 3 and result.fixed_findings == 1
    again = monitor.sync(path=OSV_UPDATE)
    assert again.new_findings == again.fixed_findings == 0
    assert again.imported["unchanged"] == 24


def test_catch_up_after_an_interrupted_run_changes_nothing_twice(monitor: Monitor) -> None:
    monitor.upload("shop", "1.0", make_inventory(PORTFOLIO))
    monitor.catch_up()
    from chainward.vulndb import import_path

    import_path(monitor.advisories(), OSV_UPDATE)  # e.g. `chainward db update` by someone else
    first = monitor.catch_up()
    assert first.new_findings == 3
    events = count(monitor, schema.finding_events)
    second = monitor.catch_up()
    assert second.changed_packages == 0 and second.new_findings == 0
    assert count(monitor, schema.finding_events) == events


def test_webhook_events_are_written_with_the_findings(monitor: Monitor) -> None:
    from chainward.monitor import notify

    with monitor.db.write() as conn:
        notify.add_webhook(conn, "http://127.0.0.1:9/hook", "s3cret")
    monitor.upload("shop", "1.0", make_inventory(PORTFOLIO))
    monitor.catch_up()
    monitor.sync(path=OSV_UPDATE)
    with monitor.db.read() as conn:
        rows = conn.execute(select(schema.outbox.c.kind, schema.outbox.c.payload)).all()
    kinds = [r.kind for r in rows]
    assert kinds.count("new_finding") == 2  # the upload, then the update
    assert kinds.count("fixed_finding") == 1
    assert kinds.count("policy_violation") >= 1  # critical/high findings breach the default
    update = [r.payload for r in rows if r.kind == "new_finding"][-1]
    assert len(update["findings"]) == 3
    assert finding_ids(update["findings"]) >= {
        "PYSEC-2024-60",
        "PYSEC-2023-207",
        "GHSA-34jh-p97f-mpxf",
    }
    assert update["project"] == {"name": "shop", "version": "1.0"}


def test_suppression_hides_a_finding_and_its_notification(monitor: Monitor) -> None:
    from datetime import timedelta

    from chainward.monitor import notify
    from chainward.monitor.timeutil import now

    monitor.upload("shop", "1.0", make_inventory(PORTFOLIO))
    monitor.catch_up()
    with monitor.db.write() as conn:
        notify.add_webhook(conn, "http://127.0.0.1:9/hook", None)
        conn.execute(
            schema.suppressions.insert().values(
                project_id=None,
                advisory_id="CVE-2024-3651",
                package="idna",
                versions="<3.7",
                state="not_affected",
                justification="we never call idna.encode on user input",
                expires_at=now() + timedelta(days=30),
                created_at=now(),
                created_by="test",
            )
        )
        conn.execute(
            schema.suppressions.insert().values(
                project_id=None,
                advisory_id="PYSEC-2023-74",
                package=None,
                versions=None,
                state="false_positive",
                justification="expired decision",
                expires_at=now() - timedelta(days=1),
                created_at=now(),
                created_by="test",
            )
        )
    monitor.sync(path=OSV_UPDATE)
    with monitor.db.read() as conn:
        status = queries.status_document(conn, "shop")
        payloads = [r.payload for r in conn.execute(select(schema.outbox.c.payload))]
    ids = ids_in(status)
    assert "PYSEC-2024-60" not in ids  # suppressed by its alias
    assert "PYSEC-2023-74" in ids  # the expired decision no longer applies
    assert [s["id"] for s in status["summary"]["suppressed"]] == ["PYSEC-2024-60"]
    notified = {x for p in payloads for x in finding_ids(p.get("findings", []))}
    assert "PYSEC-2024-60" not in notified and "PYSEC-2023-207" in notified


def test_model_drift_and_denied_packages_are_policy_violations(monitor: Monitor) -> None:
    from chainward.monitor import notify, policy

    with monitor.db.write() as conn:
        notify.add_webhook(conn, "http://127.0.0.1:9/hook", None, events=["policy_violation"])
        policy.save(conn, policy.Policy(fail_on="critical", deny_packages=("pyyaml",)))
    model = {"path": "models/clf.pkl", "format": "pickle", "size": 10, "sha256": "a" * 64}
    monitor.upload("shop", "1.0", make_inventory({"flask": "3.0.0"}, [model]))
    changed = {**model, "sha256": "b" * 64}
    result = monitor.upload(
        "shop", "1.1", make_inventory({"flask": "3.0.0", "pyyaml": "6.0.1"}, [changed])
    )
    assert result["policy_violations"] == 2
    with monitor.db.read() as conn:
        rows = [r.payload for r in conn.execute(select(schema.outbox.c.payload))]
        hashes = queries.models(conn, sha256="b" * 64)
    rules = sorted(v["rule"] for p in rows for v in p["violations"])
    assert rules == ["deny_package", "model_drift"]
    assert [(m["project"], m["project_version"]) for m in hashes] == [("shop", "1.1")]


def test_component_search_by_name_and_specifier(monitor: Monitor) -> None:
    monitor.upload("a", "1", make_inventory({"requests": "2.19.0"}))
    monitor.upload("b", "1", make_inventory({"requests": "2.31.0"}))
    monitor.upload("c", "1", make_inventory({"flask": "3.0.0"}))
    with monitor.db.read() as conn:
        old = queries.search_components(conn, "Requests", "<2.20")
        every = queries.search_components(conn, "requests")
        with pytest.raises(UploadError):
            queries.search_components(conn, "requests", "<<2")
    assert [m["project"] for m in old["matches"]] == ["a"]
    assert every["projects"] == 2


def test_portfolio_and_trend_count_open_findings(monitor: Monitor) -> None:
    monitor.upload("shop", "1.0", make_inventory(PORTFOLIO))
    with monitor.db.read() as conn:
        summary = queries.portfolio(conn)
        series = queries.trend(conn, 7)
        with pytest.raises(NotFoundError):
            queries.findings(conn, "nope")
    assert summary["projects"] == 1 and summary["affected_projects"] == 1
    assert len(series) == 7
    today = series[-1]
    assert sum(today[s] for s in queries.SEVERITIES) == summary["open_total"] > 0
    assert sum(series[0][s] for s in queries.SEVERITIES) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe", "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'{"hello": 1}', "unrecognised"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (b'{"components": [{"version": "1"}]}', "missing 'name'"),
        (b'{"components": [{"name": "x", "version": 3}]}', "must be a string"),
        (b'{"components": [], "models": [{"path": "m", "size": -1}]}', "non-negative"),
        (b'{"components": [], "models": [{"path": "m", "sha256": "zz"}]}', "64 hex"),
        (b'{"spdxVersion": "SPDX-1.2", "packages": []}', "unsupported SPDX version"),
    ],
)
def test_malformed_uploads_are_rejected_clearly(
    monitor: Monitor, body: bytes, message: str
) -> None:
    with pytest.raises(UploadError, match=message):
        monitor.upload("shop", "1.0", body)
    assert count(monitor, schema.projects) == 0


def test_labels_are_checked(monitor: Monitor) -> None:
    with pytest.raises(UploadError, match="empty"):
        monitor.upload(" ", "1", make_inventory({}))
    with pytest.raises(UploadError, match="control"):
        monitor.upload("a\x00b", "1", make_inventory({}))
