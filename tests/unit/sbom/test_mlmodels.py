from __future__ import annotations

import hashlib
import os
from pathlib import Path

from chainward.records import ModelArtifact
from chainward.sbom.mlmodels import group_models
from tests.conftest import asset

REV = "0123456789abcdef0123456789abcdef01234567"
OLD = "fedcba9876543210fedcba9876543210fedcba98"


def _hf_cache(root: Path) -> Path:
    """A Hugging Face hub cache as huggingface_hub lays it out: snapshots link to blobs."""
    source = asset("sbom", "project", "models", "sentiment")
    repo = root / "hub" / "models--acme--tiny-clf"
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(REV)
    for revision in (OLD, REV):
        (repo / "snapshots" / revision).mkdir(parents=True)
    for name in ("model.safetensors", "config.json", "README.md"):
        data = (source / name).read_bytes()
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        for revision in (OLD, REV):
            os.symlink(f"../../blobs/{blob.name}", repo / "snapshots" / revision / name)
    return repo


def test_cache_blob_is_named_by_its_snapshot(tmp_path: Path) -> None:
    repo = _hf_cache(tmp_path)
    blob = next(p for p in (repo / "blobs").iterdir() if p.stat().st_size == 256)
    entries = group_models([ModelArtifact(str(blob), "safetensors", 256, None)])
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.name, entry.version) == ("acme/tiny-clf", REV)  # refs/main wins
    assert entry.facts.task == "text-classification"
    assert entry.facts.model_type == "distilbert"
    weights = next(f for f in entry.files if f.role == "weights")
    assert weights.path.endswith(f"snapshots/{REV}/model.safetensors")
    assert weights.sha256 == blob.name
    assert {f.role for f in entry.files} == {"weights", "config", "readme"}


def test_symlinked_card_outside_a_cache_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text('{"model_type": "leaked"}')
    model = tmp_path / "project" / "model"
    model.mkdir(parents=True)
    (model / "weights.safetensors").write_bytes(
        asset("sbom", "project", "models", "sentiment", "model.safetensors").read_bytes()
    )
    os.symlink(secret, model / "config.json")
    entries = group_models([ModelArtifact(str(model / "weights.safetensors"), "safetensors", 256)])
    assert entries[0].facts.model_type is None
    assert all(f.role == "weights" for f in entries[0].files)


def test_lone_files_are_models_of_their_own(tmp_path: Path) -> None:
    for name in ("a.safetensors", "b.safetensors"):
        (tmp_path / name).write_bytes(b"x" * 16)
    entries = group_models(
        [
            ModelArtifact(str(tmp_path / n), "safetensors", 16)
            for n in ("b.safetensors", "a.safetensors")
        ]
    )
    assert [e.name for e in entries] == ["a.safetensors", "b.safetensors"]
    assert entries[0].files[0].sha256 == hashlib.sha256(b"x" * 16).hexdigest()
