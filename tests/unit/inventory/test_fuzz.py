"""Whatever bytes a manifest holds, readers either succeed or raise InventoryError."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainward.inventory import InventoryError, collect
from tests.conftest import asset

NAMES = [
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "pylock.toml",
    "Pipfile.lock",
    "setup.cfg",
]
SEEDS = {
    "poetry.lock": asset("inventory", "projects", "poetry", "poetry.lock"),
    "uv.lock": asset("inventory", "projects", "uv", "uv.lock"),
    "pdm.lock": asset("inventory", "projects", "pdm", "pdm.lock"),
    "pylock.toml": asset("inventory", "projects", "pylock", "pylock.toml"),
    "Pipfile.lock": asset("inventory", "projects", "pipenv", "Pipfile.lock"),
    "pyproject.toml": asset("inventory", "projects", "uv", "pyproject.toml"),
    "Pipfile": asset("inventory", "projects", "pipenv", "Pipfile"),
    "requirements.txt": asset("inventory", "django-app", "requirements", "base.txt"),
    "setup.cfg": asset("inventory", "legacy-setup", "setup.cfg"),
}


def check(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            collect([path], include_models=False)
        except InventoryError as exc:
            assert "\n" not in exc.diagnostics()


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_manifests_never_crash(name: str, data: st.DataObject) -> None:
    seed = bytearray(SEEDS[name].read_bytes()[:3000])
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(seed) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "dup"]))
        if action == "flip":
            seed[at] = data.draw(st.sampled_from(b'"[]{}=,\n\\:;#@ 0aZ\x00\xff'))
        elif action == "cut":
            del seed[at : at + data.draw(st.integers(1, 40))]
        else:
            seed[at:at] = seed[at : at + data.draw(st.integers(1, 40))]
        if not seed:
            break
    check(name, bytes(seed))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=25, deadline=None)
@given(blob=st.binary(max_size=300))
def test_random_bytes_never_crash(name: str, blob: bytes) -> None:
    check(name, blob)
