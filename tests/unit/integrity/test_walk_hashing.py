from __future__ import annotations

import hashlib
import os
from pathlib import Path

import blake3
import pytest

from chainward.integrity.errors import IntegrityError, UnsafePathError
from chainward.integrity.hashing import HashAlgorithm, digest_range, hash_files, pieces
from chainward.integrity.walk import normalize_ignore, walk_model
from tests.assets.integrity.hf import make_hf_cache
from tests.assets.integrity.pki import make_model


def test_walk_lists_files_in_code_point_order_with_default_ignores(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    (model / ".git").mkdir()
    (model / ".git" / "HEAD").write_text("ref")
    (model / "sub").mkdir()
    (model / "sub" / ".gitignore").write_text("nested ignore files are NOT default-ignored")
    tree = walk_model(model)
    names = [f.name for f in tree.files]
    assert names == sorted(names)
    assert names[:3] == ["a-c", "a.b", "a/b"]  # code points: '-' < '.' < '/'
    assert ".gitattributes" not in names and ".git/HEAD" not in names
    assert "sub/.gitignore" in names
    assert set(tree.ignored) == {".git", ".gitattributes"}


def test_walk_user_ignores_are_exact_paths(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    names = [f.name for f in walk_model(model, ignore=["a", "config.json"]).files]
    assert "a/b" not in names and "config.json" not in names and "a.b" in names
    for bad in ("*.bin", "/abs", "../up", ""):
        with pytest.raises(IntegrityError):
            normalize_ignore(bad)


def test_symlink_inside_model_is_followed(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    (model / "alias.safetensors").symlink_to("model.safetensors")
    (model / "dirlink").symlink_to("a")
    tree = walk_model(model)
    by_name = {f.name: f for f in tree.files}
    assert by_name["alias.safetensors"].symlink and by_name["dirlink/b"].symlink is False
    assert "dirlink/b" in by_name
    assert tree.symlinks_followed


def test_symlink_escaping_model_is_refused(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (model / "leak").symlink_to(secret)
    with pytest.raises(UnsafePathError, match="outside the model"):
        walk_model(model)


def test_broken_link_cycle_and_fifo_are_refused(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m1")
    (model / "dangling").symlink_to("nope")
    with pytest.raises(UnsafePathError, match="broken"):
        walk_model(model)
    model = make_model(tmp_path / "m2")
    (model / "a" / "loop").symlink_to("..")
    with pytest.raises(UnsafePathError, match="cycle"):
        walk_model(model)
    model = make_model(tmp_path / "m3")
    os.mkfifo(model / "pipe")
    with pytest.raises(UnsafePathError, match="special file"):
        walk_model(model)


def test_non_utf8_name_is_refused(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    with open(os.path.join(os.fsencode(model), b"bad\xff"), "wb") as fh:
        fh.write(b"x")
    with pytest.raises(UnsafePathError, match="UTF-8"):
        walk_model(model)


def test_hf_snapshot_links_into_blobs_are_followed(tmp_path: Path) -> None:
    snap = make_hf_cache(
        tmp_path / "hub",
        "org/tiny",
        {
            "config.json": (b"{}", False),
            "model.safetensors": (b"w" * 1000, True),
        },
    )
    tree = walk_model(snap)
    assert [f.name for f in tree.files] == ["config.json", "model.safetensors"]
    assert all(f.symlink for f in tree.files)


def test_single_file_model(tmp_path: Path) -> None:
    f = tmp_path / "weights.bin"
    f.write_bytes(b"abc")
    tree = walk_model(f)
    assert tree.single_file and [x.name for x in tree.files] == ["weights.bin"]


def test_missing_model_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(IntegrityError, match="cannot read model"):
        walk_model(tmp_path / "nope")


@pytest.mark.parametrize("algorithm", list(HashAlgorithm))
def test_digests_match_reference_implementations(tmp_path: Path, algorithm: HashAlgorithm) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "blob"
    path.write_bytes(data)
    reference = {
        HashAlgorithm.SHA256: hashlib.sha256(data).digest(),
        HashAlgorithm.BLAKE2B: hashlib.blake2b(data).digest(),
        HashAlgorithm.BLAKE3: blake3.blake3(data).digest(),
    }[algorithm]
    assert digest_range(path, 0, len(data), algorithm, buffer_size=65536) == reference
    assert (
        digest_range(path, 100, 200, algorithm)
        == {
            HashAlgorithm.SHA256: hashlib.sha256,
            HashAlgorithm.BLAKE2B: hashlib.blake2b,
        }.get(algorithm, lambda d: blake3.blake3(d))(data[100:200]).digest()
    )


def test_shards_split_on_fixed_boundaries_and_skip_empty_files(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    tree = walk_model(model)
    work = pieces(tree.files, 100_000)
    big = [p for p in work if p.file.name == "model.safetensors"]
    ranges = sorted((p.start, p.end) for p in big)
    assert ranges[:2] == [(0, 100_000), (100_000, 200_000)]
    assert ranges[-1] == (1_000_000, 1_048_576) and len(ranges) == 11
    assert all(p.name == f"model.safetensors:{p.start}:{p.end}" for p in big)
    assert not [p for p in work if p.file.name == "empty.txt"]
    digests = hash_files(tree.files, shard_size=100_000, workers=2)
    data = (model / "model.safetensors").read_bytes()
    assert (
        digests["model.safetensors:100000:200000"] == hashlib.sha256(data[100_000:200_000]).digest()
    )


def test_parallel_and_serial_hashing_agree(tmp_path: Path) -> None:
    tree = walk_model(make_model(tmp_path / "m"))
    assert hash_files(tree.files, workers=1) == hash_files(tree.files, workers=4)


def test_file_changing_size_during_hashing_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    with pytest.raises(IntegrityError, match="changed while"):
        digest_range(path, 0, 5, HashAlgorithm.SHA256, whole=True)
    with pytest.raises(IntegrityError, match="shorter"):
        digest_range(path, 0, 50, HashAlgorithm.SHA256)


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(IntegrityError, match="unknown hash"):
        HashAlgorithm.parse("md5")
    assert HashAlgorithm.parse("blake2") is HashAlgorithm.BLAKE2B


def test_tiny_shard_sizes_are_bounded(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        fh.truncate(10 * 1024 * 1024 * 1024)  # sparse 10 GiB
    tree = walk_model(big)
    with pytest.raises(IntegrityError, match="use a larger shard size"):
        pieces(tree.files, 1)


def test_fifo_swapped_in_after_listing_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    os.mkfifo(path)
    with pytest.raises(UnsafePathError, match="not a regular file"):
        digest_range(path, 0, 10, HashAlgorithm.SHA256)


def test_links_fanning_out_a_folder_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import chainward.integrity.walk as walk

    monkeypatch.setattr(walk, "MAX_ENTRIES", 200)
    model = tmp_path / "m"
    level = model / "l0"
    level.mkdir(parents=True)
    (level / "f").write_bytes(b"x")
    for i in range(1, 10):  # each level links twice to the one below: 2**9 paths
        up = model / f"l{i}"
        up.mkdir()
        (up / "a").symlink_to(f"../l{i - 1}")
        (up / "b").symlink_to(f"../l{i - 1}")
    with pytest.raises(UnsafePathError, match="entries"):
        walk_model(model)
