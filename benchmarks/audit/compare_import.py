"""Does a change to the import path keep the built databases identical?

Builds the same databases with two versions of chainward and compares them table by
table (every row of every table, the schema text, the import statistics):

    python benchmarks/audit/compare_import.py --against HEAD       # working tree vs a commit
    python benchmarks/audit/compare_import.py --build DIR          # build with this checkout
    python benchmarks/audit/compare_import.py --diff DIR_A DIR_B   # compare two builds

Scenarios: ``full`` (``build_database`` of PyPI-all.zip), ``update`` (``full`` plus the
PyPI-update.zip overlay, as ``chainward db import`` applies it), ``snapshot`` (the
bundled snapshot, as a first run installs it), ``malformed`` (a directory of real
records, malformed ones, a record twice with a newer copy) built fresh and overlaid.
Only the import time stamps (``imports.at``, ``meta.last_update``) may differ.
Exit 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = Path(os.environ.get("CHAINWARD_SHARED", ROOT.parent / "shared"))
OSV_ALL = SHARED / "osv" / "PyPI-all.zip"
OSV_UPDATE = SHARED / "osv" / "PyPI-update.zip"
SCENARIOS = ("full", "update", "snapshot", "malformed", "malformed-overlay")
# Columns that hold the time of the import itself.
VOLATILE = {("imports", "at")}
VOLATILE_META = {"last_update"}


def _malformed_dir(target: Path) -> Path:
    """Real records (every 40th of the export), broken ones, and one id twice."""
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(OSV_ALL) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".json"))
        for name in [*names[::40], names[3]]:
            (target / name).write_bytes(archive.read(name))
        twin = json.loads(archive.read(names[3]))
    twin["modified"] = "2099-01-01T00:00:00Z"
    twin["summary"] = "a later copy of the same id"
    broken = {
        "zz-not-json.json": b"{not json",
        "zz-array.json": b"[1, 2]",
        "zz-no-id.json": b'{"modified": "2024-01-01T00:00:00Z"}',
        "zz-no-modified.json": b'{"id": "PYSEC-0000-1"}',
        "zz-aliases.json": b'{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "aliases": 3}',
        "zz-affected.json": b'{"id": "X-2", "modified": "2024-01-01T00:00:00Z", "affected": {}}',
        "zz-entry.json": b'{"id": "X-3", "modified": "2024-01-01T00:00:00Z", "affected": [1]}',
        "zz-package.json": (
            b'{"id": "X-4", "modified": "2024-01-01T00:00:00Z", '
            b'"affected": [{"package": {"ecosystem": "PyPI"}}]}'
        ),
        "zz-versions.json": (
            b'{"id": "X-5", "modified": "2024-01-01T00:00:00Z", "affected": '
            b'[{"package": {"ecosystem": "PyPI", "name": "a"}, "versions": "1.0"}]}'
        ),
        "zz-range.json": (
            b'{"id": "X-6", "modified": "2024-01-01T00:00:00Z", "affected": '
            b'[{"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [1]}]}'
        ),
        "zz-event.json": (
            b'{"id": "X-7", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": '
            b'{"ecosystem": "PyPI", "name": "a"}, "ranges": [{"type": "ECOSYSTEM", '
            b'"events": ["0"]}]}]}'
        ),
        "zz-odd.json": (
            b'{"id": "X-8", "modified": "2024-01-01T00:00:00Z", "summary": " odd\\u00e9 ", '
            b'"severity": [{"type": "CVSS_V3", "score": "junk"}], "affected": [{"package": '
            b'{"ecosystem": "PyPI", "name": "Odd_Name"}, "versions": ["1.0-beta", "v2", '
            b'"01.2", "", "1!2.0", "1.0+local", 7, "\\u00e9"], "ranges": [{"type": "ECOSYSTEM", '
            b'"events": [{"introduced": "0"}, {"limit": "*"}, {"fixed": "2.0.0"}, '
            b'{"last_affected": "bad version"}]}, {"type": "SEMVER", "events": '
            b'[{"introduced": "1.0.0"}, {"fixed": "1.2.0"}]}, {"type": "GIT", "events": '
            b'[{"introduced": "abc"}]}]}, {"package": {"ecosystem": "npm", "name": "Left"}, '
            b'"versions": ["1.0.0"]}, {"ranges": []}]}'
        ),
        "zz-twin.json": json.dumps(twin).encode(),
    }
    for name, data in broken.items():
        (target / name).write_bytes(data)
    return target


def _stats(stats: Any) -> dict[str, Any]:
    keys = ("seen", "added", "modified", "unchanged", "skipped", "problems")
    return {k: list(v) if isinstance(v, tuple) else v for k in keys for v in [getattr(stats, k)]}


def build(out: Path) -> None:
    """Build every scenario's database into ``out`` with the chainward on sys.path."""
    import chainward
    from chainward.vulndb import build_database, import_path
    from chainward.vulndb.loader import iter_entries
    from chainward.vulndb.snapshot import iter_snapshot
    from chainward.vulndb.store import SqliteAdvisoryStore

    out.mkdir(parents=True, exist_ok=True)
    stats: dict[str, Any] = {"chainward": str(Path(chainward.__file__).parent)}
    stats["full"] = _stats(build_database(out / "full.sqlite", iter_entries(OSV_ALL), source="s"))
    shutil.copyfile(out / "full.sqlite", out / "update.sqlite")
    with SqliteAdvisoryStore(out / "update.sqlite") as store:
        stats["update"] = _stats(import_path(store, OSV_UPDATE, label="u"))
    stats["snapshot"] = _stats(build_database(out / "snapshot.sqlite", iter_snapshot(), source="s"))
    with tempfile.TemporaryDirectory() as tmp:
        records = _malformed_dir(Path(tmp) / "records")
        stats["malformed"] = _stats(
            build_database(out / "malformed.sqlite", iter_entries(records), source="m")
        )
        shutil.copyfile(out / "full.sqlite", out / "malformed-overlay.sqlite")
        with SqliteAdvisoryStore(out / "malformed-overlay.sqlite") as store:
            stats["malformed-overlay"] = _stats(import_path(store, records, label="m"))
    (out / "stats.json").write_text(json.dumps(stats, indent=1), encoding="utf-8")


def _tables(conn: sqlite3.Connection) -> dict[str, str]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    return {f"{t}:{name}": f"{tbl}|{sql}" for t, name, tbl, sql in rows}


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    keep = [c for c in columns if (table, c) not in VOLATILE]
    rows = conn.execute(f"SELECT {', '.join(keep)} FROM {table}").fetchall()
    if table == "meta":
        rows = [r for r in rows if r[0] not in VOLATILE_META]
    return sorted(rows, key=repr)


def diff(a: Path, b: Path, *, verbose: bool = True) -> int:
    """Print the differences between two builds; the number of differing items."""
    problems = 0
    stats_a = json.loads((a / "stats.json").read_text(encoding="utf-8"))
    stats_b = json.loads((b / "stats.json").read_text(encoding="utf-8"))
    for scenario in SCENARIOS:
        if stats_a[scenario] != stats_b[scenario]:
            problems += 1
            print(
                f"{scenario}: import statistics differ: {stats_a[scenario]} / {stats_b[scenario]}"
            )
        ca = sqlite3.connect(f"file:{a / scenario}.sqlite?mode=ro", uri=True)
        cb = sqlite3.connect(f"file:{b / scenario}.sqlite?mode=ro", uri=True)
        try:
            schema_a, schema_b = _tables(ca), _tables(cb)
            if schema_a != schema_b:
                problems += 1
                print(
                    f"{scenario}: schema differs: {sorted(set(schema_a.items()) ^ set(schema_b.items()))}"
                )
            line = []
            for key in sorted(schema_a):
                kind, table = key.split(":", 1)
                if kind != "table":
                    continue
                ra, rb = _rows(ca, table), _rows(cb, table)
                if ra != rb:
                    problems += 1
                    only_a = [r for r in ra if r not in set(rb)][:3]
                    only_b = [r for r in rb if r not in set(ra)][:3]
                    print(f"{scenario}.{table}: {len(ra)} / {len(rb)} rows differ")
                    print(f"  only in A: {[repr(r)[:300] for r in only_a]}")
                    print(f"  only in B: {[repr(r)[:300] for r in only_b]}")
                line.append(f"{table} {len(ra)}")
            if verbose:
                print(
                    f"{scenario}: " + ", ".join(line) + f"; import {stats_b[scenario]['seen']} "
                    f"seen, {stats_b[scenario]['skipped']} skipped"
                )
        finally:
            ca.close()
            cb.close()
    return problems


def _build_in_subprocess(src: Path, out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(src))
    subprocess.run([sys.executable, __file__, "--build", str(out)], check=True, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--against", metavar="REV", help="compare the working tree with REV")
    group.add_argument("--build", metavar="DIR", type=Path)
    group.add_argument("--diff", nargs=2, metavar="DIR", type=Path)
    args = parser.parse_args()
    if args.build:
        build(args.build)
        return 0
    if args.diff:
        return 1 if diff(*args.diff) else 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.against, "src"],
            check=True,
            capture_output=True,
        ).stdout
        (work / "rev.tar").write_bytes(archive)
        with tarfile.open(work / "rev.tar") as tar:
            tar.extractall(work / "rev", filter="data")
        _build_in_subprocess(work / "rev" / "src", work / "a")
        _build_in_subprocess(ROOT / "src", work / "b")
        found = diff(work / "a", work / "b")
    print("identical" if not found else f"{found} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
