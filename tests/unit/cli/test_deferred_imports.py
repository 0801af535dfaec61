"""The command line's deferred standard-library modules (``chainward._internal.deferred``).

Each case runs in a fresh interpreter: deferring only happens before a module is
first imported, and the test process has imported everything long ago.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_deferred_module_works_fully_on_first_use() -> None:
    out = _python(
        """
        import sys
        from chainward._internal.deferred import defer
        defer(("inspect", "ipaddress"))
        import dataclasses, inspect, json, pathlib, urllib.parse
        assert "ast" not in sys.modules  # nothing has read an attribute yet

        @dataclasses.dataclass
        class NoDocstring:  # dataclasses writes its __doc__ with inspect.signature
            size: int

        from inspect import isfunction
        from ipaddress import ip_address
        held = inspect  # a reference taken while it was the placeholder
        print(json.dumps({
            "doc": NoDocstring.__doc__,
            "isfunction": isfunction(len),
            "same": sys.modules["inspect"].signature is held.signature,
            "host": urllib.parse.urlsplit("http://[::1]:8080/").hostname,
            "loopback": ip_address("127.0.0.1").is_loopback,
        }))
        """
    )
    assert json.loads(out) == {
        "doc": "NoDocstring(size: int)",
        "isfunction": False,
        "same": True,
        "host": "::1",
        "loopback": True,
    }


def test_modules_already_imported_are_left_alone() -> None:
    out = _python(
        """
        import inspect, sys
        from chainward._internal.deferred import defer
        defer(("inspect",))
        print(sys.modules["inspect"] is inspect)
        """
    )
    assert out.strip() == "True"


@pytest.mark.parametrize(
    "target",
    [
        next(p for p in sorted((ASSETS / "models" / "benign").rglob("*.pkl")) if p.is_file()),
        ASSETS / "models" / "benign" / "torch" / "state_dict.pt",
        ASSETS / "models" / "benign" / "safetensors" / "model.safetensors",
    ],
    ids=["pickle", "torch-zip", "safetensors"],
)
def test_a_model_scan_loads_none_of_the_modules_it_does_not_need(target: Path) -> None:
    out = _python(
        """
        import sys
        # typing, pathlib, dataclasses, the decompressors, importlib and the inventory
        # records are kept off this path too (start-up cost)
        names = (
            "inspect", "ast", "dis", "tokenize", "ipaddress", "typing", "pathlib",
            "urllib.parse", "dataclasses", "lzma", "bz2", "importlib",
            "chainward._inventory_records",
        )
        # some site set-ups (.pth files) import pathlib, and so ipaddress, at start-up
        at_start = {n for n in names if n in sys.modules}
        import contextlib, io, json
        sys.argv = ["chainward", "model", "scan", "--format", "json", sys.argv[1]]
        from chainward.__main__ import run
        with contextlib.redirect_stdout(io.StringIO()) as report:
            try:
                run()
            except SystemExit as exc:
                code = exc.code
        # a placeholder has no __file__ until its module is loaded
        loaded = [
            n for n in names
            if n not in at_start and n in sys.modules and "__file__" in vars(sys.modules[n])
        ]
        verdict = json.loads(report.getvalue())["summary"]["verdict"]
        print(json.dumps([code, verdict, loaded]))
        """,
        str(target),
    )
    assert json.loads(out) == [0, "safe", []]


def test_the_package_resolves_its_public_names_on_use() -> None:
    import chainward
    from chainward.errors import InputError
    from chainward.records import Severity

    assert chainward.Severity is Severity
    assert chainward.InputError is InputError
    assert set(chainward.__all__) <= {*dir(chainward), "__version__"}
