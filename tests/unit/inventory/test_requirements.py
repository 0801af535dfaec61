"""Requirements files: pip's grammar, includes, constraints, markers, hashes, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainward.inventory import InventoryError, collect
from chainward.inventory.requirements import UNPINNED, exact_version, file_scope, read_requirements
from chainward.records import Scope
from tests.conftest import asset

DJANGO = "django-app"


def by_name(inventory):  # type: ignore[no-untyped-def]
    return {c.name: c for c in inventory.components}


def test_django_app_with_includes_constraints_and_markers() -> None:
    inv = read_requirements(
        asset("inventory", DJANGO, "requirements.txt"), python_version="3.12", platform="linux"
    )
    comps = by_name(inv)
    assert comps["django"].version == "4.2.13"
    assert str(comps["django"].source).endswith("requirements/base.txt:2")
    # -c pins an unpinned requirement and a range, but adds nothing by itself
    assert comps["redis"].version == "5.0.7"
    assert comps["celery"].version == "5.4.0"
    assert comps["celery"].extras == ("redis",)
    assert "kombu" not in comps and "urllib3" not in comps
    # continuation lines and --hash options
    assert comps["gunicorn"].hashes == (
        ("sha256", "350679f91b24062c86e386e198a15438d53a7a8207235a78ba1b53df4c4378d9"),
        ("sha256", "4a0b436239ff76fb33f11c07a16482c521a7e09c1ce3cc293c2330afe01bec63"),
    )
    assert comps["sentry-sdk"].extras == ("django",)
    assert comps["psycopg"].purl == "pkg:pypi/psycopg@3.1.19"
    # markers evaluated for the requested interpreter and platform
    assert "uvloop" in comps
    assert "pywin32" not in comps
    assert "backports-zoneinfo" not in comps
    # the VCS requirement is reported, not audited
    assert comps["django-bookshop-theme"].version is None
    assert [s.source.line for s in inv.skipped if s.source] == [16]
    assert "cannot audit exactly" in inv.skipped[0].reason


def test_markers_follow_the_requested_target() -> None:
    path = asset("inventory", DJANGO, "requirements.txt")
    windows = by_name(read_requirements(path, python_version="3.8", platform="win_amd64"))
    assert "pywin32" in windows and "backports-zoneinfo" in windows
    assert "uvloop" not in windows


def test_every_name_is_pep503_normalised_and_purls_match() -> None:
    inv = read_requirements(asset("inventory", DJANGO, "requirements.txt"))
    for comp in inv.components:
        assert comp.name == comp.name.lower()
        assert "_" not in comp.name and "." not in comp.name
        if comp.version:
            assert comp.purl == f"pkg:pypi/{comp.name}@{comp.version}"


def test_directory_reads_top_files_once_and_scopes_dev_files() -> None:
    inv = collect([asset("inventory", DJANGO)], include_models=False)
    comps = by_name(inv)
    assert comps["django"].scope is Scope.DIRECT  # in base.txt, included by prod and dev
    assert comps["pytest"].scope is Scope.DEV and comps["pytest"].groups == ("dev",)
    assert "kombu" not in comps  # constraints.txt is only ever a constraints file
    names = [c.name for c in inv.components]
    assert len(names) == len(set(names))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_unpinned_and_wildcard_are_skipped_with_reason(tmp_path: Path) -> None:
    req = write(tmp_path / "requirements.txt", "flask>=2\nnumpy==1.26.*\nattrs===23.1.0\n")
    inv = read_requirements(req)
    comps = by_name(inv)
    assert comps["flask"].version is None and comps["numpy"].version is None
    assert comps["attrs"].version == "23.1.0"
    assert {s.entry for s in inv.skipped} == {"flask>=2", "numpy==1.26.*"}
    assert all(s.reason == UNPINNED for s in inv.skipped)


def test_same_name_twice_combines_specifiers(tmp_path: Path) -> None:
    write(tmp_path / "base.txt", "requests>=2.0\n")
    req = write(tmp_path / "requirements.txt", "-r base.txt\nrequests==2.31.0\n")
    comps = by_name(read_requirements(req))
    assert comps["requests"].version == "2.31.0"


def test_conflicting_pins_are_an_error(tmp_path: Path) -> None:
    req = write(tmp_path / "requirements.txt", "requests==2.31.0\nrequests<2.0\n")
    with pytest.raises(InventoryError, match="conflicting"):
        read_requirements(req)


def test_include_cycle_is_detected(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "-r b.txt\nsix==1.16.0\n")
    write(tmp_path / "b.txt", "-r a.txt\n")
    with pytest.raises(InventoryError, match=r"cycle: a\.txt -> b\.txt -> a\.txt"):
        read_requirements(tmp_path / "a.txt")


def test_missing_include_points_at_the_line(tmp_path: Path) -> None:
    req = write(tmp_path / "requirements.txt", "six==1.16.0\n-r nowhere.txt\n")
    with pytest.raises(InventoryError) as info:
        read_requirements(req)
    assert info.value.line == 2
    assert "nowhere.txt" in info.value.diagnostics()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("six==1.16.0\nthis is not a requirement\n", 2),
        ("==1.0\n", 1),
        ("six==1.16.0\n--no-such-option\n", 2),
        ("six==1.16.0 ; python_version >>> '3'\n", 1),
        ("requests==2.0 --hash=nodigest\n", 1),
    ],
)
def test_malformed_lines_raise_with_path_and_line(tmp_path: Path, text: str, line: int) -> None:
    req = write(tmp_path / "requirements.txt", text)
    with pytest.raises(InventoryError) as info:
        read_requirements(req)
    assert info.value.path == str(req)
    assert info.value.line == line


def test_binary_file_is_rejected(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_bytes(b"\x00\xff\xfe garbage \x80\x81")
    with pytest.raises(InventoryError):
        read_requirements(req)


def test_local_paths_and_editables_are_skipped(tmp_path: Path) -> None:
    req = write(tmp_path / "requirements.txt", "-e ./lib\n./wheelhouse/pkg-1.0-py3-none-any.whl\n")
    inv = read_requirements(req)
    # pip knows a wheel's name from its file name; the version stays unaudited
    assert [(c.name, c.version) for c in inv.components] == [("pkg", None)]
    assert [s.entry for s in inv.skipped] == ["-e ./lib", "./wheelhouse/pkg-1.0-py3-none-any.whl"]


def test_helpers() -> None:
    from packaging.specifiers import SpecifierSet

    assert exact_version(SpecifierSet("==1.2")) == "1.2"
    assert exact_version(SpecifierSet(">=1,==1.5")) == "1.5"
    assert exact_version(SpecifierSet("==1.*")) is None
    assert exact_version(SpecifierSet("~=1.2")) is None
    assert file_scope(Path("requirements-dev.txt")) == (Scope.DEV, ("dev",))
    assert file_scope(Path("requirements/test.txt")) == (Scope.DEV, ("test",))
    assert file_scope(Path("requirements.txt")) == (Scope.DIRECT, ())
    assert file_scope(Path("requirements/prod.txt")) == (Scope.DIRECT, ())


@pytest.mark.parametrize(
    "text",
    [
        "-r base.txt\n-c c.txt\n--index-url https://example.invalid/simple\n"
        "a==1 --hash=sha256:00 --hash=sha256:11\nb[x]>=2 ; python_version > '3'\n"
        "# c\n-e ./local\n--no-binary :all:\nbad line !!\n--unknown\nc==1 --install-option=x\n"
        "--use-wheel\n",
    ],
)
def test_fast_parser_matches_the_library(tmp_path: Path, text: str) -> None:
    import pip_requirements_parser as rp

    from chainward.inventory._pipreq import parse_file

    path = write(tmp_path / "requirements.txt", text)
    ours = parse_file(str(path)).to_dict()
    theirs = rp.RequirementsFile.from_file(str(path), include_nested=False).to_dict()
    assert ours == theirs
    assert asset("inventory", DJANGO, "requirements.txt")
    for name in ("requirements.txt", "requirements/base.txt", "requirements/dev.txt"):
        real = str(asset("inventory", DJANGO, *name.split("/")))
        assert parse_file(real).to_dict() == rp.RequirementsFile.from_file(real).to_dict()


def test_what_pip_accepts_we_accept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUX_VERSION", "3.0")
    req = tmp_path / "requirements.txt"
    req.write_bytes(
        b"\xef\xbb\xbf# saved on Windows\r\nrequests==2.31.0\r\n  \t\r\n"
        b"foo==1.0 --config-settings=editable_mode=compat\r\n"
        b'bar==2.0 --global-option="--no-user-cfg"\r\n'
        b"--prefer-binary\r\n--require-hashes\r\n--use-feature=truststore\r\n--pre\r\n"
        b'baz[x]==1 ; python_version < "4" # trailing\r\n'
        b"qux==${QUX_VERSION}\r\n"
    )
    comps = {
        c.name: (c.version, c.source.line if c.source else None)
        for c in read_requirements(req).components
    }
    assert comps == {
        "requests": ("2.31.0", 2),
        "foo": ("1.0", 4),
        "bar": ("2.0", 5),
        "baz": ("1", 10),
        "qux": ("3.0", 11),
    }


def test_pip_compile_annotations_give_scopes_and_paths() -> None:
    inv = collect([asset("inventory", "compiled")], include_models=False)
    comps = by_name(inv)
    direct = {n for n, c in comps.items() if c.scope is Scope.DIRECT}
    assert direct == {"django", "djangorestframework", "requests"}
    assert comps["urllib3"].scope is Scope.TRANSITIVE
    assert comps["urllib3"].path == ("requests", "urllib3")
    assert comps["sqlparse"].path == ("django", "sqlparse")
    assert comps["requests"].requires == ("certifi", "charset-normalizer", "idna", "urllib3")
    assert inv.skipped == ()  # requirements.in is the input, not read as a second manifest


def test_via_annotation_layouts() -> None:
    from chainward.inventory.requirements import via_annotations

    text = (
        "a==1 \\\n    --hash=sha256:00\n    # via b\n"
        "b==2\n    # via\n    #   -r requirements.in\n    #   c\n"
        "c==3\n    # via my-app (pyproject.toml)\n# a comment\nd==4\n"
    )
    assert via_annotations(text) == {1: {"b"}, 4: {"-r requirements.in", "c"}, 8: {"my-app"}}


def test_pip_tools_layout_with_constraints_between_compiled_files(tmp_path: Path) -> None:
    req = tmp_path / "requirements"
    write(req / "base.in", "django>=4.2\n")
    write(
        req / "base.txt",
        "django==4.2.16\n    # via -r requirements/base.in\nasgiref==3.8.1\n    # via django\n",
    )
    write(req / "dev.in", "-c base.txt\npytest\n")
    write(req / "dev.txt", "pytest==8.3.3\n    # via -r requirements/dev.in\n")
    inv = collect([tmp_path], include_models=False)
    comps = by_name(inv)
    assert {n: c.version for n, c in comps.items()} == {
        "django": "4.2.16",
        "asgiref": "3.8.1",
        "pytest": "8.3.3",
    }
    assert comps["asgiref"].scope is Scope.TRANSITIVE and comps["pytest"].scope is Scope.DEV
    assert inv.skipped == ()  # the .in ranges are answered by the compiled pins
