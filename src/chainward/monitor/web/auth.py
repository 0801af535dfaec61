"""Who is calling: a bearer token (API) or the dashboard's session cookie, and its scope."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chainward.monitor.tokens import Scope, TokenInfo, authenticate

COOKIE = "chainward_token"
bearer = HTTPBearer(
    auto_error=False, description="An API token from `chainward monitor token create`."
)


def _monitor_db(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.monitor.db


def require(needed: Scope) -> Callable[..., TokenInfo]:
    """A dependency that admits a valid token whose scope includes ``needed``."""

    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> TokenInfo:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                401,
                "authentication required: send 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        info = authenticate(_monitor_db(request), credentials.credentials)
        if info is None:
            raise HTTPException(
                401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"}
            )
        if not info.scope.allows(needed):
            raise HTTPException(403, f"this endpoint needs a token with the {needed.value!r} scope")
        return info

    return dependency


def from_cookie(request: Request) -> TokenInfo | None:
    token = request.cookies.get(COOKIE)
    return authenticate(_monitor_db(request), token) if token else None


__all__ = ["COOKIE", "bearer", "from_cookie", "require"]
