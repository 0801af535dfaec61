from __future__ import annotations

from chainward.vulndb import SqliteAdvisoryStore, import_path
from chainward.vulndb.malicious import lookup
from tests.conftest import OSV_UPDATE


def test_every_version_typosquat(store: SqliteAdvisoryStore) -> None:
    [match] = lookup(store, "pytorchh", "0.0.1")
    assert (match.id, match.name, match.versions) == ("MAL-2023-2133", "pytorchh", ("*",))
    assert lookup(store, "PyTorchH", None)  # name normalised


def test_explicit_version_lists(store: SqliteAdvisoryStore) -> None:
    assert [m.id for m in lookup(store, "3web-py", "1.0.0")] == ["MAL-2024-9934"]
    assert lookup(store, "3web-py", "1.0.1") == []
    assert [m.versions for m in lookup(store, "1337test", "1")] == [("1",)]
    assert lookup(store, "1337test", "1.0")  # PEP 440: 1 == 1.0


def test_vulnerabilities_are_not_malicious_and_update_adds_aiocpa(
    store: SqliteAdvisoryStore,
) -> None:
    assert lookup(store, "requests", "2.0.0") == []
    assert lookup(store, "aiocpa", "0.1.13") == []
    import_path(store, OSV_UPDATE)
    assert [m.id for m in lookup(store, "aiocpa", "0.1.13")] == ["MAL-2024-11518"]
    assert lookup(store, "aiocpa", "0.1.12") == []
