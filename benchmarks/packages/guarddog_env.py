"""A GuardDog cache directory that keeps GuardDog offline and on our reference list.

GuardDog refreshes its top-package lists over the internet when its cache is older than
30 days. Benchmarks must not leave the machine, so this writes fresh copies of its cache
files (timestamp = now) into a temporary directory and points
GUARDDOG_TOP_PACKAGES_CACHE_LOCATION at it; the PyPI list is replaced by chainward's own
popularity list so both tools compare names against the same reference.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from chainward.packages.popular import load_popular


def guarddog_env(guarddog_python: str, ranks: dict[str, int] | None = None) -> dict[str, str]:
    source = Path(
        subprocess.run(
            [
                guarddog_python,
                "-c",
                "import guarddog, os; print(os.path.join(os.path.dirname(guarddog.__file__),"
                " 'analyzer', 'metadata', 'resources'))",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    target = Path(tempfile.mkdtemp(prefix="guarddog-cache-"))
    for item in source.iterdir():
        if item.suffix != ".json":
            shutil.copy(item, target / item.name)
            continue
        data = json.loads(item.read_text())
        if isinstance(data, dict):
            data["downloaded_timestamp"] = int(time.time())
        if item.name == "top_pypi_packages.json":
            table = ranks or dict(load_popular())
            names = sorted(table, key=lambda n: table[n])
            data = {"downloaded_timestamp": int(time.time()), "packages": names}
        (target / item.name).write_text(json.dumps(data))
    return {**os.environ, "GUARDDOG_TOP_PACKAGES_CACHE_LOCATION": str(target)}
