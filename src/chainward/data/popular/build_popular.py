"""Rebuild ``pypi-top.tsv`` from the shared popularity list.

Usage: python src/chainward/data/popular/build_popular.py ../shared/popular/pypi-top.tsv

The shared list is already sorted by rank and PEP 503 normalised; this script checks
both facts, drops nothing but duplicates, and writes ``name<TAB>rank`` with a header.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_NORMALIZE = re.compile(r"[-_.]+")


def build(source: Path, target: Path) -> int:
    seen: dict[str, int] = {}
    lines = source.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        if not line.strip():
            continue
        name, rank_text = line.split("\t")
        name = _NORMALIZE.sub("-", name).lower()
        rank = int(rank_text)
        if name not in seen or rank < seen[name]:
            seen[name] = rank
    rows = sorted(seen.items(), key=lambda item: (item[1], item[0]))
    body = "".join(f"{name}\t{rank}\n" for name, rank in rows)
    target.write_text("name\trank\n" + body, encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    source = Path(sys.argv[1])
    count = build(source, Path(__file__).with_name("pypi-top.tsv"))
    sys.stderr.write(f"wrote {count} names\n")
