"""An alert travels from the hub through a push service into Chromium's service worker.

What is real: the hub's web app (uvicorn, the real store), its service worker (/sw.js)
registered by the page's own script, the subscription stored through the hub's API by
the signed-in page, the hub's Web Push channel encrypting and signing the alert, and a
push service (tests/push_service.py) that checks the VAPID token and decrypts the
message with the reference implementation. What is simulated: the hop from the push
service to the browser. Headless Chromium cannot subscribe at Google's push service (no
network here), so the subscription's keys belong to the local push service, and the
test hands the payload the push service decrypted to the service worker with the
DevTools command `ServiceWorker.deliverPushMessage`, as the browser would on receiving
it. The worker then shows the notification, which `getNotifications()` reads back.

Screenshot of the settings partial at 390×844: hub-alerts-push.png (tests/screenshots.py;
`make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext
from push_tools import NOTIFICATIONS, registration_id, store_subscription

from fakes import (
    OWNER_PASSWORD,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    hub_config,
)
from frontporch.devtools.services import AXE_SCRIPT
from frontporch.hub.alerts.config import AlertsConfig
from frontporch.hub.alerts.model import Alert
from frontporch.hub.alerts.push import WebPushChannel, subscribe
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from push_service import LocalSubscription, PushService
from screenshots import SCREENSHOTS
from server_live import serving

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


@dataclass
class Site:
    url: str
    store: HubStore


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("hub")
    with pytest.MonkeyPatch.context() as monkeypatch, HubStore(folder / "index.db") as store:
        cheap_password_hashing(monkeypatch)
        set_owner_password(store, OWNER_PASSWORD, now=time.time() - 60)
        runtime = FakeRuntime({"porch": camera_status("porch")})
        app = create_hub_app(hub_config("porch"), store, runtime)
        with serving(app) as base:
            yield Site(base, store)


@pytest.fixture
def context(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    context.grant_permissions(["notifications"], origin=site.url)
    page = context.new_page()
    page.goto(f"{site.url}/login", wait_until="domcontentloaded")
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/", wait_until="domcontentloaded")
    page.close()
    yield context
    context.close()


def _alert() -> Alert:
    return Alert(
        id="porch-item-1",
        camera="porch",
        labels=("person",),
        zones=("porch",),
        event_ids=("ev-1",),
        start=time.time() - 30,
        title="Person at porch",
        body="Person · just now",
        url="/events/ev-1",
        snapshot_jpeg=b"\xff\xd8\xff\xd9",
    )


def test_an_alert_is_shown_by_the_hubs_service_worker(context: BrowserContext, site: Site) -> None:
    page = context.new_page()
    page.goto(f"{site.url}/alerts/push", wait_until="domcontentloaded")

    # The page registered the hub's worker at the root, and links the app manifest.
    script = page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)")
    assert script == f"{site.url}/sw.js"
    manifest = page.evaluate("document.querySelector('link[rel=manifest]').href")
    assert manifest == f"{site.url}/manifest.webmanifest"
    assert page.evaluate("fetch('/manifest.webmanifest').then((r) => r.json())")["display"] == (
        "standalone"
    )
    # Chromium itself fetched the manifest (with the session cookie) and finds the hub
    # installable: manifest, icons, display mode, a service worker in scope.
    devtools = context.new_cdp_session(page)
    app_manifest = devtools.send("Page.getAppManifest")
    assert app_manifest["errors"] == [], app_manifest["errors"]
    assert app_manifest["url"] == manifest
    # Playwright's contexts are incognito ones, where Chromium never offers to install.
    errors = devtools.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors
    subscribe_button = page.get_by_role("button", name="Get alerts on this browser")
    subscribe_button.wait_for(state="visible")

    with PushService() as service:
        # The signed-in page stores a subscription whose keys the local service holds.
        answer = store_subscription(page, service)
        assert answer["body"]["name"] == "Chromium on Linux"

        # The hub's channel delivers an alert; the push service checks and decrypts it.
        [delivery] = WebPushChannel(site.store, AlertsConfig()).deliver(_alert())
        assert delivery.ok, delivery
        [message] = service.wait_for_messages(1)

    # Simulated: the push service's delivery to the browser (see the module docstring).
    cdp = context.new_cdp_session(page)
    worker = registration_id(cdp, page, site.url)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": site.url,
            "registrationId": worker,
            "data": message.plaintext.decode("utf-8"),
        },
    )
    deadline = time.monotonic() + 10
    shown: list[dict[str, Any]] = []
    while not shown and time.monotonic() < deadline:
        shown = page.evaluate(NOTIFICATIONS)
        page.wait_for_timeout(100)
    assert len(shown) == 1, shown
    [notification] = shown
    assert notification["title"] == "Person at porch"
    assert notification["body"] == "Person · just now"
    assert notification["tag"] == "porch-item-1"
    assert notification["data"] == {"url": f"{site.url}/events/ev-1"}
    assert notification["image"] == f"{site.url}/api/events/ev-1/snapshot.jpg"
    assert notification["icon"] == f"{site.url}/static/icons/hub-192.png"

    # The settings partial lists this browser with the push service's answer.
    page.reload(wait_until="domcontentloaded")
    listed = page.get_by_role("list", name="Browsers that get alerts")
    assert "Chromium on Linux" in listed.inner_text()
    assert "last message: 201 Created" in listed.inner_text()
    page.get_by_role("button", name="Subscribe this browser again").or_(
        page.get_by_role("button", name="Get alerts on this browser")
    ).wait_for(state="visible")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / "hub-alerts-push.png"), full_page=True)
    page.close()


AXE_RUN = """async () => {
  const results = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ` + v.nodes.slice(0, 3).map((n) => n.target.join(' ')));
}"""


@pytest.mark.axe
def test_the_push_settings_have_no_serious_accessibility_violations(
    context: BrowserContext, site: Site
) -> None:
    """axe-core (WCAG 2.1 A/AA) over the page, with a subscribed browser listed."""
    browser_json = LocalSubscription.new("https://push.example.net/send/abc").browser_json()
    subscribe(site.store, browser_json, "Firefox/133.0 (Android 14)", time.time())
    context.add_init_script(path=str(AXE_SCRIPT))
    page = context.new_page()
    for viewport in (PHONE, {"width": 1280, "height": 800}):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        page.goto(f"{site.url}/alerts/push", wait_until="domcontentloaded")
        assert page.evaluate(AXE_RUN) == []
    page.close()
