"""The whole walk in a real Chromium, at desktop and phone sizes: sign up, confirm the
email with the link from the real SMTP server, sign in, set up two-factor (the code
computed from the secret on the page), add a home on the hexagon map, pair a hub with
`frontporch.hub.community.link.pair` (what `frontporch hub pair` runs), write a post, see a
neighbor's post arrive live and a comment light the notifications badge, report the
post as that neighbor, hide it as an operator (signed in with two-factor) in the
moderation page, and see the author's "Hidden by a moderator" banner.

Every page visited is photographed (`walk-<size>-<step>-<name>.png`, tests/screenshots.py),
checked for horizontal overflow, and every form control on it for a label; the feed page
is also walked by keyboard (Tab reaches the filters, the posts, then the map's hexagons).
The server runs under uvicorn on SQLite with mail to a local SMTP server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from feed_tools import miles_from
from frontporch.hub.community import link
from frontporch.server.accounts import mfa
from frontporch.server.accounts.models import Role
from homes_tools import CHICAGO, add_home
from screenshots import SCREENSHOTS
from server_fixtures import PASSWORD
from server_harness import ServerHarness
from server_live import served_sqlite_server

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Each size walks in its own town, so the second walk starts with an empty feed.
HOMES = {"desktop": CHICAGO, "phone": miles_from(CHICAGO, 30.0, 200)}
LIVE_WAIT_MS = 10_000
# What a control may be named by, besides <label for>.
UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden')
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby'))
  .map((el) => el.outerHTML)"""
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return '';
  if (el.matches('.post-title a')) return 'post';
  if (el.matches('a.hexlink')) return 'hexagon';
  if (el.matches('.chip-link')) return 'category';
  if (el.matches('select#radius')) return 'radius';
  return el.tagName.toLowerCase();
}"""


@dataclass
class Walk:
    """One person's browser page in the walk, its size, and the pages photographed so
    far (shared by everyone in the walk, so the pictures number in order)."""

    page: Page
    size: str
    steps: list[str]
    console_errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> None:
        """Photograph the page, and check it fits the width and labels its controls."""
        self.steps.append(name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"walk-{self.size}-{len(self.steps):02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[self.size]["width"], f"{name}: page is {width}px wide"
        assert self.page.evaluate(UNLABELLED_CONTROLS) == [], f"{name}: unlabelled controls"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ServerHarness]]:
    with served_sqlite_server(
        tmp_path_factory.mktemp("server"),
        map_center=CHICAGO,
        live_poll_s=0.2,
        live_max_duration_s=120,
    ) as site:
        yield site


def _open(browser: Browser, size: str, steps: list[str]) -> Walk:
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    walk = Walk(page, size, steps)
    page.on("console", lambda m: walk.console_errors.append(m.text) if m.type == "error" else None)
    return walk


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in", wait_until="domcontentloaded")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("domcontentloaded")


def _keyboard_reaches_filters_map_and_posts(page: Page) -> None:
    page.reload(wait_until="domcontentloaded")  # Tab from the top of the page
    seen: list[str] = []
    for _ in range(120):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUSED))
        if seen[-1] == "hexagon":
            break
    for wanted in ("radius", "category", "hexagon", "post"):
        assert wanted in seen, f"Tab never reached the {wanted}: {seen}"
    assert seen.index("radius") < seen.index("category") < seen.index("post")
    assert seen.index("post") < seen.index("hexagon")  # the posts first, then the map


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_walk(
    browser: Browser, site: tuple[str, ServerHarness], size: str, tmp_path: Path
) -> None:
    base, server = site
    email = server.new_email()
    walk = _open(browser, size, [])
    page = walk.page
    neighbor_walk: Walk | None = None
    operator_walk: Walk | None = None
    try:
        # -- sign up, confirm the address, sign in ------------------------------------------
        page.goto(f"{base}/sign-up", wait_until="domcontentloaded")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password again").fill(PASSWORD)
        walk.shot("sign-up")
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        walk.shot("check-email")
        token = server.mailbox.last_link(email, "/verify-email")
        page.goto(f"{base}/verify-email?token={token}", wait_until="domcontentloaded")
        walk.shot("confirm-email")
        page.get_by_role("button", name="Confirm my address").click()
        expect(page.get_by_role("heading", name="Email confirmed")).to_be_visible()
        _sign_in(page, base, email)
        expect(page).to_have_url(f"{base}/feed")  # a resident lands on the neighbors' feed
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        expect(page.get_by_role("heading", name="Your account")).to_be_visible()
        walk.shot("account")

        # -- two-factor, with the code computed from the secret the page shows -----------
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Two-factor").click()
        secret = page.locator("code.secret").inner_text().strip()
        walk.shot("two-factor")
        page.get_by_role("textbox", name="Code").fill(mfa.code_at(secret, server.clock()))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
        walk.shot("recovery-codes")

        # -- a home on the hexagon map, and a hub paired with it ----------------------------
        page.goto(f"{base}/homes/new", wait_until="domcontentloaded")
        page.get_by_label("Latitude").fill(str(HOMES[size][0]))
        page.get_by_label("Longitude").fill(str(HOMES[size][1]))
        page.get_by_role("button", name="Show the map").click()
        page.locator('polygon[aria-checked="true"]').focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowLeft")  # back to the cell the coordinates fall in
        page.get_by_label("Name of the home").fill("Maple St")
        walk.shot("add-home")
        page.get_by_role("button", name="Add this home").click()
        page.wait_for_url("**/homes/*?done=added", wait_until="domcontentloaded")
        page.get_by_role("button", name="Pair a hub: show a one-time code").click()
        code = page.locator("#pairing-code").inner_text().strip()
        walk.shot("pairing-code")
        paired = link.pair(tmp_path / "hub", base, code, "Porch hub")
        assert paired.home_name == "Maple St"
        page.reload(wait_until="domcontentloaded")
        expect(page.get_by_text("Porch hub", exact=True)).to_be_visible()
        walk.shot("hub-paired")

        # -- write a post --------------------------------------------------------------------
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Neighbors").click()
        expect(page.locator("#empty")).to_contain_text("No posts within 2 miles yet. Be the first")
        walk.shot("feed-empty")
        page.get_by_role("link", name="New post").click()
        page.get_by_role("button", name="Post").click()
        expect(page.locator("#category-error")).to_have_text("Choose a category.")
        expect(page.locator("#category")).to_have_attribute("aria-invalid", "true")
        walk.shot("new-post-errors")
        # The refused form is a 422 page, which the browser logs; nothing else went wrong.
        assert [e for e in walk.console_errors if "status of 422" not in e] == []
        walk.console_errors.clear()
        page.get_by_label("Category").select_option("suspicious_activity")
        page.get_by_label("Title").fill("Someone tried car doors on Maple")
        page.get_by_label("What happened").fill("Around 3 am, a grey hoodie.\nNothing taken.")
        walk.shot("new-post")
        page.get_by_role("button", name="Post").click()
        page.wait_for_url("**/posts/*?done=posted", wait_until="domcontentloaded")
        post_url = page.url.split("?")[0]
        expect(page.get_by_role("heading", name="Someone tried car doors on Maple")).to_be_visible()
        walk.shot("post")

        # -- a neighbor (prepared through the API) posts: it arrives live --------------------
        neighbor = server.account()
        neighbor_home = add_home(neighbor, "Elm", miles_from(HOMES[size], 1.0, 45))["id"]
        page.goto(f"{base}/feed", wait_until="domcontentloaded")
        made = neighbor.client.post(
            "/api/posts",
            json={"home_id": neighbor_home, "category": "lost_and_found_pets",
                  "title": "Grey cat missing", "body": "Answers to Mochi."},
        )  # fmt: skip
        assert made.status_code == 201, made.text
        news = page.get_by_role("button", name="1 new post — show")
        expect(news).to_be_visible(timeout=LIVE_WAIT_MS)
        walk.shot("feed-new-post")
        news.click()
        first_title = page.locator("#posts > li .post-title a").first
        expect(first_title).to_have_text("Grey cat missing")
        expect(first_title).to_be_focused()
        assert neighbor.email not in page.content()
        _keyboard_reaches_filters_map_and_posts(page)
        hexagon = page.locator("a.hexlink").first
        label = hexagon.get_attribute("aria-label") or ""
        assert re.fullmatch(r"\d+ posts?(, about .+ (north|south|east|west).*| in your .+)", label)
        hexagon.focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/feed?*cell=*", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Posts in one hexagon")).to_be_visible()
        walk.shot("feed-one-hexagon")

        # -- the neighbor comments: the badge lights up live -------------------------------
        page.goto(post_url, wait_until="domcontentloaded")
        expect(page.locator("#unread-badge")).to_be_hidden()
        post_id = post_url.rsplit("/", 1)[1]
        commented = neighbor.client.post(
            f"/api/posts/{post_id}/comments", json={"body": "Same on Elm last week."}
        )
        assert commented.status_code == 201, commented.text
        expect(page.locator("#unread-count")).to_have_text("1", timeout=LIVE_WAIT_MS)
        expect(page.locator("#unread-badge")).to_be_visible()
        page.get_by_role("link", name="Notifications 1 unread").click()
        walk.shot("notifications")
        page.get_by_role("link", name=re.compile("New comment on your post")).click()
        expect(page.get_by_text("Same on Elm last week.")).to_be_visible()
        walk.shot("post-with-comment")

        # -- the neighbor reports it, in their own browser -----------------------------------
        neighbor_walk = _open(browser, size, walk.steps)
        _sign_in(neighbor_walk.page, base, neighbor.email)
        neighbor_walk.page.goto(post_url, wait_until="domcontentloaded")
        assert email not in neighbor_walk.page.content()
        neighbor_walk.page.get_by_label("Reason").fill("Describes a person too closely")
        neighbor_walk.page.get_by_role("button", name="Report this post").click()
        expect(neighbor_walk.page.get_by_text("You reported this post.")).to_be_visible()
        neighbor_walk.shot("neighbor-reported")

        # -- an operator with two-factor hides it ------------------------------------------
        operator = server.account(Role.OPERATOR, mfa_on=True)
        assert operator.totp_secret
        operator_walk = _open(browser, size, walk.steps)
        moderator = operator_walk.page
        _sign_in(moderator, base, operator.email)
        moderator.get_by_label("Code from your authenticator app").fill(
            server.next_code(operator.totp_secret)
        )
        operator_walk.shot("operator-second-factor")
        moderator.get_by_role("button", name="Continue").click()
        moderator.wait_for_load_state("domcontentloaded")
        expect(moderator).to_have_url(f"{base}/moderation")  # an operator's start page
        moderator.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Moderation"
        ).click()
        expect(moderator.get_by_text("1 open report")).to_be_visible()
        expect(moderator.get_by_text("“Describes a person too closely”")).to_be_visible()
        assert neighbor.email not in moderator.content()
        assert email not in moderator.content()
        operator_walk.shot("moderation-queue")
        moderator.get_by_role("textbox", name="Reason for “Someone tried car doors on Maple”").fill(
            "Describes a person; please rewrite without it"
        )
        moderator.get_by_role("button", name="Hide “Someone tried car doors on Maple”").click()
        expect(moderator.get_by_text("Post hidden.")).to_be_visible()
        operator_walk.shot("moderation-done")

        # -- the author sees why ------------------------------------------------------------
        page.goto(post_url, wait_until="domcontentloaded")
        expect(page.locator(".hidden-banner")).to_have_text(
            "Hidden by a moderator: Describes a person; please rewrite without it"
        )
        walk.shot("post-hidden")
        for each in (walk, neighbor_walk, operator_walk):
            assert not each.console_errors, each.console_errors
    finally:
        for each in (walk, neighbor_walk, operator_walk):
            if each is not None:
                each.page.context.close()
