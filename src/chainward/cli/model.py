"""``chainward model``: scanning (cli/model_scan.py) and integrity (cli/model_integrity.py)."""

from __future__ import annotations

import click

from chainward.cli import LazyGroup

MODEL_COMMANDS: dict[str, tuple[str, str]] = {
    "scan": ("chainward.cli.model_scan:scan", "scan model files for code execution"),
    "hash": ("chainward.cli.model_integrity:hash_command", "hash a model file or folder"),
    "sign": ("chainward.cli.model_integrity:sign", "sign a model (OpenSSF model signing)"),
    "verify": ("chainward.cli.model_integrity:verify", "verify a signature or a lock file"),
    "lock": ("chainward.cli.model_integrity:lock", "write a model lock file"),
}


@click.group(cls=LazyGroup, lazy=MODEL_COMMANDS)
def model() -> None:
    """Scan, hash, sign, verify and lock model files."""
