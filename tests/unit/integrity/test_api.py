from __future__ import annotations

from pathlib import Path

import pytest

import chainward.integrity as integrity
from chainward.integrity.hfcache import default_cache_dir, looks_like_repo_id
from tests.assets.integrity.pki import make_model


def test_public_api_is_exhaustive_and_lazy() -> None:
    for name in integrity.__all__:
        assert getattr(integrity, name) is not None, name
    assert sorted(dir(integrity)) == sorted(integrity.__all__)
    with pytest.raises(AttributeError):
        integrity.no_such_name  # noqa: B018


def test_hash_model_api(tmp_path: Path) -> None:
    manifest = integrity.hash_model(make_model(tmp_path / "m"), shard_size=1 << 20)
    assert manifest.serialization.method == "shards"
    assert len(manifest.root_digest()) == 64


def test_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "huggingface" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert default_cache_dir() == tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert default_cache_dir() == tmp_path / "hub"


def test_repo_id_shapes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert looks_like_repo_id("bert-base/uncased")
    assert looks_like_repo_id("org/model.v2@abc123")
    assert not looks_like_repo_id("just-a-name")
    assert not looks_like_repo_id("/abs/path")
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "model").mkdir()
    assert not looks_like_repo_id("org/model")  # an existing local folder wins
