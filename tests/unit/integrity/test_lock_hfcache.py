from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from chainward.integrity import verify
from chainward.integrity.errors import IntegrityError, VerificationError
from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.hfcache import check_cache, git_blob_sha1, resolve_repo, snapshot_of
from chainward.integrity.lock import (
    LockedModel,
    LockFile,
    check_lock,
    digest_tree,
    dumps,
    find_entry,
    loads,
    lock_model,
    merge,
    read_lock,
    resolve_target,
    write_lock,
)
from chainward.integrity.walk import walk_model
from tests.assets.integrity.hf import git_sha1, make_hf_cache
from tests.assets.integrity.pki import make_model

FILES = {
    "config.json": (b'{"model_type": "bert"}', False),
    "model.safetensors": (b"\x08\x00\x00\x00\x00\x00\x00\x00{}      " + b"w" * 4000, True),
    "tokenizer/vocab.txt": (b"[PAD]\n[UNK]\n", False),
}


def _lock_local(tmp_path: Path, model: Path) -> Path:
    lock_path = tmp_path / "models.lock"
    resolved = resolve_target(str(model), lock_dir=tmp_path)
    write_lock(lock_path, LockFile(models=(lock_model(resolved, lock_path=lock_path),)))
    return lock_path


def test_lock_roundtrip_is_toml_and_lossless(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    lock_path = _lock_local(tmp_path, model)
    text = lock_path.read_text()
    assert "[[models]]" in text and "[[models.files]]" in text
    entry = read_lock(lock_path).models[0]
    assert entry.source == "local" and entry.path == "m" and entry.algorithm is HashAlgorithm.SHA256
    assert {f.path for f in entry.files} >= {"a/b", "model.safetensors", "empty.txt"}
    assert loads(dumps(read_lock(lock_path))) == read_lock(lock_path)
    assert entry.format == "safetensors" or entry.format is None  # detector may be absent
    tricky = LockedModel(
        name='q"uo\\te\x7f\n', source="local", algorithm=HashAlgorithm.SHA256, files=(), path="p"
    )
    assert loads(dumps(LockFile(models=(tricky,)))).models[0].name == tricky.name


def test_python_api_verify_detects_drift(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    lock_path = _lock_local(tmp_path, model)
    assert verify(model, lock=lock_path) is None
    (model / "config.json").write_text('{"hidden_size": 9}\n')
    (model / "empty.txt").unlink()
    (model / "extra.bin").write_bytes(b"x")
    with pytest.raises(VerificationError) as info:
        verify(model, lock=lock_path)
    assert {(p.rule, p.subject) for p in info.value.problems} == {
        ("changed", "config.json"),
        ("missing", "empty.txt"),
        ("extra", "extra.bin"),
    }


def test_reverification_rehashes_only_changed_files(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    lock_path = _lock_local(tmp_path, model)
    entry = read_lock(lock_path).models[0]
    resolved = resolve_target(str(model), lock_dir=tmp_path)
    first = check_lock(resolved, entry, lock_path=lock_path)
    assert first.problems == () and first.hashed == 0  # state remembered at lock time
    time.sleep(0.01)
    (model / "config.json").write_text('{"hidden_size": 8}\n')  # same content, new mtime
    second = check_lock(resolved, entry, lock_path=lock_path)
    assert second.problems == () and second.hashed == 1
    assert check_lock(resolved, entry, lock_path=lock_path, full=True).hashed == len(entry.files)
    # same size and restored mtime: ctime still changes, so it is re-hashed and caught
    st = os.stat(model / "a.b")
    (model / "a.b").write_bytes(b"DOT")
    os.utime(model / "a.b", ns=(st.st_atime_ns, st.st_mtime_ns))
    third = check_lock(resolved, entry, lock_path=lock_path)
    assert [p.subject for p in third.problems] == ["a.b"]


def test_digest_tree_state_survives_corruption(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    tree = walk_model(model)
    digests, hashed = digest_tree(tree, HashAlgorithm.SHA256, full=True)
    assert hashed == len(tree.files)
    for state in (Path(os.environ["CHAINWARD_HOME"]) / "integrity-state").glob("*.json"):
        state.write_text("{not json")
    again, hashed = digest_tree(tree, HashAlgorithm.SHA256)
    assert again == digests and hashed == len(tree.files)


def test_hf_repo_lock_pins_revision_and_detects_revision_drift(tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    snap = make_hf_cache(cache, "org/tiny", FILES)
    resolved = resolve_target("org/tiny", lock_dir=tmp_path, cache_dir=cache)
    assert resolved.revision == snap.name and resolved.root == snap
    entry = lock_model(resolved)
    assert entry.source == "huggingface" and entry.repo == "org/tiny" and entry.path is None
    lock = LockFile(models=(entry,))
    assert check_lock(resolved, find_entry(lock, resolved)).problems == ()
    new = make_hf_cache(
        cache, "org/tiny", {**FILES, "config.json": (b"{}", False)}, commit="f" * 40
    )
    moved = resolve_target(str(new), lock_dir=tmp_path)
    rules = {p.rule for p in check_lock(moved, find_entry(lock, moved)).problems}
    assert rules == {"revision-drift", "changed"}
    unpinned = LockedModel(**{**entry.__dict__, "revision": "main"})
    assert "unpinned-revision" in {p.rule for p in check_lock(resolved, unpinned).problems}


def test_resolve_repo_revisions_and_errors(tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    snap = make_hf_cache(cache, "org/tiny", FILES)
    assert resolve_repo(f"org/tiny@{snap.name}", cache).path == snap
    assert resolve_repo(f"org/tiny@{snap.name[:10]}", cache).path == snap
    with pytest.raises(IntegrityError, match="not in the local"):
        resolve_repo("org/other", cache)
    with pytest.raises(IntegrityError, match="not in the local cache"):
        resolve_repo("org/tiny@v2", cache)
    assert snapshot_of(snap / "tokenizer") is not None and snapshot_of(tmp_path) is None


def test_merge_keeps_other_models_and_missing_entry_is_an_error(tmp_path: Path) -> None:
    a = make_model(tmp_path / "a")
    b = make_model(tmp_path / "b")
    ra = resolve_target(str(a), lock_dir=tmp_path)
    rb = resolve_target(str(b), lock_dir=tmp_path)
    lock = merge(LockFile(models=(lock_model(ra),)), [lock_model(rb)])
    assert {m.path for m in lock.models} == {"a", "b"}
    with pytest.raises(IntegrityError, match="not in the lock file"):
        find_entry(LockFile(models=(lock.models[0],)), rb if lock.models[0].path == "a" else ra)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 2", "unsupported lock file version"),
        ("version = [", "not a valid TOML"),
        (
            'version = 1\n[[models]]\nname = "x"\nsource = "ftp"\nalgorithm = "sha256"',
            "unknown source",
        ),
        (
            'version = 1\n[[models]]\nname = "x"\nsource = "local"\nalgorithm = "sha256"\n'
            '[[models.files]]\npath = "f"\nsize = "1"\ndigest = "00"',
            "'size' must be a int",
        ),
        (
            'version = 1\n[[models]]\nname = "x"\nsource = "local"\nalgorithm = "md5"',
            "unknown hash",
        ),
    ],
)
def test_malformed_lock_files(text: str, message: str) -> None:
    """Every malformed lock is refused with a message naming the problem."""
    with pytest.raises(IntegrityError, match=message):
        loads(text)


def test_git_blob_sha1_matches_git(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"hello\n")
    assert git_blob_sha1(tmp_path / "f") == "ce013625030ba8dba906f756967f9e9ca394464a"
    assert git_sha1(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_hf_cache_check_clean_and_tampered(tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    snap = make_hf_cache(cache, "org/tiny", FILES)
    make_hf_cache(cache, "org/other", {"README.md": (b"# hi\n", False)})
    clean = check_cache(cache)
    assert (
        clean.problems == ()
        and clean.blobs_checked == 4
        and set(clean.repos) == {"org/tiny", "org/other"}
    )
    (snap / "model.safetensors").resolve().write_bytes(b"w" * 4016)  # LFS blob
    (snap / "tokenizer" / "vocab.txt").resolve().write_bytes(b"[PAD]\n[EVIL]\n")  # git blob
    secret = tmp_path / "elsewhere"
    secret.write_text("x")
    (snap / "config.json").unlink()
    (snap / "config.json").symlink_to(secret)
    result = check_cache(snap)
    assert {(p.rule, p.subject) for p in result.problems} == {
        ("blob-tampered", f"snapshots/{snap.name}/model.safetensors"),
        ("blob-tampered", f"snapshots/{snap.name}/tokenizer/vocab.txt"),
        ("link-escapes", f"snapshots/{snap.name}/config.json"),
    }


def test_hf_cache_unlinked_and_missing_blobs(tmp_path: Path) -> None:
    snap = make_hf_cache(tmp_path / "hub", "org/tiny", FILES)
    (snap / "config.json").unlink()
    (snap / "config.json").write_text("{}")
    (snap / "model.safetensors").resolve().unlink()
    rules = {p.rule for p in check_cache(snap.parent.parent).problems}
    assert rules == {"unlinked-file", "blob-missing"}
    with pytest.raises(IntegrityError, match="not a Hugging Face cache"):
        check_cache(tmp_path)
