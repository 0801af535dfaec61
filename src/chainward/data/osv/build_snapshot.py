"""Build chainward's bundled advisory snapshot from an OSV PyPI export.

Usage (from the repository root)::

    python src/chainward/data/osv/build_snapshot.py ../shared/osv/PyPI-all.zip

Writes ``advisories.jsonl.xz`` (one compact OSV record per line, sorted by id, xz
compressed) and ``SOURCE.json`` beside this script. The output is deterministic: the same
export always gives the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(export: Path, out_dir: Path = HERE) -> dict[str, object]:
    records: dict[str, bytes] = {}
    newest = ""
    with zipfile.ZipFile(export) as archive:
        for name in sorted(archive.namelist()):
            if not name.endswith(".json"):
                continue
            record = json.loads(archive.read(name))
            records[record["id"]] = json.dumps(
                record, separators=(",", ":"), ensure_ascii=False, sort_keys=True
            ).encode("utf-8")
            newest = max(newest, str(record.get("modified", "")))
    payload = b"".join(records[k] + b"\n" for k in sorted(records))
    compressed = lzma.compress(payload, preset=9 | lzma.PRESET_EXTREME)
    (out_dir / "advisories.jsonl.xz").write_bytes(compressed)
    info: dict[str, object] = {
        "origin": export.name,
        "origin_sha256": hashlib.sha256(export.read_bytes()).hexdigest(),
        "records": len(records),
        "newest_modified": newest,
        "format": "OSV JSON, one record per line, xz",
        "licence": "CC-BY-4.0 (PYSEC, GHSA); see SOURCE.md for MAL records",
    }
    (out_dir / "SOURCE.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, help="an OSV per-ecosystem all.zip for PyPI")
    parser.add_argument("--out-dir", type=Path, default=HERE)
    args = parser.parse_args(argv)
    info = build(args.export, args.out_dir)
    sys.stderr.write(json.dumps(info) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
