"""Version matching: OSV range semantics, versions lists, odd strings, other ecosystems."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from types import ModuleType

import pytest

from chainward.records import canonical_name
from chainward.vulndb import Advisory, Affected, Range, SqliteAdvisoryStore
from chainward.vulndb.match import advisory_affects, affected_by, fix_versions
from tests.conftest import OSV_ALL, SHARED


def _entry(
    *events: tuple[str, str],
    versions: tuple[str, ...] = (),
    kind: str = "ECOSYSTEM",
    ecosystem: str = "PyPI",
) -> Affected:
    return Affected(ecosystem, "pkg", versions, (Range(kind, tuple(events)),) if events else ())


@pytest.mark.parametrize(
    ("events", "version", "expected"),
    [
        ((("introduced", "0"), ("fixed", "1.2")), "1.1.9", True),
        ((("introduced", "0"), ("fixed", "1.2")), "1.2", False),
        ((("introduced", "0"), ("fixed", "1.2")), "1.2.0", False),  # PEP 440 equality
        ((("introduced", "0"), ("fixed", "1.2")), "1.2rc1", True),  # pre-release sorts before
        ((("introduced", "1.0"), ("fixed", "1.2")), "0.9", False),
        ((("introduced", "1.0"), ("last_affected", "1.4")), "1.4", True),
        ((("introduced", "1.0"), ("last_affected", "1.4")), "1.4.1", False),
        # two disjoint ranges in one entry, listed out of order
        (
            (("fixed", "2.0.6"), ("introduced", "2.0"), ("introduced", "0"), ("fixed", "1.26.17")),
            "1.26.17",
            False,
        ),
        (
            (("fixed", "2.0.6"), ("introduced", "2.0"), ("introduced", "0"), ("fixed", "1.26.17")),
            "2.0.5",
            True,
        ),
        ((("introduced", "0"),), "99.0", True),  # every version (typosquats)
        ((("introduced", "0"), ("limit", "2.0")), "2.5", False),
        ((("introduced", "0"), ("limit", "2.0")), "1.5", True),
        ((("introduced", "0"), ("limit", "*")), "2.5", True),
        ((("introduced", "not a version"), ("fixed", "1.0")), "0.5", False),  # junk event ignored
    ],
)
def test_ecosystem_ranges(
    events: tuple[tuple[str, str], ...], version: str, expected: bool
) -> None:
    assert affected_by(_entry(*events), version) is expected


def test_versions_list_exact_and_pep440_equal() -> None:
    entry = _entry(versions=("1", "2.0.0", "2019-01-01-snapshot"))
    assert affected_by(entry, "1")
    assert affected_by(entry, "1.0")  # PEP 440: 1 == 1.0
    assert affected_by(entry, "2.0")
    assert not affected_by(entry, "3")


def test_non_pep440_strings_never_crash() -> None:
    entry = _entry(("introduced", "0"), ("fixed", "1.0"), versions=("2019-01-01-snapshot",))
    assert affected_by(entry, "2019-01-01-snapshot")  # exact string match still works
    assert not affected_by(entry, "weird version")  # unparseable: no range match


def test_git_ranges_are_ignored() -> None:
    entry = _entry(("introduced", "abc123"), ("fixed", "def456"), kind="GIT")
    assert not affected_by(entry, "1.0")


def test_semver_for_other_ecosystems() -> None:
    entry = _entry(("introduced", "1.2.0"), ("fixed", "1.10.0"), kind="SEMVER", ecosystem="npm")
    assert affected_by(entry, "1.9.0")
    assert not affected_by(entry, "1.10.0")
    assert affected_by(entry, "1.10.0-beta.1")
    assert not affected_by(entry, "1.1.9")


def test_withdrawn_never_affects() -> None:
    advisory = Advisory(
        "PYSEC-X",
        "2024-01-01T00:00:00Z",
        withdrawn="2024-02-01T00:00:00Z",
        affected=(_entry(("introduced", "0")),),
    )
    assert not advisory_affects(advisory, "1.0")


def test_fix_versions_must_fix_every_record() -> None:
    a = Advisory("A", "t", affected=(_entry(("introduced", "0"), ("fixed", "1.5")),))
    b = Advisory("B", "t", affected=(_entry(("introduced", "1.4"), ("fixed", "2.1")),))
    assert fix_versions([a, b], "PyPI", "1.4.2") == ["2.1"]
    assert fix_versions([a], "PyPI", "1.4.2") == ["1.5"]
    assert fix_versions([a], "PyPI", "1.6") == []


# -- cross-check against the independent matcher of shared/tools/osv_api_server.py -------


def _reference() -> ModuleType:
    path = SHARED / "tools" / "osv_api_server.py"
    spec = importlib.util.spec_from_file_location("osv_api_server_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _probe_versions(record: dict) -> set[str]:
    versions: set[str] = set()
    for affected in record.get("affected", []):
        versions.update(affected.get("versions") or [])
        for rng in affected.get("ranges") or []:
            if rng.get("type") == "GIT":
                continue
            for event in rng.get("events", []):
                versions.update(v for v in event.values() if v != "0")
    return versions


def test_every_package_matches_the_reference_server_matcher(store: SqliteAdvisoryStore) -> None:
    reference = _reference().AdvisoryIndex()
    reference.load_zip(str(OSV_ALL))
    probes: dict[str, set[str]] = {}
    with zipfile.ZipFile(OSV_ALL) as archive:
        for member in archive.namelist():
            record = json.loads(archive.read(member))
            for affected in record["affected"]:
                name = canonical_name(affected["package"]["name"])
                probes.setdefault(name, {"0.0.1", "999"}).update(_probe_versions(record))
    checked = 0
    for name, versions in probes.items():
        advisories = store.advisories_for(name)
        # every boundary of small packages; an even sample of the big ones (runtime)
        ordered = sorted(versions)
        step = max(1, len(ordered) // 12)
        for version in ordered[::step]:
            ours = {a.id for a in advisories if advisory_affects(a, version)}
            theirs = {r["id"] for r in reference.query(name, version) if not r.get("withdrawn")}
            assert ours == theirs, (name, version)
            checked += 1
    assert checked > 5_000


def test_odd_versions_are_exactly_the_non_plain_spellings() -> None:
    from chainward.vulndb.match import _PLAIN_ONE, odd_versions

    lists = []
    with zipfile.ZipFile(OSV_ALL) as archive:
        for member in archive.namelist():
            for affected in json.loads(archive.read(member))["affected"]:
                lists.append(tuple(affected.get("versions") or ()))
    lists += [
        ("01.2", "1..2", "1.", "0", "0.0", "1.0rc1", "v1", "1.0-1", "1.0+x", ".5"),
        ("1.0", "", "2"),
        ("",),
        ("01",),
        ("0.5", "1.01"),
    ]
    for versions in lists:
        assert odd_versions(versions) == tuple(
            v for v in versions if _PLAIN_ONE.fullmatch(v) is None
        )


def test_versions_list_with_odd_spellings_compares_by_pep440() -> None:
    entry = _entry(versions=("V1.0", "2.0.0-RC1", "3.0", "04.1"))
    assert affected_by(entry, "1")  # "V1.0"
    assert affected_by(entry, "2.0rc1")
    assert affected_by(entry, "4.1")  # "04.1"
    assert not affected_by(entry, "4.2")
