"""Interop with model-signing 1.1.1 (the OpenSSF reference implementation), both ways.

For the key and certificate methods and every hashing option model-signing has
(files/shards x sha256/blake2, and blake3): its signatures verify with chainward,
and chainward's verify with it. Where model-signing deviates from the OMS
specification (shard digests named "sha256-sharded-N", a single file named ".",
resources sorted by path components), chainward accepts its form and signs the
specification's form by default; ``--compat model-signing`` produces the form
model-signing 1.1.1 can verify. Tampering made after a model-signing signature is
caught by chainward, including the expired certificates model-signing accepts.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chainward.integrity.errors import VerificationError
from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.keys import load_private_key, load_public_key
from chainward.integrity.manifest import MODEL_SIGNING_COMPAT, SPEC
from chainward.integrity.policy import AllOf, CertificatePolicy, IdentityPolicy, PublicKeyPolicy
from chainward.integrity.sign import CertificateSigner, KeySigner, sign_model
from chainward.integrity.signature import check_signature, verify_signature
from tests.assets.integrity.hf import make_hf_cache
from tests.assets.integrity.pki import (
    DAY,
    NOW,
    make_key,
    make_model,
    make_pki,
    write_private,
    write_public,
)

ms = pytest.importorskip("model_signing", reason="model-signing is in the test extra")
pytest.importorskip("OpenSSL", reason="model-signing 1.1.1 needs pyopenssl at import time")

# (name, model-signing hashing config builder, chainward algorithm, shard size)
SHARD = 100_000
HASHINGS: list[tuple[str, str, int | None]] = [
    ("sha256", "sha256", None),
    ("sha256", "sha256", SHARD),
    ("blake2", "blake2b", None),
    ("blake2", "blake2b", SHARD),
    ("blake3", "blake3", None),
]
IDS = ["files-sha256", "shards-sha256", "files-blake2", "shards-blake2", "blake3"]


def _ms_hashing(ms_name: str, shard: int | None, *, allow_symlinks: bool = False) -> Any:
    config = ms.hashing.Config().set_allow_symlinks(allow_symlinks)
    if shard is None:
        return config.use_file_serialization(
            hashing_algorithm=ms_name, allow_symlinks=allow_symlinks
        )
    return config.use_shard_serialization(
        hashing_algorithm=ms_name, shard_size=shard, allow_symlinks=allow_symlinks
    )


@pytest.fixture
def keypair(tmp_path: Path) -> tuple[Path, Path]:
    key = make_key("p256")
    return write_private(tmp_path / "k.pem", key), write_public(tmp_path / "k.pub", key)


def _statement(sig: Path) -> dict[str, Any]:
    bundle = json.loads(sig.read_text())
    return json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))


@pytest.mark.parametrize(("ms_name", "algorithm", "shard"), HASHINGS, ids=IDS)
def test_model_signing_key_signatures_verify_with_chainward(
    tmp_path: Path, keypair: tuple[Path, Path], ms_name: str, algorithm: str, shard: int | None
) -> None:
    priv, pub = keypair
    model = make_model(tmp_path / "m")
    sig = tmp_path / "ms.sig"
    ms.signing.Config().use_elliptic_key_signer(private_key=priv).set_hashing_config(
        _ms_hashing(ms_name, shard)
    ).sign(model, sig)
    manifest = verify_signature(model, sig, policy=PublicKeyPolicy(key=load_public_key(pub)))
    assert manifest.serialization.hash_type is HashAlgorithm.parse(algorithm)
    # model-signing orders by path components, not code points: the listed order is used
    names = [r.name.rsplit(":", 2)[0] if shard else r.name for r in manifest.resources]
    assert names.index("a/b") < names.index("a-c")
    # and every tampering is caught, by name
    (model / "config.json").write_text("{}")
    (model / "a-c").unlink()
    (model / "new.pkl").write_bytes(b"\x80\x04N.")
    result = check_signature(model, sig, policy=PublicKeyPolicy(key=load_public_key(pub)))
    assert {(p.rule, p.subject) for p in result.problems} == {
        ("changed", "config.json"),
        ("missing", "a-c"),
        ("extra", "new.pkl"),
    }


@pytest.mark.parametrize(("ms_name", "algorithm", "shard"), HASHINGS, ids=IDS)
def test_chainward_key_signatures_verify_with_model_signing(
    tmp_path: Path, keypair: tuple[Path, Path], ms_name: str, algorithm: str, shard: int | None
) -> None:
    priv, pub = keypair
    model = make_model(tmp_path / "m")
    sig = tmp_path / "cw.sig"
    flavour = MODEL_SIGNING_COMPAT if shard else SPEC
    sign_model(
        model,
        signer=KeySigner(private_key=load_private_key(priv)),
        signature=sig,
        algorithm=HashAlgorithm.parse(algorithm),
        shard_size=shard,
        flavour=flavour,
    )
    ms.verifying.Config().use_elliptic_key_verifier(public_key=pub).set_hashing_config(
        _ms_hashing(ms_name, shard)
    ).verify(model, sig)
    (model / "model.safetensors").write_bytes(b"tampered")
    with pytest.raises(ValueError, match=r"model\.safetensors"):
        ms.verifying.Config().use_elliptic_key_verifier(public_key=pub).set_hashing_config(
            _ms_hashing(ms_name, shard)
        ).verify(model, sig)


def test_spec_form_deviations_are_real(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    """model-signing 1.1.1 rejects spec-form shards and single-file names (documented)."""
    priv, pub = keypair
    model = make_model(tmp_path / "m")
    sig = tmp_path / "spec.sig"
    sign_model(
        model, signer=KeySigner(private_key=load_private_key(priv)), signature=sig, shard_size=SHARD
    )
    resources = _statement(sig)["predicate"]["resources"]
    assert {r["algorithm"] for r in resources} == {"sha256"}  # OMS §6.3.2
    assert [r["name"] for r in resources] == sorted(r["name"] for r in resources)
    with pytest.raises(ValueError, match="Hash mismatch"):
        ms.verifying.Config().use_elliptic_key_verifier(public_key=pub).set_hashing_config(
            _ms_hashing("sha256", SHARD)
        ).verify(model, sig)
    single = tmp_path / "weights.bin"
    single.write_bytes(b"w" * 5000)
    for flavour, accepted in ((SPEC, False), (MODEL_SIGNING_COMPAT, True)):
        s = tmp_path / f"single-{flavour}.sig"
        sign_model(
            single,
            signer=KeySigner(private_key=load_private_key(priv)),
            signature=s,
            flavour=flavour,
        )
        verify_signature(single, s, policy=PublicKeyPolicy(key=load_public_key(pub)))
        verifier = ms.verifying.Config().use_elliptic_key_verifier(public_key=pub)
        if accepted:
            verifier.verify(single, s)
        else:
            with pytest.raises(ValueError, match="Missing files"):
                verifier.verify(single, s)
    # and chainward verifies model-signing's own single-file signature (named ".")
    ms_sig = tmp_path / "ms-single.sig"
    ms.signing.Config().use_elliptic_key_signer(private_key=priv).sign(single, ms_sig)
    assert _statement(ms_sig)["predicate"]["resources"][0]["name"] == "."
    verify_signature(single, ms_sig, policy=PublicKeyPolicy(key=load_public_key(pub)))


@pytest.mark.parametrize(("ms_name", "algorithm", "shard"), HASHINGS, ids=IDS)
def test_certificate_method_both_ways(
    tmp_path: Path, ms_name: str, algorithm: str, shard: int | None
) -> None:
    model = make_model(tmp_path / "m")
    pki = make_pki(tmp_path)
    policy = AllOf(
        [
            CertificatePolicy(trust_anchors=[pki.root]),
            IdentityPolicy(identity="ml-team@example.com"),
        ]
    )
    ms_sig = tmp_path / "ms.sig"
    ms.signing.Config().use_certificate_signer(
        private_key=pki.leaf_key_pem,
        signing_certificate=pki.leaf_pem,
        certificate_chain=[pki.chain_pem],
    ).set_hashing_config(_ms_hashing(ms_name, shard)).sign(model, ms_sig)
    verify_signature(model, ms_sig, policy=policy)
    cw_sig = tmp_path / "cw.sig"
    signer = CertificateSigner(
        private_key=load_private_key(pki.leaf_key_pem), certificate=pki.leaf, chain=[pki.inter]
    )
    sign_model(
        model,
        signer=signer,
        signature=cw_sig,
        algorithm=HashAlgorithm.parse(algorithm),
        shard_size=shard,
        flavour=MODEL_SIGNING_COMPAT if shard else SPEC,
    )
    ms.verifying.Config().use_certificate_verifier(
        certificate_chain=[pki.root_pem]
    ).set_hashing_config(_ms_hashing(ms_name, shard)).verify(model, cw_sig)


def test_expired_and_foreign_identity_certificates_from_model_signing(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    pki = make_pki(tmp_path)
    cert, key = pki.leaf_files(
        tmp_path,
        "expired",
        email="ml-team@example.com",
        not_before=NOW - 30 * DAY,
        not_after=NOW - 2 * DAY,
    )
    sig = tmp_path / "expired.sig"
    ms.signing.Config().use_certificate_signer(
        private_key=key, signing_certificate=cert, certificate_chain=[pki.chain_pem]
    ).sign(model, sig)
    # model-signing 1.1.1 accepts it (it checks the chain at the leaf's notBefore) ...
    ms.verifying.Config().use_certificate_verifier(certificate_chain=[pki.root_pem]).verify(
        model, sig
    )
    # ... chainward does not
    result = check_signature(model, sig, policy=CertificatePolicy(trust_anchors=[pki.root]))
    assert [p.rule for p in result.problems] == ["certificate-expired"]
    other_cert, other_key = pki.leaf_files(tmp_path, "intern", email="intern@example.com")
    sig = tmp_path / "intern.sig"
    ms.signing.Config().use_certificate_signer(
        private_key=other_key, signing_certificate=other_cert, certificate_chain=[pki.chain_pem]
    ).sign(model, sig)
    result = check_signature(
        model,
        sig,
        policy=AllOf(
            [
                CertificatePolicy(trust_anchors=[pki.root]),
                IdentityPolicy(identity="ml-team@example.com"),
            ]
        ),
    )
    assert [p.rule for p in result.problems] == ["identity-mismatch"]


def test_hf_snapshot_both_ways(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    priv, pub = keypair
    snap = make_hf_cache(
        tmp_path / "hub",
        "org/tiny",
        {"config.json": (b"{}", False), "model.safetensors": (b"w" * 5000, True)},
    )
    ms_sig = tmp_path / "ms.sig"
    ms.signing.Config().use_elliptic_key_signer(private_key=priv).set_hashing_config(
        ms.hashing.Config().set_allow_symlinks(True)
    ).sign(snap, ms_sig)
    verify_signature(snap, ms_sig, policy=PublicKeyPolicy(key=load_public_key(pub)))
    cw_sig = tmp_path / "cw.sig"
    sign_model(snap, signer=KeySigner(private_key=load_private_key(priv)), signature=cw_sig)
    # model-signing 1.1.1 ignores the signed allow_symlinks when it guesses the hashing
    # configuration, so (like its --allow_symlinks flag) it has to be given explicitly
    with pytest.raises(ValueError, match="symlink"):
        ms.verifying.Config().use_elliptic_key_verifier(public_key=pub).verify(snap, cw_sig)
    ms.verifying.Config().use_elliptic_key_verifier(public_key=pub).set_hashing_config(
        ms.hashing.Config().set_allow_symlinks(True)
    ).verify(snap, cw_sig)


def test_model_signing_cli_both_ways(tmp_path: Path, keypair: tuple[Path, Path]) -> None:
    """The released command line too (default files/sha256, the only hashing it can verify)."""
    priv, pub = keypair
    model = make_model(tmp_path / "m")
    cli = [sys.executable, "-m", "model_signing"]
    subprocess.run(
        [
            *cli,
            "sign",
            "key",
            str(model),
            "--private_key",
            str(priv),
            "--signature",
            str(tmp_path / "ms.sig"),
        ],
        check=True,
        capture_output=True,
    )
    verify_signature(model, tmp_path / "ms.sig", policy=PublicKeyPolicy(key=load_public_key(pub)))
    inside = model / "ms-inside.sig"  # a signature inside the model is left out, both ways
    subprocess.run(
        [*cli, "sign", "key", str(model), "--private_key", str(priv), "--signature", str(inside)],
        check=True,
        capture_output=True,
    )
    verify_signature(model, inside, policy=PublicKeyPolicy(key=load_public_key(pub)))
    inside.unlink()
    sign_model(
        model, signer=KeySigner(private_key=load_private_key(priv)), signature=model / "model.sig"
    )
    done = subprocess.run(
        [
            *cli,
            "verify",
            "key",
            str(model),
            "--public_key",
            str(pub),
            "--signature",
            str(model / "model.sig"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (model / "a.b").write_text("changed")
    done = subprocess.run(
        [
            *cli,
            "verify",
            "key",
            str(model),
            "--public_key",
            str(pub),
            "--signature",
            str(model / "model.sig"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0


def test_unsupported_by_model_signing_is_still_signed_in_spec_form(tmp_path: Path) -> None:
    """Ed25519 is a chainward extension: model-signing 1.1.1 refuses the key type."""
    model = make_model(tmp_path / "m")
    key = make_key("ed25519")
    priv, pub = write_private(tmp_path / "ed.pem", key), write_public(tmp_path / "ed.pub", key)
    sign_model(
        model, signer=KeySigner(private_key=load_private_key(priv)), signature=tmp_path / "e.sig"
    )
    verify_signature(model, tmp_path / "e.sig", policy=PublicKeyPolicy(key=load_public_key(pub)))
    with pytest.raises((ValueError, AttributeError, TypeError)):
        ms.verifying.Config().use_elliptic_key_verifier(public_key=pub).verify(
            model, tmp_path / "e.sig"
        )


def test_tampered_model_signing_bundle_is_refused(
    tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    priv, pub = keypair
    model = make_model(tmp_path / "m")
    sig = tmp_path / "ms.sig"
    ms.signing.Config().use_elliptic_key_signer(private_key=priv).sign(model, sig)
    bundle = json.loads(sig.read_text())
    statement = _statement(sig)
    statement["predicate"]["resources"] = statement["predicate"]["resources"][1:]
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    sig.write_text(json.dumps(bundle))
    with pytest.raises(VerificationError, match="does not verify"):
        verify_signature(model, sig, policy=PublicKeyPolicy(key=load_public_key(pub)))


def test_swapped_model_signing_signatures_are_refused(
    tmp_path: Path, keypair: tuple[Path, Path]
) -> None:
    priv, pub = keypair
    first = make_model(tmp_path / "first")
    second = make_model(tmp_path / "second")
    (second / "config.json").write_text('{"hidden_size": 16}\n')
    for model in (first, second):
        ms.signing.Config().use_elliptic_key_signer(private_key=priv).sign(
            model, tmp_path / f"{model.name}.sig"
        )
    policy = PublicKeyPolicy(key=load_public_key(pub))
    # the signature of one model presented for the other: the differing file is named
    result = check_signature(second, tmp_path / "first.sig", policy=policy)
    assert [(p.rule, p.subject) for p in result.problems] == [("changed", "config.json")]
    # one bundle's signature bytes pasted over the other's statement
    bundle = json.loads((tmp_path / "first.sig").read_text())
    other = json.loads((tmp_path / "second.sig").read_text())
    bundle["dsseEnvelope"]["signatures"] = other["dsseEnvelope"]["signatures"]
    (tmp_path / "swapped.sig").write_text(json.dumps(bundle))
    result = check_signature(first, tmp_path / "swapped.sig", policy=policy)
    assert [p.rule for p in result.problems] == ["bad-signature"]
