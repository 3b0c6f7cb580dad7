"""A camera that records its sound (`record.audio`) plays live with it in Chromium: the
live stream's type names AAC, the video element has an audio track, and the page's
"Turn sound on" button unmutes it (browsers start live video muted). A real hub with
a real camera worker playing an H.264 + AAC file as a live camera. Screenshot:
docs/screenshots/hub-audio-live.png (see tests/screenshots.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from audio_tools import make_av
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from hubtools import camera, hub_config, running_hub, wait_until
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = pytest.mark.browser

CAMERA = "porch"


@dataclass
class SoundHub:
    base_url: str
    password: str


@pytest.fixture(scope="module")
def sound_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoundHub]:
    folder = tmp_path_factory.mktemp("sound-hub")
    source = make_av(Path(folder) / "porch.mp4", seconds=6, size=(640, 360))
    cam = camera(source, loop=True)
    cam["record"]["audio"] = True
    with running_hub(hub_config(folder / "hub", {CAMERA: cam})) as hub:
        password = secrets.token_urlsafe(15)
        set_owner_password(hub.store, password)
        with serving(create_hub_app(hub.config, hub.store, hub)) as base_url:
            wait_until(lambda: hub.live_codec(CAMERA), 30, "the camera to offer live view")
            wait_until(lambda: hub.camera_status(CAMERA).online, 30, "the camera to be online")
            assert (hub.live_codec(CAMERA) or "").endswith(",mp4a.40.2")
            yield SoundHub(base_url, password)


def test_live_view_plays_the_sound_once_turned_on(sound_hub: SoundHub, browser: Browser) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(sound_hub.base_url + "/", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(sound_hub.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(sound_hub.base_url + "/", wait_until="domcontentloaded")
    page.goto(f"{sound_hub.base_url}/cameras/{CAMERA}", wait_until="domcontentloaded")
    page.wait_for_function(
        """() => document.querySelector("[data-live-player]").dataset.mode === "h264"
            && document.querySelector("[data-live-player] video").readyState >= 2""",
        timeout=30_000,
    )
    video = page.locator("[data-live-player] video")
    assert video.evaluate("v => v.muted") is True
    button = page.get_by_role("button", name="Turn sound on")
    assert button.is_visible()
    # Chromium exposes decoded sound through captureStream's audio tracks.
    tracks = video.evaluate("v => v.captureStream().getAudioTracks().length")
    assert tracks == 1
    button.click()
    assert video.evaluate("v => v.muted") is False
    assert page.get_by_role("button", name="Turn sound off").get_attribute("aria-pressed") == (
        "true"
    )
    page.wait_for_timeout(500)
    assert video.evaluate("v => !v.paused && v.currentTime > 0")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "hub-audio-live.png"), full_page=True)
