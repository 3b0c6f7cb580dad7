"""Household members in a real Chromium: a member cannot share (no share control on
their pages, and a forged POST gets a 403 in words), the owner's members page, and a
footage release confirmed with a passkey instead of the password.

The hub's web app runs under uvicorn in a thread over the real SQLite store (the
release's footage request and event rows are stored as the hub would; the release
desk is stopped, so the release is recorded without cutting video). Passkeys use the
Chrome DevTools Protocol's virtual authenticator (`test_passkey_browser.py`).
Screenshots: docs/screenshots/hub-members-*.png, hub-passkey-release-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from passkey_tools import (
    VIEWPORTS,
    register_passkey,
    sign_in_with_password,
    with_authenticator,
)
from playwright.sync_api import Browser, Page

from fakes import OWNER_PASSWORD, FakeClock, FakeRuntime, camera_status, cheap_password_hashing
from frontporch.devtools.services import AXE_SCRIPT
from frontporch.hub.config import parse_config
from frontporch.hub.people.service import add_member
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import hash_password, set_owner_password
from hub_requests_tools import open_request_record
from member_tools import MEMBER_PASSWORD
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = pytest.mark.browser


@dataclass
class Site:
    store: HubStore
    desk: RequestDesk
    base_url: str
    request_id: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("hub")
    clock = FakeClock()
    with pytest.MonkeyPatch.context() as monkeypatch, HubStore(root / "hub.db") as store:
        cheap_password_hashing(monkeypatch)
        set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
        add_member(store, "guest", "member", [], hash_password(MEMBER_PASSWORD), clock.now - 30)
        record = open_request_record(clock.now)
        store.save_footage_request(record)
        start = record.window_start
        store.upsert_event(
            "in",
            camera="front",
            labels=["person"],
            top_score=0.9,
            start=start + 600,
            end=start + 630,
        )
        store.upsert_event(
            "e1",
            camera="front",
            labels=["person"],
            top_score=0.9,
            start=clock.now - 600,
            end=clock.now - 590,
        )
        for i in range(6):
            store.add_segment(
                "front", f"front/{i}.mp4", start + i * 600, start + (i + 1) * 600, 1000
            )
        config = parse_config(
            {"storage": {"path": str(root)}, "cameras": {"front": {"inputs": [{"url": "/v.mp4"}]}}}
        )
        runtime = FakeRuntime({"front": camera_status("front")}, frame=b"\xff\xd8x\xff\xd9")
        app = create_hub_app(config, store, runtime, clock=clock)
        desk: RequestDesk = app.state.requests
        desk.stop()
        with serving(app) as base_url:
            yield Site(store, desk, base_url, record.id)


def _shot(page: Page, name: str, size: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"hub-{name}-{size}.png"), full_page=True)


FORGE = """async ([url, body]) => {
    const csrf = document.querySelector('meta[name="csrf-token"]').content;
    const r = await fetch(url, {method: "POST", headers: {"X-CSRF-Token": csrf,
        "Content-Type": "application/json"}, body: JSON.stringify(body)});
    return {status: r.status, text: await r.text()};
}"""


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_a_household_member_cannot_share(browser: Browser, site: Site, size: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    try:
        sign_in_with_password(page, site.base_url, "guest", MEMBER_PASSWORD)
        nav = page.get_by_role("navigation", name="Main")
        assert nav.get_by_role("link", name="Events", exact=True).count() == 1
        assert nav.get_by_role("link", name="Requests").count() == 0
        page.goto(site.base_url + "/events/e1", wait_until="domcontentloaded")
        assert page.get_by_role("heading", name="Share with neighbors").count() == 0
        assert page.get_by_role("button", name="Share").count() == 0
        _shot(page, "members-event", size)
        api = page.evaluate(
            FORGE,
            ["/api/events/e1/publish", {"category": "crime", "title": "t", "media": "snapshot"}],
        )
        assert api["status"] == 403
        assert "cannot share footage with neighbors" in api["text"]
        page.goto(site.base_url + "/requests/" + site.request_id, wait_until="domcontentloaded")
        assert "Settings → Members" in page.locator("main").inner_text()
        _shot(page, "members-refused", size)
        assert site.store.get_publication("e1") is None
    finally:
        context.close()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_owner_manages_members(browser: Browser, site: Site, size: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    try:
        sign_in_with_password(page, site.base_url, "", OWNER_PASSWORD)
        page.goto(site.base_url + "/settings/members", wait_until="domcontentloaded")
        page.get_by_label("User name").fill(f"sitter-{size}")
        page.get_by_label("Make an invite link: they choose their password").check()
        page.get_by_role("button", name="Add", exact=True).click()
        page.wait_for_load_state("domcontentloaded")
        link = page.get_by_label(f"Invite link for sitter-{size}").input_value()
        assert "/invite/" in link
        guest = page.locator('section[data-member="guest"]')
        guest.get_by_label("share: Share events", exact=False).check()
        _shot(page, "members", size)
        guest.get_by_role("button", name="Save guest").click()
        page.wait_for_url("**/settings/members?done=changed", wait_until="domcontentloaded")
        user = site.store.get_user_by_name("guest")
        assert user is not None
        assert user.allowances == frozenset({"share"})
        guest = page.locator('section[data-member="guest"]')
        guest.get_by_label("share: Share events", exact=False).uncheck()
        guest.get_by_role("button", name="Save guest").click()
        page.wait_for_url("**/settings/members?done=changed", wait_until="domcontentloaded")
    finally:
        context.close()


def test_a_release_confirmed_with_a_passkey(browser: Browser, site: Site) -> None:
    local = site.base_url.replace("127.0.0.1", "localhost")
    for size in VIEWPORTS:
        context = browser.new_context(viewport=VIEWPORTS[size])
        page = context.new_page()
        try:
            with_authenticator(context, page)
            sign_in_with_password(page, local, "", OWNER_PASSWORD)
            register_passkey(page, local, f"Phone {size}")
            page.goto(local + "/requests/" + site.request_id, wait_until="domcontentloaded")
            page.locator("input[name='event'][value='in']").check()
            button = page.get_by_role(
                "button", name="Release with my passkey instead of the password"
            )
            assert button.is_visible()
            _shot(page, "passkey-release", size)
            if size != "desktop":
                continue  # one release is enough; the phone shows the same form
            before = len(site.desk.releases())
            button.click()
            page.wait_for_url("**/released/**", wait_until="domcontentloaded")
            assert len(site.desk.releases()) == before + 1
            release = site.desk.releases()[0]
            assert release.request_id == site.request_id
        finally:
            context.close()


def test_a_wrong_passkey_answer_releases_nothing(browser: Browser, site: Site) -> None:
    local = site.base_url.replace("127.0.0.1", "localhost")
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    try:
        sign_in_with_password(page, local, "", OWNER_PASSWORD)
        page.goto(local + "/requests/" + site.request_id, wait_until="domcontentloaded")
        before = len(site.desk.releases())
        answer: Any = page.evaluate(
            """async (id) => {
                const form = document.getElementById("release-form");
                const data = new FormData(form);
                data.set("event", "in");
                data.set("password", "");
                data.set("passkey_challenge", "made-up");
                data.set("passkey_credential", JSON.stringify({id: "x", response: {}}));
                const r = await fetch("/requests/" + id + "/release",
                    {method: "POST", body: new URLSearchParams(data)});
                return {status: r.status, text: await r.text()};
            }""",
            site.request_id,
        )
        assert answer["status"] == 401
        assert "nothing was released" in answer["text"]
        assert len(site.desk.releases()) == before
    finally:
        context.close()


AXE_RUN = """async () => {
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ` +
                v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
}"""


@pytest.mark.axe
def test_the_people_pages_have_no_serious_accessibility_violations(
    browser: Browser, site: Site
) -> None:
    """axe-core (WCAG 2.1 A/AA) on the members page, the account page while enrolling
    TOTP, and the sign-in code step, at both sizes."""
    found: list[str] = []
    for size, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport)
        context.add_init_script(path=str(AXE_SCRIPT))
        page = context.new_page()
        try:
            sign_in_with_password(page, site.base_url, "", OWNER_PASSWORD)
            for path in ("/settings/members", "/account"):
                page.goto(site.base_url + path, wait_until="load")
                found += [f"{path} at {size}: {v}" for v in page.evaluate(AXE_RUN)]
            start = page.get_by_role("button", name="Set up two-step sign-in")
            if start.count():  # the first size starts it; the second sees it pending
                start.click()
                page.wait_for_load_state("load")
            assert page.locator(".totp-qr svg").count() == 1
            _shot(page, "members-totp", size)
            found += [f"TOTP enrollment at {size}: {v}" for v in page.evaluate(AXE_RUN)]
        finally:
            context.close()
    assert found == [], "\n".join(found)
