"""What the push browser tests share: reading the service worker's notifications, and
finding its registration through the DevTools ServiceWorker domain (which
`ServiceWorker.deliverPushMessage`, the simulated push-service hop, needs)."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import CDPSession, Page

from push_service import PushService

NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  const shown = await registration.getNotifications();
  return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, image: n.image,
                            icon: n.icon, data: n.data}));
}"""


def registration_id(cdp: CDPSession, page: Page, origin: str) -> str:
    """The service worker's registration id at scope `origin`/ (and `cdp` has the
    ServiceWorker domain enabled afterwards, as deliverPushMessage needs)."""
    seen: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: seen.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for registration in seen:
            if registration["scopeURL"] == f"{origin}/" and not registration["isDeleted"]:
                return str(registration["registrationId"])
        page.wait_for_timeout(100)
    raise AssertionError(f"no service worker registration for {origin}/: {seen}")


STORE_SUBSCRIPTION = """async (subscription) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const response = await fetch('/api/push/subscriptions', {
    method: 'POST', body: JSON.stringify(subscription),
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
  return {status: response.status, body: await response.json()};
}"""


def store_subscription(page: Page, service: PushService) -> dict[str, Any]:
    """From the signed-in `page`, store a subscription whose keys the local push
    `service` holds (made for the hub's VAPID key, as a browser would); the answer."""
    key = page.evaluate("fetch('/api/push/key').then((r) => r.json())")["public_key"]
    subscription = service.subscribe(server_key=key)
    answer: dict[str, Any] = page.evaluate(STORE_SUBSCRIPTION, subscription.browser_json())
    assert answer["status"] == 201, answer
    return answer
