"""Model integrity: hashes, OpenSSF model signing (OMS v1.0) signatures, model lock files.

Stages, each usable alone:

* hashing — :func:`hash_model` walks a model (symlinks followed only inside it,
  special files refused) and digests files and shards in parallel;
* signing — :func:`sign_model` with a :class:`KeySigner`, :class:`CertificateSigner`
  or :class:`SigstoreSigner` writes a Sigstore bundle holding a DSSE envelope over an
  in-toto statement;
* verification — :func:`verify_signature` with a policy (:class:`PublicKeyPolicy`,
  :class:`CertificatePolicy`, :class:`IdentityPolicy`, :class:`SigstorePolicy`,
  composed by :class:`AllOf` / :class:`AnyOf`) returns the verified manifest or raises
  :class:`VerificationError` naming every changed, missing and extra file;
* lock files — :func:`verify` (``chainward.integrity.verify(path, lock=...)``)
  refuses a model that drifted from ``chainward model lock``'s record, re-hashing
  only what changed since the last check;
* Hugging Face cache — :func:`check_cache` verifies blobs and snapshot links offline.

Names are imported on first use, so ``from chainward.integrity import verify`` before
loading a model costs only what the lock check needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chainward._internal.lazy import lazy_exports
from chainward.integrity.errors import IntegrityError, Problem, UnsafePathError, VerificationError
from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.lock import verify

if TYPE_CHECKING:
    from chainward.integrity.hfcache import check_cache
    from chainward.integrity.keyless import SigstorePolicy, SigstoreSigner
    from chainward.integrity.manifest import Manifest
    from chainward.integrity.policy import (
        AllOf,
        AnyOf,
        CertificatePolicy,
        IdentityPolicy,
        PublicKeyPolicy,
        UnsafeNoSignerCheck,
        VerificationPolicy,
    )
    from chainward.integrity.sign import CertificateSigner, KeySigner, sign_model
    from chainward.integrity.signature import verify_signature

_LAZY = {
    "check_cache": "chainward.integrity.hfcache",
    "SigstorePolicy": "chainward.integrity.keyless",
    "SigstoreSigner": "chainward.integrity.keyless",
    "Manifest": "chainward.integrity.manifest",
    "AllOf": "chainward.integrity.policy",
    "AnyOf": "chainward.integrity.policy",
    "CertificatePolicy": "chainward.integrity.policy",
    "IdentityPolicy": "chainward.integrity.policy",
    "PublicKeyPolicy": "chainward.integrity.policy",
    "UnsafeNoSignerCheck": "chainward.integrity.policy",
    "VerificationPolicy": "chainward.integrity.policy",
    "CertificateSigner": "chainward.integrity.sign",
    "KeySigner": "chainward.integrity.sign",
    "sign_model": "chainward.integrity.sign",
    "verify_signature": "chainward.integrity.signature",
}


def hash_model(
    path: Path,
    *,
    algorithm: HashAlgorithm = HashAlgorithm.SHA256,
    shard_size: int | None = None,
) -> Manifest:
    """The OMS manifest (file or shard digests and root digest) of a model."""
    from chainward.integrity.manifest import build_manifest

    return build_manifest(path, algorithm=algorithm, shard_size=shard_size)


__all__ = [
    "AllOf",
    "AnyOf",
    "CertificatePolicy",
    "CertificateSigner",
    "HashAlgorithm",
    "IdentityPolicy",
    "IntegrityError",
    "KeySigner",
    "Manifest",
    "Problem",
    "PublicKeyPolicy",
    "SigstorePolicy",
    "SigstoreSigner",
    "UnsafeNoSignerCheck",
    "UnsafePathError",
    "VerificationError",
    "VerificationPolicy",
    "check_cache",
    "hash_model",
    "sign_model",
    "verify",
    "verify_signature",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
