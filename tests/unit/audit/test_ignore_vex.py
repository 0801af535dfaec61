from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chainward.audit import load_ignore_file, load_vex
from chainward.audit.vex import Product
from chainward.errors import ConfigError
from tests.conftest import asset


def test_ignore_file_with_reason_expiry_and_package(tmp_path: Path) -> None:
    path = tmp_path / "ignore.toml"
    path.write_text(
        '[[ignore]]\nid = "PYSEC-2023-74"\nreason = "no redirects"\nexpires = 2026-12-31\n'
        '[[ignore]]\nid = "CVE-2019-10906"\nexpires = "2020-01-01"\npackage = "Jinja2"\n'
    )
    first, second = load_ignore_file(path)
    assert (first.id, first.reason, first.expires) == (
        "PYSEC-2023-74",
        "no redirects",
        date(2026, 12, 31),
    )
    assert second.expired(date(2021, 1, 1)) and not first.expired(date(2021, 1, 1))
    assert second.applies(frozenset({"CVE-2019-10906"}), "jinja2")
    assert not second.applies(frozenset({"CVE-2019-10906"}), "other")


@pytest.mark.parametrize(
    "text",
    [
        "[[ignore]]\nreason = 'no id'\n",
        "[[ignore]]\nid = 'X'\nexpires = 'soon'\n",
        "ignore = 3\n",
        "not toml [",
    ],
)
def test_bad_ignore_files_are_config_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "ignore.toml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_ignore_file(path)


def test_cyclonedx_vex_from_cyclonedx_python_lib() -> None:
    statements = {next(iter(s.ids)): s for s in load_vex(asset("audit", "cyclonedx-vex.json"))}
    not_affected = statements["CVE-2020-28493"]
    assert not_affected.suppresses
    assert not_affected.products == (Product("jinja2", "2.10"),)  # resolved via bom-ref
    assert not statements["CVE-2019-10906"].suppresses


def test_openvex() -> None:
    statements = load_vex(asset("audit", "openvex.json"))
    assert [s.status for s in statements] == ["not_affected", "under_investigation"]
    assert statements[0].applies({"CVE-2020-1747"}, "pyyaml", "5.3")
    assert not statements[0].applies({"CVE-2020-1747"}, "pyyaml", "5.4")
    assert statements[1].products == (Product("pyyaml", "5.3"),)


@pytest.mark.parametrize("content", [b"{}", b"[]", b"nope", b'{"bomFormat": "SPDX"}'])
def test_not_vex_is_a_config_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "vex.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError):
        load_vex(path)
