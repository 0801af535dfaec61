"""Webhook delivery from the outbox to a real loopback receiver: signing, retries, formats."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from chainward.monitor import notify, schema
from chainward.monitor.store import Monitor
from tests.conftest import OSV_UPDATE
from tests.unit.monitor.support import Receiver, make_inventory


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def test_signature_round_trip() -> None:
    body = b'{"event":"new_finding"}'
    header = notify.sign("k", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert notify.verify_signature("k", body, header)
    assert not notify.verify_signature("other", body, header)
    assert not notify.verify_signature("k", body + b" ", header)


def test_webhook_urls_are_checked() -> None:
    from chainward.monitor.errors import UploadError

    for url in ("ftp://127.0.0.1/x", "127.0.0.1/hook", ""):
        with pytest.raises(UploadError):
            notify.check_webhook(url, "json", notify.EVENTS)
    with pytest.raises(UploadError):
        notify.check_webhook("http://127.0.0.1/x", "xml", notify.EVENTS)


def _deliver_all(deliverer: notify.Deliverer, rounds: int = 50) -> None:
    for _ in range(rounds):
        deliverer.run_once()
        time.sleep(0.02)


def test_outbox_is_delivered_signed_and_retried(monitor: Monitor, receiver: Receiver) -> None:
    with monitor.db.write() as conn:
        notify.add_webhook(conn, receiver.url, "s3cret")
    monitor.upload("shop", "1.0", make_inventory({"idna": "3.6", "urllib3": "1.24.2"}))
    monitor.catch_up()
    receiver.fail = True  # the receiver is down when the update lands
    monitor.sync(path=OSV_UPDATE)
    deliverer = notify.Deliverer(monitor.db, backoff=0.05)
    try:
        deliverer.run_once()
        assert receiver.deliveries == []
        with monitor.db.read() as conn:
            pending = conn.execute(
                select(schema.outbox).where(schema.outbox.c.delivered_at.is_(None))
            ).all()
        assert pending and all(r.attempts == 1 and r.last_error == "HTTP 503" for r in pending)
        receiver.fail = False
        _deliver_all(deliverer)
    finally:
        deliverer.stop()
    with monitor.db.read() as conn:
        rows = conn.execute(select(schema.outbox)).all()
    assert all(r.delivered_at is not None for r in rows)
    assert len(receiver.deliveries) == len(rows)  # each event exactly once
    ids = [d["headers"]["X-Chainward-Delivery"] for d in receiver.deliveries]
    assert len(set(ids)) == len(ids)
    for delivery in receiver.deliveries:
        assert notify.verify_signature(
            "s3cret", delivery["body"], delivery["headers"][notify.SIGNATURE_HEADER]
        )
    kinds = sorted(json.loads(d["body"])["event"] for d in receiver.deliveries)
    assert "fixed_finding" in kinds and "new_finding" in kinds


def test_slack_format(monitor: Monitor, receiver: Receiver) -> None:
    with monitor.db.write() as conn:
        notify.add_webhook(conn, receiver.url, None, "slack", ["new_finding"])
    monitor.upload("shop", "1.0", make_inventory({"idna": "3.6"}))
    deliverer = notify.Deliverer(monitor.db)
    try:
        monitor.sync(path=OSV_UPDATE)
        _deliver_all(deliverer, 5)
    finally:
        deliverer.stop()
    messages = receiver.payloads()
    assert len(messages) == 1
    message = messages[0]
    assert "shop latest" in message["text"] or "shop 1.0" in message["text"]
    assert message["blocks"][0]["type"] == "section"
    assert "PYSEC-2024-60" in message["blocks"][1]["text"]["text"]
    assert notify.SIGNATURE_HEADER not in receiver.deliveries[0]["headers"]


def test_a_dead_receiver_is_given_up_on_eventually(monitor: Monitor) -> None:
    with monitor.db.write() as conn:
        notify.add_webhook(conn, "http://127.0.0.1:9/closed", None)
    monitor.upload("shop", "1.0", make_inventory({"idna": "3.6", "urllib3": "1.24.2"}))
    deliverer = notify.Deliverer(monitor.db, backoff=0.0, max_attempts=3, timeout=2)
    try:
        for _ in range(4):
            deliverer.run_once()
    finally:
        deliverer.stop()
    with monitor.db.read() as conn:
        rows = conn.execute(select(schema.outbox)).all()
    assert rows and all(r.dead and r.attempts == 3 and r.delivered_at is None for r in rows)
    assert all("Connection refused" in (r.last_error or "") for r in rows)
