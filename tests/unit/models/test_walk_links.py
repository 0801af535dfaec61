"""The folder walk resolves links itself (one realpath per folder); it must agree with
``os.path.realpath`` on every shape of link, Hugging Face cache links first."""

from __future__ import annotations

import os
from pathlib import Path

from chainward.models.scanner import _link_target

LINKS = {
    "repo/snapshots/r1/x": "../../blobs/a",  # the Hugging Face shape
    "repo/snapshots/r1/sub/y": "../../../blobs/a",
    "repo/snapshots/r1/chain": "x",
    "repo/snapshots/r1/abs": "/etc/hostname",
    "repo/snapshots/r2": "../snapshots/r1",  # a folder link
    "repo/snapshots/r1/loop1": "loop2",
    "repo/snapshots/r1/loop2": "loop1",
    "repo/snapshots/r1/dotdot": "../../../other/../repo/blobs/a",
    "repo/snapshots/r1/weird": "missing/../x",
    "repo/snapshots/r1/dot": "./x",
    "repo/snapshots/r1/double": "../../blobs//a",
    "repo/snapshots/r1/dangling": "../../blobs/missing",
    "repo/blobs/alias": "a",
    "repo/snapshots/r1/via_alias": "../../blobs/alias",
}


def test_link_targets_agree_with_realpath(tmp_path: Path) -> None:
    for folder in ("repo/blobs", "repo/snapshots/r1/sub", "other"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "repo/blobs/a").write_bytes(b"x")
    for name, target in LINKS.items():
        (tmp_path / name).symlink_to(target)
    (tmp_path / "outside").symlink_to(tmp_path / "repo/snapshots/r2")
    paths = [*LINKS, "repo/snapshots/r2/x", "repo/snapshots/r2/sub/y", "outside/x", "outside/sub/y"]
    cache: dict[str, str] = {}
    for name in paths:
        full = str(tmp_path / name)
        assert _link_target(full, cache) == os.path.realpath(full), name
