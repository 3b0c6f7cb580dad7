"""The feed in a real Chromium, at desktop and phone sizes, with a clip a hub shared
with its poster frame: the still shows in the player before it plays (no black box),
the player shows a focus ring when Tab reaches it, the posts come before the map in
Tab order and on the screen (beside it at desktop size, above it on a phone), and the
page is no wider than the screen. Photographed as `feed-poster-<size>.png`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from feed_tools import hub_client, jpeg_bytes, miles_from, mp4_bytes, resident_at
from frontporch.protocol import MEDIA_FIELD, POSTER_FIELD, UPLOAD_PATH
from homes_tools import CHICAGO
from screenshots import SCREENSHOTS
from server_harness import ServerHarness
from server_live import served_sqlite_server

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
FOCUS_RING = """(el) => {
  const style = getComputedStyle(el);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ServerHarness]]:
    # Hubs pair as with the test client, so the server keeps its default origin.
    folder = tmp_path_factory.mktemp("server")
    with served_sqlite_server(folder, own_origin=False) as site:
        yield site


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_a_shared_clip_shows_its_poster_and_the_feed_reads_in_order(
    browser: Browser, site: tuple[str, ServerHarness], size: str, tmp_path: Path
) -> None:
    base, server = site
    where = miles_from(CHICAGO, 40.0 if size == "phone" else 0.0, 90)
    owner, home = resident_at(server, where)
    poster = jpeg_bytes()
    shared = hub_client(server, owner, home).post(
        UPLOAD_PATH,
        data={"category": "suspicious_activity", "title": "Someone tried the side gate"},
        files={
            MEDIA_FIELD: ("clip.mp4", mp4_bytes(tmp_path), "video/mp4"),
            POSTER_FIELD: ("poster.jpg", poster, "image/jpeg"),
        },
    )
    assert shared.status_code == 201, shared.text
    post_id = shared.json()["id"]

    context = browser.new_context(viewport=VIEWPORTS[size])
    context.add_cookies(
        [{"name": c.name, "value": c.value or "", "url": base} for c in owner.client.cookies.jar]
    )
    page = context.new_page()
    try:
        page.goto(f"{base}/feed", wait_until="load")
        video = page.locator(f'li[data-id="{post_id}"] video')
        assert video.get_attribute("poster") == f"/api/posts/{post_id}/poster"
        fetched = page.evaluate(
            """async (url) => {
                 const r = await fetch(url);
                 const size = (await r.arrayBuffer()).byteLength;
                 return [r.status, r.headers.get('content-type'), size];
               }""",
            f"/api/posts/{post_id}/poster",
        )
        assert fetched == [200, "image/jpeg", len(poster)]

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[size]["width"], f"the feed is {width}px wide"
        posts = page.locator("section.posts").bounding_box()
        area = page.locator("section.area").bounding_box()
        assert posts is not None
        assert area is not None
        if size == "desktop":
            assert posts["x"] + posts["width"] <= area["x"]  # beside the map, on its left
        else:
            assert posts["y"] + posts["height"] <= area["y"]  # above the map

        page.locator(f'li[data-id="{post_id}"] .post-title a').focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") == "VIDEO"
        assert video.evaluate(FOCUS_RING), "the player shows no focus ring"

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"feed-poster-{size}.png"), full_page=True)
    finally:
        context.close()
