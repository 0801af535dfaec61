"""``path_text`` spells a path as ``str(pathlib.Path(path))`` does, without pathlib.

Results and findings name files by that spelling, and the scanner's one-file path no
longer imports pathlib (a fifth of its start-up), so the two must never differ.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainward.models.detect import path_text

CASES = [
    "",
    ".",
    "./",
    "..",
    "../x",
    "/",
    "//",
    "///",
    "//x//y/",
    "a/./b/",
    "./a",
    "a/.",
    "a/..",
    "/a/b/../c",
    "model.pkl",
    "dir/",
    ".hidden/.x",
    "a//b",
]


@pytest.mark.parametrize("text", CASES)
def test_known_spellings(text: str) -> None:
    assert path_text(text) == str(PurePosixPath(text))


@given(st.lists(st.sampled_from(["", ".", "..", "a", "b.c", ".d", "é"]), max_size=6))
def test_any_spelling(parts: list[str]) -> None:
    for text in ("/".join(parts), "/" + "/".join(parts), "//" + "/".join(parts)):
        assert path_text(text) == str(PurePosixPath(text))


def test_path_objects_are_accepted() -> None:
    assert path_text(Path("a") / "b") == "a/b"
