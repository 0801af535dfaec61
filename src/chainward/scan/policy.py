"""The project policy: ``chainward.toml`` or ``[tool.chainward]`` in pyproject.toml.

Example::

    fail-on = "high"                      # default threshold for every check

    [audit]
    fail-on = "medium"

    [models]
    forbid-formats = ["pickle", "pytorch"]  # or allow-formats = [...]
    require-lock = true                     # a model lock file must exist and match
    require-signature = false
    trusted-keys = ["keys/model-signing.pub"]
    trusted-identities = ["release@example.com"]   # certificate signers, checked against
    trusted-roots = ["keys/ca.pem"]                 # these CA certificates

    [[ignore]]
    id = "PYSEC-2023-74"
    package = "requests"                    # optional
    reason = "proxy auth is not used"
    expires = 2027-01-31

Unknown keys, bad types, a missing reason or expiry are ConfigErrors: a policy that
does not say what the user meant must not silently pass.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainward.errors import ConfigError
from chainward.records import Finding, Severity, canonical_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CHECKS = ("audit", "packages", "models", "integrity")
POLICY_FILE = "chainward.toml"


@dataclass(frozen=True)
class Ignore:
    """One accepted finding: which id (advisory or rule), why, and until when."""

    id: str
    reason: str
    expires: dt.date
    package: str | None = None

    def matches(self, finding: Finding, aliases: tuple[str, ...] = ()) -> bool:
        if self.package is not None and canonical_name(finding.subject) != self.package:
            return False
        return self.id == finding.rule or self.id in aliases

    def expired(self, today: dt.date) -> bool:
        return today > self.expires


@dataclass(frozen=True)
class ModelPolicy:
    allow_formats: frozenset[str] | None = None
    forbid_formats: frozenset[str] = frozenset()
    require_lock: bool = False
    require_signature: bool = False
    trusted_keys: tuple[Path, ...] = ()
    trusted_identities: tuple[str, ...] = ()
    trusted_roots: tuple[Path, ...] = ()

    def format_allowed(self, fmt: str) -> bool:
        if fmt in self.forbid_formats:
            return False
        return self.allow_formats is None or fmt in self.allow_formats


@dataclass(frozen=True)
class Policy:
    fail_on: Mapping[str, Severity] = field(
        default_factory=lambda: dict.fromkeys(CHECKS, Severity.LOW)
    )
    ignores: tuple[Ignore, ...] = ()
    models: ModelPolicy = ModelPolicy()
    source: str | None = None

    def threshold(self, check: str) -> Severity:
        return self.fail_on.get(check, Severity.LOW)


def _severity(value: Any, where: str) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a severity name, not {value!r}")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    return value


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"unknown key{'s' if len(unknown) > 1 else ''} in {where}: {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )


def _ignore(entry: Any, index: int, base: str) -> Ignore:
    where = f"{base}ignore[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    _check_keys(entry, {"id", "package", "reason", "expires"}, where)
    for key in ("id", "reason", "expires"):
        if key not in entry:
            raise ConfigError(f"{where} needs '{key}' (an ignore without {key} is not accepted)")
    if not isinstance(entry["id"], str) or not entry["id"].strip():
        raise ConfigError(f"{where}.id must be a non-empty string")
    if not isinstance(entry["reason"], str) or not entry["reason"].strip():
        raise ConfigError(f"{where}.reason must be a non-empty string")
    expires = entry["expires"]
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    elif isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise ConfigError(f"{where}.expires must be a date like 2027-01-31") from None
    if not isinstance(expires, dt.date):
        raise ConfigError(f"{where}.expires must be a date like 2027-01-31")
    package = entry.get("package")
    if package is not None and not isinstance(package, str):
        raise ConfigError(f"{where}.package must be a string")
    return Ignore(
        id=entry["id"].strip(),
        reason=entry["reason"].strip(),
        expires=expires,
        package=canonical_name(package) if package else None,
    )


def parse_policy(
    table: Mapping[str, Any], *, base_dir: Path, source: str, prefix: str = ""
) -> Policy:
    """Build a Policy from the TOML table (``prefix`` names it in messages)."""
    _check_keys(table, {"fail-on", "ignore", *CHECKS}, prefix.rstrip(".") or source)
    default = (
        _severity(table["fail-on"], f"{prefix}fail-on") if "fail-on" in table else Severity.LOW
    )
    fail_on = dict.fromkeys(CHECKS, default)
    models = ModelPolicy()
    for check in CHECKS:
        section = table.get(check)
        if section is None:
            continue
        where = f"{prefix}{check}"
        if not isinstance(section, dict):
            raise ConfigError(f"{where} must be a table")
        allowed = {"fail-on"}
        if check == "models":
            allowed |= {
                "allow-formats",
                "forbid-formats",
                "require-lock",
                "require-signature",
                "trusted-keys",
                "trusted-identities",
                "trusted-roots",
            }
        _check_keys(section, allowed, where)
        if "fail-on" in section:
            fail_on[check] = _severity(section["fail-on"], f"{where}.fail-on")
        if check == "models":
            allow = section.get("allow-formats")
            models = ModelPolicy(
                allow_formats=frozenset(_strings(allow, f"{where}.allow-formats"))
                if allow is not None
                else None,
                forbid_formats=frozenset(
                    _strings(section.get("forbid-formats", []), f"{where}.forbid-formats")
                ),
                require_lock=_bool(section.get("require-lock", False), f"{where}.require-lock"),
                require_signature=_bool(
                    section.get("require-signature", False), f"{where}.require-signature"
                ),
                trusted_keys=tuple(
                    (base_dir / p)
                    for p in _strings(section.get("trusted-keys", []), f"{where}.trusted-keys")
                ),
                trusted_identities=_strings(
                    section.get("trusted-identities", []), f"{where}.trusted-identities"
                ),
                trusted_roots=tuple(
                    (base_dir / p)
                    for p in _strings(section.get("trusted-roots", []), f"{where}.trusted-roots")
                ),
            )
            if bool(models.trusted_identities) != bool(models.trusted_roots):
                raise ConfigError(
                    f"{where}: trusted-identities and trusted-roots go together "
                    "(an identity is only meaningful under a trusted CA)"
                )
            if models.require_signature and not (models.trusted_keys or models.trusted_identities):
                raise ConfigError(
                    f"{where}.require-signature needs trusted-keys or trusted-identities"
                )
    raw_ignores = table.get("ignore", [])
    if not isinstance(raw_ignores, list):
        raise ConfigError(f"{prefix}ignore must be an array of tables ([[ignore]])")
    ignores = tuple(_ignore(entry, i, prefix) for i, entry in enumerate(raw_ignores))
    return Policy(fail_on=fail_on, ignores=ignores, models=models, source=source)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read policy: {exc.strerror}", path=str(path)) from None


def load_policy(project: Path, explicit: Path | None = None) -> Policy:
    """The policy for ``project``: ``explicit`` file, else chainward.toml, else pyproject's
    ``[tool.chainward]``, else the defaults."""
    base = project if project.is_dir() else project.parent
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError("policy file not found", path=str(explicit))
        data = _read_toml(explicit)
        if explicit.name == "pyproject.toml":
            data = data.get("tool", {}).get("chainward", {})
            return parse_policy(
                data, base_dir=explicit.parent, source=str(explicit), prefix="tool.chainward."
            )
        return parse_policy(data, base_dir=explicit.parent, source=str(explicit))
    candidate = base / POLICY_FILE
    if candidate.is_file():
        return parse_policy(_read_toml(candidate), base_dir=base, source=str(candidate))
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {})
        if isinstance(tool, dict) and "chainward" in tool:
            table = tool["chainward"]
            if not isinstance(table, dict):
                raise ConfigError("[tool.chainward] must be a table", path=str(pyproject))
            return parse_policy(
                table,
                base_dir=base,
                source=f"{pyproject} [tool.chainward]",
                prefix="tool.chainward.",
            )
    return Policy()


__all__ = ["CHECKS", "Ignore", "ModelPolicy", "Policy", "load_policy", "parse_policy"]
