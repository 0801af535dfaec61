"""Folder scans: worker processes and reused results change nothing but the time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chainward.models import ScanOptions, parallel, scan
from chainward.models.scanner import scan_walked
from chainward.records import Verdict
from tests.conftest import asset

CORPUS = asset("models")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork and a single thread")
def test_pool_gives_the_serial_results_in_order() -> None:
    options = ScanOptions()
    jobs = [(p, str(p)) for p in _files(CORPUS)]
    assert len(jobs) > 100
    serial = [scan_walked(path, display, options) for path, display in jobs]
    pooled = parallel.scan_in_pool(jobs, options, workers=2)
    assert pooled == serial
    unsafe = [r for r in pooled if r is not None and r.verdict is Verdict.UNSAFE]
    assert len(unsafe) >= 60  # the malicious half of the corpus really was scanned


def test_folder_document_is_the_same_with_and_without_workers() -> None:
    one = scan(CORPUS, ScanOptions(jobs=1))
    many = scan(CORPUS, ScanOptions(jobs=2))
    assert many.to_document() == one.to_document()
    assert many == one
    assert len(one.files) > 100


def test_worker_count() -> None:
    assert parallel.workers_for(1000, 1) == 1
    assert parallel.workers_for(1, 0) == 1
    assert parallel.workers_for(parallel.MIN_FILES - 1, 0) == 1
    if parallel.can_fork():
        assert parallel.workers_for(3, 8) == 3
        assert parallel.workers_for(10_000, 0) == min(parallel.cpu_count(), 32)


def _hf_cache(tmp_path: Path) -> Path:
    """models--org--name/{blobs,snapshots/REV} with snapshot links, as huggingface_hub writes."""
    repo = tmp_path / "hub" / "models--org--demo"
    blobs = repo / "blobs"
    snap = repo / "snapshots" / ("a" * 40)
    blobs.mkdir(parents=True)
    snap.mkdir(parents=True)
    picked = {
        "pytorch_model.bin": "malicious/torch/subprocess_run.pt",
        "benign.bin": "benign/torch/state_dict.pt",
        "model.safetensors": "benign/safetensors/model.safetensors",
        "model.onnx": "malicious/onnx/external_traversal.onnx",
        "payload.pkl": "malicious/pickle/os_system_proto4.pkl",
    }
    for index, (name, rel) in enumerate(sorted(picked.items())):
        source = asset("models", rel)
        blob = blobs / f"{index:064x}"
        shutil.copyfile(source, blob)
        (snap / name).symlink_to(Path("../..") / "blobs" / blob.name)
    return tmp_path / "hub"


def test_cache_links_reuse_results_without_changing_them(tmp_path: Path) -> None:
    hub = _hf_cache(tmp_path)
    result = scan(hub, ScanOptions(jobs=1))
    paths = [f.path for f in result.files]
    assert any("/snapshots/" in p for p in paths) and any("/blobs/" in p for p in paths)
    assert result.verdict is Verdict.UNSAFE
    for file in result.files:
        alone = scan(Path(file.path), ScanOptions(jobs=1)).files[0]
        assert file == alone, file.path  # same findings, naming this path, as a scan of it alone
        for finding in file.findings:
            assert finding.subject.startswith(file.path)
            assert finding.location is not None
            assert finding.location.path.startswith(file.path)
