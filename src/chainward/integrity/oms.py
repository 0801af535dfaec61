"""The OpenSSF model signing (OMS) v1.0 on-disk format: statement, DSSE envelope, bundle.

Format only, no cryptography. Writing follows the specification (ossf
model-signing-spec v1.0). Reading is tolerant where published producers differ,
as the specification's §11 asks, and as model-signing 1.1.1 needs:

* ``publicKey.hint`` or the pre-1.1 ``rawBytes``; ``keyid`` absent, ``""`` or null;
* ``shard_size`` written as a float (protobuf ``Struct``) when integral;
* shard ``algorithm`` ``"sha256-sharded-N"`` instead of the ``hash_type``;
* ``hash_type`` ``"blake2"`` for ``"blake2b"``; ``allow_symlinks`` as the string
  ``"false"``/``"true"``;
* the single-file resource named ``"."`` instead of the file name;
* resources not in code point order: the root digest is recomputed over the
  *listed* order (model-signing sorts by path components);
* the deprecated ``https://model_signing/Digests/v0.1`` predicate.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainward.integrity.errors import IntegrityError
from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.manifest import (
    Manifest,
    Resource,
    Serialization,
    check_resource_path,
    split_resource_name,
)
from chainward.integrity.walk import normalize_ignore

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model_signing/signature/v1.0"
PREDICATE_TYPE_V01 = "https://model_signing/Digests/v0.1"

_MAX_BUNDLE_BYTES = 256 * 1024 * 1024
_URLSAFE_B64 = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


def pae(payload: bytes, payload_type: str = PAYLOAD_TYPE) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def pae_model_signing_v02(payload: bytes, payload_type: str = PAYLOAD_TYPE) -> bytes:
    """The buggy PAE of model-signing 0.2 (accepted when verifying, never produced)."""
    return f"DSSEV1 {len(payload_type)} {payload_type} {len(payload)} {payload!r}".encode()


def statement_for(manifest: Manifest) -> dict[str, Any]:
    """The in-toto statement of a manifest, as OMS §6.6 assembles it."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": manifest.model_name, "digest": {"sha256": manifest.root_digest()}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "resources": [
                {"name": r.name, "algorithm": r.algorithm, "digest": r.digest}
                for r in manifest.resources
            ],
            "serialization": manifest.serialization.as_dict(),
        },
    }


def encode_payload(manifest: Manifest) -> bytes:
    return json.dumps(statement_for(manifest), ensure_ascii=False, indent=2).encode("utf-8")


@dataclass(frozen=True)
class Bundle:
    """A parsed OMS bundle; nothing in it is trusted until a policy has verified it."""

    payload: bytes
    payload_type: str
    signatures: tuple[bytes, ...]
    key_hint: str | None = None
    key_raw: bytes | None = None
    certificates: tuple[bytes, ...] = ()
    sigstore_certificate: bytes | None = None
    has_tlog: bool = False
    raw: dict[str, Any] | None = None

    @property
    def method(self) -> str:
        if self.sigstore_certificate is not None:
            return "sigstore"
        if self.certificates:
            return "certificate"
        return "key"


def make_bundle(
    payload: bytes,
    signature: bytes,
    *,
    key_hint: str | None = None,
    certificates: tuple[bytes, ...] = (),
) -> dict[str, Any]:
    """The bundle JSON for the key (``key_hint``) or certificate method."""
    material: dict[str, Any]
    if certificates:
        chain = [{"rawBytes": base64.b64encode(c).decode()} for c in certificates]
        material = {"x509CertificateChain": {"certificates": chain}, "tlogEntries": []}
    else:
        material = {"publicKey": {"hint": key_hint or ""}, "tlogEntries": []}
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": material,
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{"sig": base64.b64encode(signature).decode(), "keyid": ""}],
        },
    }


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise IntegrityError(f"malformed signature bundle: {what} is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        pass
    if not _URLSAFE_B64.match(value):
        raise IntegrityError(f"malformed signature bundle: {what} is not base64")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise IntegrityError(f"malformed signature bundle: {what} is not base64") from None


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IntegrityError(f"malformed signature bundle: {what} is not an object")
    return value


def read_bundle(path: Path) -> Bundle:
    """Parse a bundle file (no verification)."""
    try:
        if path.stat().st_size > _MAX_BUNDLE_BYTES:
            raise IntegrityError("signature file is too large", path=str(path))
        text = path.read_bytes()
    except OSError as exc:
        raise IntegrityError(f"cannot read signature: {exc.strerror}", path=str(path)) from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise IntegrityError("signature is not a JSON Sigstore bundle", path=str(path)) from None
    try:
        return parse_bundle(data)
    except IntegrityError as exc:
        raise IntegrityError(exc.message, path=str(path)) from None


def parse_bundle(data: Any) -> Bundle:
    data = _obj(data, "the bundle")
    media = data.get("mediaType")
    if not isinstance(media, str) or not media.startswith("application/vnd.dev.sigstore.bundle"):
        raise IntegrityError(f"not a Sigstore bundle (mediaType {media!r})")
    material = _obj(data.get("verificationMaterial"), "verificationMaterial")
    envelope = _obj(data.get("dsseEnvelope"), "dsseEnvelope")
    payload = _b64(envelope.get("payload"), "payload")
    payload_type = envelope.get("payloadType")
    if not isinstance(payload_type, str):
        raise IntegrityError("malformed signature bundle: payloadType missing")
    raw_sigs = envelope.get("signatures")
    if not isinstance(raw_sigs, list) or not raw_sigs:
        raise IntegrityError("malformed signature bundle: no DSSE signature")
    signatures = tuple(_b64(_obj(s, "signature").get("sig"), "signature") for s in raw_sigs)
    hint = raw = None
    certificates: tuple[bytes, ...] = ()
    sigstore_cert = None
    if "publicKey" in material:
        key = _obj(material["publicKey"], "publicKey")
        hint_value = key.get("hint")
        hint = hint_value.lower() if isinstance(hint_value, str) and hint_value else None
        if key.get("rawBytes"):
            raw = _b64(key["rawBytes"], "publicKey.rawBytes")
    elif "x509CertificateChain" in material:
        chain = _obj(material["x509CertificateChain"], "x509CertificateChain")
        certs = chain.get("certificates")
        if not isinstance(certs, list) or not certs:
            raise IntegrityError("malformed signature bundle: empty certificate chain")
        certificates = tuple(
            _b64(_obj(c, "certificate").get("rawBytes"), "certificate") for c in certs
        )
    elif "certificate" in material:
        sigstore_cert = _b64(
            _obj(material["certificate"], "certificate").get("rawBytes"), "certificate"
        )
    else:
        raise IntegrityError("malformed signature bundle: no verification material")
    tlog = material.get("tlogEntries")
    return Bundle(
        payload=payload,
        payload_type=payload_type,
        signatures=signatures,
        key_hint=hint,
        key_raw=raw,
        certificates=certificates,
        sigstore_certificate=sigstore_cert,
        has_tlog=isinstance(tlog, list) and bool(tlog),
        raw=data,
    )


def _bool(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise IntegrityError(f"malformed statement: {what} is not a boolean")


def _serialization(data: Any) -> Serialization:
    data = _obj(data, "predicate.serialization")
    method = data.get("method")
    if method not in ("files", "shards"):
        raise IntegrityError(f"unsupported serialization method {method!r}")
    hash_type = HashAlgorithm.parse(str(data.get("hash_type", "")))
    shard_size = None
    if method == "shards":
        value = data.get("shard_size")
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # model-signing writes it through a protobuf Struct
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise IntegrityError("malformed statement: shard_size is not a positive integer")
        shard_size = value
    ignores = data.get("ignore_paths", [])
    if not isinstance(ignores, list) or not all(isinstance(i, str) for i in ignores):
        raise IntegrityError("malformed statement: ignore_paths is not a list of paths")
    return Serialization(
        method=method,
        hash_type=hash_type,
        allow_symlinks=_bool(data.get("allow_symlinks", False), "allow_symlinks"),
        shard_size=shard_size,
        ignore_paths=tuple(normalize_ignore(i) for i in ignores),
    )


def _accepted_algorithms(ser: Serialization) -> set[str]:
    names = {ser.hash_type.value}
    if ser.hash_type is HashAlgorithm.BLAKE2B:
        names.add("blake2")
    if ser.shard_size is not None:
        names |= {f"{n}-sharded-{ser.shard_size}" for n in list(names)}
    return names


def parse_statement(payload: bytes, payload_type: str) -> Manifest:
    """The manifest a verified payload describes; malformed payloads raise."""
    if payload_type != PAYLOAD_TYPE:
        raise IntegrityError(f"unexpected DSSE payload type {payload_type!r}")
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        raise IntegrityError("signed payload is not JSON") from None
    data = _obj(data, "the statement")
    if data.get("_type") != STATEMENT_TYPE:
        raise IntegrityError(f"not an in-toto v1 statement ({data.get('_type')!r})")
    subjects = data.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise IntegrityError("malformed statement: no subject")
    predicate_type = data.get("predicateType")
    if predicate_type == PREDICATE_TYPE_V01:
        return _parse_v01(subjects)
    if predicate_type != PREDICATE_TYPE:
        raise IntegrityError(f"unsupported predicate type {predicate_type!r}")
    if len(subjects) != 1:
        raise IntegrityError("malformed statement: expected exactly one subject")
    subject = _obj(subjects[0], "subject")
    root = _obj(subject.get("digest"), "subject.digest").get("sha256")
    name = subject.get("name")
    predicate = _obj(data.get("predicate"), "predicate")
    ser = _serialization(predicate.get("serialization"))
    raw_resources = predicate.get("resources")
    if not isinstance(raw_resources, list) or not raw_resources:
        raise IntegrityError("malformed statement: no resources")
    accepted = _accepted_algorithms(ser)
    resources = []
    seen: set[str] = set()
    for item in raw_resources:
        item = _obj(item, "resource")
        rname, algorithm, digest = item.get("name"), item.get("algorithm"), item.get("digest")
        if not (isinstance(rname, str) and isinstance(algorithm, str) and isinstance(digest, str)):
            raise IntegrityError("malformed statement: resource without name, algorithm or digest")
        if algorithm not in accepted:
            raise IntegrityError(
                f"resource {rname!r} uses algorithm {algorithm!r}, "
                f"but the serialization says {ser.hash_type.value!r}"
            )
        try:
            bytes.fromhex(digest)
        except ValueError:
            raise IntegrityError(f"resource {rname!r} has a malformed digest") from None
        check_resource_path(split_resource_name(rname, ser)[0])
        if rname in seen:
            raise IntegrityError(f"resource {rname!r} is listed twice")
        seen.add(rname)
        resources.append(Resource(rname, algorithm, digest.lower()))
    manifest = Manifest(
        model_name=name if isinstance(name, str) else "",
        serialization=ser,
        resources=tuple(resources),
    )
    if not isinstance(root, str) or manifest.root_digest() != root.lower():
        raise IntegrityError("signed statement is inconsistent: root digest does not match")
    return manifest


def _parse_v01(subjects: list[Any]) -> Manifest:
    resources = []
    for subject in subjects:
        subject = _obj(subject, "subject")
        name = subject.get("name")
        digest = _obj(subject.get("digest"), "subject.digest").get("sha256")
        if not isinstance(name, str) or not isinstance(digest, str):
            raise IntegrityError("malformed v0.1 statement subject")
        check_resource_path(name)
        resources.append(Resource(name, "sha256", digest.lower()))
    ser = Serialization(method="files", hash_type=HashAlgorithm.SHA256)
    return Manifest(model_name="", serialization=ser, resources=tuple(resources))


__all__ = [
    "BUNDLE_MEDIA_TYPE",
    "PAYLOAD_TYPE",
    "PREDICATE_TYPE",
    "Bundle",
    "encode_payload",
    "make_bundle",
    "pae",
    "parse_bundle",
    "parse_statement",
    "read_bundle",
    "statement_for",
]
