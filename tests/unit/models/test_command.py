"""The click-free ``model scan`` path: same output as the full CLI, and lazy imports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chainward.cli.options import SEVERITY_NAMES
from chainward.models.command import FORMATS, SEVERITIES, fast_main
from chainward.report.registry import FORMAT_NAMES
from tests.conftest import asset, modules_after, run_cli, run_fast

CORPUS = asset("models")
EVIL = str(CORPUS / "malicious/pickle/os_system_proto2.pkl")
GOOD = str(CORPUS / "benign/torch/state_dict.pt")
SAFETENSORS = str(CORPUS / "benign/safetensors/model.safetensors")


def test_choices_are_the_cli_choices() -> None:
    assert FORMATS == FORMAT_NAMES
    assert SEVERITIES == SEVERITY_NAMES


def _folder(tmp_path: Path) -> str:
    shutil.copy(EVIL, tmp_path / "weights.bin")
    shutil.copy(GOOD, tmp_path / "model.pt")
    (tmp_path / "README.md").write_text("hello")
    suspicious = tmp_path / "custom.pkl"
    suspicious.write_bytes(b"\x80\x02cmylib.models\nNet\n)\x81}b.")
    return str(tmp_path)


@pytest.mark.parametrize(
    "args",
    [
        ("model", "scan", GOOD, EVIL, "--format", "json"),
        ("model", "scan", GOOD),
        ("model", "scan", "{dir}", "--format", "sarif"),
        ("model", "scan", "{dir}", "-f", "markdown", "--fail-on", "critical"),
        ("model", "scan", "{dir}/custom.pkl", "--strict", "--format=JSON"),
        ("model", "scan", "{dir}/custom.pkl", "--fail-on=MEDIUM", "-f", "json"),
        ("-q", "model", "scan", "--jobs", "2", "{dir}", "--follow-symlinks", "-f", "json"),
        ("model", "scan", "-j", "1", "{dir}/README.md", "--format", "json"),
        ("--debug", "model", "scan", "{dir}/does-not-exist"),
    ],
)
def test_same_output_and_exit_code_as_the_cli(args: tuple[str, ...], tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    argv = [a.replace("{dir}", folder) for a in args]
    fast = run_fast(fast_main, *argv)
    assert fast is not None, argv
    full = run_cli(*argv)
    assert (fast.code, fast.stdout) == (full.code, full.stdout)
    # with --debug both print a traceback (through different frames) before the same line
    assert fast.stderr.splitlines()[-1:] == full.stderr.splitlines()[-1:]
    assert ("Traceback" in fast.stderr) == ("Traceback" in full.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ("model", "scan"),
        ("model", "scan", "--help"),
        ("model", "scan", GOOD, "--output", "report.json"),
        ("model", "scan", "--dynamic", GOOD),
        ("model", "scan", "-f=json", GOOD),
        ("model", "scan", "-fjson", GOOD),
        ("model", "scan", "-", GOOD),
        ("model", "scan", "--", GOOD),
        ("model", "scan", GOOD, "--format", "yaml"),
        ("model", "scan", GOOD, "--format"),
        ("model", "scan", GOOD, "--jobs", "-1"),
        ("model", "scan", GOOD, "--strict=yes"),
        ("model", "scan", ""),
        ("model", "-q", "scan", GOOD),
        ("model", "hash", GOOD),
        ("--version",),
        ("audit", GOOD),
    ],
)
def test_anything_unusual_goes_to_the_full_cli(args: tuple[str, ...]) -> None:
    assert run_fast(fast_main, *args) is None


HEAVY = {
    "click",
    "rich",
    "chainward.cli",
    "chainward.report.table",
    "multiprocessing",
    "concurrent.futures",
}


def test_json_scan_of_one_file_imports_only_its_format() -> None:
    status, modules = modules_after("model", "scan", "--format", "json", SAFETENSORS)
    assert status == 0
    assert "chainward.models.safetensors" in modules
    assert not HEAVY & modules, HEAVY & modules
    others = {"pickles", "torch", "onnx", "keras", "hdf5", "gguf", "tf", "containers"}
    assert not {f"chainward.models.{m}" for m in others} & modules

    status, modules = modules_after("model", "scan", "--format", "json", EVIL)
    assert status == 1
    assert "chainward.models.pickles" in modules
    assert not HEAVY & modules
    assert "chainward.models.onnx" not in modules


def test_other_commands_still_use_the_cli() -> None:
    status, modules = modules_after("model", "scan", "--output", "/dev/null", SAFETENSORS)
    assert status == 0
    assert "click" in modules and "chainward.cli.model_scan" in modules
