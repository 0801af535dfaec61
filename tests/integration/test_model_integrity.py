"""``chainward model hash|sign|verify|lock`` through ``cli.main``: JSON and exit codes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture
def keys(tmp_path: Path) -> tuple[str, str]:
    key = make_key("p256")
    return (str(write_private(tmp_path / "k.pem", key)), str(write_public(tmp_path / "k.pub", key)))


def test_hash_json(cli: Any, tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    result = cli("model", "hash", str(model), "--format", "json")
    assert result.code == 0, result.stderr
    doc = result.json()
    names = [r["name"] for r in doc["resources"]]
    assert names[:3] == ["a-c", "a.b", "a/b"] and ".gitattributes" not in names
    root = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in doc["resources"]))
    assert doc["root_digest"] == root.hexdigest()
    sharded = cli(
        "model", "hash", str(model), "--shard-size", "64KiB", "--hash", "blake3", "-f", "json"
    ).json()
    assert sharded["method"] == "shards" and sharded["shard_size"] == 65536
    assert "model.safetensors:65536:131072" in [r["name"] for r in sharded["resources"]]


def test_sign_verify_and_tampering(cli: Any, tmp_path: Path, keys: tuple[str, str]) -> None:
    priv, pub = keys
    model = make_model(tmp_path / "m")
    sig = str(tmp_path / "m.sig")
    signed = cli("model", "sign", str(model), "--key", priv, "--signature", sig, "-f", "json")
    assert signed.code == 0, signed.stderr
    assert signed.json()["method"] == "key" and signed.json()["resources"] == 6
    ok = cli("model", "verify", str(model), "--signature", sig, "--key", pub, "-f", "json")
    assert ok.code == 0 and ok.json()["valid"] is True and ok.json()["files"]["checked"] == 6
    (model / "a.b").write_bytes(b"DOT")
    (model / "config.json").unlink()
    (model / "payload.pkl").write_bytes(b"\x80\x04N.")
    bad = cli("model", "verify", str(model), "--signature", sig, "--key", pub, "-f", "json")
    assert bad.code == 1
    doc = bad.json()
    assert doc["valid"] is False
    assert doc["files"] | {"checked": 0} == {
        "checked": 0,
        "changed": ["a.b"],
        "missing": ["config.json"],
        "extra": ["payload.pkl"],
    }
    assert {f["rule"] for f in doc["findings"]} == {"changed", "missing", "extra"}
    table = cli("model", "verify", str(model), "--signature", sig, "--key", pub)
    assert table.code == 1 and "payload.pkl" in table.stdout and "FAILED" in table.stdout


def test_wrong_key_is_exit_1(cli: Any, tmp_path: Path, keys: tuple[str, str]) -> None:
    priv, _ = keys
    model = make_model(tmp_path / "m")
    other = write_public(tmp_path / "other.pub", make_key("p384"))
    cli("model", "sign", str(model), "--key", priv, "--signature", str(tmp_path / "s"))
    result = cli(
        "model",
        "verify",
        str(model),
        "--signature",
        str(tmp_path / "s"),
        "--key",
        str(other),
        "-f",
        "json",
    )
    assert result.code == 1
    assert [f["rule"] for f in result.json()["findings"]] == ["wrong-key"]


def test_default_signature_path_and_compat(cli: Any, tmp_path: Path, keys: tuple[str, str]) -> None:
    priv, pub = keys
    model = make_model(tmp_path / "m")
    assert (
        cli(
            "model",
            "sign",
            str(model),
            "--key",
            priv,
            "--shard-size",
            "100000",
            "--compat",
            "model-signing",
        ).code
        == 0
    )
    assert (tmp_path / "m.sig").is_file()
    result = cli(
        "model",
        "verify",
        str(model),
        "--signature",
        str(tmp_path / "m.sig"),
        "--key",
        pub,
        "-f",
        "json",
    )
    assert result.code == 0
    assert result.json()["signature"]["serialization"]["shard_size"] == 100000


def test_certificate_identity_and_expiry(cli: Any, tmp_path: Path) -> None:
    model = make_model(tmp_path / "m")
    pki = make_pki(tmp_path)
    sig = str(tmp_path / "m.sig")
    signed = cli(
        "model",
        "sign",
        str(model),
        "--key",
        str(pki.leaf_key_pem),
        "--cert",
        str(pki.leaf_pem),
        "--cert-chain",
        str(pki.chain_pem),
        "--signature",
        sig,
    )
    assert signed.code == 0, signed.stderr
    base = ["model", "verify", str(model), "--signature", sig, "--cert-chain", str(pki.root_pem)]
    ok = cli(*base, "--identity", "ml-team@example.com", "-f", "json")
    assert ok.code == 0, ok.stdout
    assert ok.json()["signature"]["identities"] == ["ml-team@example.com", "ml-team"]
    wrong = cli(*base, "--identity", "eve@example.com", "-f", "json")
    assert wrong.code == 1 and wrong.json()["findings"][0]["rule"] == "identity-mismatch"
    cert, key = pki.leaf_files(tmp_path, "old", not_before=NOW - 30 * DAY, not_after=NOW - DAY)
    refused = cli(
        "model",
        "sign",
        str(model),
        "--key",
        str(key),
        "--cert",
        str(cert),
        "--signature",
        str(tmp_path / "old.sig"),
    )
    assert refused.code == 2 and "expired" in refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--signature", "NOPE", "--key", "{pub}"], "cannot read signature"),
        (["--signature", "{junk}", "--key", "{pub}"], "not a JSON Sigstore bundle"),
        (["--signature", "{sig}"], "needs --key or --cert-chain"),
        (["--signature", "{sig}", "--key", "{pub}", "--lock", "x"], "give one of"),
        ([], "nothing to verify against"),
        (["--signature", "{sig}", "--key", "{junk}"], "not a PEM public key"),
    ],
)
def test_usage_and_input_errors_are_exit_2(
    cli: Any, tmp_path: Path, keys: tuple[str, str], args: list[str], message: str
) -> None:
    priv, pub = keys
    model = make_model(tmp_path / "m")
    junk = tmp_path / "junk"
    junk.write_text("{ not json")
    sig = tmp_path / "m.sig"
    cli("model", "sign", str(model), "--key", priv, "--signature", str(sig))
    values = {"pub": pub, "junk": str(junk), "sig": str(sig)}
    result = cli("model", "verify", str(model), *[a.format(**values) for a in args])
    assert result.code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_escaping_symlink_is_exit_2(cli: Any, tmp_path: Path, keys: tuple[str, str]) -> None:
    model = make_model(tmp_path / "m")
    (tmp_path / "passwd").write_text("root:x:0:0")
    (model / "leak").symlink_to(tmp_path / "passwd")
    result = cli("model", "sign", str(model), "--key", keys[0])
    assert result.code == 2 and "outside the model folder" in result.stderr


def test_lock_and_verify_local(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_model(tmp_path / "models" / "bert")
    result = cli("model", "lock", "models/bert", "-o", "models.lock", "-f", "json")
    assert result.code == 0, result.stderr
    entry = result.json()["models"][0]
    assert entry["source"] == "local" and entry["path"] == "models/bert" and entry["files"] == 6
    assert "[[models.files]]" in (tmp_path / "models.lock").read_text()
    ok = cli("model", "verify", "models/bert", "--lock", "models.lock", "-f", "json")
    assert ok.code == 0 and ok.json()["files"]["hashed"] == 0
    (tmp_path / "models" / "bert" / "a-c").write_bytes(b"evil")
    drift = cli("model", "verify", "models/bert", "--lock", "models.lock", "-f", "json")
    assert drift.code == 1 and drift.json()["files"]["changed"] == ["a-c"]
    full = cli("model", "verify", "models/bert", "--lock", "models.lock", "--full", "-f", "json")
    assert full.code == 1 and full.json()["files"]["hashed"] == 6
    missing = cli("model", "verify", str(tmp_path), "--lock", "models.lock")
    assert missing.code == 2 and "not in the lock file" in missing.stderr


def test_lock_hf_repo_and_unpinned_revision(cli: Any, tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    snap = make_hf_cache(
        cache, "org/tiny", {"config.json": (b"{}", False), "model.safetensors": (b"w" * 3000, True)}
    )
    lock = tmp_path / "models.lock"
    result = cli(
        "model", "lock", "org/tiny", "--cache-dir", str(cache), "-o", str(lock), "-f", "json"
    )
    assert result.code == 0, result.stderr
    assert result.json()["models"][0]["revision"] == snap.name
    ok = cli("model", "verify", "org/tiny", "--lock", str(lock), "--cache-dir", str(cache))
    assert ok.code == 0, ok.stdout + ok.stderr
    assert cli("model", "verify", str(snap), "--lock", str(lock)).code == 0
    lock.write_text(lock.read_text().replace(f'revision = "{snap.name}"', 'revision = "main"'))
    unpinned = cli("model", "verify", str(snap), "--lock", str(lock), "-f", "json")
    assert unpinned.code == 1
    assert [f["rule"] for f in unpinned.json()["findings"]] == ["unpinned-revision"]
    absent = cli("model", "lock", "org/absent", "--cache-dir", str(cache), "-o", str(lock))
    assert absent.code == 2 and "not in the local Hugging Face cache" in absent.stderr


def test_verify_hf_cache(cli: Any, tmp_path: Path) -> None:
    cache = tmp_path / "hub"
    snap = make_hf_cache(
        cache, "org/tiny", {"config.json": (b"{}", False), "model.safetensors": (b"w" * 3000, True)}
    )
    clean = cli("model", "verify", str(cache), "-f", "json")
    assert clean.code == 0 and clean.json()["mode"] == "hf-cache"
    assert clean.json()["blobs_checked"] == 2
    (snap / "model.safetensors").resolve().write_bytes(b"x" * 3000)
    tampered = cli("model", "verify", str(snap), "--hf-cache", "-f", "json")
    assert tampered.code == 1
    assert [f["location"] for f in tampered.json()["findings"]] == [
        f"{snap}/snapshots/{snap.name}/model.safetensors"
    ]


def test_json_stdout_is_only_the_document(cli: Any, tmp_path: Path, keys: tuple[str, str]) -> None:
    model = make_model(tmp_path / "m")
    result = cli("model", "sign", str(model), "--key", keys[0], "-f", "json")
    json.loads(result.stdout)


def test_lock_records_format_and_scanner_verdict(cli: Any, tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "bert"}')
    # an inert look-alike of a malicious pickle: os.system("true"), never loaded
    (model / "extra.pkl").write_bytes(b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00true\x85R.")
    lock = tmp_path / "models.lock"
    result = cli("model", "lock", str(model), "-o", str(lock), "-f", "json")
    assert result.code == 0, result.stderr
    entry = result.json()["models"][0]
    assert entry["verdict"] == "unsafe"
    from chainward.integrity.lock import read_lock

    files = {f.path: f for f in read_lock(lock).models[0].files}
    assert files["extra.pkl"].format == "pickle" and files["extra.pkl"].verdict == "unsafe"
    assert files["config.json"].verdict is None
    no_scan = cli("model", "lock", str(model), "-o", str(lock), "--no-scan", "-f", "json")
    assert no_scan.json()["models"][0]["verdict"] is None


def test_keyless_options_fail_cleanly_offline(
    cli: Any, tmp_path: Path, keys: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyless Sigstore needs its services; offline, every path ends in a clear exit 2 or 1.

    Nothing here opens a connection: the checks below fail before any would be made.
    """
    pytest.importorskip("sigstore")
    for name in ("SIGSTORE_ID_TOKEN", "GITHUB_ACTIONS", "ACTIONS_ID_TOKEN_REQUEST_URL"):
        monkeypatch.delenv(name, raising=False)
    model = make_model(tmp_path / "m")
    no_token = cli("model", "sign", str(model), "--sigstore")
    assert no_token.code == 2 and "identity token" in no_token.stderr
    both = cli("model", "sign", str(model), "--sigstore", "--key", keys[0])
    assert both.code == 2 and "drop --key" in both.stderr
    sig = tmp_path / "m.sig"
    cli("model", "sign", str(model), "--key", keys[0], "--signature", str(sig))
    base = ["model", "verify", str(model), "--signature", str(sig), "--sigstore"]
    assert "needs --identity and --issuer" in cli(*base).stderr
    wrong = cli(
        *base, "--identity", "me@example.com", "--issuer", "https://issuer.example", "-f", "json"
    )
    assert wrong.code == 1 and wrong.json()["findings"][0]["rule"] == "wrong-method"
    bad_config = tmp_path / "trust.json"
    bad_config.write_text("{}")
    keyless = tmp_path / "keyless.sig"
    bundle = json.loads(sig.read_text())
    bundle["verificationMaterial"] = {"certificate": {"rawBytes": "AAAA"}, "tlogEntries": []}
    keyless.write_text(json.dumps(bundle))
    result = cli(
        "model",
        "verify",
        str(model),
        "--signature",
        str(keyless),
        "--sigstore",
        "--identity",
        "me@example.com",
        "--issuer",
        "https://issuer.example",
        "--trust-config",
        str(bad_config),
    )
    assert result.code == 2 and "trust config" in result.stderr


def test_encrypted_private_key(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = make_key("p384")
    priv = write_private(tmp_path / "enc.pem", key, password=b"s3cret")
    pub = write_public(tmp_path / "enc.pub", key)
    model = make_model(tmp_path / "m")
    locked = cli("model", "sign", str(model), "--key", str(priv))
    assert locked.code == 2 and "encrypted" in locked.stderr
    monkeypatch.setenv("MODEL_KEY_PASSWORD", "s3cret")
    signed = cli(
        "model", "sign", str(model), "--key", str(priv), "--password-env", "MODEL_KEY_PASSWORD"
    )
    assert signed.code == 0, signed.stderr
    assert (
        cli(
            "model", "verify", str(model), "--signature", str(tmp_path / "m.sig"), "--key", str(pub)
        ).code
        == 0
    )
    monkeypatch.setenv("MODEL_KEY_PASSWORD", "wrong")
    wrong = cli(
        "model", "sign", str(model), "--key", str(priv), "--password-env", "MODEL_KEY_PASSWORD"
    )
    assert wrong.code == 2 and "Traceback" not in wrong.stderr


def test_verify_every_model_of_a_lock(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "hub"
    make_hf_cache(cache, "org/tiny", {"config.json": (b"{}", False)})
    make_model(tmp_path / "a")
    make_model(tmp_path / "b")
    assert (
        cli(
            "model", "lock", "a", "b", "org/tiny", "--cache-dir", str(cache), "-o", "models.lock"
        ).code
        == 0
    )
    ok = cli("model", "verify", "--lock", "models.lock", "--cache-dir", str(cache), "-f", "json")
    assert ok.code == 0, ok.stdout + ok.stderr
    assert ok.json()["path"] is None and len(ok.json()["models"]) == 3
    (tmp_path / "b" / "a.b").write_text("changed")
    import shutil

    shutil.rmtree(tmp_path / "a")
    bad = cli("model", "verify", "--lock", "models.lock", "--cache-dir", str(cache), "-f", "json")
    assert bad.code == 1
    assert {(f["rule"], f["location"]) for f in bad.json()["findings"]} == {
        ("missing-model", "a"),
        ("changed", "b/a.b"),
    }
    assert cli("model", "verify").code == 2


def test_sign_warns_about_forms_model_signing_cannot_verify(
    cli: Any, tmp_path: Path, keys: tuple[str, str]
) -> None:
    model = make_model(tmp_path / "m")
    spec = cli("model", "sign", str(model), "--key", keys[0], "--shard-size", "64KiB")
    assert spec.code == 0 and "--compat model-signing" in spec.stderr
    compat = cli(
        "model",
        "sign",
        str(model),
        "--key",
        keys[0],
        "--shard-size",
        "64KiB",
        "--compat",
        "model-signing",
    )
    assert compat.code == 0 and "warning" not in compat.stderr
    ed = write_private(tmp_path / "ed.pem", make_key("ed25519"))
    assert "Ed25519" in cli("model", "sign", str(model), "--key", str(ed)).stderr
