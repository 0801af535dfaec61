"""Errors of the monitoring server and its client."""

from __future__ import annotations

from chainward.errors import ChainwardError, InputError


class MonitorError(ChainwardError):
    """The monitoring server or its database failed."""


class UploadError(InputError):
    """An uploaded SBOM, inventory or advisory file is malformed."""


class NotFoundError(MonitorError):
    """A project, version or object does not exist."""


__all__ = ["MonitorError", "NotFoundError", "UploadError"]
