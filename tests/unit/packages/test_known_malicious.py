"""Known-malicious packages come from OSV MAL- records in the advisory database."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import OSV_ALL

from chainward.packages import Checker
from chainward.records import PackageVerdict


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from chainward.vulndb import import_path, open_store

    path = tmp_path_factory.mktemp("db") / "advisories.sqlite"
    store = open_store(path, install_snapshot=False)
    import_path(store, OSV_ALL)
    return path


def test_mal_record_makes_a_package_malicious(db: Path) -> None:
    checker = Checker(db_path=db, names=False)
    result = checker.check_name("pytorchh")
    assert result.verdict is PackageVerdict.MALICIOUS
    (item,) = result.findings
    assert item.rule == "known-malicious" and item.properties["advisory"] == "MAL-2023-2133"


def test_version_narrows_the_match(db: Path) -> None:
    checker = Checker(db_path=db, names=False)
    assert checker.check_name("3web-py", "1.0.0").verdict is PackageVerdict.MALICIOUS
    assert checker.check_name("3web-py", "2.0.0").verdict is PackageVerdict.CLEAN
    assert checker.check_name("requests", "2.0.0").verdict is PackageVerdict.CLEAN


def test_unusable_database_is_reported_as_skipped(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db.sqlite"
    bad.write_text("garbage")
    result = Checker(db_path=bad, names=False).check_name("pytorchh")
    assert result.verdict is PackageVerdict.CLEAN
    assert any(s.entry == "known-malicious" for s in result.skipped)


def test_invalid_name_is_an_input_error() -> None:
    from chainward.errors import InputError

    with pytest.raises(InputError):
        Checker(known_malicious=False).check_name("not a name!")
