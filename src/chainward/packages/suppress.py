"""Reviewed findings that CI may ignore: an allow-list that can never be a path pattern.

Each entry names the package, the version *or* the archive's sha256, the rule and the
exact file the finding points at (``file`` may be left out only for findings that have
no file, such as ``typosquat``). Globs are refused: payloads hide in ``tests/``.

    [[allow]]
    package = "example"
    version = "1.2.0"            # or: sha256 = "<64 hex digits>"
    rule = "install-network"
    file = "setup.py"
    reason = "downloads its own test data; reviewed 2026-11-26"
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from chainward.errors import ConfigError
from chainward.records import Finding, canonical_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_GLOB = re.compile(r"[*?\[\]]")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Allow:
    package: str
    rule: str
    file: str | None
    version: str | None = None
    sha256: str | None = None
    reason: str = ""

    def matches(
        self, item: Finding, package: str | None, version: str | None, sha256: str | None
    ) -> bool:
        if package is None or canonical_name(package) != self.package or item.rule != self.rule:
            return False
        if self.version is not None and self.version != version:
            return False
        if self.sha256 is not None and self.sha256 != sha256:
            return False
        path = item.location.path if item.location is not None else None
        return path == self.file


def load_allowlist(path: Path) -> list[Allow]:
    """Read and validate an allow-list file; every problem is a :class:`ConfigError`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read allow-list: {exc.strerror}", path=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None
    entries = data.get("allow", [])
    if not isinstance(entries, list):
        raise ConfigError("'allow' must be an array of tables", path=str(path))
    out = []
    for number, entry in enumerate(entries, 1):
        where = f"allow entry {number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} is not a table", path=str(path))
        unknown = set(entry) - {"package", "version", "sha256", "rule", "file", "reason"}
        if unknown:
            raise ConfigError(f"{where}: unknown keys {sorted(unknown)}", path=str(path))
        package, rule = entry.get("package"), entry.get("rule")
        if not isinstance(package, str) or not package:
            raise ConfigError(f"{where}: 'package' is required", path=str(path))
        if not isinstance(rule, str) or not rule:
            raise ConfigError(f"{where}: 'rule' is required", path=str(path))
        version, sha256 = entry.get("version"), entry.get("sha256")
        if version is None and sha256 is None:
            raise ConfigError(
                f"{where}: give 'version' or 'sha256' (the archive hash)", path=str(path)
            )
        if sha256 is not None and (not isinstance(sha256, str) or not _SHA256.match(sha256)):
            raise ConfigError(f"{where}: 'sha256' must be 64 lower-case hex digits", path=str(path))
        if version is not None and not isinstance(version, str):
            raise ConfigError(f"{where}: 'version' must be a string", path=str(path))
        file = entry.get("file")
        if file is not None and (not isinstance(file, str) or not file or _GLOB.search(file)):
            raise ConfigError(
                f"{where}: 'file' must be one exact path, not a pattern", path=str(path)
            )
        reason = entry.get("reason", "")
        out.append(Allow(canonical_name(package), rule, file, version, sha256, str(reason)))
    return out


__all__ = ["Allow", "load_allowlist"]
