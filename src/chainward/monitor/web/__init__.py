"""The monitoring server: the JSON API (``api``), the dashboard (``dashboard``), the app."""

from chainward.monitor.web.app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]
