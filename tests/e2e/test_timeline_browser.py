"""The recordings timeline in Chromium (desktop and phone): scrubbing and playing across
segment boundaries and an outage, with the picture checked frame by frame, and an
export made through the page and checked with ffprobe.

The recordings are real: the hub's `SegmentWriter` recorded an H.264 clip whose frames
show their own number (`videotools.make_h264`) into 2 s segments, 8 s before a 5 s
outage and 6 s after it, indexed in a real `HubStore` (`timeline_tools.py`). The hub's
web app serves them over HTTP (uvicorn). For every position the test reads the frame
number from a canvas grab of the <video> and compares it with the frame PyAV decodes
from the segment file at the wall-clock time the page shows: they must agree within
one frame interval.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from browser import launch
from screenshots import SCREENSHOTS
from server_live import serving
from timeline_tools import (
    BEFORE_S,
    CAMERA,
    MOTION,
    OUTAGE_S,
    PASSWORD,
    T0,
    Recording,
    decoded_frame,
    hub_app,
    make_recording,
)
from videotools import read_counter

pytestmark = [pytest.mark.browser, pytest.mark.ffprobe]

SPAN_S = 40.0  # the bar's width: 1 px is about 1/30 s on a desktop, 1/9 s on a phone
READY_S = 20.0

GRAB = """() => {
    const video = document.querySelector("video");
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const context = canvas.getContext("2d");
    context.drawImage(video, 0, 0);
    const rows = Math.floor(canvas.width / 16);
    const pixels = context.getImageData(0, 0, canvas.width, rows).data;
    const gray = [];
    for (let i = 0; i < pixels.length; i += 4) gray.push(pixels[i + 1]);
    return {width: canvas.width, rows, gray};
}"""

CLOCK = "Number(document.querySelector('[data-clock]').dataset.wall)"
STATE = """() => {
    const video = document.querySelector("video");
    return {
        time: video.currentTime, ready: video.readyState, seeking: video.seeking,
        paused: video.paused, wall: Number(document.querySelector("[data-clock]").dataset.wall),
        overlay: !document.querySelector("[data-overlay]").hidden,
        status: document.querySelector("[data-status]").textContent,
    };
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Recording]]:
    recording = make_recording(tmp_path_factory.mktemp("timeline"))
    app = hub_app(recording)
    try:
        with serving(app) as base_url:
            yield base_url, recording
    finally:
        app.state.exports.stop()
        recording.store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def _open(browser: Browser, base_url: str, size: str) -> Page:
    if size == "phone":
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
        )
    else:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(base_url + "/login", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(base_url + "/", wait_until="domcontentloaded")
    page.goto(f"{base_url}/timeline/{CAMERA}?t={T0 + 1.0}&span={SPAN_S}")
    _poll(page, "document.querySelector('[data-timeline]').dataset.ready === 'true'")
    return page


def _poll(page: Page, predicate: str, timeout: float = READY_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(f"() => Boolean({predicate})"):
            return
        time.sleep(0.05)
    raise AssertionError(f"not true within {timeout} s: {predicate}; {page.evaluate(STATE)}")


def _settled(page: Page) -> dict[str, Any]:
    """Wait until the player shows a still frame at the clock, and return its state."""
    previous: dict[str, Any] | None = None
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        state: dict[str, Any] = page.evaluate(STATE)
        if (
            state["ready"] >= 2
            and not state["seeking"]
            and state["paused"]
            and previous is not None
            and previous["time"] == state["time"]
            and previous["wall"] == state["wall"]
        ):
            return state
        previous = state
        time.sleep(0.1)
    raise AssertionError(f"the player did not settle: {page.evaluate(STATE)}")


def _shown_frame(page: Page) -> int:
    grab = page.evaluate(GRAB)
    gray = np.array(grab["gray"], dtype=np.uint8).reshape(grab["rows"], grab["width"])
    return read_counter(gray)


def _check_picture(page: Page, recording: Recording, near: float | None = None) -> float:
    """The frame on screen is the one recorded at the wall-clock time the page shows
    (once its clock is within 0.25 s of `near`, if given)."""
    if near is not None:
        _poll(page, f"Math.abs({CLOCK} - {near}) < 0.25")
    state = _settled(page)
    wall = state["wall"]
    shown = _shown_frame(page)
    expected = decoded_frame(recording, wall)
    assert abs(shown - expected) <= 1, (wall - T0, shown, expected)
    return float(wall)


def _bar_point(page: Page, wall: float) -> tuple[float, float]:
    view = page.evaluate(
        """() => { const bar = document.querySelector("[data-bar]");
                   bar.scrollIntoView({block: "center"});
                   const box = bar.getBoundingClientRect();
                   return {start: Number(bar.dataset.viewStart), end: Number(bar.dataset.viewEnd),
                           left: box.left, width: box.width, top: box.top, height: box.height}; }"""
    )
    share = (wall - view["start"]) / (view["end"] - view["start"])
    assert 0 < share < 1, f"{wall - T0} is off the bar"
    return view["left"] + share * view["width"], view["top"] + view["height"] / 2


def _scrub(page: Page, wall: float, size: str) -> None:
    """Click (desktop) or tap (phone) the bar where `wall` is."""
    x, y = _bar_point(page, wall)
    if size == "phone":
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def _touch_drag(page: Page, start: float, end: float) -> None:
    """Drag a finger along the bar (Chrome DevTools Protocol touch events)."""
    (x0, y), (x1, _) = _bar_point(page, start), _bar_point(page, end)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y}]})
    for step in range(1, 9):
        x = x0 + (x1 - x0) * step / 8
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
        time.sleep(0.03)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _jump(page: Page, wall: float) -> None:
    """Type a date and time into "Jump to" and go."""
    page.fill("[data-jump-at]", datetime.fromtimestamp(wall).strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Go").click()
    _poll(
        page,
        f"Math.abs(Number(document.querySelector('[data-clock]').dataset.wall) - {wall}) < 0.01",
    )


def _play_through(page: Page, until: float) -> list[tuple[float, float]]:
    """Play at 4x until the clock passes `until`; the (video time, wall clock) seen."""
    page.get_by_role("button", name="4×").click()
    page.locator("[data-play]").click()
    samples: list[tuple[float, float]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = page.evaluate(STATE)
        samples.append((state["time"], state["wall"]))
        if state["wall"] >= until:
            break
        time.sleep(0.05)
    page.locator("[data-play]").click()  # pause
    return samples


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_scrubbing_and_playing_across_boundaries_and_an_outage_shows_the_recorded_frames(
    served: tuple[str, Recording], browser: Browser, size: str
) -> None:
    base_url, recording = served
    page = _open(browser, base_url, size)
    assert abs(_check_picture(page, recording) - (T0 + 1.0)) < 0.01

    # Scrub to points in four segments on both sides of the outage.
    seen_segments = set()
    for target in (T0 + 3.3, T0 + 5.1, T0 + 7.6, T0 + 14.4, T0 + 17.7):
        _scrub(page, target, size)
        wall = _check_picture(page, recording, near=target)
        assert abs(wall - target) < 0.25, (wall - T0, target - T0)
        seen_segments.add(recording.segment_at(wall).id)
    assert len(seen_segments) == 5

    # Scrubbing into the outage moves to the first frame after it.
    _scrub(page, T0 + BEFORE_S + 2.0, size)
    wall = _check_picture(page, recording, near=T0 + BEFORE_S + OUTAGE_S)
    assert wall == pytest.approx(T0 + BEFORE_S + OUTAGE_S, abs=0.01)
    assert "moved to the next recording" in page.evaluate(STATE)["status"]

    if size == "phone":
        # A finger dragged along the bar scrubs too.
        _touch_drag(page, T0 + 14.0, T0 + 4.5)
        wall = _check_picture(page, recording, near=T0 + 4.5)
        assert abs(wall - (T0 + 4.5)) < 0.5

    # Motion (here with no object at all) is a stop of its own.
    _jump(page, T0 + 1.0)
    page.get_by_role("button", name="Next motion").click()
    assert _check_picture(page, recording, near=MOTION[0]) == pytest.approx(MOTION[0], abs=0.01)

    # Play from 1 s in: the video's time runs on through three boundaries, then jumps
    # over the outage and runs on after it.
    _jump(page, T0 + 1.0)
    samples = _play_through(page, T0 + 15.5)
    times = [t for t, _ in samples]
    walls = [w - T0 for _, w in samples]
    assert times == sorted(times), "the video's time went backwards"
    assert max(walls) >= 15.5
    crossed = {int(w // 2) for w in walls if w < BEFORE_S}
    assert {0, 1, 2, 3} <= crossed, f"not every segment before the outage played: {walls}"
    assert not [w for w in walls if BEFORE_S + 0.1 < w < BEFORE_S + OUTAGE_S - 0.1]
    after = [t for t, w in samples if w - T0 >= BEFORE_S + OUTAGE_S]
    before = [t for t, w in samples if w - T0 < BEFORE_S]
    assert after[0] - before[-1] >= OUTAGE_S - 0.5  # the jump over the outage
    _check_picture(page, recording)

    # Jump to a date and time.
    _jump(page, T0 + 16.0)
    assert _check_picture(page, recording, near=T0 + 16.0) == pytest.approx(T0 + 16.0, abs=0.01)

    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"hub-timeline-{size}.png"), full_page=True)
    page.context.close()


def _ffprobe(path: Path) -> dict[str, Any]:
    probe = subprocess.run(
        [
            "ffprobe", "-v", "error", "-count_packets",
            "-show_entries", "format=duration:stream=codec_name,nb_read_packets",
            "-of", "json", str(path),
        ],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(probe.stdout)
    return result


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def test_an_export_made_in_the_page_downloads_as_one_mp4_of_the_recorded_packets(
    served: tuple[str, Recording], browser: Browser, tmp_path: Path
) -> None:
    base_url, recording = served
    page = _open(browser, base_url, "desktop")
    local = lambda t: datetime.fromtimestamp(t).strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731

    # A range with nothing recorded: the page says so, and nothing is queued.
    page.fill("[data-export-from]", local(T0 + BEFORE_S + 1))
    page.fill("[data-export-to]", local(T0 + BEFORE_S + 4))
    page.get_by_role("button", name="Export", exact=True).click()
    error = page.locator("[data-export-error]")
    error.filter(has_text="was recorded").wait_for(timeout=10_000)
    assert "Nothing of porch was recorded" in error.inner_text()

    # Across the outage: from 2 s to 17 s.
    page.fill("[data-export-from]", local(T0 + 2))
    page.fill("[data-export-to]", local(T0 + 17))
    page.get_by_role("button", name="Export", exact=True).click()
    page.wait_for_url("**/exports#export-*")
    link = page.locator("[data-download]")
    link.wait_for(timeout=30_000)  # the page refreshes itself until the job is done
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "export.mp4"
    download_info.value.save_as(saved)

    probe = _ffprobe(saved)
    assert probe["streams"][0]["codec_name"] == "h264"
    assert float(probe["format"]["duration"]) == pytest.approx(15.0 - OUTAGE_S, abs=0.1)
    # No re-encode: the export's packets are the recorded ones, in order, from the
    # keyframe at 2 s on.
    recorded = [p for s in recording.segments for p in _packets(recording.recordings / s.path)]
    exported = _packets(saved)
    first = recorded.index(exported[0])
    assert first == 2 * 15
    assert exported == recorded[first : first + len(exported)]
    assert int(probe["streams"][0]["nb_read_packets"]) == len(exported)
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "hub-exports.png"), full_page=True)
    page.context.close()


def test_the_multi_camera_view_plays_every_camera_at_the_same_moment(
    browser: Browser, tmp_path: Path
) -> None:
    cameras = ("porch", "yard")
    recording = make_recording(tmp_path, cameras)
    app = hub_app(recording, cameras)
    try:
        with serving(app) as base_url:
            page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            page.goto(base_url + "/login", wait_until="domcontentloaded")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_url(base_url + "/", wait_until="domcontentloaded")
            page.goto(f"{base_url}/timeline?t={T0 + 1.0}&span={SPAN_S}")
            _poll(page, "document.querySelector('[data-timeline]').dataset.ready === 'true'")
            assert page.locator("video").count() == 2
            samples = _play_through(page, T0 + 6.0)
            assert max(w for _, w in samples) >= T0 + 6.0
            _settled(page)
            wall = page.evaluate(STATE)["wall"]
            expected = decoded_frame(recording, wall)
            for index in range(2):
                grab = page.evaluate(
                    GRAB.replace('querySelector("video")', f'querySelectorAll("video")[{index}]')
                )
                gray = np.array(grab["gray"], dtype=np.uint8).reshape(grab["rows"], grab["width"])
                assert abs(read_counter(gray) - expected) <= 1, (cameras[index], wall - T0)
            page.context.close()
    finally:
        app.state.exports.stop()
        recording.store.close()
