"""Bounded, error-mapped file reading shared by every source."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from chainward.inventory.interface import InventoryError

# tomli's compiled wheels parse about three times faster than the standard library's
# pure-Python tomllib (same code, same errors); use it when it is installed.
try:
    import tomli as tomllib
except ImportError:  # pragma: no cover - depends on the environment
    if sys.version_info >= (3, 11):
        import tomllib  # type: ignore[no-redef]
    else:
        raise

# manifests and lock files are text; anything bigger is not one we should parse in memory
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


def display(path: Path) -> str:
    """The path as the user should see it in provenance and messages."""
    return str(path)


def read_bytes(path: Path, *, limit: int = MAX_MANIFEST_BYTES) -> bytes:
    """The file's bytes, or InventoryError for missing, special or oversized files."""
    try:
        if not path.is_file():
            what = "no such file" if not path.exists() else "not a regular file"
            raise InventoryError(what, path=display(path))
        size = path.stat().st_size
        if size > limit:
            raise InventoryError(
                f"file is too large to be a manifest ({size} bytes, limit {limit})",
                path=display(path),
            )
        return path.read_bytes()
    except OSError as exc:
        raise InventoryError(f"cannot read: {exc.strerror or exc}", path=display(path)) from None


def read_text(path: Path) -> str:
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InventoryError(f"not UTF-8 text (byte {exc.start})", path=display(path)) from None


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; malformed TOML becomes InventoryError with the line."""
    text = read_text(path)
    try:
        parsed: dict[str, Any] = tomllib.loads(text)
        return parsed
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        found = re.search(r"\(at line (\d+)", str(exc))
        if line is None and found:
            line = int(found.group(1))
        message = str(exc).split(" (at line")[0]
        raise InventoryError(f"malformed TOML: {message}", path=display(path), line=line) from None
    except RecursionError:
        raise InventoryError("malformed TOML: nested too deeply", path=display(path)) from None


def read_json(path: Path) -> Any:
    """Parse a JSON file; malformed JSON becomes InventoryError with the line."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(
            f"malformed JSON: {exc.msg}", path=display(path), line=exc.lineno
        ) from None
    except RecursionError:
        raise InventoryError("malformed JSON: nested too deeply", path=display(path)) from None


def expect(condition: bool, message: str, path: Path, line: int | None = None) -> None:
    """Raise InventoryError(message) unless ``condition``: schema checks on parsed files."""
    if not condition:
        raise InventoryError(message, path=display(path), line=line)


__all__ = ["display", "expect", "read_bytes", "read_json", "read_text", "read_toml", "tomllib"]
