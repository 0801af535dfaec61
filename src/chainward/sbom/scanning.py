"""Model-scanner verdicts for ``chainward sbom --scan-models`` (static scan, nothing loaded)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from chainward.errors import ChainwardError
from chainward.records import ModelArtifact


def model_verdicts(models: Sequence[ModelArtifact]) -> dict[str, str]:
    """Inventory path -> verdict ("safe", "suspicious", "unsafe" or "error") per model file."""
    from chainward.models import scan

    verdicts: dict[str, str] = {}
    for model in models:
        try:
            verdicts[model.path] = scan(Path(model.path)).verdict.value
        except ChainwardError:
            verdicts[model.path] = "error"
    return verdicts


__all__ = ["model_verdicts"]
