"""Web Push from the hub to a real (local) push service, and the push API and page.

The channel runs on the real hub store (SQLite in a temporary folder) and POSTs over
HTTP to `tests/push_service.py`, which checks the VAPID token and decrypts each message
with `http_ece`, independently of the hub's code. The web routes run in the real hub app
(`create_hub_app`) over the same store, signed in through the real /login form.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    hub_config,
    sign_in,
)
from frontporch.hub.alerts.config import AlertsConfig
from frontporch.hub.alerts.model import Alert
from frontporch.hub.alerts.push import WebPushChannel, subscribe, topic_for
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.auth import set_owner_password
from push_service import GARBLED, LocalSubscription, PushService

CHROMIUM_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def service() -> Iterator[PushService]:
    with PushService() as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "index.db") as opened:
        yield opened


@pytest.fixture
def clock() -> FakeClock:
    clock = FakeClock()
    clock.now = time.time()  # the push service checks `exp` against its own clock
    return clock


@pytest.fixture
def channel(store: HubStore, clock: FakeClock) -> WebPushChannel:
    return WebPushChannel(store, AlertsConfig(), clock)


def _alert(**changes: object) -> Alert:
    values: dict[str, object] = {
        "id": "porch-1717400000",
        "camera": "porch",
        "labels": ("person", "dog"),
        "zones": ("steps",),
        "event_ids": ("ev-7",),
        "start": 1_717_400_000.0,
        "title": "Person at porch",
        "body": "Person and dog · 14:32",
        "url": "/events/ev-7",
        "snapshot_jpeg": b"\xff\xd8not-sent\xff\xd9",
    }
    values.update(changes)
    return Alert(**values)  # type: ignore[arg-type]


def _subscribed(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> LocalSubscription:
    browser = service.subscribe(server_key=channel.key.public_key)
    subscribe(store, browser.browser_json(), CHROMIUM_UA, time.time())
    return browser


def test_an_alert_arrives_encrypted_signed_and_decryptable(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> None:
    browser = _subscribed(service, store, channel)
    [delivery] = channel.deliver(_alert())
    assert delivery.ok, delivery
    assert delivery.status == "201 Created"
    assert delivery.target == "Chrome on Linux"
    [message] = service.wait_for_messages(1)
    assert message.endpoint == browser.endpoint
    assert message.json() == {
        "id": "porch-1717400000",
        "title": "Person at porch",
        "body": "Person and dog · 14:32",
        "url": "/events/ev-7",
        "image": "/api/events/ev-7/snapshot.jpg",
        "tag": "porch-1717400000",
        "update": False,
    }
    assert b"not-sent" not in message.plaintext
    assert message.headers["ttl"] == "3600"
    assert message.headers["urgency"] == "high"
    assert message.headers["topic"] == topic_for("porch-1717400000")
    assert message.claims["aud"] == service.origin
    assert message.vapid_key == channel.key.public_key
    assert message.body_size <= 4096
    [stored] = store.list_push_subscriptions()
    assert stored.last_status == "201 Created"


def test_an_update_reuses_the_topic_and_says_so(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> None:
    _subscribed(service, store, channel)
    channel.deliver(_alert())
    channel.deliver(_alert(update=True, body="Person and dog · better snapshot"))
    first, second = service.wait_for_messages(2)
    assert first.headers["topic"] == second.headers["topic"]
    assert second.json()["update"] is True
    assert second.json()["tag"] == first.json()["tag"]


def test_every_browser_gets_its_own_message(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> None:
    phone, laptop = (_subscribed(service, store, channel) for _ in range(2))
    deliveries = channel.deliver(_alert())
    assert [d.ok for d in deliveries] == [True, True]
    messages = service.wait_for_messages(2)
    assert {m.endpoint for m in messages} == {phone.endpoint, laptop.endpoint}


def test_gone_subscription_is_removed(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> None:
    browser = _subscribed(service, store, channel)
    service.answer(browser.endpoint, 410)
    [delivery] = channel.deliver(_alert())
    assert not delivery.ok
    assert delivery.status == "410 Gone: subscription removed"
    assert store.list_push_subscriptions() == []
    assert channel.deliver(_alert()) == []


def test_server_error_is_a_failed_delivery_and_the_browser_stays(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> None:
    browser = _subscribed(service, store, channel)
    service.answer(browser.endpoint, 500)
    [delivery] = channel.deliver(_alert())
    assert not delivery.ok
    assert delivery.status == "500 Internal Server Error"
    assert delivery.retry_at is None
    [stored] = store.list_push_subscriptions()
    assert stored.last_status == "500 Internal Server Error"
    # The next alert goes through.
    [delivery] = channel.deliver(_alert())
    assert delivery.ok


def test_too_many_requests_keeps_retry_after(
    service: PushService, store: HubStore, channel: WebPushChannel, clock: FakeClock
) -> None:
    browser = _subscribed(service, store, channel)
    service.answer(browser.endpoint, 429, {"Retry-After": "120"})
    [delivery] = channel.deliver(_alert())
    assert not delivery.ok
    assert delivery.status.startswith("429")
    assert delivery.retry_at == clock.now + 120
    service.answer(browser.endpoint, 413)
    [delivery] = channel.deliver(_alert())
    assert delivery.status.startswith("413")
    assert delivery.retry_at is None


def test_a_redirect_is_not_followed(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> None:
    browser = _subscribed(service, store, channel)
    elsewhere = service.subscribe()
    service.answer(browser.endpoint, 307, {"Location": elsewhere.endpoint})
    [delivery] = channel.deliver(_alert())
    assert not delivery.ok
    assert delivery.status.startswith("307")
    assert service.messages == []
    assert service.refusals == []


def test_a_reply_that_is_not_http_is_a_failed_delivery(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> None:
    browser = _subscribed(service, store, channel)
    service.answer(browser.endpoint, GARBLED)
    [delivery] = channel.deliver(_alert())
    assert not delivery.ok
    assert delivery.status == "no HTTP answer from the push service (BadStatusLine)"


def test_an_unreachable_service_fails_without_naming_the_endpoint(
    service: PushService, store: HubStore, channel: WebPushChannel
) -> None:
    endpoint = "http://127.0.0.1:9/push/secret-capability"
    browser = service.subscribe()
    subscribe(store, {**browser.browser_json(), "endpoint": endpoint}, CHROMIUM_UA, 0.0)
    [delivery] = channel.deliver(_alert())
    assert not delivery.ok
    assert delivery.status.startswith("push service unreachable")
    assert "secret-capability" not in delivery.status


def test_the_vapid_key_is_made_once_and_kept(tmp_path: Path, clock: FakeClock) -> None:
    with HubStore(tmp_path / "index.db") as first:
        key = WebPushChannel(first, AlertsConfig(), clock).key.public_key
    with HubStore(tmp_path / "index.db") as again:
        assert WebPushChannel(again, AlertsConfig(), clock).key.public_key == key


# --- the API and the page -------------------------------------------------------------


@pytest.fixture
def client(
    store: HubStore, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    cheap_password_hashing(monkeypatch)
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    runtime = FakeRuntime({"porch": camera_status("porch")})
    app = create_hub_app(hub_config("porch"), store, runtime, clock=clock)
    with TestClient(app, headers={"User-Agent": CHROMIUM_UA}) as test_client:
        yield test_client


def test_the_api_subscribes_tests_and_removes_a_browser(
    service: PushService, client: TestClient
) -> None:
    csrf = sign_in(client)
    key = client.get("/api/push/key").json()["public_key"]
    browser = service.subscribe(server_key=key)
    created = client.post(
        "/api/push/subscriptions", json=browser.browser_json(), headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201, created.text
    sub = created.json()
    assert sub["name"] == "Chrome on Linux"
    assert sub["service"] == "127.0.0.1"
    assert "endpoint" not in sub
    assert [s["id"] for s in client.get("/api/push/subscriptions").json()] == [sub["id"]]

    tested = client.post(
        f"/api/push/subscriptions/{sub['id']}/test", headers={"X-CSRF-Token": csrf}
    )
    assert tested.json() == {"target": "Chrome on Linux", "ok": True, "status": "201 Created"}
    [message] = service.wait_for_messages(1)
    assert message.json()["title"] == "Test notification from your Frontporch hub"

    # The same browser subscribing again replaces its keys, not adds a second row.
    again = client.post(
        "/api/push/subscriptions",
        json={**browser.browser_json(), "name": "Kitchen tablet"},
        headers={"X-CSRF-Token": csrf},
    )
    assert again.json()["id"] == sub["id"]
    assert again.json()["name"] == "Kitchen tablet"

    deleted = client.delete(f"/api/push/subscriptions/{sub['id']}", headers={"X-CSRF-Token": csrf})
    assert deleted.json() == {"deleted": sub["id"]}
    assert client.get("/api/push/subscriptions").json() == []
    missing = client.delete(f"/api/push/subscriptions/{sub['id']}", headers={"X-CSRF-Token": csrf})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"endpoint": "http://push.example.net/x", "keys": {"p256dh": "AA", "auth": "AA"}},
            "https",
        ),
        ({"endpoint": "https://push.example.net/x", "keys": {"p256dh": "AA", "auth": "AA"}}, "65"),
        ({"endpoint": "https://push.example.net/x"}, None),
    ],
)
def test_a_bad_subscription_is_refused_clearly(
    client: TestClient, body: dict[str, object], detail: str | None
) -> None:
    csrf = sign_in(client)
    answer = client.post("/api/push/subscriptions", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 422
    if detail:
        assert detail in answer.json()["detail"]


def test_push_routes_need_the_owner_and_csrf(client: TestClient) -> None:
    for path in ("/api/push/key", "/api/push/subscriptions", "/sw.js", "/manifest.webmanifest"):
        assert client.get(path, follow_redirects=False).status_code in (401, 303), path
    sign_in(client)
    refused = client.post("/api/push/subscriptions", json={})
    assert refused.status_code == 403


def test_service_worker_and_manifest(client: TestClient) -> None:
    sign_in(client)
    worker = client.get("/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    assert "showNotification" in worker.text
    assert "notificationclick" in worker.text
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    values = manifest.json()
    assert values["start_url"] == "/"
    assert values["display"] == "standalone"
    for icon in values["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200
        assert png.content.startswith(b"\x89PNG")
        width = int.from_bytes(png.content[16:20], "big")
        assert icon["sizes"] == f"{width}x{width}"


def test_the_page_lists_browsers_and_its_forms_test_and_remove(
    service: PushService, client: TestClient, store: HubStore
) -> None:
    csrf = sign_in(client)
    assert "No browser gets alerts yet" in client.get("/alerts/push").text
    key = client.get("/api/push/key").json()["public_key"]
    browser = service.subscribe(server_key=key)
    subscribe(store, browser.browser_json(), CHROMIUM_UA, time.time())
    page = client.get("/alerts/push").text
    assert f'data-public-key="{key}"' in page
    assert 'rel="manifest"' in page
    [sub_id] = re.findall(r'action="/alerts/push/([0-9a-f]+)/test"', page)
    sent = client.post(
        f"/alerts/push/{sub_id}/test",
        data={"csrf_token": csrf, "back": "//elsewhere.example"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/alerts/push"
    service.wait_for_messages(1)
    assert "last message: 201 Created" in client.get("/alerts/push").text
    removed = client.post(
        f"/alerts/push/{sub_id}/delete",
        data={"csrf_token": csrf, "back": "/alerts"},
        follow_redirects=False,
    )
    assert removed.headers["location"] == "/alerts"
    assert store.list_push_subscriptions() == []
