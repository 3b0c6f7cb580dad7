"""Sharing an event with the Neighbors feed, confirmed, in a real Chromium.

The share form asks for the person's password, as a release does, or their passkey:
a share sent without either is refused and nothing reaches the server; the passkey
button (shown where passkeys can work) asks the hub for a challenge made for sharing,
and the share goes through with the virtual authenticator's answer (Chrome DevTools
Protocol, `passkey_tools.py`). The hub runs under uvicorn over the in-memory fakes,
reached as `http://localhost:<port>`, paired with the stand-in of the community
server's posts endpoint (`feed_stand_in.py`) over real HTTP.
Screenshot: docs/screenshots/hub-share-confirm.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from passkey_tools import VIEWPORTS, register_passkey, sign_in_with_password, with_authenticator
from playwright.sync_api import Browser

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    FakeStore,
    camera_status,
    cheap_password_hashing,
    make_event,
)
from feed_stand_in import CREDENTIAL, FeedStandIn
from frontporch.devtools.services import AXE_SCRIPT
from frontporch.hub.community.link import ServerLink
from frontporch.hub.config import parse_config
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = pytest.mark.browser

MASK = [[0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [0.0, 1.0]]


@dataclass
class Site:
    store: FakeStore
    feed: FeedStandIn
    local: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A paired hub with two finished events (a snapshot each) on a masked camera."""
    base = tmp_path_factory.mktemp("share-site")
    ok, encoded = cv2.imencode(".jpg", np.full((180, 320, 3), 150, np.uint8))
    assert ok
    snapshot = base / "e1.jpg"
    snapshot.write_bytes(bytes(encoded))
    (base / "e1.clean.jpg").write_bytes(bytes(encoded))
    feed = FeedStandIn()
    with pytest.MonkeyPatch.context() as monkeypatch, serving(feed.app()) as feed_url:
        cheap_password_hashing(monkeypatch)
        clock = FakeClock()
        store = FakeStore()
        set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
        for event_id in ("e1", "e2"):  # e1 is shared with a passkey; e2's form stays
            store.add_event(
                make_event(event_id, start=clock.now - 3600, snapshot=f"snapshots/{event_id}.jpg")
            )
        storage = Path(base / "storage")
        ServerLink(feed_url, "hub-1", "home-1", "Maple Street 12", CREDENTIAL).save(storage)
        config = parse_config(
            {
                "storage": {"path": str(storage)},
                "cameras": {
                    "front": {"inputs": [{"url": "/videos/front.mp4"}], "privacy_masks": [MASK]}
                },
            }
        )
        runtime = FakeRuntime(
            {"front": camera_status("front")}, snapshots={"e1": snapshot, "e2": snapshot}
        )
        app = create_hub_app(config, store, runtime, clock=clock)
        with serving(app) as base_url:
            yield Site(store, feed, base_url.replace("127.0.0.1", "localhost"))


def test_a_share_is_confirmed_with_a_passkey(browser: Browser, site: Site) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))  # the page's scripts
    try:
        with_authenticator(context, page)
        sign_in_with_password(page, site.local, "", OWNER_PASSWORD)
        register_passkey(page, site.local, "Laptop")
        page.goto(site.local + "/events/e1#share", wait_until="domcontentloaded")
        share = page.locator("#share")
        share.get_by_label("Category").select_option(label="Suspicious activity")
        share.get_by_label("Title").fill("Someone tried the car doors")
        share.get_by_label("The snapshot").check()
        assert share.get_by_label("Owner password").is_visible()
        button = share.get_by_role("button", name="Share with my passkey instead of the password")
        assert button.is_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        share.screenshot(path=str(SCREENSHOTS / "hub-share-confirm.png"))

        # Without the password (or the passkey) nothing is shared, and the page says so.
        share.get_by_role("button", name="Share with neighbors").click()
        page.wait_for_load_state("domcontentloaded")
        assert "nothing was shared" in page.locator("#share-error").inner_text()
        assert page.locator("#share-password").get_attribute("aria-invalid") == "true"
        assert site.feed.uploads == []
        assert site.store.get_publication("e1") is None

        # The passkey confirms instead: the form is sent with its answer.
        page.locator("#share").get_by_role(
            "button", name="Share with my passkey instead of the password"
        ).click()
        page.wait_for_url("**/events/e1?published=1*", wait_until="domcontentloaded")
        assert page.locator("#share").get_by_text("Published.").is_visible()
        [received] = site.feed.uploads
        assert received.title == "Someone tried the car doors"
        assert received.media_type == "image/jpeg"
        assert site.store.get_publication("e1") is not None
        used = site.store.list_passkeys("owner")[0]
        assert used.last_used is not None, "the share went through the passkey"
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.axe
def test_the_share_form_with_its_confirmation_has_no_serious_accessibility_violations(
    browser: Browser, site: Site
) -> None:
    """axe-core (WCAG 2.1 A/AA) on the event page's share form, as offered and as it
    comes back when the confirmation was missing, at both sizes."""
    from test_accessibility import AXE_RUN  # the same rule set as the page walk

    found: list[str] = []
    for size, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport)
        context.add_init_script(path=str(AXE_SCRIPT))
        page = context.new_page()
        try:
            sign_in_with_password(page, site.local, "", OWNER_PASSWORD)
            page.goto(site.local + "/events/e2", wait_until="load")
            found += [f"share form at {size}: {v}" for v in page.evaluate(AXE_RUN)]
            share = page.locator("#share")
            share.get_by_label("Category").select_option(label="Safety")
            share.get_by_label("Title").fill("Ice on the pavement")
            share.get_by_role("button", name="Share with neighbors").click()
            page.wait_for_load_state("load")
            assert "nothing was shared" in page.locator("#share-error").inner_text()
            found += [f"refused share at {size}: {v}" for v in page.evaluate(AXE_RUN)]
        finally:
            context.close()
    assert site.store.get_publication("e2") is None
    assert found == [], "\n".join(found)
