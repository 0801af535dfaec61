"""Helpers for chainward's own plumbing (start-up, command-line fast paths)."""

from __future__ import annotations

import sys
from types import ModuleType


def import_module(name: str) -> ModuleType:
    """:func:`importlib.import_module` for an absolute name, without importing importlib
    (with the ``warnings`` module it pulls in) at start-up."""
    __import__(name)
    return sys.modules[name]


__all__ = ["import_module"]
