"""Verifying a model against an OMS signature: who signed it, and is it unchanged.

(Named ``signature`` so that ``chainward.integrity.verify`` stays the lock-file check.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chainward.integrity.errors import Problem, VerificationError
from chainward.integrity.manifest import Comparison, Manifest, compare
from chainward.integrity.oms import Bundle, parse_statement, read_bundle
from chainward.integrity.policy import VerificationPolicy
from chainward.integrity.walk import relative_ignore, walk_model


@dataclass(frozen=True)
class SignatureCheck:
    """Everything a signature check found; ``problems`` empty means valid."""

    model: Path
    signature: Path
    method: str
    bundle: Bundle
    manifest: Manifest | None
    comparison: Comparison | None
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def check_signature(
    model: Path,
    signature: Path,
    *,
    policy: VerificationPolicy,
    ignore_unsigned: bool = False,
    workers: int | None = None,
) -> SignatureCheck:
    """Run the whole check and collect problems instead of raising on them.

    The files are compared only when the signer is accepted: a statement nobody
    trusted says nothing about which files should be there.
    """
    bundle = read_bundle(signature)
    try:
        policy.verify(bundle)
    except VerificationError as exc:
        return SignatureCheck(model, signature, bundle.method, bundle, None, None, exc.problems)
    manifest = parse_statement(bundle.payload, bundle.payload_type)
    ignores = list(manifest.serialization.ignore_paths)
    if model.is_dir():
        inside = relative_ignore(model, signature)
        if inside is not None:
            ignores.append(inside)
    tree = walk_model(model, ignore=ignores)
    comparison = compare(manifest, tree, ignore_unsigned=ignore_unsigned, workers=workers)
    return SignatureCheck(
        model, signature, bundle.method, bundle, manifest, comparison, comparison.problems
    )


def verify_signature(
    model: Path,
    signature: Path,
    *,
    policy: VerificationPolicy,
    ignore_unsigned: bool = False,
    workers: int | None = None,
) -> Manifest:
    """Return the verified manifest, or raise VerificationError naming every problem."""
    result = check_signature(
        model, signature, policy=policy, ignore_unsigned=ignore_unsigned, workers=workers
    )
    if result.problems:
        raise VerificationError(result.problems)
    assert result.manifest is not None
    return result.manifest


__all__ = ["SignatureCheck", "check_signature", "verify_signature"]
