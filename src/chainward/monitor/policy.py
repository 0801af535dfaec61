"""The server's policy: which new findings and uploads count as violations.

Kept small and declarative (stored as JSON in ``settings``): a severity threshold,
packages that must not be used, and whether a model file's hash may change between
uploads of the same project.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, select

from chainward.monitor import schema
from chainward.monitor.errors import UploadError
from chainward.records import Severity, canonical_name

KEY = "policy"


@dataclass(frozen=True)
class Policy:
    fail_on: str = "high"
    deny_packages: tuple[str, ...] = ()
    model_drift: bool = True

    @property
    def threshold(self) -> Severity:
        return Severity.parse(self.fail_on)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["deny_packages"] = list(self.deny_packages)
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Policy:
        if not isinstance(data, dict):
            raise UploadError("a policy is a JSON object")
        unknown = set(data) - {"fail_on", "deny_packages", "model_drift"}
        if unknown:
            raise UploadError(f"unknown policy keys: {', '.join(sorted(unknown))}")
        fail_on = data.get("fail_on", "high")
        deny = data.get("deny_packages", [])
        drift = data.get("model_drift", True)
        if not isinstance(fail_on, str):
            raise UploadError("'fail_on' must be a severity name")
        try:
            Severity.parse(fail_on)
        except ValueError as exc:
            raise UploadError(str(exc)) from None
        if not isinstance(deny, list) or not all(isinstance(d, str) for d in deny):
            raise UploadError("'deny_packages' must be a list of package names")
        if not isinstance(drift, bool):
            raise UploadError("'model_drift' must be true or false")
        return cls(fail_on.lower(), tuple(sorted({canonical_name(d) for d in deny})), drift)


def load(conn: Connection) -> Policy:
    row = conn.execute(select(schema.settings.c.value).where(schema.settings.c.key == KEY)).first()
    return Policy() if row is None else Policy.from_dict(row.value)


def save(conn: Connection, policy: Policy) -> None:
    table = schema.settings
    conn.execute(table.delete().where(table.c.key == KEY))
    conn.execute(table.insert().values(key=KEY, value=policy.as_dict()))


__all__ = ["Policy", "load", "save"]
