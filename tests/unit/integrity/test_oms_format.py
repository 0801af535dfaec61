"""Parsing tolerance (OMS §11 and model-signing 1.1.1 forms) and refusal of unsafe statements."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from chainward.integrity.errors import IntegrityError
from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.keys import key_hint, public_der, sign_bytes
from chainward.integrity.manifest import compare
from chainward.integrity.oms import PAYLOAD_TYPE, pae, parse_bundle, parse_statement, read_bundle
from chainward.integrity.policy import PublicKeyPolicy
from chainward.integrity.signature import check_signature
from chainward.integrity.walk import walk_model
from tests.assets.integrity.pki import make_key, make_model


def _statement(
    resources: list[dict[str, str]], serialization: dict[str, Any], root: str | None = None
) -> dict[str, Any]:
    digest = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in resources)).hexdigest()
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "model", "digest": {"sha256": root or digest}}],
        "predicateType": "https://model_signing/signature/v1.0",
        "predicate": {"resources": resources, "serialization": serialization},
    }


def _payload(statement: dict[str, Any]) -> bytes:
    return json.dumps(statement).encode()


def test_model_signing_shard_form_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "w.bin"
    f.write_bytes(b"a" * 10 + b"b" * 5)
    resources = [
        {
            "name": ".:0:10",
            "algorithm": "sha256-sharded-10",
            "digest": hashlib.sha256(b"a" * 10).hexdigest(),
        },
        {
            "name": ".:10:15",
            "algorithm": "sha256-sharded-10",
            "digest": hashlib.sha256(b"b" * 5).hexdigest(),
        },
    ]
    ser = {"method": "shards", "hash_type": "sha256", "shard_size": 10.0, "allow_symlinks": "false"}
    manifest = parse_statement(_payload(_statement(resources, ser)), PAYLOAD_TYPE)
    assert manifest.serialization.shard_size == 10 and not manifest.serialization.allow_symlinks
    assert compare(manifest, walk_model(f)).problems == ()
    f.write_bytes(b"a" * 10 + b"c" * 5)
    assert [p.subject for p in compare(manifest, walk_model(f)).problems] == ["w.bin"]


def test_blake2_alias_and_shard_names_with_colons(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "a:b").write_bytes(b"xyz")
    resources = [
        {"name": "a:b:0:3", "algorithm": "blake2b", "digest": hashlib.blake2b(b"xyz").hexdigest()}
    ]
    ser = {"method": "shards", "hash_type": "blake2", "shard_size": 4, "allow_symlinks": False}
    manifest = parse_statement(_payload(_statement(resources, ser)), PAYLOAD_TYPE)
    assert manifest.serialization.hash_type is HashAlgorithm.BLAKE2B
    assert compare(manifest, walk_model(model)).problems == ()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s["predicate"]["resources"][0].update(name="../etc/passwd"), "traversing"),
        (lambda s: s["predicate"]["resources"][0].update(name="/etc/passwd"), "traversing"),
        (
            lambda s: s["predicate"]["resources"].append(dict(s["predicate"]["resources"][0])),
            "listed twice",
        ),
        (lambda s: s["predicate"]["resources"][0].update(algorithm="md5"), "uses algorithm"),
        (lambda s: s["predicate"]["resources"][0].update(digest="zz"), "malformed digest"),
        (lambda s: s["subject"][0]["digest"].update(sha256="00" * 32), "root digest"),
        (lambda s: s.update(predicateType="https://example.com/other"), "unsupported predicate"),
        (
            lambda s: s["predicate"]["serialization"].update(method="tensors"),
            "serialization method",
        ),
        (lambda s: s["predicate"]["serialization"].update(ignore_paths=["*.bin"]), "ignore path"),
        (lambda s: s.update(_type="x"), "in-toto"),
        (lambda s: s["predicate"].update(resources=[]), "no resources"),
    ],
)
def test_unsafe_or_malformed_statements_are_refused(mutate: Any, message: str) -> None:
    statement = _statement(
        [{"name": "f", "algorithm": "sha256", "digest": "ab" * 32}],
        {"method": "files", "hash_type": "sha256", "allow_symlinks": False},
    )
    root_before = statement["subject"][0]["digest"]["sha256"]
    mutate(statement)
    if "root digest" not in message and statement["subject"][0]["digest"]["sha256"] == root_before:
        resources = statement["predicate"]["resources"]
        with contextlib.suppress(ValueError):  # an unparsable digest keeps the old root
            statement["subject"][0]["digest"]["sha256"] = hashlib.sha256(
                b"".join(bytes.fromhex(r["digest"]) for r in resources)
            ).hexdigest()
    with pytest.raises(IntegrityError, match=message):
        parse_statement(_payload(statement), PAYLOAD_TYPE)


def test_deprecated_v01_predicate_is_read(tmp_path: Path) -> None:
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "f", "digest": {"sha256": hashlib.sha256(b"x").hexdigest()}}],
        "predicateType": "https://model_signing/Digests/v0.1",
        "predicate": {},
    }
    manifest = parse_statement(_payload(statement), PAYLOAD_TYPE)
    assert [r.name for r in manifest.resources] == ["f"]


def test_pre_1_1_bundle_with_raw_key_and_null_keyid(tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    key = make_key()
    tree = walk_model(model)
    resources = [
        {
            "name": f.name,
            "algorithm": "sha256",
            "digest": hashlib.sha256(f.path.read_bytes()).hexdigest(),
        }
        for f in tree.files
    ]
    payload = _payload(
        _statement(resources, {"method": "files", "hash_type": "sha256", "allow_symlinks": False})
    )
    bundle = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "publicKey": {
                "rawBytes": base64.b64encode(public_der(key.public_key())).decode(),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            }
        },
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [
                {"sig": base64.b64encode(sign_bytes(key, pae(payload))).decode(), "keyid": None}
            ],
        },
    }
    (tmp_path / "old.sig").write_text(json.dumps(bundle))
    assert read_bundle(tmp_path / "old.sig").key_hint is None
    result = check_signature(
        model, tmp_path / "old.sig", policy=PublicKeyPolicy(key=key.public_key())
    )
    assert result.problems == ()
    other = make_key()
    result = check_signature(
        model, tmp_path / "old.sig", policy=PublicKeyPolicy(key=other.public_key())
    )
    assert [p.rule for p in result.problems] == ["wrong-key"]
    assert key_hint(key.public_key()) != key_hint(other.public_key())


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        ([], "not an object"),
        ({"mediaType": "text/plain"}, "not a Sigstore bundle"),
        (
            {
                "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                "verificationMaterial": {},
                "dsseEnvelope": {
                    "payload": "e30=",
                    "payloadType": "x",
                    "signatures": [{"sig": "AA=="}],
                },
            },
            "no verification material",
        ),
        (
            {
                "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                "verificationMaterial": {"publicKey": {"hint": "ab"}},
                "dsseEnvelope": {
                    "payload": "!!!",
                    "payloadType": "x",
                    "signatures": [{"sig": "AA=="}],
                },
            },
            "base64",
        ),
        (
            {
                "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                "verificationMaterial": {"publicKey": {"hint": "ab"}},
                "dsseEnvelope": {"payload": "e30=", "payloadType": "x", "signatures": []},
            },
            "no DSSE signature",
        ),
    ],
)
def test_malformed_bundles(bundle: Any, message: str) -> None:
    with pytest.raises(IntegrityError, match=message):
        parse_bundle(bundle)


def test_deeply_nested_or_huge_signature_files_are_input_errors(tmp_path: Path) -> None:
    deep = tmp_path / "deep.sig"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(IntegrityError):
        read_bundle(deep)
