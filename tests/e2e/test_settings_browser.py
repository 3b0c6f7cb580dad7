"""Cameras and zones from the UI, in Chromium, on a real hub running from a YAML file.

The owner adds a camera: a wrong scheme and an unreachable address first (the "test"
button and the form say why, in words, without the password), then a generated porch
scene looping as a camera, which records while the camera already there keeps its
worker (same pid). In the zone editor the owner draws a required zone where nobody
walks (no event comes through a whole loop of the scene), then one over the path the
person walks (an event in that zone follows). The hand-written file keeps its comments.
Screenshots (desktop and phone) of the list, the form with a test frame and the editor.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from frontporch.hub.config import load_config
from frontporch.hub.process.runtime import Hub, build_hub
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from frontporch.scenes import write_scene
from hubtools import free_port, wait_until
from screenshots import SCREENSHOTS
from server_live import serving
from videotools import make_h264

pytestmark = pytest.mark.browser

VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
SCENE_S = 20  # the porch scene's person walks at 4.6-19.4 s of every loop
CONFIG = """\
# Our hub. Comments like this one must survive the settings pages.
storage:
  path: {storage}   # the test's scratch folder
  min_free_gb: 0

web: {{host: 127.0.0.1, port: 5099}}

cameras:
  # The yard camera: must keep running while others are added.
  yard:
    name: Yard
    inputs:
      - url: {yard}
        loop: true   # a file standing in for a camera
    record:
      segment_s: 2
"""
CORNER = [(0.03, 0.05), (0.25, 0.05), (0.25, 0.3), (0.03, 0.3)]  # nobody walks here
WALKWAY = [(0.02, 0.52), (0.98, 0.52), (0.98, 0.95), (0.02, 0.95)]  # feet at y 0.67-0.76


@dataclass
class SettingsHub:
    hub: Hub
    base_url: str
    password: str
    config_path: Path
    scene: Path


@pytest.fixture(scope="module")
def settings_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SettingsHub]:
    folder = tmp_path_factory.mktemp("settings-hub")
    yard = make_h264(folder / "yard.mp4", seconds=6, size=(640, 360))
    scene = folder / "porch.mp4"
    write_scene("porch", scene, width=640, height=360, fps=10, duration_s=SCENE_S, seed=0)
    path = folder / "hub.yaml"
    path.write_text(CONFIG.format(storage=folder / "data", yard=yard), encoding="utf-8")
    hub = build_hub(load_config(path))
    hub.start()
    try:
        password = secrets.token_urlsafe(15)
        set_owner_password(hub.store, password)
        app = create_hub_app(hub.config, hub.store, hub, controls=hub.controls, config_path=path)
        with serving(app) as base_url:
            wait_until(lambda: _pid(hub, "yard"), 30, "the yard camera's worker")
            yield SettingsHub(hub, base_url, password, path, scene)
    finally:
        hub.stop()


def _pid(hub: Hub, name: str) -> int | None:
    slot = hub.slots.get(name)
    process = slot.process if slot else None
    return process.pid if process is not None and process.is_alive() else None


def _sign_in(page: Page, site: SettingsHub) -> None:
    page.goto(site.base_url + "/", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(site.base_url + "/", wait_until="domcontentloaded")


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"hub-settings-{name}.png"), full_page=True)


def _test_url(page: Page, url: str) -> str:
    page.get_by_label("Address of the main stream (recorded)").fill(url)
    page.get_by_role("button", name="Test the main stream").click()
    result = page.locator("#test-ok:not(#test-pending), #test-error").first
    expect(result).to_be_visible(timeout=30_000)
    expect(page.locator("#test-pending")).to_have_count(0, timeout=30_000)
    return page.locator("#test-result").inner_text()


def _draw(page: Page, name: str, points: list[tuple[float, float]]) -> None:
    page.get_by_label("Kind").select_option("zone")
    page.get_by_role("button", name="New polygon").click()
    page.get_by_label("Zone name").fill(name)
    page.get_by_label("Events need an object in this zone").check()
    page.locator("#zone-svg").evaluate("svg => svg.scrollIntoView({block: 'center'})")
    box = page.locator("#zone-svg").bounding_box()
    assert box is not None
    for x, y in points:
        page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])
    expect(page.locator("#zone-svg circle.handle")).to_have_count(len(points))


def _save_zones(page: Page) -> None:
    page.get_by_role("button", name="Save zones and masks").click()
    expect(page.locator("#zone-status")).to_contain_text("Saved.", timeout=60_000)


def _person_events(site: SettingsHub, after: float) -> list[tuple[str, ...]]:
    page = site.hub.store.list_events(camera="porch", after=after, limit=100)
    return [tuple(event.zones) for event in page.events if "person" in event.labels]


def test_add_a_camera_then_a_drawn_zone_gates_its_events(
    settings_hub: SettingsHub, browser: Browser
) -> None:
    site = settings_hub
    yard_pid = _pid(site.hub, "yard")
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        _sign_in(page, site)
        page.goto(site.base_url + "/settings/cameras", wait_until="domcontentloaded")
        expect(page.get_by_role("row", name="Yard")).to_be_visible()
        page.get_by_role("link", name="Add a camera").click()
        page.get_by_label("Camera id", exact=True).fill("porch")
        page.get_by_label("Name people see").fill("Porch")

        # Bad addresses first: the test button says why, in words.
        said = _test_url(page, "ftp://admin:hunter2@camera.local/live")
        assert "starts with 'ftp://', which the hub cannot read" in said
        closed = f"rtsp://admin:hunter2@127.0.0.1:{free_port()}/cam"
        said = _test_url(page, closed)
        assert "connection refused" in said
        assert "hunter2" not in said
        # Saving a wrong scheme is refused too, and nothing is written.
        before = site.config_path.read_bytes()
        page.get_by_label("Address of the main stream (recorded)").fill("ftp://camera.local/x")
        page.get_by_role("button", name="Add camera").click()
        expect(page.locator("#form-error")).to_contain_text("which the hub cannot read")
        assert site.config_path.read_bytes() == before

        # A good one: the generated porch scene, looping like a live camera.
        said = _test_url(page, str(site.scene))
        assert "Connected: 640×360 h264" in said
        expect(page.locator("#test-frame")).to_be_visible()
        page.get_by_label("For a video file: start again at its end").check()
        _shot(page, "camera-desktop")
        page.get_by_role("button", name="Add camera").click()
        expect(page.locator("#settings-message")).to_contain_text("Camera porch added")
        expect(page.get_by_role("row", name="Porch")).to_be_visible()
        _shot(page, "cameras-desktop")
        wait_until(lambda: site.hub.store.segments("porch", 0, math.inf), 60, "a segment of porch")
        assert _pid(site.hub, "yard") == yard_pid

        # A required zone where nobody walks: a whole loop of the scene makes no event.
        page.goto(site.base_url + "/settings/cameras/porch/zones", wait_until="domcontentloaded")
        expect(page.locator("#zone-editor[data-ready=yes]")).to_have_count(1)
        _draw(page, "corner", CORNER)
        _save_zones(page)
        quiet_from = time.time() + 1.0
        camera = load_config(site.config_path).cameras["porch"]
        assert list(camera.zones) == ["corner"]
        assert camera.events.required_zones == ["corner"]
        time.sleep(SCENE_S + 6)
        assert _person_events(site, quiet_from) == []

        # Keyboard: a focused point moves with the arrow keys and says where it is.
        handle = page.locator("#zone-svg circle.handle").first
        handle.focus()
        label = handle.get_attribute("aria-label")
        page.keyboard.press("Shift+ArrowRight")
        assert page.locator("#zone-svg circle.handle").first.get_attribute("aria-label") != label

        # The zone over the walkway instead: the person walking makes an event in it.
        page.get_by_role("button", name="Delete polygon").click()
        _draw(page, "walk", WALKWAY)
        _save_zones(page)
        gated_from = time.time()
        events = wait_until(
            lambda: _person_events(site, gated_from), 3 * SCENE_S, "a person event in 'walk'"
        )
        assert all("walk" in zones for zones in events), events
        _shot(page, "zones-desktop")
        assert _pid(site.hub, "yard") == yard_pid

        text = site.config_path.read_text(encoding="utf-8")
        for comment in (
            "# Our hub. Comments like this one must survive the settings pages.",
            "  path: " + str(load_config(site.config_path).storage.path) + "   # the test's",
            "  # The yard camera: must keep running while others are added.",
            "        loop: true   # a file standing in for a camera",
            "web: {host: 127.0.0.1, port: 5099}",
        ):
            assert comment in text, comment
        assert errors == []
    finally:
        context.close()


def test_the_pages_on_a_phone(settings_hub: SettingsHub, browser: Browser) -> None:
    site = settings_hub
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        _sign_in(page, site)
        page.goto(site.base_url + "/settings/cameras", wait_until="domcontentloaded")
        _shot(page, "cameras-phone")
        page.goto(site.base_url + "/settings/cameras/yard", wait_until="domcontentloaded")
        page.get_by_role("button", name="Test the main stream").click()
        expect(page.locator("#test-frame")).to_be_visible(timeout=30_000)
        _shot(page, "camera-phone")
        target = "porch" if "porch" in site.hub.config.cameras else "yard"
        page.goto(f"{site.base_url}/settings/cameras/{target}/zones", wait_until="load")
        expect(page.locator("#zone-editor[data-ready=yes]")).to_have_count(1)
        _shot(page, "zones-phone")
        # No page is wider than the phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS["phone"]["width"] + 1
    finally:
        context.close()


@pytest.mark.axe
def test_the_settings_pages_have_no_serious_accessibility_violations(
    settings_hub: SettingsHub, browser: Browser
) -> None:
    from test_accessibility import AXE_RUN

    from frontporch.devtools.services import AXE_SCRIPT

    site = settings_hub
    found: list[str] = []
    for size, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport)
        context.add_init_script(path=str(AXE_SCRIPT))
        page = context.new_page()
        try:
            _sign_in(page, site)
            for path in (
                "/settings/cameras",
                "/settings/cameras/new",
                "/settings/cameras/yard",
                "/settings/cameras/yard/zones",
            ):
                page.goto(site.base_url + path, wait_until="load")
                if path.endswith("/zones"):
                    expect(page.locator("#zone-editor[data-ready=yes]")).to_have_count(1)
                found += [f"{path} at {size}: {v}" for v in page.evaluate(AXE_RUN)]
        finally:
            context.close()
    assert found == [], "\n".join(found)
