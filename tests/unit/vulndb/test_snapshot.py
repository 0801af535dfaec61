"""The bundled snapshot: built from shared/osv/PyPI-all.zip, installed on first use."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from chainward.vulndb import open_store
from chainward.vulndb.snapshot import iter_snapshot, snapshot_info, snapshot_path
from tests.conftest import OSV_ALL


def test_snapshot_is_the_shared_export() -> None:
    info = snapshot_info()
    assert info["origin_sha256"] == hashlib.sha256(OSV_ALL.read_bytes()).hexdigest()
    ids = {json.loads(line)["id"] for _, line in iter_snapshot()}
    with zipfile.ZipFile(OSV_ALL) as archive:
        assert ids == {n.removesuffix(".json") for n in archive.namelist()}
    assert (snapshot_path().parent / "SOURCE.md").read_text().count("CC-BY-4.0") >= 2


def test_build_script_is_deterministic(tmp_path: Path) -> None:
    script = snapshot_path().parent / "build_snapshot.py"
    subprocess.run(
        [sys.executable, str(script), str(OSV_ALL), "--out-dir", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "advisories.jsonl.xz").read_bytes() == snapshot_path().read_bytes()


def test_first_use_installs_the_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "advisories.sqlite"
    with open_store(path) as store:
        meta = store.metadata()
    assert meta.records == 2654 and meta.source and "bundled snapshot" in meta.source
    assert not list(path.parent.glob(".*tmp*"))  # built under a temporary name, then moved
