"""Hostile archives are read safely: nothing written, memory bounded, clear errors."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from chainward.packages.archive import extract
from chainward.packages.archive.extract import ArchiveError, read_archive
from chainward.packages.checker import Checker


def make_tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for item in members:
            if isinstance(item, tarfile.TarInfo):
                archive.addfile(item)
            else:
                name, data = item
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(buffer.getvalue()))
    return path


def test_traversal_and_links_are_findings_not_files(tmp_path: Path) -> None:
    link = tarfile.TarInfo("pkg-1.0/evil")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    hard = tarfile.TarInfo("pkg-1.0/hard")
    hard.type = tarfile.LNKTYPE
    hard.linkname = "../../x"
    device = tarfile.TarInfo("pkg-1.0/dev")
    device.type = tarfile.CHRTYPE
    archive = make_tar(
        tmp_path / "pkg-1.0.tar.gz",
        [
            ("pkg-1.0/setup.py", b"from setuptools import setup\nsetup()\n"),
            ("pkg-1.0/../../escape.py", b"x = 1\n"),
            ("/abs/path.py", b"x = 1\n"),
            link,
            hard,
            device,
        ],
    )
    before = set(os.listdir(tmp_path))
    contents = read_archive(archive)
    assert set(os.listdir(tmp_path)) == before  # nothing extracted anywhere
    kinds = sorted(h.kind for h in contents.hazards)
    assert kinds == ["link-out", "link-out", "special", "traversal", "traversal"]
    assert all(".." not in m.path and not m.path.startswith("/") for m in contents.members)
    result = Checker(names=False, known_malicious=False).check_archive(archive)
    rules = {f.rule for f in result.findings}
    assert {"archive-traversal", "archive-link", "archive-special-file"} <= rules
    assert result.verdict.value == "suspicious"


def test_links_inside_the_archive_are_low(tmp_path: Path) -> None:
    link = tarfile.TarInfo("pkg-1.0/docs/README")
    link.type = tarfile.SYMTYPE
    link.linkname = "../README"
    archive = make_tar(tmp_path / "pkg-1.0.tar.gz", [("pkg-1.0/README", b"hello"), link])
    result = Checker(names=False, known_malicious=False).check_archive(archive)
    (item,) = [f for f in result.findings if f.rule == "archive-link"]
    assert item.severity.label == "low" and result.verdict.value == "clean"


def test_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb/zeros.bin", b"\0" * (20 * 1024 * 1024))
        archive.writestr("bomb/__init__.py", "x = 1\n")
    assert path.stat().st_size < 100_000
    contents = read_archive(path)
    assert [h.kind for h in contents.hazards] == ["bomb"]
    assert [m.path for m in contents.members] == ["bomb/__init__.py"]


def test_gzip_bomb_stops_at_the_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "MAX_TOTAL_BYTES", 2 * 1024 * 1024)
    path = make_tar(tmp_path / "big-1.0.tar.gz", [("big-1.0/zeros", b"\0" * (8 * 1024 * 1024))])
    contents = read_archive(path)
    assert any(h.kind == "bomb" for h in contents.hazards)


def test_huge_member_is_truncated_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract, "MAX_MEMBER_BYTES", 1000)
    path = make_tar(tmp_path / "huge-1.0.tar.gz", [("huge-1.0/data.bin", b"a" * 5000)])
    contents = read_archive(path)
    assert contents.members[0].truncated and len(contents.members[0].data) == 1000
    assert contents.skipped


def test_sdist_root_is_stripped(tmp_path: Path) -> None:
    path = make_tar(
        tmp_path / "p-1.0.tar.gz", [("p-1.0/setup.py", b""), ("p-1.0/p/__init__.py", b"")]
    )
    contents = read_archive(path)
    assert contents.root == "p-1.0"
    assert sorted(m.path for m in contents.members) == ["p/__init__.py", "setup.py"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.tar.gz", b"this is not an archive"),
        ("broken.tar.gz", gzip.compress(b"x" * 100)[:20]),
        ("broken.whl", b"PK\x03\x04garbage"),
    ],
)
def test_unreadable_archives_raise_input_errors(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ArchiveError):
        read_archive(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError):
        read_archive(tmp_path / "absent.whl")
