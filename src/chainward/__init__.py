"""chainward: secure the supply chain of Python software and the ML models it loads.

The public API is what ``__all__`` lists; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

from chainward.errors import ChainwardError, InputError
from chainward.records import (
    Component,
    Finding,
    Inventory,
    ModelArtifact,
    PackageVerdict,
    Scope,
    Severity,
    Skipped,
    Verdict,
)

__all__ = [
    "ChainwardError",
    "Component",
    "Finding",
    "InputError",
    "Inventory",
    "ModelArtifact",
    "PackageVerdict",
    "Scope",
    "Severity",
    "Skipped",
    "Verdict",
    "__version__",
]
