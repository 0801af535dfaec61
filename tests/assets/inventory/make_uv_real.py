"""Lock a small project with the real uv, offline, against a wheelhouse of tiny wheels.

Writes projects/uv-real/{pyproject.toml,uv.lock}: uv's own output (resolution, forks,
extras, optional dependencies and groups), not a hand-written sample. Needs uv on PATH
(pip install uv). Run: python tests/assets/inventory/make_uv_real.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.unit.inventory.wheels import wheelhouse  # noqa: E402

PYPROJECT = """\
[project]
name = "forecast-worker"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["cw-app[fast]>=1.0"]

[project.optional-dependencies]
tools = ["cw-tool>=0.5"]

[dependency-groups]
dev = ["cw-lib==1.0; python_version < '3.10'", "cw-base>=2"]
"""


def main() -> None:
    out = HERE / "projects" / "uv-real"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheelhouse(Path(tmp) / "wheels")
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text(PYPROJECT)
        subprocess.run(
            ["uv", "lock", "--no-index", "--find-links", "../wheels"],
            cwd=project,
            check=True,
            env={**os.environ, "UV_OFFLINE": "1"},
        )
        shutil.copy(project / "uv.lock", out / "uv.lock")
        shutil.copy(project / "pyproject.toml", out / "pyproject.toml")


if __name__ == "__main__":
    main()
