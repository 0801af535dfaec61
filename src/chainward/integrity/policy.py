"""Who must have signed: verification policies over a parsed OMS bundle.

Each policy's ``verify(bundle)`` returns None or raises :class:`VerificationError`
naming what failed. Policies compose with :class:`AllOf` / :class:`AnyOf` and fail
closed: an empty ``AllOf`` is a configuration error, never a pass. The one way to
skip the signer check is called :class:`UnsafeNoSignerCheck` and says so in the log.
Constructors take keyword-only arguments (after sigstore-python's policy module).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Protocol

from cryptography import x509

from chainward.errors import ConfigError
from chainward.integrity import certs
from chainward.integrity.errors import Problem, VerificationError
from chainward.integrity.keys import (
    PUBLIC_KEY_TYPES,
    PublicKey,
    check_signature,
    key_hint,
    public_der,
)
from chainward.integrity.oms import Bundle, pae, pae_model_signing_v02

_log = logging.getLogger(__name__)


class VerificationPolicy(Protocol):
    """Anything with ``verify(bundle) -> None`` that raises VerificationError on failure."""

    def verify(self, bundle: Bundle) -> None: ...


def _signature_ok(key: PublicKey, bundle: Bundle) -> bool:
    encodings = (
        pae(bundle.payload, bundle.payload_type),
        pae_model_signing_v02(bundle.payload, bundle.payload_type),
    )
    return any(check_signature(key, sig, data) for sig in bundle.signatures for data in encodings)


class PublicKeyPolicy:
    """The bundle was signed by the private key of ``key`` (OMS key method)."""

    def __init__(self, *, key: PublicKey) -> None:
        self.key = key

    def verify(self, bundle: Bundle) -> None:
        if bundle.method != "key":
            raise VerificationError(
                [
                    Problem(
                        "wrong-method",
                        f"signature uses the {bundle.method} method; verify it with a certificate chain",
                    )
                ]
            )
        hint = key_hint(self.key)
        if bundle.key_hint is not None and bundle.key_hint != hint:
            raise VerificationError(
                [
                    Problem(
                        "wrong-key",
                        "signature was made with a different key (key hint does not match)",
                        bundle.key_hint,
                    )
                ]
            )
        if bundle.key_raw is not None and bundle.key_raw != public_der(self.key):
            raise VerificationError(
                [
                    Problem(
                        "wrong-key",
                        "signature was made with a different key (embedded key differs)",
                    )
                ]
            )
        if not _signature_ok(self.key, bundle):
            raise VerificationError(
                [
                    Problem(
                        "bad-signature",
                        "signature does not verify with the given public key "
                        "(wrong key, or the signature or statement was altered)",
                    )
                ]
            )


def _leaf(bundle: Bundle) -> x509.Certificate | None:
    raw = bundle.certificates[0] if bundle.certificates else bundle.sigstore_certificate
    return certs.load_der(raw) if raw is not None else None


class CertificatePolicy:
    """The bundle's signing certificate chains to one of ``trust_anchors``, every
    certificate on the path is valid at ``at`` (default: now), and the leaf's key
    made the signature (OMS certificate method)."""

    def __init__(
        self, *, trust_anchors: Sequence[x509.Certificate], at: dt.datetime | None = None
    ) -> None:
        if not trust_anchors:
            raise ConfigError("a certificate policy needs at least one trusted certificate")
        self.trust_anchors = tuple(trust_anchors)
        self.at = at

    def verify(self, bundle: Bundle) -> None:
        if bundle.method != "certificate":
            raise VerificationError(
                [
                    Problem(
                        "wrong-method",
                        f"signature uses the {bundle.method} method, not a certificate chain",
                    )
                ]
            )
        leaf = certs.load_der(bundle.certificates[0])
        chain = [certs.load_der(c) for c in bundle.certificates[1:]]
        at = self.at or dt.datetime.now(dt.timezone.utc)
        problems = certs.validate_chain(leaf, chain, self.trust_anchors, at=at)
        key = leaf.public_key()
        if not isinstance(key, PUBLIC_KEY_TYPES):
            problems.append(Problem("bad-signature", "unsupported signing certificate key type"))
        elif not _signature_ok(key, bundle):
            problems.append(
                Problem(
                    "bad-signature",
                    f"signature does not verify with the key of {certs.describe(leaf)}",
                )
            )
        if problems:
            raise VerificationError(problems)


class IdentityPolicy:
    """The signing certificate names ``identity`` (a SAN email/URI/DNS value or the
    subject CN), and, when given, was issued by ``issuer`` (issuer CN or full DN)."""

    def __init__(self, *, identity: str, issuer: str | None = None) -> None:
        if not identity:
            raise ConfigError("an identity policy needs a non-empty identity")
        self.identity = identity
        self.issuer = issuer

    def verify(self, bundle: Bundle) -> None:
        leaf = _leaf(bundle)
        if leaf is None:
            raise VerificationError(
                [
                    Problem(
                        "identity-mismatch", "signature has no certificate, so it names no identity"
                    )
                ]
            )
        problems = []
        names = certs.identities(leaf)
        if self.identity not in names:
            problems.append(
                Problem(
                    "identity-mismatch",
                    f"signer is {', '.join(names) or '(no identity)'}, expected {self.identity}",
                    ", ".join(names),
                )
            )
        if self.issuer is not None:
            issuer_cns = [
                str(a.value)
                for a in leaf.issuer.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
            ]
            if self.issuer not in (*issuer_cns, leaf.issuer.rfc4514_string()):
                problems.append(
                    Problem(
                        "issuer-mismatch",
                        f"certificate issuer is {leaf.issuer.rfc4514_string()}, "
                        f"expected {self.issuer}",
                    )
                )
        if problems:
            raise VerificationError(problems)


class AllOf:
    """Every policy must pass; problems of all failing policies are reported together."""

    def __init__(self, policies: Sequence[VerificationPolicy]) -> None:
        if not policies:
            raise ConfigError(
                "AllOf needs at least one policy (an empty policy would pass anything)"
            )
        self.policies = tuple(policies)

    def verify(self, bundle: Bundle) -> None:
        problems: list[Problem] = []
        for policy in self.policies:
            try:
                policy.verify(bundle)
            except VerificationError as exc:
                problems.extend(exc.problems)
        if problems:
            raise VerificationError(problems)


class AnyOf:
    """At least one policy must pass."""

    def __init__(self, policies: Sequence[VerificationPolicy]) -> None:
        if not policies:
            raise ConfigError("AnyOf needs at least one policy")
        self.policies = tuple(policies)

    def verify(self, bundle: Bundle) -> None:
        problems: list[Problem] = []
        for policy in self.policies:
            try:
                policy.verify(bundle)
                return
            except VerificationError as exc:
                problems.extend(exc.problems)
        raise VerificationError(problems)


class UnsafeNoSignerCheck:
    """Accepts any signer: only the model's consistency with the statement is checked.

    Anyone can produce such a statement; use it only to inspect a signature.
    """

    def verify(self, bundle: Bundle) -> None:
        _log.warning("UnsafeNoSignerCheck: the signer of this model is NOT verified")


__all__ = [
    "AllOf",
    "AnyOf",
    "CertificatePolicy",
    "IdentityPolicy",
    "PublicKeyPolicy",
    "UnsafeNoSignerCheck",
    "VerificationPolicy",
]
