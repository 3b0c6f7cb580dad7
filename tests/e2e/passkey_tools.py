"""What the passkey browser tests share: viewports, a virtual WebAuthn authenticator
on a page's tab (Chrome DevTools Protocol), and signing in and registering through the
hub's real pages."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Page

VIEWPORTS: dict[str, Any] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def with_authenticator(context: BrowserContext, page: Page) -> tuple[CDPSession, str]:
    """A virtual platform authenticator on `page`'s tab; the CDP session and its id."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, added["authenticatorId"]


def sign_in_with_password(page: Page, local: str, user_name: str, password: str) -> None:
    page.goto(local + "/login", wait_until="domcontentloaded")
    if user_name:
        page.get_by_label("User name").fill(user_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(local + "/", wait_until="domcontentloaded")


def register_passkey(page: Page, local: str, name: str) -> None:
    page.goto(local + "/account", wait_until="domcontentloaded")
    page.get_by_label("Name of a new passkey").fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url("**/account?passkey_added=1**", wait_until="domcontentloaded")
