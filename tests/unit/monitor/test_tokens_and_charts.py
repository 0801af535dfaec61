"""API tokens (hashed, scoped, revocable) and the dashboard's SVG chart."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from sqlalchemy import select

from chainward.monitor import schema
from chainward.monitor.db import open_database
from chainward.monitor.tokens import Scope, authenticate, create_token, digest, revoke_token
from chainward.monitor.web.charts import trend_svg


def test_tokens_are_stored_hashed_and_scoped(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'm.sqlite'}")
    token = create_token(db, Scope.WRITE, "ci")
    with db.read() as conn:
        stored = conn.execute(select(schema.api_tokens)).one()
    assert stored.token_hash == digest(token) and token not in stored.token_hash
    info = authenticate(db, token)
    assert info is not None and info.scope is Scope.WRITE and info.name == "ci"
    assert info.scope.allows(Scope.READ) and not info.scope.allows(Scope.ADMIN)
    assert authenticate(db, token + "x") is None
    assert authenticate(db, "not-a-token") is None
    assert revoke_token(db, info.id)
    assert authenticate(db, token) is None
    db.dispose()


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    open_database(url).dispose()
    db = open_database(url)
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0001"
    db.dispose()


def test_trend_chart_is_valid_svg() -> None:
    series = [
        {
            "date": f"2026-11-{d:02d}",
            "critical": d % 3,
            "high": d,
            "medium": 2,
            "low": 0,
            "unknown": 1,
        }
        for d in range(1, 31)
    ]
    svg = trend_svg(series)
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    polygons = [el for el in root.iter() if el.tag.endswith("polygon")]
    assert {p.get("class") for p in polygons} == {
        "area-critical",
        "area-high",
        "area-medium",
        "area-unknown",
    }
    assert "2026-11-01" in svg and "2026-11-30" in svg
    empty = ElementTree.fromstring(trend_svg([{"date": "2026-11-01"}]))
    assert not [el for el in empty.iter() if el.tag.endswith("polygon")]
