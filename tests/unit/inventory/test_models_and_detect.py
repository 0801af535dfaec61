"""Model discovery by content, format detection of inputs, directory walking."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import struct
import zipfile
from pathlib import Path

import pytest

from chainward.inventory import InventoryError, collect
from chainward.inventory.detect import Kind, discover, kind_of
from chainward.inventory.models import _sniff, find_models


def safetensors_bytes() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    return struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1.0, 2.0)


def torch_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"w": 1}, protocol=2))
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


def make_project(root: Path) -> None:
    (root / "models").mkdir(parents=True)
    (root / "models" / "classifier.safetensors").write_bytes(safetensors_bytes())
    (root / "models" / "weights.dat").write_bytes(pickle.dumps([1, 2, 3], protocol=4))
    (root / "models" / "checkpoint.pt").write_bytes(torch_zip_bytes())
    (root / "models" / "notes.bin").write_bytes(b"just some text, not a model\n")
    (root / "README.md").write_text("# demo\n")
    (root / "requirements.txt").write_text("six==1.16.0\n")
    for hidden in (".venv/lib", "node_modules/x", ".git/objects", "build/site-packages/y"):
        (root / hidden).mkdir(parents=True)
        (root / hidden / "requirements.txt").write_text("evil==6.6.6\n")
        (root / hidden / "model.pkl").write_bytes(pickle.dumps(1, protocol=4))
    (root / "venv2").mkdir()
    (root / "venv2" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (root / "venv2" / "requirements.txt").write_text("evil==6.6.6\n")


def test_project_walk_finds_models_by_content_and_skips_envs(tmp_path: Path) -> None:
    make_project(tmp_path)
    inv = collect([tmp_path])
    assert [(c.name, c.version) for c in inv.components] == [("six", "1.16.0")]
    found = {Path(m.path).name: m for m in inv.models}
    assert set(found) == {"classifier.safetensors", "weights.dat", "checkpoint.pt"}
    assert found["classifier.safetensors"].format == "safetensors"
    assert found["weights.dat"].format == "pickle"
    assert found["checkpoint.pt"].format == "pytorch"
    data = (tmp_path / "models" / "weights.dat").read_bytes()
    assert found["weights.dat"].sha256 == hashlib.sha256(data).hexdigest()
    assert found["weights.dat"].size == len(data)


def test_no_models_when_not_asked(tmp_path: Path) -> None:
    make_project(tmp_path)
    assert collect([tmp_path], include_models=False).models == ()


def test_symlinks_leaving_the_project_are_reported_not_followed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    make_project(project)
    outside = tmp_path / "elsewhere.pkl"
    outside.write_bytes(pickle.dumps(list(range(10)), protocol=4))
    (project / "escape.pkl").symlink_to(outside)
    (project / "models" / "linkdir").symlink_to(project / "models", target_is_directory=True)
    inv = collect([project])
    names = {Path(m.path).name for m in inv.models}
    assert "escape.pkl" not in names
    skipped = {Path(s.entry).name for s in inv.skipped if "symbolic link" in s.reason}
    assert skipped == {"escape.pkl", "linkdir"}


def test_hugging_face_cache_snapshot_links_are_followed(tmp_path: Path) -> None:
    repo = tmp_path / "models--acme--tiny"
    blob = repo / "blobs" / hashlib.sha256(safetensors_bytes()).hexdigest()
    blob.parent.mkdir(parents=True)
    blob.write_bytes(safetensors_bytes())
    snapshot = repo / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (snapshot / "model.safetensors").symlink_to(Path("../..") / "blobs" / blob.name)
    inv = collect([repo])
    paths = {Path(m.path).relative_to(repo).as_posix(): m.format for m in inv.models}
    assert paths["snapshots/0123abcd/model.safetensors"] == "safetensors"
    assert not [s for s in inv.skipped if "symbolic" in s.reason]


def test_fallback_sniff(tmp_path: Path) -> None:
    samples = {
        "a": (safetensors_bytes(), "safetensors"),
        "b": (pickle.dumps([1, 2, 3], protocol=2), "pickle"),
        "c": (torch_zip_bytes(), "pytorch"),
        "d": (b"\x89HDF\r\n\x1a\n" + bytes(64), "hdf5"),
        "e": (b"GGUF" + bytes(64), "gguf"),
        "f": (b"\x93NUMPY\x01\x00" + bytes(64), "numpy"),
        "g": (b"hello world, plain text", None),
    }
    for name, (data, fmt) in samples.items():
        (tmp_path / name).write_bytes(data)
        assert _sniff(tmp_path / name) == fmt, name
    # with the model scanners' detector (stricter than the sniff) the real files still show
    found = {
        Path(m.path).name: m.format for m in find_models([tmp_path / n for n in samples]).models
    }
    assert {"a": "safetensors", "b": "pickle", "c": "pytorch"}.items() <= found.items()
    assert "g" not in found


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("poetry.lock", "", Kind.POETRY_LOCK),
        ("uv.lock", "", Kind.UV_LOCK),
        ("pylock.dev.toml", "", Kind.PYLOCK),
        ("requirements-test.txt", "", Kind.REQUIREMENTS),
        ("deps.lock", '[metadata]\nlock_version = "4.5.0"\n', Kind.PDM_LOCK),
        ("x.toml", 'lock-version = "1.0"\npackages = []\n', Kind.PYLOCK),
        ("x.toml", '[[package]]\nname="a"\n[metadata]\nlock-version = "2.0"\n', Kind.POETRY_LOCK),
        (
            "x.toml",
            'version = 1\nrevision = 2\nrequires-python = ">=3.9"\npackage = []\n',
            Kind.UV_LOCK,
        ),
        ("x.toml", '[project]\nname = "a"\n', Kind.PYPROJECT),
        ("x.json", '{"_meta": {}, "default": {}}', Kind.PIPFILE_LOCK),
        ("deps.in", "six==1.16.0\n", Kind.REQUIREMENTS),
    ],
)
def test_kind_of(tmp_path: Path, name: str, content: str, kind: Kind) -> None:
    path = tmp_path / name
    path.write_text(content)
    assert kind_of(path) is kind


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("data.json", '{"hello": 1}'),
        ("conf.toml", "[server]\nport = 1\n"),
        ("blob.bin", "\x00\x01\x02"),
    ],
)
def test_unknown_formats_are_errors(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InventoryError, match="unrecognised"):
        collect([path])


def test_missing_target(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="no such file"):
        collect([tmp_path / "nope"])


def test_discover_lists_manifests_in_subprojects(tmp_path: Path) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True)
    (tmp_path / "services" / "api" / "requirements.txt").write_text("six==1.16.0\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["attrs==23.2.0"]\n'
    )
    found = discover(tmp_path, want_files=False)
    assert sorted(k.value for k, _ in found.manifests) == ["pyproject", "requirements"]
    inv = collect([tmp_path])
    assert {c.name for c in inv.components} == {"six", "attrs"}


def test_pyproject_beside_lock_is_not_read_twice(tmp_path: Path) -> None:
    from tests.conftest import asset

    inv = collect([asset("inventory", "projects", "uv")])
    assert all(c.version is not None for c in inv.components)  # no unpinned ranges from pyproject


def test_merge_drops_unpinned_duplicates_in_favour_of_pins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["six>=1"]\n')
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    inv = collect([tmp_path])
    assert [(c.name, c.version) for c in inv.components] == [("six", "1.16.0")]
    assert inv.skipped == ()
