"""Shared bits of the sandbox integration tests: which backends work here."""

from __future__ import annotations

import pytest

from chainward.sandbox.backends import available
from chainward.sandbox.capabilities import detect


def backends() -> list[object]:
    """One pytest param per backend, skipped with the reason when it cannot run here."""
    status = available(detect())
    return [
        pytest.param(name, marks=pytest.mark.skipif(reason is not None, reason=str(reason)))
        for name, reason in status.items()
    ]


def needs_sandbox() -> pytest.MarkDecorator:
    status = available(detect())
    return pytest.mark.skipif(
        all(r is not None for r in status.values()),
        reason="no sandbox backend works here: " + str(status),
    )
