"""A real hub's person event becomes a Web Push notification in Chromium; the alert log,
the alert settings and the backup pages work on a phone.

What is real: `build_hub` with a camera worker process reading a generated porch scene
as a looping realtime file, detecting the people who walk past; the index writer's
change feed; the alert desk grouping the event, deciding with the camera's (default)
rule and handing the alert to its Web Push channel, which encrypts it and signs a VAPID
token; the hub's web app (`create_hub_app` with the running hub's controls, alert desk
and backup desk, as `hub/serve.py` wires it) served by uvicorn; Chromium signing in,
opening /alerts/settings, whose script registers the hub's service worker; the
subscription stored through the hub's API by the signed-in page; and a push service
(tests/push_service.py) that checks the VAPID token and decrypts the message with the
reference RFC 8188 implementation.

What is simulated: the hop from the push service to the browser. Headless Chromium
cannot subscribe at Google's push service (no network here), so the subscription's keys
belong to the local push service, and the test hands the payload that service decrypted
to the service worker with the DevTools command `ServiceWorker.deliverPushMessage`, as
the browser would on receiving it. The worker shows the notification, which
`getNotifications()` reads back.

The hub starts its camera only once the browser is subscribed, so the first person of
the scene is the alert that is pushed. Screenshots at 390x844 (tests/screenshots.py;
`make screenshots` writes docs/screenshots/): hub-alerts-log.png,
hub-alerts-settings.png, hub-backup.png, hub-backup-recovery-key.png.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize
from push_tools import NOTIFICATIONS, registration_id, store_subscription

from frontporch.hub.config import parse_config
from frontporch.hub.process.runtime import Hub, build_hub
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from frontporch.scenes import write_scene
from hubtools import camera, hub_config
from push_service import PushedMessage, PushService
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = pytest.mark.browser

CAMERA = "porch"
PHONE: ViewportSize = {"width": 390, "height": 844}
# The scene's first person walks in a few seconds into each 20 s loop; the camera
# worker, the detector and the alert desk on a busy 2-core machine get generous slack.
EVENT_TIMEOUT_S = 120.0
TOO_WIDE = """() => {
  const width = document.documentElement.scrollWidth;
  if (width <= window.innerWidth) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {width, innerWidth: window.innerWidth, wide: wide.slice(-5)};
}"""


@dataclass
class Site:
    """A real hub, built but started only by `start()`, and its web app served."""

    hub: Hub
    url: str
    password: str
    started: bool = field(default=False)

    def start(self) -> None:
        if not self.started:
            self.hub.start()
            self.started = True


@dataclass
class Pushed:
    """The first alert's push message, as the local push service decrypted it."""

    message: PushedMessage
    service: PushService


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("alerts-hub")
    scene = folder / "porch.mp4"
    write_scene("porch", scene, width=640, height=360, fps=15, duration_s=20, seed=1)
    raw = hub_config(folder / "hub", {CAMERA: camera(scene, loop=True)})
    hub = build_hub(parse_config(raw, "test configuration"))
    password = secrets.token_urlsafe(15)
    set_owner_password(hub.store, password, now=time.time() - 60)
    app = create_hub_app(
        hub.config,
        hub.store,
        hub,
        controls=hub.controls,
        alert_desk=hub.alerts,
        backup_desk=hub.backup,
    )
    running = Site(hub, "", password)
    try:
        with serving(app) as base_url:
            running.url = base_url
            yield running
    finally:
        if running.started:
            hub.stop()
        else:
            hub.store.close()


@pytest.fixture(scope="module")
def context(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    """A phone-sized browser signed in to the hub, allowed to show notifications."""
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    page.goto(f"{site.url}/login", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(site.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/", wait_until="domcontentloaded")
    page.close()
    yield context
    context.close()


@pytest.fixture(scope="module")
def pushed(context: BrowserContext, site: Site) -> Iterator[Pushed]:
    """Subscribe this browser for the local push service, start the hub's camera and
    wait for the first person alert to reach the push service."""
    page = context.new_page()
    page.goto(f"{site.url}/alerts/settings", wait_until="domcontentloaded")
    # push.js shows the button once the hub's service worker is registered and ready.
    page.get_by_role("button", name="Get alerts on this browser").wait_for(state="visible")
    with PushService() as service:
        store_subscription(page, service)
        page.close()

        site.start()
        try:
            [message, *_updates] = service.wait_for_messages(1, timeout=EVENT_TIMEOUT_S)
        except AssertionError:
            status = site.hub.camera_status(CAMERA)
            events = site.hub.store.list_events(camera=CAMERA).events
            decision = site.hub.alerts.last_decision
            raise AssertionError(
                f"no push within {EVENT_TIMEOUT_S:.0f} s: camera {status.state} "
                f"({status.last_error}), events {[(e.labels, e.start, e.end) for e in events]}, "
                f"last decision {decision}, refused {service.refusals}"
            ) from None
        # The push service stays up, so later alerts and updates are delivered too.
        yield Pushed(message, service)


def _fits_the_phone(page: Page, name: str) -> None:
    """No horizontal scroll: the document is no wider than the screen."""
    assert page.evaluate(TOO_WIDE) is None, f"{name} scrolls sideways at 390 px"


def _on_screen(control: Locator) -> None:
    """`control` is shown, and lies inside the screen's width."""
    control.scroll_into_view_if_needed()
    assert control.is_visible(), control
    box = control.bounding_box()
    assert box is not None, control
    assert box["x"] >= 0, (control, box)
    assert box["x"] + box["width"] <= PHONE["width"] + 0.5, (control, box)


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_a_person_event_becomes_a_push_notification(
    context: BrowserContext, site: Site, pushed: Pushed
) -> None:
    sent = pushed.message.json()
    event_id = sent["url"].rsplit("/", 1)[-1]
    assert sent["title"] == f"Person at {CAMERA}", sent
    assert sent["url"] == f"/events/{event_id}"
    assert site.hub.store.get_event(event_id) is not None, "the alert names a real event"
    assert pushed.message.claims["aud"] == pushed.service.origin

    page = context.new_page()
    page.goto(f"{site.url}/alerts/settings", wait_until="domcontentloaded")
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)") == (
        f"{site.url}/sw.js"
    )
    # Simulated: the push service's delivery to the browser (see the module docstring).
    cdp = context.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": site.url,
            "registrationId": registration_id(cdp, page, site.url),
            "data": pushed.message.plaintext.decode("utf-8"),
        },
    )
    # Poll with `evaluate`, which awaits the worker's answer (`wait_for_function` takes
    # the pending promise itself as a truthy answer and stops at once), and keep what
    # was read: Chromium may take a shown notification down again, having no screen.
    deadline = time.monotonic() + 10
    shown: list[dict[str, Any]] = []
    while not shown and time.monotonic() < deadline:
        shown = [n for n in page.evaluate(NOTIFICATIONS) if n["tag"] == sent["tag"]]
        page.wait_for_timeout(100)
    assert len(shown) == 1, shown
    [notification] = shown
    assert notification["title"] == f"Person at {CAMERA}"
    assert notification["body"].startswith("Person"), notification
    assert notification["data"] == {"url": f"{site.url}/events/{event_id}"}
    page.close()


def test_the_alert_log_and_settings_fit_a_phone(
    context: BrowserContext, site: Site, pushed: Pushed
) -> None:
    alert_id = pushed.message.json()["id"]
    page = context.new_page()

    page.goto(f"{site.url}/alerts", wait_until="domcontentloaded")
    entry = page.locator(f"[id='alert-{alert_id}']")
    entry.get_by_role("heading", name=f"Person at {CAMERA}").wait_for(state="visible")
    push = entry.locator("li.delivery", has_text="push")
    assert push.count() >= 1, entry.inner_text()
    first = push.first
    assert "Chromium on Linux" in first.inner_text()
    assert (first.locator(".badge").text_content() or "").strip() == "delivered"
    assert first.locator(".status").inner_text().startswith("201")
    _fits_the_phone(page, "/alerts")
    _on_screen(entry.get_by_role("link", name=f"Person at {CAMERA}"))
    _on_screen(page.get_by_role("link", name="Alert settings"))
    _shot(page, "hub-alerts-log")

    page.goto(f"{site.url}/alerts/settings", wait_until="domcontentloaded")
    page.get_by_role("button", name="Get alerts on this browser").wait_for(state="visible")
    listed = page.get_by_role("list", name="Browsers that get alerts")
    assert "last message: 201 Created" in listed.inner_text()
    _fits_the_phone(page, "/alerts/settings")
    for control in (
        page.get_by_role("button", name="Mark: nobody is home"),
        page.get_by_role("button", name="Turn alerts off"),
        page.get_by_label("person", exact=True),
        page.get_by_label("Quiet time after an alert (seconds)"),
        page.get_by_label("From", exact=True),
        page.get_by_label("To", exact=True),
        page.get_by_role("button", name=f"Save rule for {CAMERA}"),
        page.get_by_label("Add a webhook URL"),
        page.get_by_role("button", name="Add webhook"),
        page.get_by_role("button", name="Get alerts on this browser"),
        listed.get_by_role("button", name="Send a test notification to Chromium on Linux"),
    ):
        _on_screen(control)
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "hub-alerts-settings")
    page.close()


def test_the_backup_page_offers_a_recovery_key_shown_once(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.goto(f"{site.url}/backup", wait_until="domcontentloaded")
    make = page.get_by_role("button", name="Make my recovery key")
    _on_screen(make)
    _fits_the_phone(page, "/backup")
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "hub-backup")

    make.click()
    page.get_by_role("heading", name="Your recovery key").wait_for(state="visible")
    key = page.get_by_label("Recovery key", exact=True)
    secret = key.input_value()
    assert secret.startswith("AGE-SECRET-KEY-1"), "the page shows an age identity"
    _on_screen(key)
    assert key.evaluate("e => e.scrollWidth <= e.clientWidth"), "the whole key is in view"
    qr = page.locator("figure.recovery-qr svg")
    _on_screen(qr)
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] >= 150, f"the QR code is too small to scan: {box}"
    _on_screen(page.get_by_role("checkbox", name="I have saved it"))
    _on_screen(page.get_by_role("button", name="Use this key for backups"))
    _fits_the_phone(page, "the recovery key page")
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "hub-backup-recovery-key")

    # Shown once: the Backup page now waits for confirmation and never shows the key.
    page.goto(f"{site.url}/backup", wait_until="domcontentloaded")
    page.get_by_role("checkbox", name="I have saved that key somewhere safe").wait_for()
    assert secret not in page.content()
    assert "AGE-SECRET-KEY" not in page.content()
    _fits_the_phone(page, "/backup with a key waiting for confirmation")
    page.close()
