"""One exception tree for chainward.

Every error a user can cause derives from :class:`ChainwardError`; ``cli.main``
catches it once, prints ``diagnostics()`` on one line and exits 2.
"""

from __future__ import annotations


class ChainwardError(Exception):
    """Base of every error chainward raises on purpose."""

    def diagnostics(self) -> str:
        """One line a user can act on."""
        text = str(self) or self.__class__.__name__
        return " ".join(text.split())


class InputError(ChainwardError, ValueError):
    """Unreadable or malformed input (a file, a manifest, an archive, an option).

    ``path`` and ``line`` point at the offending place when known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def diagnostics(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        return " ".join(f"{where}{self.message}".split())


class ConfigError(InputError):
    """An invalid policy, ignore file or option combination."""


class MissingDependencyError(ChainwardError):
    """An optional dependency is needed for this feature; the message names the extra."""

    def __init__(self, package: str, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the optional package {package!r}: "
            f"install it with  pip install 'chainward[{extra}]'"
        )


class NetworkError(ChainwardError):
    """A download or a server could not be reached or answered badly."""


__all__ = [
    "ChainwardError",
    "ConfigError",
    "InputError",
    "MissingDependencyError",
    "NetworkError",
]
