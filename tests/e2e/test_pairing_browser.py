"""Pairing from the hub's Settings in Chromium, desktop and phone width: a wrong code is
refused in words with the address kept, the right one pairs (the page then shows the
home, the server and the link's state), and Unpair returns to the form. A real
community server and a real hub, both over HTTP. Screenshots: docs/screenshots/
hub-pairing-*.png (see tests/screenshots.py)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, sync_playwright

from browser import launch
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from homes_tools import add_home, pairing_code
from hubtools import hub_config, running_hub
from screenshots import SCREENSHOTS
from server_fixtures import Account
from server_live import served_sqlite_server, serving

pytestmark = pytest.mark.browser

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}


@dataclass
class Both:
    server_url: str
    owner: Account
    home_id: str
    hub_url: str
    password: str


@pytest.fixture
def both(tmp_path: Path) -> Iterator[Both]:
    (tmp_path / "server").mkdir()
    with served_sqlite_server(tmp_path / "server") as (server_url, server):
        owner = server.account()
        home_id = add_home(owner, "Maple St")["id"]
        with running_hub(hub_config(tmp_path / "hub", {})) as hub:
            password = secrets.token_urlsafe(15)
            set_owner_password(hub.store, password)
            with serving(create_hub_app(hub.config, hub.store, hub)) as hub_url:
                yield Both(server_url, owner, home_id, hub_url, password)


def _sign_in(page: Page, base_url: str, password: str) -> None:
    page.goto(base_url + "/settings/community", wait_until="domcontentloaded")
    assert "/login" in page.url
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(base_url + "/settings/community", wait_until="domcontentloaded")


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"hub-pairing-{name}.png"), full_page=True)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_pair_and_unpair_from_settings(both: Both, size: str) -> None:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_context(viewport=VIEWPORTS[size]).new_page()
            _sign_in(page, both.hub_url, both.password)
            assert page.locator("#link-state").get_attribute("data-state") == "not paired"
            if size == "desktop":
                _shot(page, "form")

            page.get_by_label("Server address").fill(both.server_url)
            page.get_by_label("Pairing code").fill("AAAA-BBBB")
            page.get_by_role("button", name="Pair").click()
            page.wait_for_load_state("domcontentloaded")
            alert = page.get_by_role("alert")
            assert "does not know this pairing code" in alert.inner_text()
            assert page.get_by_label("Server address").input_value() == both.server_url
            _shot(page, f"error-{size}")

            page.get_by_label("Pairing code").fill(pairing_code(both.owner, both.home_id))
            page.get_by_label("Name of this hub").fill("Porch hub")
            page.get_by_role("button", name="Pair").click()
            page.wait_for_url("**/settings/community?done=paired")
            assert "Paired." in page.get_by_role("status").first.inner_text()
            state = page.locator("#link-state")
            assert state.get_attribute("data-state") in {"connecting", "connected"}
            # A ping from the server's home page answers the hub's open poll at once.
            hub_id = both.owner.client.get(f"/api/homes/{both.home_id}/hubs").json()[0]["id"]
            both.owner.client.post(f"/api/homes/{both.home_id}/hubs/{hub_id}/ping")
            deadline = time.monotonic() + 20
            while state.get_attribute("data-state") != "connected":
                assert time.monotonic() < deadline, "the link never connected"
                time.sleep(0.3)
                page.reload(wait_until="domcontentloaded")
            assert "none yet" not in state.inner_text()
            assert "Maple St" in state.inner_text()
            assert both.server_url in state.inner_text()
            _shot(page, size)

            page.get_by_role("button", name="Unpair from Maple St").click()
            page.wait_for_url("**/settings/community?done=unpaired")
            assert page.locator("#link-state").get_attribute("data-state") == "not paired"
            assert page.get_by_label("Pairing code").is_visible()
        finally:
            browser.close()
