"""Schema-driven fuzzing of the API (schemathesis against /openapi.json): no server errors.

Operations that make the server contact a URL taken from the request (advisory sync from a
URL, webhook registration) are left out: fuzzed URLs could name hosts off the loopback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.unit.monitor.support import ServerProcess, make_inventory

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

EXCLUDED = {
    ("POST", "/api/v1/sync"),
    ("POST", "/api/v1/webhooks"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
}
EXAMPLES = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("fuzz-home")).start()
    yield process
    process.stop()


def test_no_server_errors(server: ServerProcess) -> None:
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    token = server.token("admin")
    with server.client(token) as client:  # something to find, so that lookups go deep
        client.post(
            "/api/v1/sboms",
            params={"project": "seed", "version": "1"},
            content=make_inventory({"requests": "2.19.0", "idna": "3.6"}),
        )
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    tested = 0
    calls: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        tested += 1

        label = f"{operation.method.upper()} {operation.path}"

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: object) -> None:
            response = case.call(base_url=server.url, headers=headers, timeout=30)  # type: ignore[attr-defined]
            calls.append(response.status_code)
            try:
                case.validate_response(response, checks=[not_a_server_error])  # type: ignore[attr-defined]
            except Exception as exc:  # collect every operation's failure, then report
                failures.append(f"{label}: {exc}"[:2000])  # noqa: B023 - runs in this iteration
                raise

        with contextlib.suppress(Exception):
            check()
    assert tested >= 15 and len(calls) >= tested * 5
    assert any(200 <= code < 300 for code in calls) and any(400 <= code < 500 for code in calls)
    assert not failures, "\n\n".join(failures)
    assert server.proc is not None and server.proc.poll() is None
