"""Long unbroken text stays inside a phone's screen, on every page of both services and
as every role: a 120-character title without a space once made a 390 px phone page
1031 px wide. Every page is opened at 390x844 with such text seeded wherever people
can type (tests/e2e/seeded_sites.py), and the document must be no wider than the screen.
Where a page is known to show a seeded text, the test checks that it does, so a page
that stopped showing it cannot pass by accident."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext
from seeded_sites import (
    AGENCY_CONTACT,
    AGENCY_JURISDICTION,
    AGENCY_NAME,
    AGENCY_POST_TITLE,
    AGREEMENT_PARTIES,
    AGREEMENT_TITLE,
    APPLICANT_NAME,
    CAMERA_NAME,
    CASE_NUMBER,
    COMMENT,
    DEMAND_AUTHORITY,
    DEMAND_SCOPE,
    HOME_NAME,
    NOTICE_ANSWER,
    NOTICE_AUTHORITY,
    NOTICE_SCOPE,
    POLICY_SUMMARY,
    POST_TITLE,
    REPORT_REASON,
    REQUEST_CONTACT,
    REQUEST_DESCRIPTION,
    ROLES,
    SHARED_TITLE,
    TOKEN_NAME,
    VIEWPORTS,
    HubSite,
    ServerSite,
    open_page,
    signed_in_hub_context,
    signed_in_server_context,
    unvisited_pages,
)

from screenshots import SCREENSHOTS

pytestmark = pytest.mark.browser

PHONE = VIEWPORTS["phone"]
# (role, page route) -> the seeded texts that page shows (a prefix where it shortens them).
SHOWN = {
    ("resident", "/feed"): [POST_TITLE, AGENCY_POST_TITLE],
    ("resident", "/posts/{post_id}"): [POST_TITLE, COMMENT],
    ("resident", "/notifications"): [POST_TITLE[:40]],
    ("resident", "/homes"): [HOME_NAME],
    ("resident", "/homes/{home_id}"): [HOME_NAME],
    ("resident", "/account"): [TOKEN_NAME],
    ("resident", "/legal/notices/{demand_id}"): [DEMAND_AUTHORITY, DEMAND_SCOPE],
    ("operator", "/moderation"): [POST_TITLE, REPORT_REASON],
    ("agency", "/agency"): [AGENCY_NAME],
    ("agency", "/agency/requests"): [AGENCY_NAME, CASE_NUMBER],
    ("agency", "/agency/requests/{request_id}"): [
        CASE_NUMBER,
        REQUEST_DESCRIPTION,
        REQUEST_CONTACT,
    ],
    ("operator", "/operator/agencies"): [
        APPLICANT_NAME,
        AGENCY_NAME,
        AGENCY_JURISDICTION,
        AGENCY_CONTACT,
    ],
    ("operator", "/operator/legal"): [DEMAND_AUTHORITY],
    ("operator", "/operator/legal/{demand_id}"): [DEMAND_AUTHORITY, DEMAND_SCOPE],
    ("operator", "/operator/agreements"): [AGENCY_NAME, AGREEMENT_TITLE],
    ("anonymous", "/agreements"): [AGENCY_NAME, AGREEMENT_TITLE, AGREEMENT_PARTIES],
    ("anonymous", "/transparency"): [POLICY_SUMMARY[:100]],
    ("anonymous", "/transparency/entries/{index}"): [POLICY_SUMMARY[:100]],
    ("anonymous", "/transparency/report"): [AGENCY_NAME, AGREEMENT_TITLE],
}
HUB_SHOWN = {
    "/": [CAMERA_NAME],
    "/cameras/{name}": [CAMERA_NAME],
    "/events": [CAMERA_NAME],
    "/events/{event_id}": [CAMERA_NAME, SHARED_TITLE],
    "/requests": [AGENCY_NAME],
    "/requests/{request_id}": [AGENCY_NAME, CASE_NUMBER, REQUEST_DESCRIPTION, REQUEST_CONTACT],
    "/released": [AGENCY_NAME, CASE_NUMBER, CAMERA_NAME],
    "/released/{release_id}": [AGENCY_NAME, CASE_NUMBER, CAMERA_NAME],
    "/notices": [NOTICE_AUTHORITY, NOTICE_SCOPE, NOTICE_ANSWER],
    "/timeline/{camera}": [CAMERA_NAME],
    "/settings/cameras": [CAMERA_NAME],
    "/settings/cameras/{camera}": [CAMERA_NAME],
    "/settings/cameras/{camera}/zones": [CAMERA_NAME],
}
TOO_WIDE = """() => {
  const width = document.documentElement.scrollWidth;
  if (width <= window.innerWidth) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {width, wide: wide.slice(-5)};
}"""


def _shot_name(prefix: str, route: str) -> str:
    slug = "-".join(part for part in re.split(r"[^a-z0-9]+", route.lower()) if part) or "home"
    return f"long-text-{prefix}-{slug}.png"


def _problems(
    context: BrowserContext,
    base: str,
    pages: dict[str, str],
    shown: dict[str, list[str]],
    prefix: str,
) -> list[str]:
    page = context.new_page()
    page.set_viewport_size(PHONE)
    problems = []
    for route, path in pages.items():
        open_page(page, base + path)
        wide = page.evaluate(TOO_WIDE)
        if wide is not None:
            problems.append(f"{path}: {wide['width']} px wide ({', '.join(wide['wide'])})")
        text = page.inner_text("body")
        if route in shown:  # the pages people look at with the long text in them
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / _shot_name(prefix, route)), full_page=True)
        problems += [
            f"{path} does not show {t[:30]}…" for t in shown.get(route, []) if t not in text
        ]
    return problems


def test_the_passes_know_every_server_page(seeded_server: ServerSite) -> None:
    assert unvisited_pages(seeded_server.harness.app, seeded_server.pages) == set(), (
        "add it to seeded_sites"
    )


def test_the_statement_route_is_a_redirect_to_a_log_entry(seeded_server: ServerSite) -> None:
    """The one page route that answers no page of its own: the passes follow it to the
    log entry of the agency's words, which they check like any page."""
    path = seeded_server.pages["/posts/{post_id}/statement"]
    answer = seeded_server.accounts["resident"].client.get(path, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert re.fullmatch(r"/transparency/entries/\d+", answer.headers["location"])


def test_the_passes_know_every_hub_page(seeded_hub: HubSite) -> None:
    assert unvisited_pages(seeded_hub.app, seeded_hub.pages) == set(), "add it to seeded_sites"


@pytest.mark.parametrize("role", ROLES)
def test_server_pages_fit_a_phone_with_long_words(
    browser: Browser, seeded_server: ServerSite, role: str
) -> None:
    context = signed_in_server_context(browser, seeded_server, role)
    try:
        shown = {route: texts for (who, route), texts in SHOWN.items() if who == role}
        problems = _problems(
            context, seeded_server.url, seeded_server.pages, shown, f"server-{role}"
        )
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def test_hub_pages_fit_a_phone_with_long_words(browser: Browser, seeded_hub: HubSite) -> None:
    context = signed_in_hub_context(browser, seeded_hub)
    try:
        problems = _problems(context, seeded_hub.url, seeded_hub.pages, HUB_SHOWN, "hub")
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
