"""Test keys and certificates, generated with ``cryptography`` at test time (no network).

Used by tests/unit/integrity and tests/integration/test_model_integrity*.py: real
ECDSA/Ed25519 keys, a CA, an intermediate and code-signing leaves (valid, expired,
not yet valid, other identities).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc)
DAY = dt.timedelta(days=1)


def make_key(kind: str = "p256") -> ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey:
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    curve = {
        "p256": ec.SECP256R1(),
        "p384": ec.SECP384R1(),
        "p521": ec.SECP521R1(),
        "k256": ec.SECP256K1(),
    }[kind]
    return ec.generate_private_key(curve)


def write_private(path: Path, key: object, password: bytes | None = None) -> Path:
    enc = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
        )
    )
    return path


def write_public(path: Path, key: object) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def write_certs(path: Path, *certs: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    return path


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "chainward tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _hash_for(key: object) -> hashes.HashAlgorithm | None:
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def make_ca(
    cn: str,
    key: object,
    *,
    issuer: tuple[x509.Certificate, object] | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    path_length: int | None = None,
) -> x509.Certificate:
    issuer_cert, issuer_key = issuer if issuer else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_cert.subject if issuer_cert else _name(cn))
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - 30 * DAY)
        .not_valid_after(not_after or NOW + 3650 * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    return builder.sign(issuer_key, _hash_for(issuer_key))  # type: ignore[arg-type]


def make_leaf(
    cn: str,
    key: object,
    issuer: tuple[x509.Certificate, object],
    *,
    email: str | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    code_signing: bool = True,
    ca: bool = False,
) -> x509.Certificate:
    issuer_cert, issuer_key = issuer
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())  # type: ignore[attr-defined]
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - DAY)
        .not_valid_after(not_after or NOW + 365 * DAY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [
                    ExtendedKeyUsageOID.CODE_SIGNING
                    if code_signing
                    else ExtendedKeyUsageOID.SERVER_AUTH
                ]
            ),
            critical=False,
        )
    )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    return builder.sign(issuer_key, _hash_for(issuer_key))  # type: ignore[arg-type]


@dataclass
class Pki:
    """A root CA, an intermediate, and files for a valid code-signing leaf."""

    root: x509.Certificate
    root_key: object
    inter: x509.Certificate
    inter_key: object
    leaf_key: object
    leaf: x509.Certificate
    root_pem: Path
    chain_pem: Path
    leaf_pem: Path
    leaf_key_pem: Path

    def leaf_files(self, folder: Path, name: str, **kwargs: object) -> tuple[Path, Path]:
        """Another leaf (cert, key files) issued by the intermediate."""
        key = make_key(str(kwargs.pop("kind", "p256")))
        cert = make_leaf(name, key, (self.inter, self.inter_key), **kwargs)  # type: ignore[arg-type]
        return (
            write_certs(folder / f"{name}.crt", cert),
            write_private(folder / f"{name}.key", key),
        )


def make_pki(folder: Path, *, kind: str = "p256") -> Pki:
    root_key = make_key("p384")
    root = make_ca("chainward test root", root_key)
    inter_key = make_key("p256")
    inter = make_ca("chainward test intermediate", inter_key, issuer=(root, root_key))
    leaf_key = make_key(kind)
    leaf = make_leaf("ml-team", leaf_key, (inter, inter_key), email="ml-team@example.com")
    return Pki(
        root=root,
        root_key=root_key,
        inter=inter,
        inter_key=inter_key,
        leaf_key=leaf_key,
        leaf=leaf,
        root_pem=write_certs(folder / "root.pem", root),
        chain_pem=write_certs(folder / "chain.pem", inter),
        leaf_pem=write_certs(folder / "leaf.pem", leaf),
        leaf_key_pem=write_private(folder / "leaf.key", leaf_key),
    )


def make_model(folder: Path) -> Path:
    """A small model folder whose names exercise the OMS ordering rule (a-c, a.b, a/b)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a").mkdir()
    (folder / "a" / "b").write_bytes(b"nested weights " * 100)
    (folder / "a-c").write_bytes(b"dash")
    (folder / "a.b").write_bytes(b"dot")
    (folder / "config.json").write_text('{"hidden_size": 8}\n')
    (folder / "model.safetensors").write_bytes(bytes(range(256)) * 4096)
    (folder / "empty.txt").write_bytes(b"")
    (folder / ".gitattributes").write_text("*.safetensors filter=lfs\n")
    return folder
