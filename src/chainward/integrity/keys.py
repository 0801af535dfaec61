"""Keys for OMS signatures: loading, the bundle key hint, signing and checking DSSE.

ECDSA on P-256, P-384 and P-521 (hash SHA-256/384/512 by curve, as Sigstore and
model-signing use) and Ed25519 (chainward extension; model-signing 1.1.1 cannot
verify it).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from chainward.integrity.errors import IntegrityError

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

PUBLIC_KEY_TYPES = (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)

_CURVE_HASH: dict[str, type[hashes.HashAlgorithm]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
    "secp521r1": hashes.SHA512,
}


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IntegrityError(f"cannot read {what}: {exc.strerror}", path=str(path)) from None


def _check_supported(key: object, path: Path) -> None:
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        if key.curve.name not in _CURVE_HASH:
            raise IntegrityError(
                f"unsupported elliptic curve {key.curve.name} (use P-256, P-384 or P-521)",
                path=str(path),
            )
        return
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return
    raise IntegrityError(
        f"unsupported key type {type(key).__name__} (use ECDSA P-256/P-384/P-521 or Ed25519)",
        path=str(path),
    )


def load_private_key(path: Path, password: bytes | None = None) -> PrivateKey:
    data = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password)
    except TypeError:
        raise IntegrityError(
            "private key is encrypted: give its password (--password-env)", path=str(path)
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise IntegrityError(f"not a PEM private key ({exc})", path=str(path)) from None
    _check_supported(key, path)
    assert isinstance(key, (ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey))
    return key


def load_public_key(path: Path) -> PublicKey:
    """A PEM public key (or the key of a PEM certificate)."""
    data = _read(path, "public key")
    try:
        key: object = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        from cryptography import x509

        try:
            key = x509.load_pem_x509_certificate(data).public_key()
        except ValueError:
            raise IntegrityError("not a PEM public key", path=str(path)) from None
    _check_supported(key, path)
    assert isinstance(key, (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey))
    return key


def key_hint(key: PublicKey) -> str:
    """The bundle's ``publicKey.hint``: SHA-256 of the PEM SubjectPublicKeyInfo (hex)."""
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(pem).hexdigest()


def public_der(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign_bytes(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(_CURVE_HASH[key.curve.name]()))


def check_signature(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` over ``data`` verifies with ``key``."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            curve_hash = _CURVE_HASH.get(key.curve.name)
            if curve_hash is None:
                return False
            key.verify(signature, data, ec.ECDSA(curve_hash()))
    except (InvalidSignature, ValueError):
        return False
    return True


def same_key(a: PublicKey, b: PublicKey) -> bool:
    return public_der(a) == public_der(b)


__all__ = [
    "PUBLIC_KEY_TYPES",
    "PrivateKey",
    "PublicKey",
    "check_signature",
    "key_hint",
    "load_private_key",
    "load_public_key",
    "public_der",
    "same_key",
    "sign_bytes",
]
