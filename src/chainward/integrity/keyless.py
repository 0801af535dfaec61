"""Keyless Sigstore signing and verification (OMS ``sigstore`` method), through
sigstore-python when it is installed (``pip install 'chainward[sigstore]'``).

Both need the Sigstore services (Fulcio, Rekor, an OIDC issuer) or, for
verification, a trust configuration file (``--trust-config``) describing a private
deployment; without either, a :class:`NetworkError` says so. The key and certificate
methods never need a network.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chainward.errors import ConfigError, MissingDependencyError, NetworkError
from chainward.integrity.errors import Problem, VerificationError
from chainward.integrity.oms import PAYLOAD_TYPE, Bundle


def _trust_config(trust_config: Path | None, staging: bool) -> Any:
    try:
        from sigstore.models import ClientTrustConfig
    except ImportError:
        raise MissingDependencyError("sigstore", "sigstore", "keyless Sigstore signing") from None
    if trust_config is not None:
        try:
            return ClientTrustConfig.from_json(trust_config.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(
                f"cannot read trust config: {exc.strerror}", path=str(trust_config)
            ) from None
        except Exception as exc:  # sigstore raises several parse errors
            raise ConfigError(
                f"invalid Sigstore trust config ({exc})", path=str(trust_config)
            ) from None
    try:
        return ClientTrustConfig.staging() if staging else ClientTrustConfig.production()
    except Exception as exc:  # TUF refresh: any failure means the services are unreachable
        raise NetworkError(
            f"cannot fetch the Sigstore trust root ({exc.__class__.__name__}); keyless "
            "signatures need the Sigstore services or --trust-config"
        ) from None


class SigstorePolicy:
    """The bundle was signed keylessly by ``identity`` as vouched for by ``issuer``
    (OIDC), with a Fulcio certificate and a Rekor entry under the trust root."""

    def __init__(
        self, *, identity: str, issuer: str, trust_config: Path | None = None, staging: bool = False
    ) -> None:
        if not identity or not issuer:
            raise ConfigError("keyless verification needs --identity and --issuer")
        self.identity = identity
        self.issuer = issuer
        self.trust_config = trust_config
        self.staging = staging

    def verify(self, bundle: Bundle) -> None:
        if bundle.method != "sigstore":
            raise VerificationError(
                [
                    Problem(
                        "wrong-method",
                        f"signature uses the {bundle.method} method, not keyless Sigstore",
                    )
                ]
            )
        config = _trust_config(self.trust_config, self.staging)
        from sigstore.errors import Error as SigstoreError
        from sigstore.models import Bundle as SigstoreBundle
        from sigstore.verify import Verifier
        from sigstore.verify.policy import Identity

        try:
            parsed = SigstoreBundle.from_json(json.dumps(bundle.raw))
        except Exception as exc:
            problem = Problem("bad-signature", f"invalid Sigstore bundle ({exc})")
            raise VerificationError([problem]) from None
        verifier = Verifier(trusted_root=config.trusted_root)
        try:
            payload_type, payload = verifier.verify_dsse(
                parsed, Identity(identity=self.identity, issuer=self.issuer)
            )
        except SigstoreError as exc:
            message = " ".join(str(exc).split()) or exc.__class__.__name__
            rule = "identity-mismatch" if "identity" in message.lower() else "bad-signature"
            problem = Problem(rule, f"Sigstore verification failed: {message}")
            raise VerificationError([problem]) from None
        if payload_type != PAYLOAD_TYPE or payload != bundle.payload:
            raise VerificationError([Problem("bad-signature", "verified payload differs")])


class SigstoreSigner:
    """Keyless signing: an OIDC identity token (given, or ambient in CI) buys a
    short-lived Fulcio certificate; the signature is logged in Rekor."""

    method = "sigstore"

    def __init__(
        self,
        *,
        identity_token: str | None = None,
        trust_config: Path | None = None,
        staging: bool = False,
    ) -> None:
        self.identity_token = identity_token
        self.trust_config = trust_config
        self.staging = staging

    def sign(self, payload: bytes) -> dict[str, Any]:
        try:
            from sigstore import dsse
            from sigstore.oidc import IdentityToken, detect_credential
            from sigstore.sign import SigningContext
        except ImportError:
            raise MissingDependencyError(
                "sigstore", "sigstore", "keyless Sigstore signing"
            ) from None
        raw = self.identity_token or detect_credential()
        if not raw:
            raise ConfigError(
                "keyless signing needs an OIDC identity token (--identity-token-env) "
                "or ambient CI credentials"
            )
        config = _trust_config(self.trust_config, self.staging)
        try:
            context = SigningContext.from_trust_config(config)
            with context.signer(IdentityToken(raw)) as signer:
                signed = signer.sign_dsse(dsse.Statement(payload))
        except Exception as exc:
            raise NetworkError(
                f"keyless signing failed ({exc.__class__.__name__}: {exc})"
            ) from None
        result: dict[str, Any] = json.loads(signed.to_json())
        return result


__all__ = ["SigstorePolicy", "SigstoreSigner"]
