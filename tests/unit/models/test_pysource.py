"""Python modules inside torch.package archives: dangerous calls found statically."""

from __future__ import annotations

import zipfile

from chainward.models.pysource import analyze_python
from chainward.records import Severity
from tests.conftest import asset

PACKAGES = asset("models") / "formats2"


def _calls(src: str) -> list[str]:
    return [
        i.message.split(" uses ")[1].split(" ")[0]
        for i in analyze_python(src)
        if i.severity is Severity.HIGH
    ]


def test_ordinary_model_code_is_quiet() -> None:
    with zipfile.ZipFile(PACKAGES / "benign/torch_package/net.package.pt") as z:
        (name,) = [n for n in z.namelist() if n.endswith("tinynet/net.py")]
        assert analyze_python(z.read(name).decode()) == []
    src = "import os\nimport numpy as np\nimport torch\np = os.path.join('a', 'b')\n"
    src += "m = torch.compile\nwith open(p) as fh:\n    vocab = fh.read()\n"
    assert analyze_python(src) == []


def test_aliases_and_every_spelling() -> None:
    src = """
import subprocess as sp
import os, posix
from os import system as run_it
from builtins import exec as ex
import urllib.request
def hook():
    sp.Popen(["true"])
    os.spawnlp(0, "true", "true")
    posix.system("true")
run_it("true")
ex("pass")
eval("1")
urllib.request.urlopen("http://127.0.0.1/")
"""
    assert sorted(_calls(src)) == sorted(
        [
            "subprocess.Popen",
            "os.spawnlp",
            "posix.system",
            "os.system",
            "builtins.exec",
            "builtins.eval",
            "urllib.request.urlopen",
        ]
    )
    rules = {i.rule for i in analyze_python(src)}
    assert "python-source-import" in rules  # import subprocess / urllib.request for review


def test_unparsable_source_is_review() -> None:
    (issue,) = analyze_python("def broken(:\n")
    assert issue.rule == "python-source-unparsed" and issue.severity is Severity.MEDIUM


def test_large_sources_are_searched_as_text() -> None:
    filler = "x = 1\n" * 120_000
    assert analyze_python(filler + "import os\nos.path.join('a')\n") == []
    (issue,) = analyze_python(filler + "import subprocess\nsubprocess.run(['true'])\n")
    assert issue.severity is Severity.HIGH and "subprocess.run" in issue.message
