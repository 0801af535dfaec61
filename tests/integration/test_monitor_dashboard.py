"""The dashboard in a real browser: headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OSV_UPDATE
from tests.unit.monitor.support import ServerProcess, make_inventory

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
MODEL_SHA = "5" * 64


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    server = ServerProcess(tmp_path_factory.mktemp("dash-home")).start()
    token = server.token("read")
    admin = server.token("admin")
    with server.client(admin) as client:
        model = {
            "path": "models/classifier.safetensors",
            "format": "safetensors",
            "size": 2048,
            "sha256": MODEL_SHA,
        }
        for name, pins in (
            (
                "storefront",
                {"requests": "2.19.0", "urllib3": "1.24.2", "idna": "3.6", "jinja2": "2.10"},
            ),
            ("recommender", {"requests": "2.31.0", "pyyaml": "5.3", "idna": "3.7"}),
            ("clean-tool", {"click": "8.1.7"}),
        ):
            client.post(
                "/api/v1/sboms",
                params={"project": name, "version": "2026.11"},
                content=make_inventory(pins, [model] if name != "clean-tool" else []),
            )
        client.post(
            "/api/v1/sync",
            content=OSV_UPDATE.read_bytes(),
            headers={"Content-Type": "application/zip"},
        ).raise_for_status()
    yield server, token
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield instance
        instance.close()


def test_dashboard_pages(seeded: tuple[ServerProcess, str], browser: Any, tmp_path: Path) -> None:
    server, token = seeded
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    failed: list[str] = []
    # The deliberate 401 (wrong token) and 404 (unknown project) show up as console errors.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Signed out: every page sends you to the sign-in form; a wrong token is refused.
    page.goto(server.url + "/projects/storefront")
    assert "/login" in page.url
    page.fill("input[name=token]", "cw_wrong")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text().startswith("That token is not valid")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url("**/projects/storefront")

    # Project page: severity cards, trend chart, findings with history, components.
    assert page.locator("h1").inner_text() == "storefront"
    assert page.locator("svg.trend polygon").count() >= 2
    rows = page.locator("#findings tbody tr")
    assert rows.count() >= 8
    assert page.locator("#findings").get_by_text("PYSEC-2024-60").count() == 1
    assert page.locator("#components tbody tr").count() == 4
    page.click("text=All, with history")
    assert page.locator("#findings .tag.fixed").count() >= 1  # the withdrawn record

    # Vulnerability page: who is affected.
    page.click("#findings a:has-text('PYSEC-2024-60')")
    page.wait_for_url("**/vulnerabilities/PYSEC-2024-60")
    affected = page.locator("#affected tbody tr")
    assert affected.count() == 1 and "storefront" in affected.inner_text()
    assert "CVE-2024-3651" in page.locator(".sub").inner_text()

    # Portfolio: counts agree with the API, chart drawn, no horizontal scrolling.
    page.click("header >> text=Portfolio")
    with server.client(token) as client:
        summary = client.get("/api/v1/portfolio").json()
    cards = {
        el.get_attribute("data-severity"): int(el.inner_text().split()[0])
        for el in page.locator(".card.sev").all()
    }
    assert cards == summary["open_findings"]
    assert page.locator("#open-total").inner_text() == str(summary["open_total"])
    assert page.locator("#projects tbody tr").count() == 3
    order = [row.split("\t")[0] for row in page.locator("#projects tbody tr").all_inner_texts()]
    assert order == ["recommender", "storefront", "clean-tool"]  # by critical, then high...
    tops = {round(box["y"]) for box in (c.bounding_box() for c in page.locator(".card.sev").all())}
    assert len(tops) == 1  # the severity cards sit in one row
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(tmp_path / "portfolio.png"), full_page=True)

    # Component search with a version range.
    page.click("header >> text=Components")
    page.fill("input[name=name]", "requests")
    page.fill("input[name=specifier]", "<2.20")
    page.click("button:has-text('Search')")
    assert "1 project(s) use" in page.locator("#result-count").inner_text()
    assert page.locator("#matches tbody tr").inner_text().startswith("storefront")

    # Models: the same weights in two projects, found by hash.
    page.click("header >> text=Models")
    page.fill("input[name=sha256]", MODEL_SHA)
    page.click("button:has-text('Find')")
    models = page.locator("#models tbody tr")
    assert models.count() == 2
    assert "in 2 projects" in models.first.inner_text()

    page.goto(server.url + "/projects/no-such-project")
    assert "no project named" in page.locator(".sub").inner_text()
    page.click("text=Sign out")
    page.goto(server.url + "/")
    assert "/login" in page.url
    assert not errors, errors
    assert [f.split()[0] for f in failed] == ["401", "404"], failed
