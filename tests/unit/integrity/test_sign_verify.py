from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest

from chainward.errors import ConfigError
from chainward.integrity import certs
from chainward.integrity.errors import IntegrityError, VerificationError
from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.keys import load_private_key, load_public_key
from chainward.integrity.manifest import MODEL_SIGNING_COMPAT
from chainward.integrity.oms import PREDICATE_TYPE, parse_statement, read_bundle
from chainward.integrity.policy import (
    AllOf,
    AnyOf,
    CertificatePolicy,
    IdentityPolicy,
    PublicKeyPolicy,
    UnsafeNoSignerCheck,
)
from chainward.integrity.sign import CertificateSigner, KeySigner, sign_model
from chainward.integrity.signature import check_signature, verify_signature
from tests.assets.integrity.hf import make_hf_cache
from tests.assets.integrity.pki import (
    DAY,
    NOW,
    make_key,
    make_leaf,
    make_model,
    make_pki,
    write_certs,
    write_private,
    write_public,
)


def _keys(tmp_path: Path, kind: str = "p256") -> tuple[Path, Path]:
    key = make_key(kind)
    return write_private(tmp_path / f"{kind}.key", key), write_public(tmp_path / f"{kind}.pub", key)


def _sign(model: Path, priv: Path, sig: Path, **kwargs: object) -> None:
    sign_model(model, signer=KeySigner(private_key=load_private_key(priv)), signature=sig, **kwargs)  # type: ignore[arg-type]


def _policy(pub: Path) -> PublicKeyPolicy:
    return PublicKeyPolicy(key=load_public_key(pub))


@pytest.mark.parametrize("kind", ["p256", "p384", "p521", "ed25519"])
def test_key_roundtrip_every_key_type(tmp_path: Path, kind: str) -> None:
    model = make_model(tmp_path / "m")
    priv, pub = _keys(tmp_path, kind)
    _sign(model, priv, tmp_path / "m.sig")
    manifest = verify_signature(model, tmp_path / "m.sig", policy=_policy(pub))
    assert [r.name for r in manifest.resources][:3] == ["a-c", "a.b", "a/b"]


@pytest.mark.parametrize(
    ("algorithm", "shard_size"),
    [
        (HashAlgorithm.SHA256, None),
        (HashAlgorithm.SHA256, 100_000),
        (HashAlgorithm.BLAKE2B, None),
        (HashAlgorithm.BLAKE2B, 300_000),
        (HashAlgorithm.BLAKE3, None),
        (HashAlgorithm.BLAKE3, 65536),
    ],
)
def test_roundtrip_every_hashing_option(
    tmp_path: Path, algorithm: HashAlgorithm, shard_size: int | None
) -> None:
    model = make_model(tmp_path / "m")
    priv, pub = _keys(tmp_path)
    _sign(model, priv, tmp_path / "m.sig", algorithm=algorithm, shard_size=shard_size)
    statement = json.loads(
        base64.b64decode(json.loads((tmp_path / "m.sig").read_text())["dsseEnvelope"]["payload"])
    )
    ser = statement["predicate"]["serialization"]
    assert statement["predicateType"] == PREDICATE_TYPE
    assert ser["hash_type"] == algorithm.value
    assert ser.get("shard_size") == shard_size
    assert {r["algorithm"] for r in statement["predicate"]["resources"]} == {algorithm.value}
    verify_signature(model, tmp_path / "m.sig", policy=_policy(pub))
    (model / "model.safetensors").write_bytes(b"changed")
    with pytest.raises(VerificationError) as info:
        verify_signature(model, tmp_path / "m.sig", policy=_policy(pub))
    assert [p.subject for p in info.value.problems] == ["model.safetensors"]


def test_tampering_is_named_per_file(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    priv, pub = _keys(tmp_path)
    _sign(model, priv, tmp_path / "m.sig")
    data = bytearray((model / "a" / "b").read_bytes())
    data[10] ^= 1
    (model / "a" / "b").write_bytes(bytes(data))
    (model / "config.json").unlink()
    (model / "backdoor.pkl").write_bytes(b"\x80\x04N.")
    result = check_signature(model, tmp_path / "m.sig", policy=_policy(pub))
    assert {(p.rule, p.subject) for p in result.problems} == {
        ("changed", "a/b"),
        ("missing", "config.json"),
        ("extra", "backdoor.pkl"),
    }
    assert result.comparison is not None and result.comparison.changed == ("a/b",)
    relaxed = check_signature(model, tmp_path / "m.sig", policy=_policy(pub), ignore_unsigned=True)
    assert {p.rule for p in relaxed.problems} == {"changed", "missing"}


def test_wrong_key_and_swapped_signature(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    priv, pub = _keys(tmp_path)
    _, other_pub = _keys(tmp_path, "p384")
    _sign(model, priv, tmp_path / "m.sig")
    result = check_signature(model, tmp_path / "m.sig", policy=_policy(other_pub))
    assert [p.rule for p in result.problems] == ["wrong-key"]
    # the signature of another statement, pasted into this bundle
    _sign(model, priv, tmp_path / "other.sig", ignore=["config.json"])
    bundle = json.loads((tmp_path / "m.sig").read_text())
    other = json.loads((tmp_path / "other.sig").read_text())
    bundle["dsseEnvelope"]["signatures"] = other["dsseEnvelope"]["signatures"]
    (tmp_path / "swapped.sig").write_text(json.dumps(bundle))
    result = check_signature(model, tmp_path / "swapped.sig", policy=_policy(pub))
    assert [p.rule for p in result.problems] == ["bad-signature"]
    # an edited statement (a digest replaced) with the original signature
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["resources"][0]["digest"] = "00" * 32
    bundle = json.loads((tmp_path / "m.sig").read_text())
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    (tmp_path / "edited.sig").write_text(json.dumps(bundle))
    result = check_signature(model, tmp_path / "edited.sig", policy=_policy(pub))
    assert [p.rule for p in result.problems] == ["bad-signature"]
    assert result.comparison is None  # an untrusted statement is not used


def test_signature_inside_model_is_excluded(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    priv, pub = _keys(tmp_path)
    _sign(model, priv, model / "model.sig")
    verify_signature(model, model / "model.sig", policy=_policy(pub))
    assert "model.sig" in parse_statement(*_payload(model / "model.sig")).serialization.ignore_paths


def _payload(sig: Path) -> tuple[bytes, str]:
    bundle = read_bundle(sig)
    return bundle.payload, bundle.payload_type


def test_hf_snapshot_signs_with_links_and_detects_tampered_blob(tmp_path: Path) -> None:
    snap = make_hf_cache(
        tmp_path / "hub",
        "org/tiny",
        {"config.json": (b"{}", False), "model.safetensors": (b"w" * 1000, True)},
    )
    priv, pub = _keys(tmp_path)
    _sign(snap, priv, tmp_path / "tiny.sig")
    manifest = verify_signature(snap, tmp_path / "tiny.sig", policy=_policy(pub))
    assert manifest.serialization.allow_symlinks is True
    blob = (snap / "model.safetensors").resolve()
    blob.write_bytes(b"x" * 1000)
    with pytest.raises(VerificationError, match=r"model\.safetensors"):
        verify_signature(snap, tmp_path / "tiny.sig", policy=_policy(pub))


def test_link_appearing_in_a_link_free_signature_is_reported(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    priv, pub = _keys(tmp_path)
    _sign(model, priv, tmp_path / "m.sig")
    (model / "a.b").unlink()
    (model / "a.b").symlink_to("a-c")
    rules = {
        p.rule for p in check_signature(model, tmp_path / "m.sig", policy=_policy(pub)).problems
    }
    assert rules == {"changed", "symlink"}


def test_single_file_spec_and_compat_names(tmp_path: Path) -> None:
    f = tmp_path / "weights.bin"
    f.write_bytes(b"0123456789" * 1000)
    priv, pub = _keys(tmp_path)
    _sign(f, priv, tmp_path / "spec.sig")
    _sign(f, priv, tmp_path / "compat.sig", flavour=MODEL_SIGNING_COMPAT, shard_size=4000)
    spec = verify_signature(f, tmp_path / "spec.sig", policy=_policy(pub))
    compat = verify_signature(f, tmp_path / "compat.sig", policy=_policy(pub))
    assert [r.name for r in spec.resources] == ["weights.bin"]
    assert compat.resources[0].name == ".:0:4000"
    assert compat.resources[0].algorithm == "sha256-sharded-4000"


def _cert_sign(
    model: Path,
    sig: Path,
    cert_path: Path,
    key_path: Path,
    chain: list[Path],
    at: dt.datetime | None = None,
) -> None:
    signer = CertificateSigner(
        private_key=load_private_key(key_path),
        certificate=certs.load_certificates([cert_path])[0],
        chain=certs.load_certificates(chain),
        at=at,
    )
    sign_model(model, signer=signer, signature=sig)


def test_certificate_chain_identity_and_expiry(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    pki = make_pki(tmp_path)
    roots = certs.load_certificates([pki.root_pem])
    _cert_sign(model, tmp_path / "m.sig", pki.leaf_pem, pki.leaf_key_pem, [pki.chain_pem])
    trusted = AllOf(
        [
            CertificatePolicy(trust_anchors=roots),
            IdentityPolicy(identity="ml-team@example.com", issuer="chainward test intermediate"),
        ]
    )
    verify_signature(model, tmp_path / "m.sig", policy=trusted)
    # wrong identity, wrong issuer
    wrong = AllOf(
        [CertificatePolicy(trust_anchors=roots), IdentityPolicy(identity="eve@example.com")]
    )
    with pytest.raises(VerificationError) as info:
        verify_signature(model, tmp_path / "m.sig", policy=wrong)
    assert [p.rule for p in info.value.problems] == ["identity-mismatch"]
    # a different CA is not trusted
    (tmp_path / "other").mkdir()
    other = make_pki(tmp_path / "other")
    with pytest.raises(VerificationError) as info:
        verify_signature(
            model, tmp_path / "m.sig", policy=CertificatePolicy(trust_anchors=[other.root])
        )
    assert [p.rule for p in info.value.problems] == ["untrusted-chain"]
    # verification later than the leaf's end of validity
    later = NOW + 400 * DAY
    with pytest.raises(VerificationError) as info:
        verify_signature(
            model, tmp_path / "m.sig", policy=CertificatePolicy(trust_anchors=roots, at=later)
        )
    assert [p.rule for p in info.value.problems] == ["certificate-expired"]


def test_expired_certificate_signature_is_rejected(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    pki = make_pki(tmp_path)
    cert, key = pki.leaf_files(
        tmp_path, "expired", not_before=NOW - 30 * DAY, not_after=NOW - 2 * DAY
    )
    with pytest.raises(IntegrityError, match="expired"):
        _cert_sign(model, tmp_path / "x.sig", cert, key, [pki.chain_pem])
    # signed while it was valid, verified today: refused (model-signing 1.1.1 accepts it)
    _cert_sign(model, tmp_path / "x.sig", cert, key, [pki.chain_pem], at=NOW - 10 * DAY)
    with pytest.raises(VerificationError) as info:
        verify_signature(
            model, tmp_path / "x.sig", policy=CertificatePolicy(trust_anchors=[pki.root])
        )
    assert [p.rule for p in info.value.problems] == ["certificate-expired"]


def test_certificate_signing_refusals(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    pki = make_pki(tmp_path)
    other_key = write_private(tmp_path / "other.key", make_key())
    with pytest.raises(IntegrityError, match="does not belong"):
        _cert_sign(model, tmp_path / "x.sig", pki.leaf_pem, other_key, [pki.chain_pem])
    tls_cert, tls_key = pki.leaf_files(tmp_path, "tls", code_signing=False)
    with pytest.raises(IntegrityError, match="code signing"):
        _cert_sign(model, tmp_path / "x.sig", tls_cert, tls_key, [pki.chain_pem])


def test_ed25519_certificate_and_missing_intermediate(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    pki = make_pki(tmp_path)
    cert, key = pki.leaf_files(tmp_path, "edleaf", kind="ed25519")
    _cert_sign(model, tmp_path / "ok.sig", cert, key, [pki.chain_pem])
    verify_signature(model, tmp_path / "ok.sig", policy=CertificatePolicy(trust_anchors=[pki.root]))
    _cert_sign(model, tmp_path / "nochain.sig", cert, key, [])
    with pytest.raises(VerificationError, match="does not chain"):
        verify_signature(
            model, tmp_path / "nochain.sig", policy=CertificatePolicy(trust_anchors=[pki.root])
        )
    # trusting the intermediate itself is enough
    verify_signature(
        model, tmp_path / "nochain.sig", policy=CertificatePolicy(trust_anchors=[pki.inter])
    )


def test_a_leaf_cannot_act_as_an_issuer(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    pki = make_pki(tmp_path)
    rogue_key = make_key()
    rogue = make_leaf("rogue", rogue_key, (pki.leaf, pki.leaf_key))  # issued by a non-CA leaf
    write_certs(tmp_path / "rogue.crt", rogue)
    write_private(tmp_path / "rogue.key", rogue_key)
    _cert_sign(
        model,
        tmp_path / "r.sig",
        tmp_path / "rogue.crt",
        tmp_path / "rogue.key",
        [pki.leaf_pem, pki.chain_pem],
    )
    with pytest.raises(VerificationError, match="does not chain"):
        verify_signature(
            model, tmp_path / "r.sig", policy=CertificatePolicy(trust_anchors=[pki.root])
        )


def test_policy_composition_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        AllOf([])
    with pytest.raises(ConfigError):
        AnyOf([])
    with pytest.raises(ConfigError):
        CertificatePolicy(trust_anchors=[])
    model = make_model(tmp_path / "m")
    priv, pub = _keys(tmp_path)
    _, other_pub = _keys(tmp_path, "p384")
    _sign(model, priv, tmp_path / "m.sig")
    verify_signature(model, tmp_path / "m.sig", policy=AnyOf([_policy(other_pub), _policy(pub)]))
    with pytest.raises(VerificationError):
        verify_signature(
            model, tmp_path / "m.sig", policy=AllOf([_policy(other_pub), _policy(pub)])
        )
    # a key signature does not satisfy a certificate or identity policy
    with pytest.raises(VerificationError, match="certificate"):
        verify_signature(
            model, tmp_path / "m.sig", policy=IdentityPolicy(identity="ml-team@example.com")
        )


def test_unsafe_policy_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    model = make_model(tmp_path / "m")
    priv, _ = _keys(tmp_path)
    _sign(model, priv, tmp_path / "m.sig")
    verify_signature(model, tmp_path / "m.sig", policy=UnsafeNoSignerCheck())
    assert "NOT verified" in caplog.text


def test_expired_or_future_issuers_fail(tmp_path: Path) -> None:
    """Conformance cases: expired intermediate, expired root anchor, future intermediate."""
    from tests.assets.integrity.pki import make_ca

    model = make_model(tmp_path / "m")
    root_key, inter_key, leaf_key = make_key("p256"), make_key("p256"), make_key("p256")
    cases = {
        "expired-intermediate": (dict(), dict(not_before=NOW - 60 * DAY, not_after=NOW - DAY)),
        "expired-root": (dict(not_before=NOW - 60 * DAY, not_after=NOW - DAY), dict()),
        "future-intermediate": (dict(), dict(not_before=NOW + DAY, not_after=NOW + 60 * DAY)),
    }
    for name, (root_dates, inter_dates) in cases.items():
        root = make_ca(f"{name} root", root_key, **root_dates)  # type: ignore[arg-type]
        inter = make_ca(f"{name} inter", inter_key, issuer=(root, root_key), **inter_dates)  # type: ignore[arg-type]
        leaf = make_leaf("ml-team", leaf_key, (inter, inter_key))
        signer = CertificateSigner(private_key=leaf_key, certificate=leaf, chain=[], at=NOW)  # type: ignore[arg-type]
        sign_model(model, signer=signer, signature=tmp_path / f"{name}.sig")
        bundle = json.loads((tmp_path / f"{name}.sig").read_text())
        chain = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
        chain.append({"rawBytes": base64.b64encode(certs.der(inter)).decode()})
        (tmp_path / f"{name}.sig").write_text(json.dumps(bundle))
        result = check_signature(
            model, tmp_path / f"{name}.sig", policy=CertificatePolicy(trust_anchors=[root])
        )
        rules = {p.rule for p in result.problems}
        assert rules and rules <= {"certificate-expired", "certificate-not-yet-valid"}, name


def test_leaf_without_any_usage_is_refused(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    pki = make_pki(tmp_path)
    key = make_key()
    bare = (
        x509.CertificateBuilder()
        .subject_name(pki.leaf.subject)
        .issuer_name(pki.inter.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - DAY)
        .not_valid_after(NOW + DAY)
        .sign(pki.inter_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    assert certs.leaf_usage_problem(bare) is not None
    assert certs.leaf_usage_problem(pki.leaf) is None
