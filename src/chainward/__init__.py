"""chainward: secure the supply chain of Python software and the ML models it loads.

The public API is what ``__all__`` lists; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

from chainward._internal.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
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

# resolved on first use, so that the command line can set up its imports first
_LAZY = {
    name: "chainward.errors" if name.endswith("Error") else "chainward.records"
    for name in __all__
    if name != "__version__"
}
__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
