"""A small HTTP client for the monitoring server (what ``chainward monitor`` uses)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import httpx

from chainward.errors import ConfigError, InputError, NetworkError

DEFAULT_SERVER = "http://127.0.0.1:8000"


class MonitorClient:
    """Talks to ``/api/v1`` with a bearer token; server errors become chainward errors."""

    def __init__(
        self, server: str | None = None, token: str | None = None, *, timeout: float = 300.0
    ) -> None:
        self.server = (server or os.environ.get("CHAINWARD_SERVER") or DEFAULT_SERVER).rstrip("/")
        self.token = token or os.environ.get("CHAINWARD_TOKEN")
        if not self.server.startswith(("http://", "https://")):
            raise ConfigError(f"the server must be an http(s) URL: {self.server!r}")
        if not self.token:
            raise ConfigError(
                "no API token: pass --token or set CHAINWARD_TOKEN "
                "(create one with 'chainward monitor token create')"
            )
        self._client = httpx.Client(
            base_url=self.server + "/api/v1",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=httpx.Timeout(timeout, connect=10.0),
            trust_env=False,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> MonitorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            detail = " ".join(str(exc).split()) or exc.__class__.__name__
            raise NetworkError(
                f"cannot reach the monitoring server at {self.server}: {detail}"
            ) from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            message = f"server answered {response.status_code}: {str(detail)[:500]}"
            if 400 <= response.status_code < 500 and response.status_code not in (401, 403, 404):
                raise InputError(message)
            if response.status_code >= 500:
                raise NetworkError(message)
            raise (
                ConfigError(message) if response.status_code in (401, 403) else InputError(message)
            )
        return response.json()

    def upload(self, project: str, version: str, body: bytes) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST",
            "/sboms",
            params={"project": project, "version": version},
            content=body,
            headers={"Content-Type": "application/json"},
        )
        return result

    def status(self, project: str, version: str | None = None) -> dict[str, Any]:
        params = {"version": version} if version else {}
        result: dict[str, Any] = self.request(
            "GET", f"/projects/{quote(project, safe='')}/status", params=params
        )
        return result

    def add_webhook(
        self, url: str, secret: str | None, fmt: str, events: list[str] | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"url": url, "secret": secret, "format": fmt}
        if events:
            body["events"] = events
        result: dict[str, Any] = self.request("POST", "/webhooks", json=body)
        return result

    def sync(
        self, *, data: bytes | None = None, url: str | None = None, label: str | None = None
    ) -> dict[str, Any]:
        if url is not None:
            result: dict[str, Any] = self.request("POST", "/sync", json={"url": url})
        elif data is not None:
            kind = "application/json" if data.lstrip()[:1] == b"{" else "application/zip"
            headers = {"Content-Type": kind}
            if label and label.isascii() and label.isprintable():
                headers["X-Chainward-Source"] = label
            result = self.request("POST", "/sync", content=data, headers=headers)
        else:
            result = self.request("POST", "/sync")
        return result


__all__ = ["DEFAULT_SERVER", "MonitorClient"]
