"""The monitoring server end to end: real uvicorn on loopback, the CLI, webhooks, limits."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import OSV_UPDATE, asset, run_cli
from tests.unit.monitor.support import (
    Receiver,
    ServerProcess,
    finding_ids,
    ids_in,
    make_inventory,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    home = tmp_path_factory.mktemp("monitor-home")
    process = ServerProcess(home, env={"CHAINWARD_MAX_UPLOAD_MB": "1"}).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def tokens(server: ServerProcess) -> dict[str, str]:
    return {scope: server.token(scope) for scope in ("read", "write", "admin")}


@pytest.fixture
def as_cli(server: ServerProcess, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CHAINWARD_SERVER", server.url)
    monkeypatch.setenv("CHAINWARD_TOKEN", tokens["admin"])
    return run_cli


def test_health_is_open_everything_else_needs_a_token(
    server: ServerProcess, tokens: dict[str, str]
) -> None:
    assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
    spec = httpx.get(server.url + "/openapi.json").json()
    assert (
        "/api/v1/sboms" in spec["paths"] and "HTTPBearer" in spec["components"]["securitySchemes"]
    )
    for path in ("/api/v1/portfolio", "/api/v1/projects", "/api/v1/components?name=x"):
        response = httpx.get(server.url + path)
        assert response.status_code == 401 and "Bearer" in response.json()["detail"]
    bad = httpx.get(server.url + "/api/v1/projects", headers={"Authorization": "Bearer cw_nope"})
    assert bad.status_code == 401
    with server.client(tokens["read"]) as reader:
        assert reader.get("/api/v1/projects").status_code == 200
        denied = reader.post("/api/v1/sboms", params={"project": "x"}, content=b"{}")
        assert denied.status_code == 403 and "'write'" in denied.json()["detail"]
    with server.client(tokens["write"]) as writer:
        assert (
            writer.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:1/"}).status_code == 403
        )
    # Dashboard pages send an anonymous visitor to the sign-in page.
    page = httpx.get(server.url + "/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("name", "fmt"), [("service.cdx.json", "cyclonedx"), ("service.spdx.json", "spdx")]
)
def test_sbom_uploads_match_chainward_audit(
    server: ServerProcess, tokens: dict[str, str], name: str, fmt: str
) -> None:
    with server.client(tokens["write"]) as client:
        response = client.post(
            "/api/v1/sboms",
            params={"project": f"svc-{fmt}", "version": "1"},
            content=asset("monitor", name).read_bytes(),
        )
        assert response.status_code == 201, response.text
        assert response.json()["format"] == fmt and response.json()["components"] == 5
        status = client.get(f"/api/v1/projects/svc-{fmt}/status").json()
    local = run_cli(
        "audit", str(asset("monitor", "project", "requirements.txt")), "--format", "json"
    ).json()
    served = {
        (d["name"], v["id"], tuple(v["aliases"]))
        for d in status["dependencies"]
        for v in d["vulns"]
    }
    audited = {
        (d["name"], v["id"], tuple(v["aliases"])) for d in local["dependencies"] for v in d["vulns"]
    }
    assert served == audited and served
    assert set(status["summary"]) >= set(local["summary"]) - {"database"}


def test_multipart_upload(server: ServerProcess, tokens: dict[str, str]) -> None:
    with server.client(tokens["write"]) as client:
        files = {"file": ("bom.json", asset("monitor", "service.cdx.json").read_bytes())}
        response = client.post("/api/v1/sboms", params={"project": "multi"}, files=files)
        assert response.status_code == 201, response.text
        empty = client.post(
            "/api/v1/sboms", params={"project": "multi"}, files={"other": ("x", b"{}")}
        )
        assert empty.status_code == 400 and "file" in empty.json()["detail"]


BAD_BODIES = [
    (b"", "empty"),
    (b"not json", "not valid JSON"),
    (b"\xff\xfe\x00", "UTF-8"),
    (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
    (b'{"components": [{"name": 1, "version": "1"}]}', "must be a string"),
    (b'{"spdxVersion": "SPDX-9.9"}', "SPDX"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
def test_malformed_uploads_get_a_clear_4xx(
    server: ServerProcess, tokens: dict[str, str], body: bytes, message: str
) -> None:
    with server.client(tokens["write"]) as client:
        response = client.post(
            "/api/v1/sboms",
            params={"project": "bad"},
            content=body,
            headers={"Content-Type": "application/json"},
        )
    assert 400 <= response.status_code < 500, response.text
    assert message in response.json()["detail"]


def test_oversized_uploads_get_413(server: ServerProcess, tokens: dict[str, str]) -> None:
    big = json.dumps(
        {"components": [{"name": f"p{i}", "version": "1.0"} for i in range(40_000)]}
    ).encode()
    assert len(big) > 1024 * 1024
    with server.client(tokens["write"]) as client:
        declared = client.post("/api/v1/sboms", params={"project": "big"}, content=big)

        def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
            for start in range(0, len(big), 65536):
                yield big[start : start + 65536]

        streamed = client.post("/api/v1/sboms", params={"project": "big"}, content=chunks())
        assert client.get("/api/v1/projects/big").status_code == 404
    for response in (declared, streamed):
        assert response.status_code == 413
        assert "limit for this endpoint is 1 MiB" in response.json()["detail"]


def test_bad_parameters_are_4xx(server: ServerProcess, tokens: dict[str, str]) -> None:
    with server.client(tokens["admin"]) as client:
        assert client.post("/api/v1/sboms", content=b"{}").status_code == 422
        assert (
            client.post(
                "/api/v1/sboms", params={"project": "a/b"}, content=make_inventory({})
            ).status_code
            == 400
        )
        assert client.get("/api/v1/projects/none-such/findings").status_code == 404
        assert (
            client.get("/api/v1/components", params={"name": "x", "specifier": "<<1"}).status_code
            == 400
        )
        assert client.get("/api/v1/models", params={"sha256": "xyz"}).status_code == 400
        assert (
            client.post("/api/v1/webhooks", json={"url": "file:///etc/passwd"}).status_code == 400
        )
        assert (
            client.post(
                "/api/v1/suppressions",
                json={"advisory": "X", "state": "not_affected", "justification": " "},
            ).status_code
            == 400
        )
        assert (
            client.post(
                "/api/v1/sync", content=b"garbage", headers={"Content-Type": "application/zip"}
            ).status_code
            == 400
        )
        bad_zip = client.post(
            "/api/v1/sync", content=b"PK\x03\x04broken", headers={"Content-Type": "application/zip"}
        )
        assert bad_zip.status_code == 400 and "zip" in bad_zip.json()["detail"]


def _drain(server: ServerProcess) -> None:
    """Wait until the server's outbox has nothing left to deliver."""
    with server.client(os.environ["CHAINWARD_TOKEN"]) as client:
        deadline = time.monotonic() + 30
        while any(h["pending"] for h in client.get("/api/v1/webhooks").json()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    time.sleep(0.1)  # the receiver records a delivery before the server marks it


def test_cli_push_webhook_sync_status(server: ServerProcess, as_cli: Any, tmp_path: Path) -> None:
    receiver = Receiver()
    try:
        added = as_cli("monitor", "webhook", "add", receiver.url, "--secret", "hush")
        assert added.code == 0, added.stderr
        pushed = as_cli(
            "monitor",
            "push",
            str(asset("monitor", "project")),
            "--project",
            "cli",
            "--format",
            "json",
        )
        assert pushed.code == 0, pushed.stderr
        assert pushed.json()["format"] == "inventory" and pushed.json()["components"] == 5
        before = as_cli("monitor", "status", "--project", "cli", "--format", "json")
        assert before.code == 1  # findings at or above the default threshold
        ids_before = ids_in(before.json())
        assert "PYSEC-2024-60" not in ids_before
        _drain(server)
        count = len(receiver.deliveries)

        synced = as_cli("monitor", "sync", "--from", str(OSV_UPDATE), "--format", "json")
        assert synced.code == 0, synced.stderr
        assert synced.json()["imported"]["added"] == 20
        after = as_cli("monitor", "status", "--project", "cli", "--format", "json").json()
        ids_after = ids_in(after)
        assert {"PYSEC-2024-60", "PYSEC-2023-207", "GHSA-34jh-p97f-mpxf"} <= ids_after - ids_before
        _drain(server)
        payloads = receiver.payloads()
        new = [
            p
            for p in payloads[count:]
            if p["event"] == "new_finding" and p["project"]["name"] == "cli"
        ]
        assert len(new) == 1
        assert len(new[0]["findings"]) == 3
        assert finding_ids(new[0]["findings"]) == ids_after - ids_before
        fixed = [
            p
            for p in payloads[count:]
            if p["event"] == "fixed_finding" and p["project"]["name"] == "cli"
        ]
        assert [f["id"] for f in fixed[0]["findings"]] == ["PYSEC-2020-148"]
        from chainward.monitor.notify import SIGNATURE_HEADER, verify_signature

        assert all(
            verify_signature("hush", d["body"], d["headers"][SIGNATURE_HEADER])
            for d in receiver.deliveries
        )
        _drain(server)
        seen = len(receiver.deliveries)
        again = as_cli("monitor", "sync", "--from", str(OSV_UPDATE), "--format", "json")
        assert again.json()["new_findings"] == 0
        table = as_cli("monitor", "status", "--project", "cli")
        assert "PYSEC-2024-60" in table.stdout
        sarif = tmp_path / "status.sarif"
        assert (
            as_cli(
                "monitor", "status", "--project", "cli", "--format", "sarif", "-o", str(sarif)
            ).code
            == 1
        )
        assert json.loads(sarif.read_text())["runs"][0]["results"]
        time.sleep(1.0)
        assert len(receiver.deliveries) == seen  # nothing delivered twice
    finally:
        receiver.close()


def test_cli_errors_are_one_line(
    server: ServerProcess, as_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = as_cli("monitor", "status", "--project", "nope", "--format", "json")
    assert missing.code == 2 and "no project named 'nope'" in missing.stderr
    assert missing.stdout == ""
    monkeypatch.setenv("CHAINWARD_TOKEN", "cw_wrong")
    denied = as_cli("monitor", "status", "--project", "cli")
    assert denied.code == 2 and "401" in denied.stderr
    monkeypatch.setenv("CHAINWARD_SERVER", "http://127.0.0.1:9")
    down = as_cli("monitor", "sync")
    assert down.code == 2 and "cannot reach the monitoring server" in down.stderr
    assert "Traceback" not in down.stderr


def test_search_suppress_and_history(server: ServerProcess, tokens: dict[str, str]) -> None:
    model = {
        "path": "models/ranker.safetensors",
        "format": "safetensors",
        "size": 1234,
        "sha256": "c" * 64,
    }
    with server.client(tokens["admin"]) as client:
        for name, version in (("old-web", "2.19.0"), ("new-web", "2.32.3")):
            client.post(
                "/api/v1/sboms",
                params={"project": name, "version": "main"},
                content=make_inventory({"requests": version}, [model]),
            )
        hits = client.get(
            "/api/v1/components", params={"name": "requests", "specifier": "<2.20"}
        ).json()
        mine = {"old-web", "new-web"}  # the module's server holds other tests' projects too
        assert [m["project"] for m in hits["matches"] if m["project"] in mine] == ["old-web"]
        models = client.get("/api/v1/models", params={"sha256": "C" * 64}).json()["models"]
        assert {m["project"] for m in models} == {"old-web", "new-web"}

        vuln = client.get("/api/v1/vulnerabilities/CVE-2018-18074").json()
        assert vuln["id"] == "PYSEC-2018-28"
        assert {a["project"] for a in vuln["affected"]} & mine == {"old-web"}

        created = client.post(
            "/api/v1/suppressions",
            json={
                "advisory": "PYSEC-2018-28",
                "project": "old-web",
                "package": "requests",
                "versions": "<2.20",
                "state": "not_affected",
                "justification": "no proxy with credentials is used",
                "expires_at": "2099-01-01T00:00:00Z",
            },
        )
        assert created.status_code == 201, created.text
        status = client.get("/api/v1/projects/old-web/status").json()
        assert "PYSEC-2018-28" not in {v["id"] for d in status["dependencies"] for v in d["vulns"]}
        findings = client.get("/api/v1/projects/old-web/findings").json()["findings"]
        decided = next(f for f in findings if f["id"] == "PYSEC-2018-28")
        assert decided["analysis"]["state"] == "not_affected" and decided["suppressed"]
        history = client.get(f"/api/v1/findings/{decided['finding']}/history").json()
        assert [h["event"] for h in history["history"]] == ["new"]
        assert client.delete(f"/api/v1/suppressions/{created.json()['id']}").status_code == 200
        status = client.get("/api/v1/projects/old-web/status").json()
        assert "PYSEC-2018-28" in {v["id"] for d in status["dependencies"] for v in d["vulns"]}
        portfolio = client.get("/api/v1/portfolio").json()
        assert portfolio["projects"] >= 2 and portfolio["open_total"] > 0
        trend = client.get("/api/v1/projects/old-web/trend", params={"days": 3}).json()
        assert (
            len(trend) == 3
            and sum(trend[-1][s] for s in ("critical", "high", "medium", "low", "unknown")) > 0
        )


def test_cli_token_create_writes_a_usable_token(server: ServerProcess) -> None:
    url = f"sqlite:///{server.home / 'monitor.sqlite'}"
    created = run_cli("monitor", "token", "create", "--scope", "read", "--database-url", url)
    assert created.code == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("cw_") and "\n" not in token
    with server.client(token) as client:
        assert client.get("/api/v1/portfolio").status_code == 200
        assert client.delete("/api/v1/projects/x").status_code == 403
    bad = run_cli("monitor", "token", "create", "--scope", "read", "--database-url", "mysql://x/y")
    assert bad.code == 2 and "unsupported database" in bad.stderr


def test_cli_sync_from_a_url(server: ServerProcess, as_cli: Any) -> None:
    """`monitor sync --from URL`: the server downloads the export itself (loopback mirror)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(OSV_UPDATE.parent))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    mirror = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=mirror.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{mirror.server_address[1]}/{OSV_UPDATE.name}"
        result = as_cli("monitor", "sync", "--from", url, "--format", "json")
        assert result.code == 0, result.stderr
        imported = result.json()["imported"]
        assert imported["seen"] in (0, 24)  # 0: not modified since an earlier sync (HTTP 304)
        missing = as_cli("monitor", "sync", "--from", url + ".missing")
        assert missing.code == 2 and "404" in missing.stderr
    finally:
        mirror.shutdown()
        mirror.server_close()


def test_cli_push_of_an_sbom_file_uploads_it_as_is(server: ServerProcess, as_cli: Any) -> None:
    pushed = as_cli(
        "monitor",
        "push",
        str(asset("monitor", "service.spdx.json")),
        "--project",
        "from-spdx",
        "--version",
        "v2",
        "--format",
        "json",
    )
    assert pushed.code == 0, pushed.stderr
    assert pushed.json()["format"] == "spdx" and pushed.json()["version"] == "v2"
    text = as_cli(
        "monitor", "push", str(asset("monitor", "service.cdx.json")), "--project", "from-cdx"
    )
    assert text.code == 0 and "uploaded from-cdx latest (cyclonedx): 5 components" in text.stdout
    missing = as_cli("monitor", "push", "/nonexistent/bom.json", "--project", "x")
    assert missing.code == 2 and "no such file" in missing.stderr
