"""Property tests: the lock file's TOML writer and shard-name parsing round-trip."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.lock import LockedFile, LockedModel, LockFile, dumps, loads
from chainward.integrity.manifest import Serialization, split_resource_name

names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    name=names,
    path=names,
    files=st.lists(st.tuples(names, st.integers(0, 2**62)), max_size=5, unique_by=lambda t: t[0]),
)
def test_lock_toml_roundtrip(name: str, path: str, files: list[tuple[str, int]]) -> None:
    model = LockedModel(
        name=name,
        source="local",
        algorithm=HashAlgorithm.SHA256,
        path=path,
        files=tuple(LockedFile(p, size, "ab" * 32) for p, size in files),
    )
    assert loads(dumps(LockFile(models=(model,)))).models == (model,)


@settings(max_examples=150, deadline=None)
@given(path=names, start=st.integers(0, 2**40), length=st.integers(1, 2**30))
def test_shard_names_split_on_the_last_two_colons(path: str, start: int, length: int) -> None:
    ser = Serialization(method="shards", hash_type=HashAlgorithm.SHA256, shard_size=length)
    assert split_resource_name(f"{path}:{start}:{start + length}", ser) == (
        path,
        start,
        start + length,
    )
