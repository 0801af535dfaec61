"""The plain-pin fast path reads requirements files exactly as pip-requirements-parser does."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.inventory import requirements
from chainward.inventory._plainreq import plain_requirements
from chainward.inventory.interface import InventoryError
from chainward.inventory.requirements import read_requirements
from chainward.records import Inventory
from tests.conftest import ASSETS, ROOT

TARGETS = [(None, None), ("3.8", "win_amd64"), ("3.12", "macosx_11_0_arm64")]


def _read(path: Path, fast: bool, target: tuple[str | None, str | None]) -> Inventory | str:
    saved = requirements.FAST_PATH
    requirements.FAST_PATH = fast
    try:
        return read_requirements(path, python_version=target[0], platform=target[1])
    except InventoryError as exc:
        return f"error: {exc.diagnostics()}"
    finally:
        requirements.FAST_PATH = saved


def _assert_same(path: Path) -> None:
    for target in TARGETS:
        assert _read(path, True, target) == _read(path, False, target), (path, target)


def _requirement_assets() -> list[Path]:
    found = [
        p
        for p in ASSETS.rglob("*")
        if p.is_file() and p.suffix in (".txt", ".in") and "models" not in p.parts
    ]
    found += sorted((ROOT / "benchmarks" / "audit").rglob("*.txt"))
    return sorted(found)


def test_every_requirements_asset_reads_the_same_both_ways() -> None:
    paths = _requirement_assets()
    assert len(paths) >= 25
    fast = 0
    for path in paths:
        _assert_same(path)
        fast += plain_requirements(path.read_bytes()) is not None
    assert fast >= 8  # the fast path is really taken on lock-style files


@pytest.mark.parametrize(
    "text",
    [
        "a==1\nb==2.0.0\n",
        "A_B.c==1.0rc1  # trailing comment\n# whole line\n\n  c==2.post3.dev4\n",
        "d[x,Y_z]==1.2 ; python_version < '3.9'\ne [ s ] == 3 ;sys_platform=='win32'\n",
        "f==1.0 \\\n    --hash=sha256:00aa \\\n    --hash sha512:11BB\n    # via g\ng==2\n",
        "h==1\r\nh==1\r\ni==1; extra == 'x'\r\n",
        "j==1\nj==2\n",  # conflicting pins: the same error both ways
        "k==1;\nl==1 ; python_version >= '3' and platform_machine != 'x86-64'\n",
        "m==1 --hash=md5:00\n",
        "n==1 --hash=sha256:zz\n",
        "o==1#not-a-comment\n",
        "p==1.0-beta\nq===1.0\nr==1.*\ns>=1\n",
        "t==1 \\\n",
        "u==1 ; python_version <\n",
        "v==1 ; os_name == 'posix' -x\n",
        "w==1\n-r other.txt\n",
        "x==1\n--index-url https://example.invalid/simple\n",
        "y==1\t--hash=sha256:00\n",
        "z==${VERSION}\n",
        "#a==1\n \\\n",
        "\ufeffa==1\n",
        "a[]==1\nb==1 # é\n",
        "# -*- coding: latin-1 -*-\na==1\n",
    ],
)
def test_tricky_files_read_the_same_both_ways(tmp_path: Path, text: str) -> None:
    (tmp_path / "other.txt").write_text("other==1\n")
    path = tmp_path / "requirements.txt"
    path.write_bytes(text.encode("utf-8"))
    _assert_same(path)


def test_constraints_and_includes_combine_the_same_both_ways(tmp_path: Path) -> None:
    (tmp_path / "pins.txt").write_text("a==1.0\nb==2.0\nc==3.0 ; python_version < '3'\n")
    (tmp_path / "base.txt").write_text("a==1.0\nd==4 --hash=sha256:00\n")
    main = tmp_path / "requirements.txt"
    main.write_text("-c pins.txt\n-r base.txt\nb\nc\n")
    _assert_same(main)
    assert plain_requirements((tmp_path / "pins.txt").read_bytes()) is not None


def test_plain_purls_are_what_packageurl_writes() -> None:
    from packageurl import PackageURL

    from chainward.inventory._build import purl_for
    from chainward.records import canonical_name

    pins = (ASSETS / "audit" / "constraints-572.txt").read_text().split()
    pairs: list[tuple[str, str | None]] = [(p.split("==")[0], p.split("==")[1]) for p in pins]
    pairs += [("Foo_Bar", "1.0"), ("x", None), ("a.b", "1.0+local"), ("c", "1!2.0")]
    pairs += [("d", "1.0A1"), ("e", ""), ("f", "0"), ("g--h", "1.0.post1.dev2")]
    for name, version in pairs:
        expected = PackageURL(type="pypi", name=canonical_name(name), version=version)
        assert purl_for(name, version) == expected.to_string(), (name, version)
