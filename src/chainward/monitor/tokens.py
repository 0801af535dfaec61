"""API tokens: random secrets shown once, stored only as SHA-256 digests, with a scope.

Tokens are 256-bit random values, so a plain SHA-256 digest is enough (no slow hash
is needed to resist guessing) and lets the server look a token up by its digest.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import insert, select, update

from chainward.monitor import schema
from chainward.monitor.db import Database

PREFIX = "cw_"


class Scope(str, enum.Enum):
    """What a token may do; each scope includes the ones below it."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"read": 0, "write": 1, "admin": 2}[self.value]

    def allows(self, needed: Scope) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    scope: Scope


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Database, scope: Scope, name: str = "") -> str:
    """Store a new token and return it (the only time its value is known)."""
    token = PREFIX + secrets.token_urlsafe(32)
    with db.write() as conn:
        conn.execute(
            insert(schema.api_tokens).values(
                name=name or f"{scope.value} token",
                token_hash=digest(token),
                scope=scope.value,
                created_at=datetime.now(timezone.utc),
                revoked=False,
            )
        )
    return token


def authenticate(db: Database, token: str) -> TokenInfo | None:
    """The token's record when ``token`` is valid and not revoked."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    with db.read() as conn:
        row = conn.execute(
            select(schema.api_tokens).where(schema.api_tokens.c.token_hash == digest(token))
        ).first()
    if row is None or row.revoked:
        return None
    return TokenInfo(id=row.id, name=row.name, scope=Scope(row.scope))


def revoke_token(db: Database, token_id: int) -> bool:
    with db.write() as conn:
        result = conn.execute(
            update(schema.api_tokens).where(schema.api_tokens.c.id == token_id).values(revoked=True)
        )
    return bool(result.rowcount)


__all__ = ["Scope", "TokenInfo", "authenticate", "create_token", "digest", "revoke_token"]
