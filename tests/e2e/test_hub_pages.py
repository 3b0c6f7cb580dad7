"""The hub's pages in a real Chromium: sign in, live grid, events, clip playback.

The app runs under uvicorn in a thread, over the in-memory fakes, with a real H.264 MP4
(encoded here with PyAV) and real JPEGs. Screenshots: see
tests/screenshots.py (`make screenshots` refreshes docs/screenshots/).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from fakes import OWNER_PASSWORD, cheap_password_hashing, make_event, web_harness
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = pytest.mark.browser

CLIP_SECONDS = 2.0
CLIP_FPS = 15
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _scene(index: int, width: int, height: int) -> np.ndarray:
    """A porch-like test picture with a 'person' box that moves with `index`."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = (58, 64, 72)
    image[int(height * 0.62) :, :] = (70, 92, 84)
    cv2.rectangle(
        image,
        (int(width * 0.08), int(height * 0.2)),
        (int(width * 0.3), int(height * 0.62)),
        (40, 52, 120),
        -1,
    )
    x = int(width * 0.4 + index * width * 0.01)
    cv2.rectangle(
        image, (x, int(height * 0.3)), (x + width // 10, int(height * 0.85)), (200, 180, 160), -1
    )
    cv2.rectangle(
        image,
        (x - 4, int(height * 0.3) - 4),
        (x + width // 10 + 4, int(height * 0.85) + 4),
        (60, 220, 90),
        2,
    )
    cv2.putText(
        image,
        "person 0.91",
        (x, int(height * 0.3) - 10),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.5,
        (60, 220, 90),
        1,
    )
    return image


def _jpeg(index: int, width: int = 640, height: int = 360) -> bytes:
    ok, data = cv2.imencode(".jpg", _scene(index, width, height))
    assert ok
    return data.tobytes()


def _make_clip(path: Path) -> None:
    """A small H.264 MP4 (yuv420p, faststart), as the hub's clip remux produces."""
    frames = int(CLIP_SECONDS * CLIP_FPS)
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=CLIP_FPS)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.time_base = Fraction(1, CLIP_FPS)
        for i in range(frames):
            rgb = cv2.cvtColor(_scene(i, 320, 180), cv2.COLOR_BGR2RGB)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _last_afternoon() -> float:
    """The latest 15:00 (local time) that has passed: the two events of "today" then fall
    on one day whatever the hour the suite runs, and the third on the day before."""
    now = time.time()
    today = time.localtime(now)
    afternoon = time.mktime((*today[:3], 15, 0, 0, 0, 0, -1))
    return afternoon if afternoon <= now else afternoon - 86_400


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    media = tmp_path_factory.mktemp("media")
    clip, snapshot = media / "clip.mp4", media / "snap.jpg"
    _make_clip(clip)
    with pytest.MonkeyPatch.context() as monkeypatch:
        cheap_password_hashing(monkeypatch)
        harness = web_harness()
    harness.clock.now = _last_afternoon()
    snapshot.write_bytes(_jpeg(8))
    harness.runtime.frame = _jpeg(3)
    now = harness.clock.now
    events = [
        ("e-porch-1", "front", now - 600, ("person",), 0.91),
        ("e-porch-2", "front", now - 5400, ("person", "car"), 0.78),
        ("e-drive-1", "back", now - 26 * 3600, ("car",), 0.66),
    ]
    for event_id, camera, start, labels, score in events:
        harness.store.add_event(
            make_event(event_id, camera, start, labels=labels, score=score, snapshot="snap.jpg")
        )
        harness.runtime.clips[event_id] = clip
        harness.runtime.snapshots[event_id] = snapshot
    with serving(harness.app) as base_url:
        yield base_url


def _shot(page: Page, name: str, size: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"hub-{name}-{size}.png"), full_page=True)


def _wait_for_live_images(page: Page) -> None:
    page.wait_for_function(
        "() => [...document.querySelectorAll('img[alt^=\"Live view\"]')]"
        ".every(img => img.naturalWidth > 0)",
        timeout=10_000,
    )


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_owner_signs_in_browses_and_plays_a_clip(
    browser: Browser, base_url: str, size: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS[size])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        page.goto(base_url + "/", wait_until="domcontentloaded")
        assert "/login" in page.url
        _shot(page, "login", size)
        page.get_by_label("Password").fill(OWNER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base_url + "/", wait_until="domcontentloaded")

        assert page.get_by_role("heading", name="Cameras", level=1).is_visible()
        _wait_for_live_images(page)
        assert page.locator(".tile").count() == 2
        _shot(page, "cameras", size)

        page.get_by_role("link", name="Live view of front").click()
        page.wait_for_url("**/cameras/front", wait_until="domcontentloaded")
        _wait_for_live_images(page)
        _shot(page, "camera", size)

        page.get_by_role("link", name="Events", exact=True).click()
        page.wait_for_url("**/events", wait_until="domcontentloaded")
        assert page.locator("section.day").count() == 2
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        _shot(page, "events", size)

        page.locator('a[href="/events/e-porch-1"]').click()
        page.wait_for_url("**/events/e-porch-1", wait_until="domcontentloaded")
        played = page.evaluate(
            """async () => {
                const video = document.querySelector("video");
                video.muted = true;
                const once = (n) => new Promise(r => video.addEventListener(n, r, {once: true}));
                if (video.readyState < 1) await once("loadedmetadata");
                video.currentTime = 1.0;
                await once("seeked");
                const seekedTo = video.currentTime;
                video.currentTime = 0;
                await once("seeked");
                const ended = new Promise((resolve, reject) => {
                    video.addEventListener("ended", resolve, {once: true});
                    video.addEventListener("error", () => reject(video.error.message));
                    setTimeout(() => reject("no 'ended' within 15 s"), 15000);
                });
                await video.play();
                await ended;
                return {duration: video.duration, ended: video.ended, seekedTo};
            }"""
        )
        assert played["ended"] is True
        assert played["duration"] == pytest.approx(CLIP_SECONDS, abs=0.15)
        assert played["seekedTo"] == pytest.approx(1.0, abs=0.1)
        _shot(page, "event", size)

        page.get_by_role("link", name="Account").click()
        page.wait_for_url("**/account", wait_until="domcontentloaded")
        _shot(page, "account", size)
        assert errors == []
    finally:
        context.close()


def _tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab, as a keyboard user does, until the element matching `selector` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def _band(page: Page, box: dict[str, float], pad: int) -> np.ndarray:
    """A screenshot of `box` grown by `pad` pixels on every side."""
    clip = {
        "x": box["x"] - pad,
        "y": box["y"] - pad,
        "width": box["width"] + 2 * pad,
        "height": box["height"] + 2 * pad,
    }
    image = cv2.imdecode(np.frombuffer(page.screenshot(clip=clip), np.uint8), cv2.IMREAD_COLOR)
    return np.asarray(image, dtype=np.int16)


@pytest.mark.parametrize(
    ("path", "target", "around"),
    [
        ("/", 'a.tile-link[href="/cameras/front"]', "li.tile:first-child"),
        ("/events/e-porch-1", 'a[href$="/snapshot.jpg"]', 'img[alt="Best snapshot of this event"]'),
    ],
    ids=["camera tile", "best snapshot"],
)
def test_keyboard_focus_shows_a_ring_that_is_not_clipped(
    browser: Browser, base_url: str, path: str, target: str, around: str
) -> None:
    """A focus ring drawn outside a box that clips its content (the tile), or around a link
    whose box is empty (the snapshot), is invisible: look at the pixels, not the CSS."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    try:
        page.goto(base_url + "/login", wait_until="domcontentloaded")
        page.get_by_label("Password").fill(OWNER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base_url + "/", wait_until="domcontentloaded")
        page.goto(base_url + path, wait_until="load")
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        box = page.locator(around).bounding_box()
        assert box is not None
        pad = 8
        before = _band(page, box, pad)
        _tab_to(page, target)
        after = _band(page, box, pad)
        changed = np.abs(after - before).max(axis=2) > 40
        # Only the edge matters (the picture inside may be a live view): a band from
        # `pad` outside to 4 px inside the element's box.
        edge = np.ones(changed.shape, bool)
        edge[pad + 4 : -(pad + 4), pad + 4 : -(pad + 4)] = False
        perimeter = 2 * (box["width"] + box["height"])
        assert (changed & edge).sum() > perimeter, "a visible ring goes round the element"
    finally:
        context.close()
