"""Ignore rules: ``--ignore ID`` and an ignore file with a reason and an expiry date.

The ignore file is TOML::

    [[ignore]]
    id = "PYSEC-2023-74"            # or any alias (CVE-..., GHSA-...)
    reason = "not reachable: we never follow redirects"
    expires = 2026-12-31            # optional; after this date the rule no longer applies
    package = "requests"            # optional; limit the rule to one package

An expired rule is reported (loudly) and not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chainward.errors import ConfigError
from chainward.records import canonical_name

MAX_IGNORE_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class IgnoreRule:
    id: str
    reason: str = ""
    expires: date | None = None
    package: str | None = None
    source: str = "--ignore"

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def applies(self, ids: frozenset[str], package: str) -> bool:
        if self.package is not None and canonical_name(self.package) != package:
            return False
        return self.id.upper() in {i.upper() for i in ids}

    def describe(self) -> str:
        text = self.id
        if self.package:
            text += f" ({self.package})"
        if self.reason:
            text += f": {self.reason}"
        return text


def _date(value: Any, path: Path, index: int) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ConfigError(
        f"ignore rule {index}: expires must be a date like 2026-12-31, got {value!r}",
        path=str(path),
    )


def load_ignore_file(path: Path) -> list[IgnoreRule]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        if path.stat().st_size > MAX_IGNORE_FILE_BYTES:
            raise ConfigError("ignore file larger than 1 MiB", path=str(path))
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read ignore file: {exc.strerror}", path=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"ignore file is not valid TOML: {exc}", path=str(path)) from None
    entries = data.get("ignore", [])
    if not isinstance(entries, list):
        raise ConfigError("expected [[ignore]] tables", path=str(path))
    rules = []
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ConfigError(f"ignore rule {index} is not a table", path=str(path))
        ident = entry.get("id")
        if not isinstance(ident, str) or not ident.strip():
            raise ConfigError(f"ignore rule {index} has no id", path=str(path))
        reason = entry.get("reason", "")
        package = entry.get("package")
        if not isinstance(reason, str) or (package is not None and not isinstance(package, str)):
            raise ConfigError(
                f"ignore rule {index}: reason and package are strings", path=str(path)
            )
        rules.append(
            IgnoreRule(
                id=ident.strip(),
                reason=reason.strip(),
                expires=_date(entry.get("expires"), path, index),
                package=package,
                source=str(path),
            )
        )
    return rules


__all__ = ["IgnoreRule", "load_ignore_file"]
