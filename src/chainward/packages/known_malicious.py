"""Known-malicious packages from the advisory database (OSV ``MAL-`` records).

The advisory database belongs to :mod:`chainward.vulndb`; it is imported lazily so that
name and archive checks work even where the database cannot be opened (the check is
then reported as skipped, never silently passed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chainward.errors import ChainwardError
from chainward.packages.rules import finding
from chainward.records import Finding


class KnownMalicious:
    """Lazy access to the advisory store; ``unavailable`` says why when it cannot be used."""

    def __init__(self, db_path: Path | None = None) -> None:
        self.db_path = db_path
        self._store: Any = None
        self.unavailable: str | None = None

    def _open(self) -> Any:
        if self._store is None and self.unavailable is None:
            try:
                from chainward.vulndb import open_store

                self._store = open_store(self.db_path)
            except (ImportError, ChainwardError, OSError) as exc:
                self.unavailable = f"advisory database unavailable: {exc}"
        return self._store

    def findings(self, name: str, version: str | None) -> list[Finding]:
        store = self._open()
        if store is None:
            return []
        try:
            from chainward.vulndb.malicious import lookup

            matches = lookup(store, name, version)
        except (ImportError, ChainwardError, OSError) as exc:
            self.unavailable = f"advisory database unavailable: {exc}"
            return []
        out = []
        for match in matches:
            versions = ", ".join(match.versions) or "*"
            out.append(
                finding(
                    "known-malicious",
                    f"{match.id}: {match.summary or 'malicious package'} (versions: {versions})",
                    subject=name,
                    advisory=match.id,
                    versions=list(match.versions),
                )
            )
        return out


__all__ = ["KnownMalicious"]
