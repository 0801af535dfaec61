"""Signing a model in the OMS format, with a private key or a key and certificate chain."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509

from chainward.integrity import certs
from chainward.integrity._files import write_atomic
from chainward.integrity.errors import IntegrityError
from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.keys import PrivateKey, key_hint, same_key, sign_bytes
from chainward.integrity.manifest import SPEC, Manifest, build_manifest
from chainward.integrity.oms import encode_payload, make_bundle, pae
from chainward.integrity.walk import relative_ignore


class Signer(Protocol):
    """Signs the DSSE PAE and describes itself in the bundle."""

    method: str

    def sign(self, payload: bytes) -> dict[str, Any]:
        """The complete bundle for ``payload``."""
        ...


class KeySigner:
    """OMS key method: the bundle carries only the key hint."""

    method = "key"

    def __init__(self, *, private_key: PrivateKey) -> None:
        self.private_key = private_key

    def sign(self, payload: bytes) -> dict[str, Any]:
        signature = sign_bytes(self.private_key, pae(payload))
        return make_bundle(payload, signature, key_hint=key_hint(self.private_key.public_key()))


class CertificateSigner:
    """OMS certificate method: leaf certificate plus chain in the bundle.

    Refuses a certificate that does not match the key, is outside its validity
    period at ``at`` (default now), or is not usable for signing.
    """

    method = "certificate"

    def __init__(
        self,
        *,
        private_key: PrivateKey,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
        at: dt.datetime | None = None,
    ) -> None:
        public = certificate.public_key()
        if not same_key(private_key.public_key(), public):  # type: ignore[arg-type]
            raise IntegrityError("the signing certificate does not belong to the private key")
        certs.check_chain_for_signing(certificate, chain, at=at or dt.datetime.now(dt.timezone.utc))
        self.private_key = private_key
        self.certificates = (certs.der(certificate), *(certs.der(c) for c in chain))

    def sign(self, payload: bytes) -> dict[str, Any]:
        signature = sign_bytes(self.private_key, pae(payload))
        return make_bundle(payload, signature, certificates=self.certificates)


@dataclass(frozen=True)
class SignResult:
    model: Path
    signature: Path
    method: str
    manifest: Manifest


def sign_model(
    model: Path,
    *,
    signer: Signer,
    signature: Path,
    algorithm: HashAlgorithm = HashAlgorithm.SHA256,
    shard_size: int | None = None,
    ignore: Iterable[str] = (),
    flavour: str = SPEC,
    workers: int | None = None,
) -> SignResult:
    """Hash ``model``, sign its OMS statement and write the bundle to ``signature``."""
    ignores = list(ignore)
    inside = relative_ignore(model, signature) if model.is_dir() else None
    if inside is not None:
        ignores.append(inside)
    manifest = build_manifest(
        model,
        algorithm=algorithm,
        shard_size=shard_size,
        ignore=ignores,
        flavour=flavour,
        workers=workers,
    )
    bundle = signer.sign(encode_payload(manifest))
    write_atomic(signature, (json.dumps(bundle, indent=2) + "\n").encode())
    return SignResult(model=model, signature=signature, method=signer.method, manifest=manifest)


__all__ = ["CertificateSigner", "KeySigner", "SignResult", "Signer", "sign_model", "write_atomic"]
