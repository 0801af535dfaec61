"""Regenerate the SBOMs the monitor tests upload (run from the repository root).

They are written by ``chainward sbom`` (cyclonedx-python-lib and spdx-tools underneath)
from ``project/requirements.txt``, a small service with known-vulnerable pins.

    python tests/assets/monitor/make_assets.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def main() -> None:
    for fmt, name in (("cyclonedx-json", "service.cdx.json"), ("spdx-json", "service.spdx.json")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "chainward",
                "sbom",
                "tests/assets/monitor/project",
                "--format",
                fmt,
                "-o",
                str(HERE / name),
            ],
            check=True,
            cwd=ROOT,
        )


if __name__ == "__main__":
    main()
