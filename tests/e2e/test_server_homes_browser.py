"""The homes pages in a real Chromium: add a home on the hexagon map (by keyboard), show
a pairing code, pair a hub, invite a member — at desktop and phone sizes, with
screenshots (tests/screenshots.py). The server runs under uvicorn on SQLite, with mail
to a local SMTP server; the hub pairs through `frontporch.hub.community.link`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from frontporch.hub.community import link
from frontporch.server.accounts.models import Role
from homes_tools import CHICAGO
from screenshots import SCREENSHOTS
from server_fixtures import PASSWORD
from server_harness import ServerHarness
from server_live import served_sqlite_server

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ServerHarness]]:
    with served_sqlite_server(tmp_path_factory.mktemp("server"), map_center=CHICAGO) as site:
        yield site


def _shot(page: Page, name: str, size: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"server-{name}-{size}.png"), full_page=True)


def _fits(page: Page, size: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[size]["width"], f"page is {width}px wide"


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_add_a_home_pair_a_hub_and_invite(
    browser: Browser, site: tuple[str, ServerHarness], size: str, tmp_path: Path
) -> None:
    base, server = site
    email = server.register()
    invitee = server.account()
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{base}/sign-in", wait_until="domcontentloaded")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("domcontentloaded")

        page.goto(f"{base}/homes/new", wait_until="domcontentloaded")
        assert page.locator("svg.hexmap polygon").count() == 37  # the default area
        # The server's default cell is nobody's home: nothing is chosen until one is.
        assert page.locator('polygon[aria-checked="true"]').count() == 0
        assert page.locator("#cell").input_value() == ""
        page.get_by_label("Name of the home").fill("Maple St")
        page.get_by_role("button", name="Add this home").click()
        expect(page.locator("#cell-error")).to_contain_text("Choose the hexagon")
        errors.remove(
            "Failed to load resource: the server responded with a status of 400 (Bad Request)"
        )
        page.locator("svg.hexmap polygon").nth(3).click()
        assert page.locator("#cell").input_value() == page.locator(
            'polygon[aria-checked="true"]'
        ).get_attribute("data-cell")
        page.get_by_label("Latitude").fill(str(CHICAGO[0]))
        page.get_by_label("Longitude").fill(str(CHICAGO[1]))
        page.get_by_role("button", name="Show the map").click()
        page.wait_for_selector("svg.hexmap.picker")
        start = page.locator('polygon[aria-checked="true"]')
        start_cell = start.get_attribute("data-cell")
        start.focus()
        page.keyboard.press("ArrowRight")
        chosen = page.locator('polygon[aria-checked="true"]')
        chosen_cell = chosen.get_attribute("data-cell")
        assert chosen_cell != start_cell
        assert page.locator("#cell").input_value() == chosen_cell
        assert "east" in (chosen.get_attribute("aria-label") or "")
        page.keyboard.press("ArrowLeft")
        assert page.locator("#cell").input_value() == start_cell
        page.keyboard.press("ArrowUp")
        page.get_by_label("Name of the home").fill("Maple St")
        _fits(page, size)
        _shot(page, "home-new", size)
        stored = page.locator("#cell").input_value()
        page.get_by_role("button", name="Add this home").click()
        page.wait_for_url("**/homes/*?done=added", wait_until="domcontentloaded")
        assert stored in page.content()

        page.get_by_role("button", name="Pair a hub: show a one-time code").click()
        page.wait_for_selector("#pairing-code")
        code = page.locator("#pairing-code").inner_text().strip()
        _fits(page, size)
        _shot(page, "home-pairing-code", size)

        link.pair(tmp_path / "hub", base, code, "Porch hub")
        page.get_by_label("Invite by email").fill(invitee.email)
        page.get_by_role("button", name="Send invitation").click()
        page.wait_for_url("**?done=invited", wait_until="domcontentloaded")
        token = server.mailbox.last_link(invitee.email, "/invitations/accept")
        accepted = invitee.client.post("/api/invitations/accept", json={"token": token})
        assert accepted.status_code == 200
        page.reload(wait_until="domcontentloaded")
        assert page.get_by_text(invitee.email).is_visible()
        assert page.get_by_text("Porch hub").is_visible()
        page.get_by_role("button", name="Test connection of Porch hub").click()
        page.wait_for_url("**?done=pinged", wait_until="domcontentloaded")
        _fits(page, size)
        _shot(page, "home-members", size)

        page.goto(f"{base}/homes", wait_until="domcontentloaded")
        _shot(page, "homes", size)
        assert not errors, errors
    finally:
        context.close()


# Where each role lands after signing in, and the navigation links it gets there.
LANDINGS = {
    Role.RESIDENT: ("/feed", {"Neighbors", "Homes"}, {"Agency", "Moderation"}),
    Role.AGENCY_MEMBER: ("/agency", {"Agency", "New post"}, {"Homes", "Neighbors"}),
    Role.OPERATOR: ("/moderation", {"Moderation", "Home changes"}, {"Homes", "Agency"}),
}


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_each_role_lands_on_its_page_with_its_navigation(
    browser: Browser, site: tuple[str, ServerHarness], size: str
) -> None:
    base, server = site
    for role, (landing, shown, hidden) in LANDINGS.items():
        account = server.account(role, mfa_on=role is not Role.RESIDENT)
        context = browser.new_context(viewport=VIEWPORTS[size])
        page = context.new_page()
        try:
            page.goto(f"{base}/sign-in", wait_until="domcontentloaded")
            page.get_by_label("Email").fill(account.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            if account.totp_secret:
                page.get_by_label("Code from your authenticator app").fill(
                    server.next_code(account.totp_secret)
                )
                page.get_by_role("button", name="Continue").click()
            expect(page).to_have_url(f"{base}{landing}")
            nav = page.get_by_role("navigation", name="Main")
            for name in shown:
                expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
            for name in hidden:
                expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(0)
            _fits(page, size)
            _shot(page, f"landing-{role.value}", size)
            # An error page keeps the signed-in header.
            page.goto(f"{base}/no-such-page", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Not found")).to_be_visible()
            expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
            expect(nav.get_by_role("link", name="Sign in")).to_have_count(0)
        finally:
            context.close()
