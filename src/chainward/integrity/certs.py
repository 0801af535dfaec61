"""X.509 certificate chains for the OMS certificate method.

Path validation is done here with ``cryptography`` primitives rather than its
``x509.verification`` verifier, whose policies are the TLS (Web PKI) profile:
code-signing chains made with openssl or an enterprise CA often fail that profile
(missing key identifiers, Ed25519 issuers) while being perfectly sound. What is
checked: every link's signature, every certificate's validity period at the
verification time, CA-ness (basicConstraints, keyCertSign, path length) of every
issuer, the leaf's key usage (digitalSignature) and extended key usage
(codeSigning when EKU is present), and that the path ends at a certificate the
caller trusts. Identity pinning matches the leaf's SAN (email, URI, DNS) or
subject common name exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from chainward.integrity.errors import IntegrityError, Problem

_MAX_DEPTH = 8


def load_certificates(paths: Iterable[Path]) -> list[x509.Certificate]:
    """Every PEM certificate in the given files."""
    out: list[x509.Certificate] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IntegrityError(
                f"cannot read certificates: {exc.strerror}", path=str(path)
            ) from None
        try:
            certs = x509.load_pem_x509_certificates(data)
        except ValueError:
            raise IntegrityError("no PEM certificate found", path=str(path)) from None
        out.extend(certs)
    return out


def load_der(data: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise IntegrityError("signature bundle holds a malformed certificate") from None


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def describe(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or "(empty subject)"


def identities(cert: x509.Certificate) -> list[str]:
    """The names a signer identity can be pinned to: SAN values, then subject CNs."""
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if san is not None:
        for kind in (x509.RFC822Name, x509.UniformResourceIdentifier, x509.DNSName):
            names.extend(str(v) for v in san.get_values_for_type(kind))  # type: ignore[attr-defined]
    names.extend(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME))
    return names


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _validity(cert: x509.Certificate, at: dt.datetime, role: str) -> Problem | None:
    if at < cert.not_valid_before_utc:
        return Problem(
            "certificate-not-yet-valid",
            f"{role} certificate {describe(cert)} is not valid before "
            f"{cert.not_valid_before_utc.isoformat()}",
            describe(cert),
        )
    if at > cert.not_valid_after_utc:
        return Problem(
            "certificate-expired",
            f"{role} certificate {describe(cert)} expired on {cert.not_valid_after_utc.isoformat()}",
            describe(cert),
        )
    return None


def leaf_usage_problem(leaf: x509.Certificate) -> Problem | None:
    """A signing certificate must be for code signing (EKU), or, without an EKU
    extension, allow digital signatures (keyUsage); one with neither is refused."""
    usage = _ext(leaf, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.digital_signature:
        return Problem(
            "key-usage", f"certificate {describe(leaf)} may not sign (keyUsage)", describe(leaf)
        )
    eku = _ext(leaf, x509.ExtendedKeyUsage)
    if isinstance(eku, x509.ExtendedKeyUsage):
        allowed = {ExtendedKeyUsageOID.CODE_SIGNING, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}
        if not allowed & set(eku):
            return Problem(
                "key-usage",
                f"certificate {describe(leaf)} is not for code signing (extendedKeyUsage)",
                describe(leaf),
            )
    elif usage is None:
        return Problem(
            "key-usage",
            f"certificate {describe(leaf)} declares neither keyUsage nor extendedKeyUsage",
            describe(leaf),
        )
    return None


def _can_issue(cert: x509.Certificate, below: int) -> bool:
    constraints = _ext(cert, x509.BasicConstraints)
    if not isinstance(constraints, x509.BasicConstraints) or not constraints.ca:
        return False
    if constraints.path_length is not None and below > constraints.path_length:
        return False
    usage = _ext(cert, x509.KeyUsage)
    return not (isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign)


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    if child.issuer != issuer.subject:
        return False
    try:
        child.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def validate_chain(
    leaf: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    anchors: Sequence[x509.Certificate],
    *,
    at: dt.datetime,
) -> list[Problem]:
    """Problems with the path from ``leaf`` to a trusted anchor (empty list: trusted)."""
    problems: list[Problem] = []
    anchor_ders = {der(a) for a in anchors}
    usage = leaf_usage_problem(leaf)
    if usage is not None:
        problems.append(usage)
    path = [leaf]
    current = leaf
    trusted = der(leaf) in anchor_ders  # a directly pinned leaf
    while not trusted and len(path) <= _MAX_DEPTH:
        below = len(path) - 1  # intermediates between this issuer and the leaf
        issuer = next((a for a in anchors if _issued_by(current, a) and _can_issue(a, below)), None)
        if issuer is not None:
            path.append(issuer)
            trusted = True
            break
        issuer = next(
            (
                c
                for c in intermediates
                if c not in path and _issued_by(current, c) and _can_issue(c, below)
            ),
            None,
        )
        if issuer is None:
            break
        path.append(issuer)
        current = issuer
    if not trusted:
        problems.append(
            Problem(
                "untrusted-chain",
                f"certificate {describe(leaf)} does not chain to a trusted certificate",
                describe(leaf),
            )
        )
        return problems
    for index, cert in enumerate(path):
        role = "signing" if index == 0 else "issuing"
        problem = _validity(cert, at, role)
        if problem is not None:
            problems.append(problem)
    return problems


def check_chain_for_signing(
    leaf: x509.Certificate, chain: Sequence[x509.Certificate], *, at: dt.datetime
) -> None:
    """Refuse to sign with an expired, not-yet-valid or non-signing certificate."""
    problems = [p for p in (_validity(c, at, "chain") for c in chain) if p]
    own = _validity(leaf, at, "signing")
    if own is not None:
        problems.insert(0, own)
    usage = leaf_usage_problem(leaf)
    if usage is not None:
        problems.append(usage)
    if problems:
        raise IntegrityError(f"cannot sign: {problems[0].message}")


__all__ = [
    "check_chain_for_signing",
    "der",
    "describe",
    "identities",
    "leaf_usage_problem",
    "load_certificates",
    "load_der",
    "validate_chain",
]
