"""A small sentiment-classifier service: the example project chainward scans.

It loads its weights from models/; one of the two model files there is a
pickle that runs a command when loaded (an inert `true`), the kind of file
that gets into projects when someone downloads a "legacy" checkpoint.
"""

from __future__ import annotations

from pathlib import Path

MODELS = Path(__file__).parent / "models"


def load_weights() -> dict[str, object]:
    from safetensors.numpy import load_file

    return dict(load_file(MODELS / "sentiment-classifier.safetensors"))
