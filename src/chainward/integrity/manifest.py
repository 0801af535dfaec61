"""The OMS manifest of a model: every file's (or shard's) digest plus how they were made.

A :class:`Manifest` is what a signature carries (OpenSSF model signing v1.0,
``predicate.resources`` and ``predicate.serialization``). :func:`build_manifest`
hashes a model into one; :func:`compare` re-hashes a model against one and names
every changed, missing and extra file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chainward.integrity.errors import IntegrityError, Problem
from chainward.integrity.hashing import HashAlgorithm, Piece, hash_pieces, pieces
from chainward.integrity.walk import DEFAULT_IGNORES, ModelFile, ModelTree, walk_model

#: Producer flavours: the specification's form, or the form model-signing 1.1.1 needs
#: to verify (single-file resource named "."; shard algorithm "sha256-sharded-N").
SPEC = "spec"
MODEL_SIGNING_COMPAT = "model-signing"


@dataclass(frozen=True)
class Resource:
    """One OMS resource descriptor: a file, or a shard named ``path:start:end``."""

    name: str
    algorithm: str
    digest: str


@dataclass(frozen=True)
class Serialization:
    """``predicate.serialization``: how the resources were produced."""

    method: str
    hash_type: HashAlgorithm
    allow_symlinks: bool = False
    shard_size: int | None = None
    ignore_paths: tuple[str, ...] = ()
    extra: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"method": self.method, "hash_type": self.hash_type.value}
        if self.shard_size is not None:
            out["shard_size"] = self.shard_size
        out["allow_symlinks"] = self.allow_symlinks
        if self.ignore_paths:
            out["ignore_paths"] = list(self.ignore_paths)
        return out


@dataclass(frozen=True)
class Manifest:
    """A model's resources, in the order they are listed, and their serialization."""

    model_name: str
    serialization: Serialization
    resources: tuple[Resource, ...]

    def root_digest(self) -> str:
        """SHA-256 over the concatenated raw digests, in listed order (OMS §6.5.1)."""
        hasher = hashlib.sha256()
        for resource in self.resources:
            hasher.update(bytes.fromhex(resource.digest))
        return hasher.hexdigest()

    def file_names(self) -> set[str]:
        return {split_resource_name(r.name, self.serialization)[0] for r in self.resources}


def split_resource_name(name: str, serialization: Serialization) -> tuple[str, int, int]:
    """``(path, start, end)``; a shard name ends in the *last two* ``:int`` parts."""
    if serialization.method != "shards":
        return name, 0, -1
    path, sep1, rest = name.rpartition(":")
    path, sep2, start = path.rpartition(":")
    if not (sep1 and sep2 and start.isdigit() and rest.isdigit()):
        raise IntegrityError(f"malformed shard resource name {name!r}")
    return path, int(start), int(rest)


def check_resource_path(name: str) -> None:
    """Refuse names that could reach outside the model (absolute, ``..``, empty parts)."""
    if name == ".":
        return
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise IntegrityError(f"signature lists a non-canonical or traversing path {name!r}")


def _algorithm_name(algorithm: HashAlgorithm, shard_size: int | None, flavour: str) -> str:
    if flavour == MODEL_SIGNING_COMPAT and shard_size is not None:
        return f"{algorithm.value}-sharded-{shard_size}"
    return algorithm.value


def manifest_from_digests(
    tree: ModelTree,
    digests: Mapping[str, bytes],
    serialization: Serialization,
    *,
    flavour: str = SPEC,
) -> Manifest:
    algorithm = _algorithm_name(serialization.hash_type, serialization.shard_size, flavour)
    resources = []
    for name in sorted(digests):  # Unicode code point order, OMS §5.2.1
        shown = name
        if tree.single_file and flavour == MODEL_SIGNING_COMPAT:
            shown = "." + name[len(tree.files[0].name) :]
        resources.append(Resource(shown, algorithm, digests[name].hex()))
    resources.sort(key=lambda r: r.name)
    return Manifest(
        model_name=tree.root.resolve().name, serialization=serialization, resources=tuple(resources)
    )


def build_manifest(
    model: Path,
    *,
    algorithm: HashAlgorithm = HashAlgorithm.SHA256,
    shard_size: int | None = None,
    ignore: Iterable[str] = (),
    flavour: str = SPEC,
    workers: int | None = None,
) -> Manifest:
    """Walk and hash ``model`` into an OMS manifest."""
    ignore = tuple(ignore)
    tree = walk_model(model, ignore=ignore)
    if not tree.files:
        raise IntegrityError("the model has no files to sign", path=str(model))
    digests = hash_pieces(pieces(tree.files, shard_size), algorithm, workers=workers)
    recorded_ignores = () if tree.single_file else tuple(sorted({*DEFAULT_IGNORES, *ignore}))
    serialization = Serialization(
        method="shards" if shard_size is not None else "files",
        hash_type=algorithm,
        allow_symlinks=tree.symlinks_followed,
        shard_size=shard_size,
        ignore_paths=recorded_ignores,
    )
    return manifest_from_digests(tree, digests, serialization, flavour=flavour)


@dataclass(frozen=True)
class Comparison:
    """Result of checking a model against a manifest; ``problems`` empty means a match."""

    checked: tuple[str, ...]
    changed: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    problems: tuple[Problem, ...]


def _expected_by_file(manifest: Manifest, tree: ModelTree) -> dict[str, dict[str, str]]:
    """file name -> {resource name -> hex digest}, with model-signing's "." mapped."""
    out: dict[str, dict[str, str]] = {}
    single = tree.files[0].name if tree.single_file and tree.files else None
    for resource in manifest.resources:
        check_resource_path(split_resource_name(resource.name, manifest.serialization)[0])
        name = resource.name
        if single is not None and (name == "." or name.startswith(".:")):
            name = single + name[1:]
        path = split_resource_name(name, manifest.serialization)[0]
        out.setdefault(path, {})[name] = resource.digest.lower()
    return out


def compare(
    manifest: Manifest,
    tree: ModelTree,
    *,
    ignore_unsigned: bool = False,
    workers: int | None = None,
) -> Comparison:
    """Re-hash ``tree`` as ``manifest`` says it was hashed and list every difference."""
    ser = manifest.serialization
    expected = _expected_by_file(manifest, tree)
    local: dict[str, ModelFile] = {f.name: f for f in tree.files}
    missing = sorted(set(expected) - set(local))
    extra = [] if ignore_unsigned else sorted(set(local) - set(expected))
    if ser.method == "shards":
        # zero-length files have no shards (OMS §6.3.2), so they cannot be "extra"
        extra = [n for n in extra if local[n].size > 0]
    common = sorted(set(expected) & set(local))
    work: list[Piece] = []
    changed: set[str] = set()
    for name in common:
        # compare the shard count first: a tiny signed shard size must not make us
        # build millions of pieces for a file whose layout differs anyway
        sharded = ser.shard_size is not None and ser.method == "shards"
        if sharded and -(-local[name].size // (ser.shard_size or 1)) != len(expected[name]):
            changed.add(name)
            continue
        file_pieces = pieces([local[name]], ser.shard_size if ser.method == "shards" else None)
        if {p.name for p in file_pieces} != set(expected[name]):
            changed.add(name)  # size changed: the shard layout no longer matches
            continue
        work.extend(file_pieces)
    digests = hash_pieces(work, ser.hash_type, workers=workers)
    for piece in work:
        if digests[piece.name].hex() != expected[piece.file.name][piece.name]:
            changed.add(piece.file.name)
    problems: list[Problem] = []
    for name in sorted(changed):
        problems.append(Problem("changed", f"{name}: content differs from the signed digest", name))
    for name in missing:
        problems.append(Problem("missing", f"{name}: signed file is missing", name))
    for name in extra:
        problems.append(Problem("extra", f"{name}: file is not covered by the signature", name))
    if not ser.allow_symlinks:
        for f in tree.files:
            if f.symlink and f.name in expected:
                problems.append(
                    Problem(
                        "symlink",
                        f"{f.name}: is a symbolic link, but the signature was made without links",
                        f.name,
                    )
                )
    return Comparison(
        checked=tuple(common),
        changed=tuple(sorted(changed)),
        missing=tuple(missing),
        extra=tuple(extra),
        problems=tuple(problems),
    )


__all__ = [
    "MODEL_SIGNING_COMPAT",
    "SPEC",
    "Comparison",
    "Manifest",
    "Resource",
    "Serialization",
    "build_manifest",
    "check_resource_path",
    "compare",
    "manifest_from_digests",
    "split_resource_name",
]
