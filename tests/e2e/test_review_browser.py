"""Review items in Chromium, on a real hub, fed through the real index path.

The hub is `build_hub`'s, with its index writer, `Changes` fan-out and review desk
running; the web app is served by uvicorn in a thread. The built-in detector only finds
people, so the events arrive as a camera worker sends them: `EventMessage`s on the
hub's outbox (opened, updated with a better snapshot, closed), with real JPEG frames of
the generated porch scene as snapshots. The index writer stores them, writes the
snapshot files and publishes the changes; the review desk groups them.

What the owner sees on /review: a person and a dog arriving together are one item with
both labels (an alert); a person who steps out of view for four seconds is one item;
a later visit is another. Marking one item reviewed and "mark all reviewed" work with
JavaScript (no reload) and without it (forms with the CSRF token); the events API still
lists every event; bad filters get a clear 4xx. Screenshots: docs/screenshots/hub-review-*.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import Page, ViewportSize, sync_playwright

from browser import launch
from frontporch.devtools.services import AXE_SCRIPT
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.process.messages import EventMessage
from frontporch.hub.process.runtime import Hub, build_hub
from frontporch.hub.review.records import ReviewFilter, ReviewItemRecord
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from frontporch.scenes import render
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = [pytest.mark.browser]

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
CAMERA = "porch"
# axe-core's WCAG 2.1 A/AA rules (tests/e2e/test_accessibility.py): serious or critical.
AXE_RUN = """async () => {
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ` + v.nodes.slice(0, 3).map((n) => n.target.join(' ')));
}"""


@dataclass
class RunningHub:
    hub: Hub
    base_url: str
    password: str
    start: float  # the first event's start


def _config(storage: Path, scene: Path) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(storage), "min_free_gb": 0},
            "cameras": {
                CAMERA: {
                    "name": "Front porch",
                    # No worker runs (disabled): the test sends what a worker would.
                    "enabled": False,
                    "inputs": [{"url": str(scene)}],
                    "objects": {"track": ["person", "dog"]},
                    "zones": {
                        "steps": {"polygon": [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]]},
                        "path": {"polygon": [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]]},
                    },
                    "review": {"alert_labels": ["person"]},
                }
            },
        }
    )


def _frames(count: int) -> list[bytes]:
    """JPEGs of the generated porch scene at moments people walk by."""
    frames, _truth = render("porch", width=640, height=360, fps=5, duration_s=30, seed=1)
    picked: list[bytes] = []
    for index, frame in enumerate(frames):
        if index >= 50 and index % 10 == 0:  # from 10 s on
            ok, jpeg = cv2.imencode(".jpg", np.ascontiguousarray(frame))
            assert ok
            picked.append(jpeg.tobytes())
        if len(picked) == count:
            return picked
    raise AssertionError("the scene is shorter than expected")


def _message(
    kind: str,
    event_id: str,
    start: float,
    end: float | None,
    labels: tuple[str, ...],
    zones: tuple[str, ...],
    score: float,
    jpeg: bytes | None = None,
) -> EventMessage:
    return EventMessage(
        camera=CAMERA,
        kind=kind,
        event_id=event_id,
        labels=labels,
        top_score=score,
        start=start,
        end=end,
        zones=zones,
        snapshot_jpeg=jpeg,
        clean_jpeg=jpeg,
    )


def _visit(hub: Hub, t0: float, jpegs: list[bytes]) -> None:
    """Send the events of three visits as a camera worker would."""
    person, dog = "ev-person", "ev-dog"
    messages = [
        # A person and a dog arriving together: overlapping events.
        _message("opened", person, t0, None, ("person",), ("path",), 0.71, jpegs[0]),
        _message("opened", dog, t0 + 1.5, None, ("dog",), ("path",), 0.64, jpegs[1]),
        _message("updated", person, t0, None, ("person",), ("path", "steps"), 0.88, jpegs[2]),
        _message("closed", dog, t0 + 1.5, t0 + 14, ("dog",), ("path",), 0.64),
        _message("closed", person, t0, t0 + 21, ("person",), ("path", "steps"), 0.88),
        # Twenty minutes later a person steps out of view for four seconds.
        _message("opened", "ev-out", t0 + 1200, None, ("person",), ("steps",), 0.8, jpegs[3]),
        _message("closed", "ev-out", t0 + 1200, t0 + 1210, ("person",), ("steps",), 0.8),
        _message("opened", "ev-back", t0 + 1214, None, ("person",), ("steps",), 0.77, jpegs[4]),
        _message("closed", "ev-back", t0 + 1214, t0 + 1230, ("person",), ("steps",), 0.77),
        # An hour later, a dog alone: a detection, not an alert.
        _message("opened", "ev-dog2", t0 + 3600, None, ("dog",), ("path",), 0.6, jpegs[5]),
        _message("closed", "ev-dog2", t0 + 3600, t0 + 3608, ("dog",), ("path",), 0.6),
    ]
    for message in messages:
        hub.writer.outbox.put(message)


@pytest.fixture(scope="module")
def running_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    folder = tmp_path_factory.mktemp("review-hub")
    config = _config(folder / "hub", folder / "porch.mp4")
    hub = build_hub(config)
    password = secrets.token_urlsafe(15)
    set_owner_password(hub.store, password)
    hub.start()
    t0 = round(time.time()) - 3 * 3600
    try:
        _visit(hub, t0, _frames(6))
        app = create_hub_app(config, hub.store, hub, review_desk=hub.review)
        with serving(app) as base_url:
            yield RunningHub(hub, base_url, password, t0)
    finally:
        hub.stop()


def _wait_for_items(running: RunningHub, timeout_s: float = 20.0) -> list[ReviewItemRecord]:
    """The review items once all the messages are indexed and grouped."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        events = running.hub.store.list_events(camera=CAMERA).events
        if len(events) == 5 and all(e.end is not None for e in events):
            assert running.hub.review.wait_idle()
            return list(running.hub.review.items(ReviewFilter()).items)
        time.sleep(0.1)
    pytest.fail("the index writer did not index the events in time")


def _sign_in(page: Page, base_url: str, password: str) -> None:
    page.goto(base_url + "/review", wait_until="domcontentloaded")
    assert "/login" in page.url
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/review", wait_until="domcontentloaded")


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + 10
    while not page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)"):
        assert time.monotonic() < deadline, "thumbnails did not load"
        page.wait_for_timeout(100)
    page.screenshot(path=str(SCREENSHOTS / f"hub-review-{name}.png"), full_page=True)


def _wait_until(page: Page, script: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"never true: {script}"
        page.wait_for_timeout(100)


def test_review_items_in_chromium(running_hub: RunningHub) -> None:
    t0, base_url = running_hub.start, running_hub.base_url
    items = _wait_for_items(running_hub)
    assert [item.event_ids for item in items] == [
        ("ev-dog2",),
        ("ev-out", "ev-back"),
        ("ev-person", "ev-dog"),
    ]
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORTS["desktop"])
            context.add_init_script(path=str(AXE_SCRIPT))  # CSP does not apply to it
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _sign_in(page, base_url, running_hub.password)

            # Three items, newest first; the person and the dog are one alert.
            cards = page.locator("[data-item]")
            assert cards.count() == 3
            together = page.locator("#item-ev-person")
            chips = together.locator(".chip").all_inner_texts()
            assert chips == ["person", "dog"]
            assert together.locator(".severity").inner_text().lower() == "alert"
            assert "Front porch" in together.inner_text()
            assert "path, steps" in together.inner_text()
            timeline = together.locator("a.review-camera")
            assert timeline.get_attribute("href") == f"/timeline/{CAMERA}?t={t0}"
            together.locator("summary").click()
            links = together.locator(".review-events a")
            assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
                "/events/ev-person",
                "/events/ev-dog",
            ]
            # Its picture is the best-scored event's snapshot, served by the hub.
            thumb = together.locator("img.thumb")
            assert thumb.get_attribute("src") == "/api/events/ev-person/snapshot.jpg"
            out_and_back = page.locator("#item-ev-out")
            assert out_and_back.locator(".chip").all_inner_texts() == ["person"]
            lone_dog = page.locator("#item-ev-dog2")
            assert lone_dog.locator(".severity").inner_text().lower() == "detection"
            together.locator("summary").click()  # closed again for the picture
            assert page.evaluate(AXE_RUN) == []
            _shot(page, "desktop")

            # Alerts only, then detections only.
            tabs = page.get_by_role("navigation", name="Alerts or detections")
            tabs.get_by_role("link", name="Alerts", exact=True).click()
            page.wait_for_url("**severity=alert**", wait_until="domcontentloaded")
            assert page.locator("[data-item]").count() == 2
            tabs = page.get_by_role("navigation", name="Alerts or detections")
            tabs.get_by_role("link", name="Detections", exact=True).click()
            page.wait_for_url("**severity=detection**", wait_until="domcontentloaded")
            assert page.locator("[data-item]").count() == 1

            # Mark one reviewed with the keyboard, through the API: no reload.
            page.goto(base_url + "/review", wait_until="domcontentloaded")
            page.evaluate("window.stayed = true")
            button = page.locator("#item-ev-out form.mark-one button")
            button.focus()
            page.keyboard.press("Enter")
            _wait_until(
                page, "document.querySelector('#item-ev-out').classList.contains('is-reviewed')"
            )
            assert page.evaluate("window.stayed") is True
            assert page.locator("#review-status").inner_text() == "Marked reviewed."
            assert button.inner_text() == "Mark unreviewed"
            assert running_hub.hub.review.item("ev-out").reviewed

            # Mark all reviewed (every item this filter selects), again without a reload.
            page.get_by_role("button", name="Mark all reviewed").click()
            _wait_until(
                page, "document.querySelectorAll('[data-item]:not(.is-reviewed)').length === 0"
            )
            assert page.evaluate("window.stayed") is True
            assert page.locator("#review-status").inner_text() == "Marked 2 items reviewed."
            left = context.request.get(f"{base_url}/api/review?reviewed=false").json()
            assert left["items"] == []

            # The phone layout, all items shown.
            state = context.storage_state()
            phone = browser.new_context(viewport=VIEWPORTS["phone"], storage_state=state)
            try:
                phone.add_init_script(path=str(AXE_SCRIPT))
                phone_page = phone.new_page()
                phone_page.goto(base_url + "/review?state=all", wait_until="domcontentloaded")
                assert phone_page.locator("[data-item]").count() == 3
                width = phone_page.evaluate("document.documentElement.scrollWidth")
                assert width <= VIEWPORTS["phone"]["width"], "the page scrolls sideways"
                assert phone_page.evaluate(AXE_RUN) == []
                _shot(phone_page, "phone")
            finally:
                phone.close()

            # Without JavaScript the same forms post and come back.
            plain = browser.new_context(
                viewport=VIEWPORTS["desktop"], storage_state=state, java_script_enabled=False
            )
            try:
                plain_page = plain.new_page()
                plain_page.goto(base_url + "/review?state=all", wait_until="domcontentloaded")
                plain_page.locator("#item-ev-person form.mark-one button").click()
                plain_page.wait_for_url("**/review?state=all#item-ev-person")
                assert plain_page.locator("#item-ev-person [data-state]").inner_text() == "new"
                assert not running_hub.hub.review.item("ev-person").reviewed
                plain_page.goto(base_url + "/review", wait_until="domcontentloaded")
                assert plain_page.locator("[data-item]").count() == 1
                plain_page.get_by_role("button", name="Mark all reviewed").click()
                plain_page.wait_for_url("**/review?*marked=1", wait_until="domcontentloaded")
                assert (
                    "Marked 1 item reviewed." in plain_page.locator("#review-status").inner_text()
                )
                assert plain_page.locator("[data-item]").count() == 0
            finally:
                plain.close()

            # The events API keeps working, and bad input gets a clear 4xx.
            events = context.request.get(f"{base_url}/api/events?camera={CAMERA}").json()
            assert sorted(e["id"] for e in events["events"]) == [
                "ev-back",
                "ev-dog",
                "ev-dog2",
                "ev-out",
                "ev-person",
            ]
            assert context.request.get(f"{base_url}/api/events/ev-dog").json()["labels"] == ["dog"]
            unknown = context.request.get(f"{base_url}/api/review?camera=garage")
            assert unknown.status == 404
            assert "known cameras: porch" in unknown.text()
            assert context.request.get(f"{base_url}/api/review?cursor=junk").status == 400
            assert context.request.get(f"{base_url}/api/review?zone=moat").status == 400
            assert errors == []
        finally:
            browser.close()
