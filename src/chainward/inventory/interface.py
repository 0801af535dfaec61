"""The inventory interface: every input source yields the same records."""

from __future__ import annotations

from abc import ABC, abstractmethod

from chainward.errors import InputError
from chainward.records import Inventory


class InventoryError(InputError):
    """A manifest, lock file, environment or SBOM could not be read."""


class Source(ABC):
    """One input source (a requirements file, a lock file, an environment, an SBOM...)."""

    @abstractmethod
    def collect(self) -> Inventory:
        """Read the source; raise InventoryError on malformed input."""


__all__ = ["InventoryError", "Source"]
