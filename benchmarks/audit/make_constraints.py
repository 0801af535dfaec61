"""Write a 572-pin constraints file from real package names and versions in the OSV data.

    python benchmarks/audit/make_constraints.py [../shared/osv/PyPI-all.zip] > constraints-572.txt

Deterministic: packages in name order, each pinned to the middle entry of the sorted
PEP 440 versions its records name (a real release, usually an affected one).
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import zipfile
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT.parent / "shared" / "osv" / "PyPI-all.zip"
COUNT = 572


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def versions_by_package(export: Path) -> dict[str, set[Version]]:
    found: dict[str, set[Version]] = {}
    with zipfile.ZipFile(export) as archive:
        for member in archive.namelist():
            record = json.loads(archive.read(member))
            for affected in record.get("affected", []):
                name = _norm(affected["package"]["name"])
                bucket = found.setdefault(name, set())
                candidates = list(affected.get("versions") or [])
                for rng in affected.get("ranges") or []:
                    if rng.get("type") != "GIT":
                        for event in rng.get("events", []):
                            candidates.extend(v for v in event.values() if v != "0")
                for text in candidates:
                    with contextlib.suppress(InvalidVersion):
                        bucket.add(Version(text))
    return {k: v for k, v in found.items() if v}


def main() -> int:
    export = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    packages = versions_by_package(export)
    names = sorted(packages)[:COUNT]
    if len(names) < COUNT:
        raise SystemExit(f"only {len(names)} packages with versions in {export}")
    for name in names:
        ordered = sorted(packages[name])
        sys.stdout.write(f"{name}=={ordered[len(ordered) // 2]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
