"""How old the advisory data may be before commands warn about it."""

from __future__ import annotations

import os
from typing import Any

from chainward.errors import ConfigError

DEFAULT_MAX_AGE_DAYS = 7


def resolve_max_age(value: int | None) -> int:
    if value is not None:
        return value
    raw = os.environ.get("CHAINWARD_DB_MAX_AGE")
    if raw is None or raw == "":
        return DEFAULT_MAX_AGE_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise ConfigError(f"CHAINWARD_DB_MAX_AGE must be a number of days, got {raw!r}") from None
    if days < 0:
        raise ConfigError("CHAINWARD_DB_MAX_AGE must not be negative")
    return days


def staleness_warning(meta: Any, max_age: int) -> str | None:
    from chainward.audit.auditor import data_age_days

    age = data_age_days(meta)
    if age is None:
        return "the advisory database is empty: run 'chainward db update' or 'chainward db import'"
    if age > max_age:
        return (
            f"advisory data is {age} days old (newest record {meta.newest_modified}, source: "
            f"{meta.source}); run 'chainward db update'"
        )
    return None


__all__ = ["DEFAULT_MAX_AGE_DAYS", "resolve_max_age", "staleness_warning"]
