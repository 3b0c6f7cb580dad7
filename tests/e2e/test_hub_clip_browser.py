"""A real hub's clip plays in Chromium and covers its event's window.

Nothing here is faked: `build_hub` runs a camera worker process that reads a generated
porch scene as a looping realtime file, records 2 s segments by stream copy and detects
the people walking past; the web app is served by uvicorn in a thread. Once an event
has closed and the segments cover its post-capture time, Chromium signs in, opens the
event from the Events page and plays its clip to the end. The clip's bytes are checked
independently (H.264, `moov` before `mdat`, ffprobe's duration equals Chromium's), and
so is HTTP Range on the real file. Screenshots: see
tests/screenshots.py (`make screenshots` refreshes docs/screenshots/).
"""

from __future__ import annotations

import json
import secrets
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize, sync_playwright

from browser import launch
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.ports import EventRecord
from frontporch.hub.process.runtime import Hub, build_hub
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from frontporch.scenes import write_scene
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = [pytest.mark.browser, pytest.mark.ffprobe]

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}

CAMERA = "porch"
SEGMENT_S = 2.0
GOP_S = 2.0  # write_scene's default keyframe interval
PRE_S = POST_S = QUIET_S = 2.0
FPS = 15.0
# The scene's people walk by from about 6.7 s to 30 s of each 30 s loop; the first event
# closes (quiet_s after its last person) and its post-capture is recorded about 35 s
# after the camera starts. A busy 2-core machine gets generous slack.
EVENT_TIMEOUT_S = 120.0
# Chromium plays at this rate so the test stays short; every frame is still decoded.
PLAYBACK_RATE = 2.0


@dataclass
class RunningHub:
    hub: Hub
    config: HubConfig
    base_url: str
    password: str


def _hub_config(scene: Path, storage: Path) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(storage), "min_free_gb": 0},
            "cameras": {
                CAMERA: {
                    "inputs": [{"url": str(scene), "loop": True, "realtime": True}],
                    "detect": {"fps": 5, "width": 640, "height": 360},
                    "events": {
                        "pre_capture_s": PRE_S,
                        "post_capture_s": POST_S,
                        "quiet_s": QUIET_S,
                    },
                    "record": {"segment_s": SEGMENT_S},
                }
            },
        }
    )


@pytest.fixture(scope="module")
def running_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    folder = tmp_path_factory.mktemp("real-hub")
    scene = folder / "porch.mp4"
    write_scene("porch", scene, width=640, height=360, fps=FPS, duration_s=30, seed=1)
    config = _hub_config(scene, folder / "hub")
    hub = build_hub(config)
    password = secrets.token_urlsafe(15)
    set_owner_password(hub.store, password)
    hub.start()
    try:
        with serving(create_hub_app(config, hub.store, hub)) as base_url:
            yield RunningHub(hub, config, base_url, password)
    finally:
        hub.stop()


def _ready_event(running: RunningHub) -> EventRecord | None:
    """The oldest closed event whose whole clip window [start - pre, end + post] is on disk."""
    store = running.hub.store
    closed = [e for e in store.list_events(camera=CAMERA, limit=50).events if e.end is not None]
    for event in sorted(closed, key=lambda e: e.start):
        assert event.end is not None
        segments = store.segments(CAMERA, event.start - PRE_S, event.end + POST_S)
        if (
            segments
            and segments[0].start <= event.start - PRE_S
            and max(s.end for s in segments) >= event.end + POST_S
        ):
            return event
    return None


def _wait_for_event(running: RunningHub) -> EventRecord:
    deadline = time.monotonic() + EVENT_TIMEOUT_S
    while time.monotonic() < deadline:
        event = _ready_event(running)
        if event is not None:
            return event
        time.sleep(0.5)
    status = running.hub.camera_status(CAMERA)
    segments = running.hub.store.all_segments(CAMERA)
    events = running.hub.store.list_events(camera=CAMERA).events
    pytest.fail(
        f"no closed event with its post-capture recorded within {EVENT_TIMEOUT_S:.0f} s: "
        f"camera {status.state} ({status.last_error}), {len(segments)} segments, "
        f"events {[(e.start, e.end) for e in events]}"
    )


def _top_level_boxes(data: bytes) -> list[str]:
    """The MP4's top-level box types in file order (ISO/IEC 14496-12 §4.2)."""
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            (size,) = struct.unpack(">Q", data[offset + 8 : offset + 16])
        elif size == 0:
            size = len(data) - offset
        assert size >= 8, f"malformed box {kind!r} at {offset}"
        boxes.append(kind.decode("latin-1"))
        offset += size
    assert offset == len(data), "the boxes do not add up to the file's size"
    return boxes


def _ffprobe(path: Path) -> dict[str, Any]:
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration,format_name:stream=codec_type,codec_name,width,height",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result: dict[str, Any] = json.loads(probe.stdout)
    return result


PLAY_TO_END = """async ([rate, timeoutMs]) => {
    const video = document.querySelector("video");
    video.muted = true;
    const once = (name) => new Promise(r => video.addEventListener(name, r, {once: true}));
    if (video.readyState < 1) await once("loadedmetadata");
    const ended = new Promise((resolve, reject) => {
        video.addEventListener("ended", resolve, {once: true});
        video.addEventListener("error", () => reject("video error: " + video.error.message));
        setTimeout(() => reject(`no 'ended' within ${timeoutMs} ms`), timeoutMs);
    });
    video.playbackRate = rate;
    await video.play();
    await ended;
    const played = [];
    for (let i = 0; i < video.played.length; i++) {
        played.push([video.played.start(i), video.played.end(i)]);
    }
    const quality = video.getVideoPlaybackQuality();
    return {
        duration: video.duration,
        currentTime: video.currentTime,
        ended: video.ended,
        error: video.error && video.error.message,
        played,
        width: video.videoWidth,
        height: video.videoHeight,
        frames: quality.totalVideoFrames,
    };
}"""


SHOW_FRAME = """async (at) => {
    const video = document.querySelector("video");
    const once = (name) => new Promise(r => video.addEventListener(name, r, {once: true}));
    const shown = (async () => {
        if (video.readyState < 1) await once("loadedmetadata");
        video.currentTime = at;
        await once("seeked");
        if (video.readyState < 3) await once("canplay");
    })();
    const late = new Promise((_, reject) => setTimeout(() => reject("no frame in 15 s"), 15000));
    await Promise.race([shown, late]);
}"""


def _sign_in(page: Page, base_url: str, password: str) -> None:
    page.goto(base_url + "/", wait_until="domcontentloaded")
    assert "/login" in page.url
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base_url + "/", wait_until="domcontentloaded")


def _shot(page: Page, size: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_function(
        """() => {
            const video = document.querySelector("video");
            return [...document.images].every(i => i.complete && i.naturalWidth > 0)
                && video.readyState >= 1;
        }""",
        timeout=15_000,
    )
    # The player's loading spinner finishes its animation cycle after loading is done:
    # wait until two pictures of the player in a row are the same.
    player = page.locator("video")
    previous = player.screenshot()
    for _ in range(40):
        page.wait_for_timeout(250)
        current = player.screenshot()
        if current == previous:
            break
        previous = current
    page.screenshot(path=str(SCREENSHOTS / f"hub-real-event-{size}.png"), full_page=True)


def _check_range(context: BrowserContext, url: str, size: int) -> None:
    """A Range request with the session cookie gets the first KiB of the real clip."""
    response = context.request.get(url, headers={"Range": "bytes=0-1023"})
    assert response.status == 206
    assert response.headers["content-range"] == f"bytes 0-1023/{size}"
    assert len(response.body()) == 1024


def test_real_hub_clip_plays_in_chromium_and_covers_the_event(
    running_hub: RunningHub, tmp_path: Path
) -> None:
    base_url = running_hub.base_url
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORTS["desktop"])
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _sign_in(page, base_url, running_hub.password)
            ready = _wait_for_event(running_hub)

            page.get_by_role("link", name="Events", exact=True).click()
            page.wait_for_url("**/events", wait_until="domcontentloaded")
            page.locator(f'a[href="/events/{ready.id}"]').click()
            page.wait_for_url(f"**/events/{ready.id}", wait_until="domcontentloaded")

            event = context.request.get(f"{base_url}/api/events/{ready.id}").json()
            assert event["end"] is not None
            window = (event["end"] + POST_S) - (event["start"] - PRE_S)
            # Realtime playback at PLAYBACK_RATE, with room for a slow machine.
            timeout_ms = int((window + 2 * GOP_S) / PLAYBACK_RATE * 1000 * 2 + 20_000)
            played = page.evaluate(PLAY_TO_END, [PLAYBACK_RATE, timeout_ms])

            assert played["error"] is None
            assert played["ended"] is True
            duration = played["duration"]
            assert duration > 0
            assert (played["width"], played["height"]) == (640, 360)
            assert played["currentTime"] == pytest.approx(duration, abs=1 / FPS)
            assert played["played"][0][0] == pytest.approx(0.0, abs=1 / FPS)
            assert played["played"][-1][1] == pytest.approx(duration, abs=1 / FPS)
            # Every frame of the clip went through the decoder.
            assert played["frames"] >= round(duration * FPS) - 2
            assert abs(duration - window) <= SEGMENT_S + GOP_S, (duration, window)

            clip_url = f"{base_url}{event['clip_url']}"
            clip = context.request.get(clip_url)
            assert clip.status == 200
            assert clip.headers["content-type"] == "video/mp4"
            body = clip.body()
            boxes = _top_level_boxes(body)
            assert boxes.index("moov") < boxes.index("mdat"), f"not faststart: {boxes}"
            _check_range(context, clip_url, len(body))
            saved = tmp_path / "clip.mp4"
            saved.write_bytes(body)
            probe = _ffprobe(saved)
            video_streams = [s for s in probe["streams"] if s["codec_type"] == "video"]
            assert [s["codec_name"] for s in video_streams] == ["h264"]
            probed = float(probe["format"]["duration"])
            assert probed == pytest.approx(duration, abs=0.1)
            print(
                f"\nevent {ready.id}: window {window:.2f} s [start - {PRE_S:g}, "
                f"end + {POST_S:g}]; clip {duration:.2f} s in Chromium ({played['frames']} "
                f"frames), {probed:.2f} s by ffprobe; clip - window {duration - window:+.2f} s"
            )

            _shot(page, "desktop")
            state = context.storage_state()
            phone = browser.new_context(viewport=VIEWPORTS["phone"], storage_state=state)
            try:
                phone_page = phone.new_page()
                phone_page.goto(f"{base_url}/events/{ready.id}", wait_until="domcontentloaded")
                assert f"/events/{ready.id}" in phone_page.url
                # Show a frame from the middle of the clip rather than the poster (which
                # is the snapshot shown again below), and no loading spinner over it.
                phone_page.evaluate(SHOW_FRAME, duration / 2)
                _shot(phone_page, "phone")
            finally:
                phone.close()
            assert errors == []
            context.close()
        finally:
            browser.close()
