"""The advisory snapshot bundled with chainward (``chainward/data/osv/``).

``advisories.jsonl.xz`` holds one OSV record per line, built from OSV's PyPI export by
``chainward/data/osv/build_snapshot.py``; ``SOURCE.md`` names its origin and licences.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from chainward.vulndb.interface import VulnDBError
from chainward.vulndb.loader import Entry

SNAPSHOT_NAME = "advisories.jsonl.xz"
SNAPSHOT_SOURCE = "bundled snapshot"


def snapshot_path() -> Path:
    from importlib import resources  # only needed when installing the snapshot

    return Path(str(resources.files("chainward") / "data" / "osv" / SNAPSHOT_NAME))


def snapshot_info() -> dict[str, str]:
    """The ``SOURCE.json`` facts about the bundled snapshot (empty when absent)."""
    info = snapshot_path().with_name("SOURCE.json")
    try:
        data = json.loads(info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def iter_snapshot(path: Path | None = None) -> Iterator[Entry]:
    import lzma  # imported on use: only a first run installs the snapshot

    path = path or snapshot_path()
    try:
        with lzma.open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                line = line.strip()
                if line:
                    yield f"{path.name}:{number}", line
    except (OSError, lzma.LZMAError, EOFError) as exc:
        raise VulnDBError(f"the bundled advisory snapshot is unreadable: {exc}") from None


__all__ = ["SNAPSHOT_NAME", "SNAPSHOT_SOURCE", "iter_snapshot", "snapshot_info", "snapshot_path"]
