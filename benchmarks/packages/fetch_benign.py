"""Fetch the benign side of the archive benchmark into benchmarks/work/ (not committed).

Real sdists and wheels of the packages in benign_packages.txt, through pip's configured
index. Sdists are fetched with pip's finder and downloader without being built (the same
helper ``chainward pkg check --download`` uses), so no package code runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from chainward.packages.download import _FETCH_SDIST

HERE = Path(__file__).resolve().parent
WORK = HERE.parent / "work"


def main() -> int:
    sdists, wheels = WORK / "benign-sdist", WORK / "benign-wheel"
    sdists.mkdir(parents=True, exist_ok=True)
    wheels.mkdir(parents=True, exist_ok=True)
    for line in (HERE / "benign_packages.txt").read_text().splitlines():
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        if subprocess.run(
            [sys.executable, "-c", _FETCH_SDIST, name, str(sdists)],
            capture_output=True,
            check=False,
        ).returncode:
            print(f"no sdist: {name}", file=sys.stderr)
        if subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-d",
                str(wheels),
                name,
            ],
            capture_output=True,
            check=False,
        ).returncode:
            print(f"no wheel: {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
