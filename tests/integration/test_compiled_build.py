"""The wheel ``pip install .`` builds: its pickle machine compiled by mypyc (hatch_build.py).

Users get the compiled machine, while the rest of the suite runs the sources of the
editable install, so the model scanner's tests run a second time here, against the
extension modules of a wheel built offline from this checkout.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
COMPILED = ("chainward/models/pickle/vm", "chainward/models/pickle/datawalk")

pytestmark = pytest.mark.slow


def _compiler() -> str | None:
    name = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(name) or shutil.which("cc")


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if _compiler() is None:
        pytest.skip("no C compiler: the wheel is pure Python (tested by the rest of the suite)")
    out = tmp_path_factory.mktemp("wheel")
    env = {**os.environ, "PIP_NO_INDEX": "1"}
    env.pop("CHAINWARD_PURE_PYTHON", None)
    command = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q"]
    done = subprocess.run(
        [*command, "--no-build-isolation", "--no-index", "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = out.glob("chainward-*.whl")
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def _run(site: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` on the wheel's modules (``site``), or on the editable install (None)."""
    env = {**os.environ}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
        env=env,
    )


def test_the_wheel_holds_the_compiled_machine_and_python_loads_it(wheel_site: Path) -> None:
    for module in COMPILED:
        assert (wheel_site / f"{module}{SUFFIX}").is_file(), module
        assert (wheel_site / f"{module}.py").is_file(), module  # the sources stay beside
    done = _run(
        wheel_site,
        "-c",
        "import chainward.models.pickle.vm as vm, chainward.models.pickle.datawalk as walk\n"
        "print(vm.__file__); print(walk.__file__)",
    )
    assert done.returncode == 0, done.stderr
    assert all(line.endswith(SUFFIX) for line in done.stdout.split()), done.stdout


def test_the_model_scanner_tests_pass_on_the_compiled_machine(
    wheel_site: Path, tmp_path: Path
) -> None:
    # its own --basetemp: pytest prunes old temporary folders, this run's among them
    done = _run(
        wheel_site,
        "-m",
        "pytest",
        "-q",
        "-x",
        "-p",
        "no:cacheprovider",
        f"--basetemp={tmp_path / 'inner'}",
        "tests/unit/models",
        "tests/unit/cli/test_deferred_imports.py",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout


def _scan_json(site: Path | None, folder: Path) -> object:
    done = _run(site, "-m", "chainward", "model", "scan", "-f", "json", "-j", "1", str(folder))
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["files"]


def test_compiled_and_source_machines_agree_on_the_corpus_and_its_mutants(
    wheel_site: Path, tmp_path: Path
) -> None:
    """Differential: the whole labelled corpus, and 600 mutants of its pickles (bytes
    flipped, cut, repeated), give the same document from both machines."""
    corpus = ROOT / "tests" / "assets" / "models"
    pickles = sorted(p for p in corpus.rglob("*.pkl") if p.is_file())[:60]
    rng = random.Random(7)
    for number, source in enumerate(pickles):
        data = source.read_bytes()
        for variant in range(10):
            mutant = bytearray(data)
            if variant % 3 == 0 and mutant:
                for _ in range(rng.randint(1, 8)):
                    mutant[rng.randrange(len(mutant))] = rng.randrange(256)
            elif variant % 3 == 1:
                del mutant[rng.randrange(len(mutant) + 1) :]
            else:
                at = rng.randrange(len(mutant) + 1)
                mutant[at:at] = mutant[max(0, at - 64) : at] * rng.randint(1, 4)
            (tmp_path / f"{number:03d}-{variant}.pkl").write_bytes(bytes(mutant))
    assert _scan_json(wheel_site, corpus) == _scan_json(None, corpus)
    assert _scan_json(wheel_site, tmp_path) == _scan_json(None, tmp_path)
