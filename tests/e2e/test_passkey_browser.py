"""Passkeys in a real Chromium with a virtual authenticator (Chrome DevTools Protocol
WebAuthn domain: ctap2, internal transport, resident keys, user verification).

The hub's web app runs under uvicorn in a thread over the in-memory fakes, reached as
`http://localhost:<port>` (a secure context, and a name the browser accepts as RP ID).
The owner signs in with the password, registers a passkey on the account page, signs
out and back in with the passkey alone; the same hub reached by its IP address says
why passkeys cannot be used there. Screenshots: docs/screenshots/hub-passkey-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from passkey_tools import VIEWPORTS, register_passkey, sign_in_with_password, with_authenticator
from playwright.sync_api import Browser, Page

from fakes import OWNER_PASSWORD, WebHarness, cheap_password_hashing, web_harness
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[WebHarness, str]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        cheap_password_hashing(monkeypatch)
        harness = web_harness()
        with serving(harness.app) as base_url:
            yield harness, base_url


def _shot(page: Page, name: str, size: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"hub-{name}-{size}.png"), full_page=True)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_register_a_passkey_then_sign_in_with_it(
    browser: Browser, site: tuple[WebHarness, str], size: str
) -> None:
    harness, base_url = site
    local = base_url.replace("127.0.0.1", "localhost")
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        cdp, authenticator = with_authenticator(context, page)
        sign_in_with_password(page, local, "", OWNER_PASSWORD)
        register_passkey(page, local, f"Laptop {size}")
        listed = page.get_by_role("list", name="Your passkeys")
        assert listed.get_by_text(f"Laptop {size}").is_visible()
        _shot(page, "passkey-account", size)
        stored = harness.store.list_passkeys("owner")
        assert f"Laptop {size}" in [key.name for key in stored]
        credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
        assert len(credentials["credentials"]) == 1
        assert credentials["credentials"][0]["isResidentCredential"] is True

        page.locator("form.signout button").click()
        page.wait_for_url("**/login", wait_until="domcontentloaded")
        assert page.get_by_role("button", name="Use a passkey").is_visible()
        _shot(page, "passkey-login", size)
        page.get_by_role("button", name="Use a passkey").click()
        page.wait_for_url(local + "/", wait_until="domcontentloaded")
        assert page.get_by_role("heading", name="Cameras", level=1).is_visible()
        page.goto(local + "/account", wait_until="domcontentloaded")
        assert page.locator("#account-name").inner_text() == "owner"
        used = next(k for k in harness.store.list_passkeys("owner") if k.name == f"Laptop {size}")
        assert used.last_used is not None, "the sign-in went through the passkey"
        assert not errors, errors
    finally:
        context.close()


def test_a_passkey_of_another_hub_name_does_not_sign_in(
    browser: Browser, site: tuple[WebHarness, str]
) -> None:
    """The hub reached by its IP address: passkeys are not offered, and the page says why."""
    _, base_url = site
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    try:
        page.goto(base_url + "/login", wait_until="domcontentloaded")
        assert page.get_by_role("button", name="Use a passkey").count() == 0
        assert (
            "never over plain http to an IP address"
            in page.locator("#passkey-unavailable").inner_text()
        )
        # 127.0.0.1 is a secure context for Chromium, but no RP ID: the server refuses.
        answer = page.evaluate(
            """async () => {
                const csrf = document.querySelector("input[name='csrf_token']").value;
                const r = await fetch("/api/login/passkey/options", {method: "POST",
                    headers: {"X-CSRF-Token": csrf, "Content-Type": "application/json"},
                    body: "{}"});
                return {status: r.status, body: await r.json()};
            }"""
        )
        assert answer["status"] == 400
        assert "not the address 127.0.0.1" in answer["body"]["detail"]
    finally:
        context.close()
