"""``chainward model hash | sign | verify | lock``: model integrity on the command line.

Each command builds its configuration, calls one function of
:mod:`chainward.integrity`, and emits a report. Exit codes: 0 valid / clean, 1 any
tampering or drift (every file named), 2 unusable input.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chainward.cli.options import emit, is_quiet, report_options
from chainward.errors import ConfigError
from chainward.exitcodes import EXIT_FINDINGS, EXIT_OK
from chainward.integrity import certs
from chainward.integrity.errors import IntegrityError, Problem
from chainward.integrity.hashing import HashAlgorithm
from chainward.integrity.hfcache import check_cache, looks_like_repo_id, snapshot_of
from chainward.integrity.keyless import SigstorePolicy, SigstoreSigner
from chainward.integrity.keys import key_hint, load_private_key, load_public_key
from chainward.integrity.lock import (
    DEFAULT_LOCK_NAME,
    LockFile,
    check_lock,
    find_entry,
    lock_model,
    merge,
    model_scanner,
    read_lock,
    resolve_entry,
    resolve_target,
    write_lock,
)
from chainward.integrity.manifest import MODEL_SIGNING_COMPAT, SPEC, build_manifest
from chainward.integrity.policy import (
    AllOf,
    CertificatePolicy,
    IdentityPolicy,
    PublicKeyPolicy,
    VerificationPolicy,
)
from chainward.integrity.sign import CertificateSigner, KeySigner, Signer, sign_model
from chainward.integrity.signature import check_signature
from chainward.records import Finding, Location, Severity
from chainward.report.interface import Report, Section

_SIZE = re.compile(r"^\s*(\d+)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
}

_SEVERITY = {
    "bad-signature": Severity.CRITICAL,
    "wrong-key": Severity.CRITICAL,
    "wrong-method": Severity.CRITICAL,
    "untrusted-chain": Severity.CRITICAL,
    "identity-mismatch": Severity.CRITICAL,
    "issuer-mismatch": Severity.CRITICAL,
    "certificate-expired": Severity.HIGH,
    "certificate-not-yet-valid": Severity.HIGH,
    "key-usage": Severity.HIGH,
    "unpinned-revision": Severity.MEDIUM,
}


def parse_size(text: str) -> int:
    match = _SIZE.match(text)
    if not match:
        raise ConfigError(f"invalid size {text!r} (examples: 1000000000, 1G, 64MiB)")
    unit = (match.group(2) or "").lower().rstrip("b")
    value = int(match.group(1)) * _UNITS[unit]
    if value <= 0:
        raise ConfigError("the shard size must be positive")
    return value


def problem_finding(problem: Problem, path: str) -> Finding:
    subject = problem.subject or path
    return Finding(
        check="integrity",
        rule=problem.rule,
        severity=_SEVERITY.get(problem.rule, Severity.HIGH),
        message=problem.message,
        subject=subject,
        location=Location(
            f"{path.rstrip('/')}/{problem.subject}" if path and problem.subject else subject
        ),
    )


def findings_json(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "rule": f.rule,
            "severity": f.severity.label,
            "message": f.message,
            "location": str(f.location) if f.location else None,
        }
        for f in findings
    ]


def _problems_section(findings: Sequence[Finding], empty: str) -> Section:
    return Section(
        "Problems",
        ("rule", "severity", "message"),
        [(f.rule, f.severity.label, f.message) for f in findings],
        empty=empty,
    )


def _hash_option(func: Any) -> Any:
    return click.option(
        "--hash",
        "hash_name",
        type=click.Choice([a.value for a in HashAlgorithm], case_sensitive=False),
        default="sha256",
        show_default=True,
        help="File hash algorithm (blake3 needs the 'blake3' extra).",
    )(func)


def _workers_option(func: Any) -> Any:
    return click.option(
        "--workers",
        type=click.IntRange(1, 256),
        default=None,
        help="Hashing threads (default: one per CPU).",
    )(func)


def _manifest_options(func: Any) -> Any:
    """``--shard-size`` and ``--ignore-paths``: what the manifest covers, and how."""
    func = click.option(
        "--ignore-paths", "ignore", multiple=True, help="Leave out this relative path."
    )(func)
    return click.option(
        "--shard-size", default=None, help="Hash fixed-size shards of SIZE (e.g. 1G)."
    )(func)


def _cache_dir_option(func: Any) -> Any:
    return click.option(
        "--cache-dir",
        type=click.Path(path_type=Path),
        default=None,
        help="Hugging Face hub cache folder (default: HF_HUB_CACHE or ~/.cache).",
    )(func)


def _sigstore_options(func: Any) -> Any:
    func = click.option(
        "--sigstore-staging", is_flag=True, help="Use the Sigstore staging instance (testing)."
    )(func)
    return click.option(
        "--trust-config",
        type=click.Path(path_type=Path),
        default=None,
        help="Sigstore client trust configuration (private deployments).",
    )(func)


# -- hash -----------------------------------------------------------------------------


@click.command("hash")
@click.argument("path", type=click.Path(path_type=Path))
@_hash_option
@_manifest_options
@_workers_option
@report_options
def hash_command(
    path: Path,
    hash_name: str,
    shard_size: str | None,
    ignore: tuple[str, ...],
    workers: int | None,
    output_format: str,
    output: Path | None,
) -> int:
    """Hash a model file or folder (OMS manifest and root digest)."""
    started = time.perf_counter()
    manifest = build_manifest(
        path,
        algorithm=HashAlgorithm.parse(hash_name),
        shard_size=parse_size(shard_size) if shard_size else None,
        ignore=ignore,
        workers=workers,
    )
    seconds = time.perf_counter() - started
    ser = manifest.serialization
    document = {
        "path": str(path),
        "algorithm": ser.hash_type.value,
        "method": ser.method,
        "shard_size": ser.shard_size,
        "root_digest": manifest.root_digest(),
        "resources": [
            {"name": r.name, "algorithm": r.algorithm, "digest": r.digest}
            for r in manifest.resources
        ],
        "summary": {"resources": len(manifest.resources), "seconds": round(seconds, 3)},
    }
    section = Section(
        f"{path} ({ser.hash_type.value}, {ser.method})",
        ("name", "digest"),
        [(r.name, r.digest) for r in manifest.resources],
    )
    report = Report(
        kind="model-hash",
        document=document,
        sections=(section,),
        summary_lines=(f"root digest sha256:{manifest.root_digest()}",),
    )
    emit(report, output_format, output, quiet=is_quiet())
    return EXIT_OK


# -- sign -----------------------------------------------------------------------------


def _password(env: str | None) -> bytes | None:
    if env is None:
        return None
    value = os.environ.get(env)
    if value is None:
        raise ConfigError(f"environment variable {env} (--password-env) is not set")
    return value.encode()


@click.command("sign")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "key_path",
    default=None,
    type=click.Path(path_type=Path),
    help="PEM private key (ECDSA P-256/P-384/P-521 or Ed25519).",
)
@click.option(
    "--sigstore",
    "use_sigstore",
    is_flag=True,
    help="Keyless Sigstore signing (needs the Sigstore services and an OIDC token).",
)
@click.option(
    "--identity-token-env",
    default=None,
    help="Environment variable holding the OIDC identity token for --sigstore.",
)
@_sigstore_options
@click.option(
    "--password-env", default=None, help="Environment variable holding the key's password."
)
@click.option(
    "--signature",
    "signature",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the bundle (default: PATH.sig beside the model).",
)
@click.option(
    "--cert",
    "cert_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Signing certificate (PEM): use the certificate method.",
)
@click.option(
    "--cert-chain",
    "chain_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Issuing certificates to embed (PEM, repeatable).",
)
@_hash_option
@_manifest_options
@click.option(
    "--compat",
    type=click.Choice([SPEC, MODEL_SIGNING_COMPAT]),
    default=SPEC,
    show_default=True,
    help="'model-signing': also name single files '.' and shard digests "
    "'sha256-sharded-N', which model-signing 1.1.1 needs to verify them.",
)
@_workers_option
@report_options
def sign(
    path: Path,
    key_path: Path | None,
    use_sigstore: bool,
    identity_token_env: str | None,
    trust_config: Path | None,
    sigstore_staging: bool,
    password_env: str | None,
    signature: Path | None,
    cert_path: Path | None,
    chain_paths: tuple[Path, ...],
    hash_name: str,
    shard_size: str | None,
    ignore: tuple[str, ...],
    compat: str,
    workers: int | None,
    output_format: str,
    output: Path | None,
) -> int:
    """Sign a model in the OpenSSF model signing format."""
    signer: Signer
    if use_sigstore:
        if key_path is not None or cert_path is not None:
            raise ConfigError("--sigstore signs keylessly: drop --key/--cert")
        token = os.environ.get(identity_token_env) if identity_token_env else None
        if identity_token_env and not token:
            raise ConfigError(f"environment variable {identity_token_env} is not set")
        signer = SigstoreSigner(
            identity_token=token, trust_config=trust_config, staging=sigstore_staging
        )
        return _sign_and_report(
            path,
            signer,
            signature,
            hash_name,
            shard_size,
            ignore,
            compat,
            workers,
            output_format,
            output,
        )
    if key_path is None:
        raise ConfigError(
            "signing needs --key (with --cert for the certificate method) or --sigstore"
        )
    private_key = load_private_key(key_path, _password(password_env))
    if cert_path is not None:
        leaf = certs.load_certificates([cert_path])[0]
        signer = CertificateSigner(
            private_key=private_key, certificate=leaf, chain=certs.load_certificates(chain_paths)
        )
    elif chain_paths:
        raise ConfigError("--cert-chain needs --cert (the signing certificate)")
    else:
        signer = KeySigner(private_key=private_key)
    return _sign_and_report(
        path,
        signer,
        signature,
        hash_name,
        shard_size,
        ignore,
        compat,
        workers,
        output_format,
        output,
    )


def private_key_of(signer: Signer) -> object:
    return getattr(signer, "private_key", None)


def _sign_and_report(
    path: Path,
    signer: Signer,
    signature: Path | None,
    hash_name: str,
    shard_size: str | None,
    ignore: tuple[str, ...],
    compat: str,
    workers: int | None,
    output_format: str,
    output: Path | None,
) -> int:
    target = signature or path.with_name(path.name.rstrip("/") + ".sig")
    result = sign_model(
        path,
        signer=signer,
        signature=target,
        algorithm=HashAlgorithm.parse(hash_name),
        shard_size=parse_size(shard_size) if shard_size else None,
        ignore=ignore,
        flavour=compat,
        workers=workers,
    )
    manifest = result.manifest
    document = {
        "path": str(path),
        "signature": str(target),
        "method": result.method,
        "serialization": manifest.serialization.as_dict(),
        "root_digest": manifest.root_digest(),
        "resources": len(manifest.resources),
    }
    if isinstance(signer, KeySigner):
        document["key_hint"] = key_hint(signer.private_key.public_key())
    warnings: list[str] = []
    single = len(manifest.resources) == 1 and not path.is_dir()
    if compat == SPEC and (manifest.serialization.shard_size is not None or single):
        warnings.append(
            "model-signing 1.1.1 cannot verify specification-form "
            + ("shard" if manifest.serialization.shard_size else "single-file")
            + " signatures; sign with --compat model-signing if it has to"
        )
    if isinstance(private_key_of(signer), Ed25519PrivateKey):
        warnings.append("Ed25519 signatures cannot be verified by model-signing 1.1.1")
    report = Report(
        kind="model-sign",
        document=document,
        warnings=tuple(warnings),
        summary_lines=(
            f"signed {path} ({len(manifest.resources)} resources, {result.method} method) "
            f"-> {target}",
            f"root digest sha256:{manifest.root_digest()}",
        ),
    )
    emit(report, output_format, output, quiet=is_quiet())
    return EXIT_OK


# -- verify ---------------------------------------------------------------------------


def _signature_policy(
    key: Path | None,
    chain: tuple[Path, ...],
    identity: str | None,
    issuer: str | None,
    keyless: SigstorePolicy | None = None,
) -> VerificationPolicy:
    if keyless is not None:
        if key is not None or chain:
            raise ConfigError("--sigstore verifies keyless signatures: drop --key/--cert-chain")
        return keyless
    if key is not None and chain:
        raise ConfigError("give either --key or --cert-chain, not both")
    if key is not None:
        if identity or issuer:
            raise ConfigError("--identity/--issuer need a certificate signature (--cert-chain)")
        return PublicKeyPolicy(key=load_public_key(key))
    if not chain:
        raise ConfigError("verifying a signature needs --key or --cert-chain")
    policies: list[VerificationPolicy] = [
        CertificatePolicy(trust_anchors=certs.load_certificates(chain))
    ]
    if identity or issuer:
        if not identity:
            raise ConfigError("--issuer needs --identity")
        policies.append(IdentityPolicy(identity=identity, issuer=issuer))
    return AllOf(policies)


def _files_doc(
    changed: Sequence[str], missing: Sequence[str], extra: Sequence[str], checked: int, **more: int
) -> dict[str, Any]:
    return {
        "checked": checked,
        **more,
        "changed": list(changed),
        "missing": list(missing),
        "extra": list(extra),
    }


def _verify_report(
    path: str,
    mode: str,
    detail: dict[str, Any],
    problems: Sequence[Problem],
    summary: str,
    sections: Sequence[Section] = (),
) -> tuple[Report, int]:
    findings = [problem_finding(p, path) for p in problems]
    valid = not problems
    document = {
        "path": path,
        "mode": mode,
        "valid": valid,
        **detail,
        "findings": findings_json(findings),
        "summary": {"valid": valid, "problems": len(problems)},
    }
    verdict = "VALID" if valid else "FAILED"
    report = Report(
        kind="model-verify",
        document=document,
        findings=findings,
        sections=(*sections, _problems_section(findings, "none")),
        summary_lines=(f"{verdict}: {summary}",),
    )
    return report, EXIT_OK if valid else EXIT_FINDINGS


def _verify_signature(
    path: Path,
    signature: Path,
    policy: VerificationPolicy,
    ignore_unsigned: bool,
    workers: int | None,
) -> tuple[Report, int]:
    result = check_signature(
        path, signature, policy=policy, ignore_unsigned=ignore_unsigned, workers=workers
    )
    signer: dict[str, Any] = {"file": str(signature), "method": result.method}
    if result.bundle.certificates:
        leaf = certs.load_der(result.bundle.certificates[0])
        signer["identities"] = certs.identities(leaf)
        signer["issuer"] = leaf.issuer.rfc4514_string()
    elif result.bundle.key_hint:
        signer["key_hint"] = result.bundle.key_hint
    detail: dict[str, Any] = {"signature": signer}
    comparison = result.comparison
    if result.manifest is not None and comparison is not None:
        signer["root_digest"] = result.manifest.root_digest()
        signer["serialization"] = result.manifest.serialization.as_dict()
        detail["files"] = _files_doc(
            comparison.changed, comparison.missing, comparison.extra, len(comparison.checked)
        )
        summary = (
            f"{path}: {len(comparison.checked)} files checked against {signature} "
            f"({result.method} method)"
        )
    else:
        detail["files"] = None
        summary = f"{path}: the signer of {signature} is not accepted"
    return _verify_report(str(path), "signature", detail, result.problems, summary)


def _verify_lock(
    target: str, lock_path: Path, full: bool, cache_dir: Path | None, workers: int | None
) -> tuple[Report, int]:
    lock = read_lock(lock_path)
    resolved = resolve_target(target, lock_dir=lock_path.parent, cache_dir=cache_dir)
    entry = find_entry(lock, resolved)
    started = time.perf_counter()
    result = check_lock(resolved, entry, lock_path=lock_path, full=full, workers=workers)
    seconds = time.perf_counter() - started
    detail = {
        "lock": {
            "file": str(lock_path),
            "model": entry.name,
            "source": entry.source,
            "repo": entry.repo,
            "revision": entry.revision,
        },
        "files": _files_doc(
            result.changed, result.missing, result.extra, result.checked, hashed=result.hashed
        ),
    }
    summary = (
        f"{target}: {result.checked} files checked against {lock_path}, "
        f"{result.hashed} re-hashed in {seconds:.2f}s"
    )
    return _verify_report(target, "lock", detail, result.problems, summary)


def _verify_whole_lock(
    lock_path: Path, full: bool, cache_dir: Path | None, workers: int | None
) -> tuple[Report, int]:
    """Every model of the lock file, each where the lock says it is."""
    lock = read_lock(lock_path)
    if not lock.models:
        raise ConfigError("the lock file lists no models", path=str(lock_path))
    problems: list[Problem] = []
    models: list[dict[str, Any]] = []
    hashed = checked = 0
    for entry in lock.models:
        label = entry.repo or entry.path or entry.name
        try:
            resolved = resolve_entry(entry, lock_dir=lock_path.parent, cache_dir=cache_dir)
            if not resolved.root.exists():
                raise IntegrityError("no such model file or folder", path=str(resolved.root))
        except IntegrityError as exc:
            problem = Problem("missing-model", f"{label}: {exc.diagnostics()}", label)
            problems.append(problem)
            models.append(
                {
                    "model": entry.name,
                    "source": entry.source,
                    "repo": entry.repo,
                    "revision": entry.revision,
                    "valid": False,
                    "files": None,
                }
            )
            continue
        result = check_lock(resolved, entry, lock_path=lock_path, full=full, workers=workers)
        hashed += result.hashed
        checked += result.checked
        problems.extend(
            Problem(p.rule, f"{label}: {p.message}", f"{label}/{p.subject}")
            for p in result.problems
        )
        models.append(
            {
                "model": entry.name,
                "source": entry.source,
                "repo": entry.repo,
                "revision": entry.revision,
                "valid": not result.problems,
                "files": _files_doc(
                    result.changed,
                    result.missing,
                    result.extra,
                    result.checked,
                    hashed=result.hashed,
                ),
            }
        )
    detail = {"lock": {"file": str(lock_path)}, "models": models}
    summary = (
        f"{len(models)} models, {checked} files checked against {lock_path}, {hashed} re-hashed"
    )
    report, code = _verify_report("", "lock", detail, problems, summary)
    report.document["path"] = None
    return report, code


def _verify_cache(path: Path, workers: int | None) -> tuple[Report, int]:
    result = check_cache(path, workers=workers)
    detail = {
        "repos": list(result.repos),
        "blobs_checked": result.blobs_checked,
        "links_checked": result.links_checked,
    }
    summary = (
        f"{path}: {len(result.repos)} cached repositories, {result.blobs_checked} blobs "
        f"and {result.links_checked} snapshot files checked"
    )
    return _verify_report(str(path), "hf-cache", detail, result.problems, summary)


def _is_hf_cache(path: Path) -> bool:
    if snapshot_of(path) is not None:
        return True
    if (path / "blobs").is_dir() and (path / "snapshots").is_dir():
        return True
    return path.is_dir() and any(
        p.name.startswith(("models--", "datasets--", "spaces--")) for p in path.iterdir()
    )


@click.command("verify")
@click.argument("path", required=False)
@click.option(
    "--signature",
    type=click.Path(path_type=Path),
    default=None,
    help="OMS signature bundle to verify against.",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(path_type=Path),
    default=None,
    help="PEM public key the model must be signed with.",
)
@click.option(
    "--cert-chain",
    "chain_paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Trusted CA certificate(s) (PEM) for certificate signatures.",
)
@click.option(
    "--identity",
    default=None,
    help="Required signer identity (certificate SAN email/URI/DNS or subject CN).",
)
@click.option(
    "--issuer",
    default=None,
    help="Required certificate issuer (CN or DN); with --sigstore, the OIDC issuer.",
)
@click.option(
    "--sigstore",
    "use_sigstore",
    is_flag=True,
    help="Verify a keyless Sigstore signature (needs --identity and --issuer).",
)
@_sigstore_options
@click.option(
    "--ignore-unsigned-files",
    is_flag=True,
    help="Do not fail on files the signature does not cover.",
)
@click.option(
    "--lock",
    "lock_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Model lock file to verify against.",
)
@click.option("--full", is_flag=True, help="Re-hash every file (ignore the verified-state cache).")
@click.option(
    "--hf-cache",
    "hf_cache",
    is_flag=True,
    help="Check a Hugging Face cache (blobs against their names, snapshot links).",
)
@_cache_dir_option
@_workers_option
@report_options
def verify(
    path: str | None,
    signature: Path | None,
    key_path: Path | None,
    chain_paths: tuple[Path, ...],
    identity: str | None,
    issuer: str | None,
    use_sigstore: bool,
    trust_config: Path | None,
    sigstore_staging: bool,
    ignore_unsigned_files: bool,
    lock_path: Path | None,
    full: bool,
    hf_cache: bool,
    cache_dir: Path | None,
    workers: int | None,
    output_format: str,
    output: Path | None,
) -> int:
    """Verify a model against a signature, a lock file, or the Hugging Face cache."""
    modes = sum(x for x in (signature is not None, lock_path is not None, hf_cache))
    if modes > 1:
        raise ConfigError("give one of --signature, --lock or --hf-cache")
    if path is None:
        if lock_path is None:
            raise ConfigError("give the model PATH (only --lock can verify without one)")
        report, code = _verify_whole_lock(lock_path, full, cache_dir, workers)
    elif signature is not None:
        keyless = None
        if use_sigstore:
            if not identity or not issuer:
                raise ConfigError("--sigstore needs --identity and --issuer")
            keyless = SigstorePolicy(
                identity=identity,
                issuer=issuer,
                trust_config=trust_config,
                staging=sigstore_staging,
            )
        policy = _signature_policy(key_path, chain_paths, identity, issuer, keyless)
        report, code = _verify_signature(
            Path(path), signature, policy, ignore_unsigned_files, workers
        )
    elif lock_path is not None:
        report, code = _verify_lock(path, lock_path, full, cache_dir, workers)
    elif hf_cache or _is_hf_cache(Path(path)):
        report, code = _verify_cache(Path(path), workers)
    elif key_path is not None or chain_paths:
        raise ConfigError("--key/--cert-chain need --signature FILE")
    else:
        raise ConfigError("nothing to verify against: give --signature, --lock or --hf-cache")
    emit(report, output_format, output, quiet=is_quiet())
    return code


# -- lock -----------------------------------------------------------------------------


@click.command("lock")
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    "lock_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(DEFAULT_LOCK_NAME),
    show_default=True,
    help="Lock file to write (entries for other models in it are kept).",
)
@_hash_option
@_cache_dir_option
@click.option("--no-scan", is_flag=True, help="Do not record the model scanner's verdict.")
@_workers_option
@click.option(
    "--format",
    "-f",
    "output_format",
    type=click.Choice(["table", "json", "markdown"], case_sensitive=False),
    default="table",
    show_default=True,
    help="Report format (on stdout).",
)
def lock(
    targets: tuple[str, ...],
    lock_path: Path,
    hash_name: str,
    cache_dir: Path | None,
    no_scan: bool,
    workers: int | None,
    output_format: str,
) -> int:
    """Write a model lock file: PATH or Hugging Face ORG/NAME[@REVISION], repeatable."""
    algorithm = HashAlgorithm.parse(hash_name)
    existing = read_lock(lock_path) if lock_path.exists() else LockFile()
    scanner = None if no_scan else model_scanner()
    entries = []
    for target in targets:
        if not Path(target).exists() and not looks_like_repo_id(target):
            raise ConfigError(f"{target}: no such path, and not a Hugging Face repo id")
        resolved = resolve_target(target, lock_dir=lock_path.parent, cache_dir=cache_dir)
        entries.append(
            lock_model(
                resolved, algorithm=algorithm, lock_path=lock_path, scanner=scanner, workers=workers
            )
        )
    write_lock(lock_path, merge(existing, entries))
    models = [
        {
            "name": m.name,
            "source": m.source,
            "path": m.path,
            "repo": m.repo,
            "revision": m.revision,
            "format": m.format,
            "verdict": m.verdict,
            "files": len(m.files),
            "size": sum(f.size for f in m.files),
            "root_digest": m.root_digest(),
        }
        for m in entries
    ]
    rows = [
        (m.name, m.source, m.revision or "", str(len(m.files)), m.format or "", m.verdict or "")
        for m in entries
    ]
    section = Section(
        f"Locked in {lock_path}",
        ("model", "source", "revision", "files", "format", "verdict"),
        rows,
    )
    report = Report(
        kind="model-lock", document={"lock": str(lock_path), "models": models}, sections=(section,)
    )
    emit(report, output_format, None, quiet=is_quiet())
    return EXIT_OK


__all__ = ["hash_command", "lock", "sign", "verify"]
