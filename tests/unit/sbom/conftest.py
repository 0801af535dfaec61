from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from chainward.records import Component, Inventory, ModelArtifact, Provenance, Scope
from tests.conftest import asset


def _artifact(path: Path, fmt: str) -> ModelArtifact:
    data = path.read_bytes()
    return ModelArtifact(str(path), fmt, len(data), hashlib.sha256(data).hexdigest())


@pytest.fixture
def sample_inventory() -> Inventory:
    """A small inventory as the inventory engineer's sources build it."""
    req = Provenance("requirements.txt", 1)
    models = asset("sbom", "project", "models")
    return Inventory(
        components=(
            Component(
                "requests",
                "2.31.0",
                purl="pkg:pypi/requests@2.31.0",
                source=req,
                requires=("urllib3", "idna", "charset-normalizer"),
                hashes=(
                    ("sha256", "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"),
                ),
                licenses=("Apache-2.0",),
                author="Kenneth Reitz",
            ),
            Component(
                "urllib3",
                "2.2.1",
                scope=Scope.TRANSITIVE,
                path=("requests",),
                licenses=("License :: OSI Approved :: MIT License",),
            ),
            Component("idna", "3.6", scope=Scope.TRANSITIVE, path=("requests",)),
            Component("charset-normalizer", "3.3.2", scope=Scope.TRANSITIVE, path=("requests",)),
            Component("numpy", "1.26.4", source=req, licenses=("BSD-3-Clause",)),
            Component("pytest", "8.0.0", scope=Scope.DEV, groups=("dev",)),
        ),
        models=(
            _artifact(models / "embeddings.npy", "numpy"),
            _artifact(models / "sentiment" / "model.safetensors", "safetensors"),
        ),
    )
