"""/docs on both services, in a real Chromium: Swagger UI renders the operations of the
service's own /api/openapi.json, under each service's strict CSP, with no console error
and no request leaving the service (its files come from a wheel, not a CDN). The hub's
docs are behind sign-in like the document they show."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from fakes import OWNER_PASSWORD, cheap_password_hashing, web_harness
from frontporch.server.app import create_app
from frontporch.server.migrations import upgrade_to_head
from server_fixtures import free_port, make_settings, smtp_server
from server_live import serving

pytestmark = pytest.mark.browser

OPERATIONS = ".opblock-summary-path"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("server")
    url = f"sqlite:///{folder / 'server.db'}"
    upgrade_to_head(url)
    port = free_port()
    smtp_gen = smtp_server()
    settings = make_settings(url, folder, next(smtp_gen), base_url=f"http://127.0.0.1:{port}")
    app = create_app(settings)
    with serving(app, port) as base:
        yield base
    app.state.server.engine.dispose()
    smtp_gen.close()


@pytest.fixture(scope="module")
def hub_url() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        cheap_password_hashing(monkeypatch)
        harness = web_harness()
    harness.clock.now = time.time()
    with serving(harness.app) as base:
        yield base


def _docs_render(page: Page, base: str) -> list[str]:
    """Open /docs and wait for Swagger UI's operations; the problems seen on the way."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "request",
        lambda r: None if r.url.startswith((base, "data:")) else problems.append(r.url),
    )
    page.goto(f"{base}/docs", wait_until="domcontentloaded")
    page.locator(OPERATIONS).first.wait_for(timeout=15_000)
    return problems


def test_the_server_docs_render_its_api_with_nothing_from_outside(
    browser: Browser, server_url: str
) -> None:
    page = browser.new_page()
    try:
        problems = _docs_render(page, server_url)
        paths = page.locator(OPERATIONS).all_inner_texts()
        assert any("/api/feed" in path for path in paths), paths
        assert any("/api/auth/sign-in" in path for path in paths), paths
        assert problems == []
    finally:
        page.close()


def test_the_hub_docs_need_the_owner_and_then_render(browser: Browser, hub_url: str) -> None:
    anonymous = httpx.get(f"{hub_url}/docs", headers={"accept": "text/html"})
    assert anonymous.status_code in (302, 303, 307)
    assert "/login" in anonymous.headers["location"]

    page = browser.new_page()
    try:
        page.goto(f"{hub_url}/docs", wait_until="domcontentloaded")
        assert "/login" in page.url
        page.get_by_label("Password").fill(OWNER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("domcontentloaded")
        problems = _docs_render(page, hub_url)
        paths = page.locator(OPERATIONS).all_inner_texts()
        assert any("/api/events" in path for path in paths), paths
        assert problems == []
    finally:
        page.close()
