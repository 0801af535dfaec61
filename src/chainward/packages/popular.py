"""The bundled popularity list (``chainward/data/popular/pypi-top.tsv``), loaded once.

See ``data/popular/SOURCE.md`` for where it comes from and how to rebuild it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from chainward.records import canonical_name

POPULAR_LIST = Path(__file__).resolve().parent.parent / "data" / "popular" / "pypi-top.tsv"


@functools.lru_cache(maxsize=4)
def load_popular(path: Path = POPULAR_LIST) -> Mapping[str, int]:
    """Normalised name -> download rank (1 = most downloaded)."""
    ranks: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        next(handle, None)
        for line in handle:
            name, _, rank = line.rstrip("\n").partition("\t")
            if name and rank.isdigit():
                ranks.setdefault(canonical_name(name), int(rank))
    return ranks


__all__ = ["POPULAR_LIST", "load_popular"]
