"""Speed guards that hold on any machine: what an audit of plain pins imports.

Wall-clock limits would be flaky on a shared CI runner; the imports (each of the heavy
ones costs tens of milliseconds of a ~0.2 s process) are exact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, asset

HEAVY = (
    "pip_requirements_parser",  # pulls urllib.request, email, certifi, optparse
    "packaging.markers",
    "packaging.specifiers",
    "packaging.version",
    "packageurl",
    "urllib.request",
)

SNIPPET = """
import json, sys
from chainward.cli import main
code = main(["-q", "audit", "-r", sys.argv[1], "--db", sys.argv[2], "-f", "json"])
with open(sys.argv[3], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def _audit_modules(requirements: Path, db: Path, tmp_path: Path) -> set[str]:
    report = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", SNIPPET, str(requirements), str(db), str(report)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(report.read_text())
    assert result["code"] == 1  # findings: the audit really ran
    assert json.loads(proc.stdout)["summary"]["vulnerabilities"] > 0
    return set(result["modules"])


def test_a_plain_pinned_file_is_audited_without_heavy_imports(
    osv_db_file: Path, tmp_path: Path
) -> None:
    modules = _audit_modules(asset("audit", "constraints-572.txt"), osv_db_file, tmp_path)
    assert not [m for m in HEAVY if m in modules]


def test_other_files_still_use_pip_requirements_parser(osv_db_file: Path, tmp_path: Path) -> None:
    (tmp_path / "pins.txt").write_text("jinja2==2.10\n")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("-r pins.txt\n")
    modules = _audit_modules(requirements, osv_db_file, tmp_path)
    assert "pip_requirements_parser" in modules
