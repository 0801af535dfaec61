"""``chainward sandbox load``: inert malicious pickles and checkpoints, and benign ones.

Samples come from tests/assets/sandbox/make_samples.py (committed, so torch is not
needed to have them; without torch, a torch checkpoint's pickle is loaded with its
tensor storages stubbed, which still runs the payload's callable in the sandbox).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from chainward.sandbox.dynamic import analyze_model
from chainward.sandbox.policy import Policy, TraceMode
from tests.conftest import asset, run_cli
from tests.integration._sandbox_helpers import backends, needs_sandbox

pytestmark = [pytest.mark.sandbox, needs_sandbox()]

HAS_TORCH = importlib.util.find_spec("torch") is not None


def _load(name: str, *extra: str) -> tuple[int, Any]:
    result = run_cli(
        "sandbox", "load", "--no-static", "--format", "json", *extra, str(asset("sandbox", name))
    )
    assert result.code in (0, 1), result.stderr
    return result.code, result.json()


def _events(doc: Any, kind: str) -> list[dict[str, Any]]:
    return [e for e in doc["events"] if e["kind"] == kind]


def test_exec_pickle_reports_callable_and_blocked_process() -> None:
    code, doc = _load("evil_exec.pkl")
    assert code == 1
    assert any(e["detail"] == "find_class subprocess.run" for e in _events(doc, "pickle.global"))
    popen = _events(doc, "python.exec")
    assert popen and popen[0]["blocked"] and '"true", "--from-pickle"' in popen[0]["detail"]
    # the syscall the lockdown refused, seen from outside by strace
    assert any("EPERM" in e["detail"] and e["blocked"] for e in _events(doc, "spawn"))
    assert any(e["blocked"] for e in _events(doc, "load.blocked"))
    rules = {f["rule"] for f in doc["findings"]}
    assert {"sandbox-dangerous-global", "sandbox-exec", "sandbox-load-blocked"} <= rules


def test_os_system_pickle() -> None:
    code, doc = _load("evil_system.pkl")
    assert code == 1
    globals_ = [e["detail"] for e in _events(doc, "pickle.global")]
    assert any(d.startswith("find_class os.system") or "posix.system" in d for d in globals_)
    assert any("cw-os-system" in e["detail"] for e in _events(doc, "python.exec"))


def test_socket_pickle_reports_blocked_socket() -> None:
    code, doc = _load("evil_socket.pkl")
    assert code == 1
    assert any(
        e["detail"] == "find_class socket.create_connection" for e in _events(doc, "pickle.global")
    )
    sockets = _events(doc, "socket")
    assert sockets and sockets[0]["blocked"] and "AF_INET" in sockets[0]["detail"]
    assert "EPERM" in sockets[0]["detail"]


def test_read_pickle_reports_the_secret_path() -> None:
    code, doc = _load("evil_read.pkl")
    assert code == 1
    reads = _events(doc, "file.read")
    assert reads and "/root/.ssh/id_rsa-canary" in reads[0]["detail"] and reads[0]["blocked"]
    assert "sandbox-secret-read" in {f["rule"] for f in doc["findings"]}


def test_benign_pickle_loads_clean() -> None:
    code, doc = _load("benign.pkl")
    assert code == 0 and doc["findings"] == [] and doc["exit_status"] == 0
    assert any("under lockdown" in e["detail"] for e in _events(doc, "load"))


def test_torch_checkpoint_with_python2_global_names() -> None:
    code, doc = _load("evil_exec.pt", "--loader", "torch", "--trace", "fast")
    assert code == 1
    details = [e["detail"] for e in _events(doc, "pickle.global")]
    assert "find_class subprocess.run (written as commands.run)" in details
    assert any('"true", "--from-pickle"' in e["detail"] for e in _events(doc, "python.exec"))


def test_benign_torch_checkpoint_loads_clean() -> None:
    code, doc = _load("benign.pt", "--trace", "fast")
    assert code == 0, doc
    assert doc["findings"] == []
    loaded = [e["detail"] for e in _events(doc, "load") if "under lockdown" in e["detail"]]
    assert loaded and "with torch" in loaded[0]


@pytest.mark.parametrize("backend", backends())
def test_library_api_under_each_backend(backend: str) -> None:
    findings = analyze_model(asset("sandbox", "evil_exec.pkl"), backend=backend)
    assert findings and all(f.check == "sandbox" for f in findings)
    assert any("subprocess.run" in f.message for f in findings)
    assert (
        analyze_model(
            asset("sandbox", "benign.pkl"), backend=backend, policy=Policy(trace=TraceMode.FAST)
        )
        == []
    )


def test_missing_model_is_an_input_error(tmp_path: Path) -> None:
    result = run_cli("sandbox", "load", str(tmp_path / "nope.pt"))
    assert result.code == 2 and "not found" in result.stderr


@pytest.mark.skipif(importlib.util.find_spec("numpy") is None, reason="numpy is not installed")
def test_numpy_object_array_runs_its_pickle() -> None:
    code, doc = _load("evil_exec.npy")
    assert code == 1
    assert any(e["detail"] == "find_class subprocess.run" for e in _events(doc, "pickle.global"))
    assert any('"true", "--from-pickle"' in e["detail"] for e in _events(doc, "python.exec"))


def test_static_scan_runs_first_and_is_merged() -> None:
    from chainward.sandbox.dynamic import static_scan

    static = static_scan(asset("sandbox", "evil_exec.pkl"))
    result = run_cli("sandbox", "load", "--format", "json", str(asset("sandbox", "evil_exec.pkl")))
    assert result.code == 1
    checks = [f["check"] for f in result.json()["findings"]]
    assert "sandbox" in checks
    assert checks.count("models") == len([f for f in static if f.check == "models"])
