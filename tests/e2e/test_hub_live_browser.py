"""A real hub's H.264 live view plays in Chromium at full resolution, near the live edge.

Nothing is faked: `build_hub` runs a camera worker process that reads a generated 1080p
porch scene as a looping realtime file (a loop is a new input stream, so the test also
sees the remux restart with a new init segment mid-stream), and uvicorn serves the web
app in a thread. Chromium signs in and opens the camera page; the page's Media Source
player must take over from the MJPEG picture, show the camera's own 1920×1080 video
(not the 640×360 detect frames), keep playing across loops and stay within 2 s of the
newest frame it received. When the page closes, the hub counts no viewer any more.
Screenshots: see tests/screenshots.py.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from frontporch.hub.process.runtime import Hub
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from frontporch.scenes import write_scene
from hubtools import camera, hub_config, running_hub, wait_until
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = pytest.mark.browser

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
CAMERA = "porch"
SIZE = (1920, 1080)
FPS = 15
LOOP_S = 6  # a new input stream every 6 s
WATCH_S = 9.0
MAX_LAG_S = 2.0

SAMPLE = """() => {
    const video = document.querySelector("[data-live-player] video");
    const ranges = video.buffered;
    const end = ranges.length ? ranges.end(ranges.length - 1) : 0;
    return {
        mode: document.querySelector("[data-live-player]").dataset.mode,
        label: document.querySelector("[data-live-mode]").textContent,
        time: video.currentTime,
        lag: end - video.currentTime,
        width: video.videoWidth,
        height: video.videoHeight,
        paused: video.paused,
        frames: video.getVideoPlaybackQuality().totalVideoFrames,
    };
}"""


@dataclass
class LiveHub:
    hub: Hub
    base_url: str
    password: str


@pytest.fixture(scope="module")
def live_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    folder = tmp_path_factory.mktemp("live-hub")
    scene = folder / "porch.mp4"
    width, height = SIZE
    write_scene("porch", scene, width=width, height=height, fps=FPS, duration_s=LOOP_S, seed=1)
    raw = hub_config(folder / "hub", {CAMERA: camera(scene, loop=True)})
    with running_hub(raw) as hub:
        password = secrets.token_urlsafe(15)
        set_owner_password(hub.store, password)
        with serving(create_hub_app(hub.config, hub.store, hub)) as base_url:
            wait_until(lambda: hub.live_codec(CAMERA), 30, "the camera to offer H.264")
            yield LiveHub(hub, base_url, password)


def _sign_in(page: Page, live: LiveHub) -> None:
    page.goto(live.base_url + "/", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(live.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live.base_url + "/", wait_until="domcontentloaded")


def _open_live(page: Page, live: LiveHub) -> None:
    page.goto(f"{live.base_url}/cameras/{CAMERA}", wait_until="domcontentloaded")
    page.wait_for_function(
        """() => document.querySelector("[data-live-player]").dataset.mode === "h264"
            && document.querySelector("[data-live-player] video").readyState >= 2""",
        timeout=30_000,
    )


def _shot(page: Page, size: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"hub-live-{size}.png"), full_page=True)


def test_live_h264_plays_full_resolution_near_the_live_edge(
    live_hub: LiveHub, browser: Browser
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        _sign_in(page, live_hub)
        _open_live(page, live_hub)
        assert live_hub.hub.slots[CAMERA].viewers.value == 1
        page.wait_for_timeout(1000)  # the player settles at the live edge
        samples = []
        began = time.monotonic()
        while time.monotonic() - began < WATCH_S:
            samples.append(page.evaluate(SAMPLE))
            page.wait_for_timeout(250)
        elapsed = time.monotonic() - began
        first, last = samples[0], samples[-1]

        assert {s["mode"] for s in samples} == {"h264"}
        assert last["label"] == "Live H.264"
        assert page.locator('img[alt="Live view of porch"]').is_hidden()
        assert {(s["width"], s["height"]) for s in samples} == {SIZE}
        # Playing on, across at least one loop of the file (a new init segment).
        played = last["time"] - first["time"]
        assert played > 0.7 * elapsed, (played, elapsed)
        assert last["frames"] - first["frames"] > 0.7 * elapsed * FPS
        lags = sorted(s["lag"] for s in samples)
        assert lags[-1] < MAX_LAG_S, lags
        print(
            f"\nlive H.264 {SIZE[0]}x{SIZE[1]}: played {played:.2f} s of video in "
            f"{elapsed:.2f} s; buffered end - currentTime median {lags[len(lags) // 2]:.2f} s, "
            f"max {lags[-1]:.2f} s; {last['frames'] - first['frames']} frames decoded"
        )
        _shot(page, "desktop")

        state = context.storage_state()
        phone = browser.new_context(viewport=VIEWPORTS["phone"], storage_state=state)
        try:
            phone_page = phone.new_page()
            _open_live(phone_page, live_hub)
            phone_page.wait_for_timeout(500)
            _shot(phone_page, "phone")
        finally:
            phone.close()
        assert errors == []
    finally:
        context.close()
    # Closing the pages ends their streams: the camera stops remuxing for live view.
    wait_until(
        lambda: live_hub.hub.slots[CAMERA].viewers.value == 0, 10, "the viewers to be let go"
    )
