"""Web Push as an alert channel: RFC 8030 delivery, RFC 8291 encryption, RFC 8292 VAPID.

The hub POSTs each alert straight to the push service the owner's browser chose (its
subscription's endpoint); nothing passes through the community server. What leaves the
hub is a small JSON payload encrypted to the browser's key, so the push service sees
only ciphertext, its size, and the request headers (TTL, urgency, a hashed topic). The
snapshot is not in the payload (a message holds < 4 KB): the payload names the hub's own
snapshot URL and the browser fetches it from the hub when it shows the notification.

Answers (RFC 8030 §5, §7): 201/202 delivered; 404/410 the browser unsubscribed or the
push service forgot it, so the subscription is removed; 413, 429 (with Retry-After,
kept in `retry_at`) and 5xx are failures the alert desk may retry.

The owner actions on subscriptions (`subscribe`, `unsubscribe`, `send_test`) live here
too, so the JSON API and the settings page call the same functions.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote, urlsplit

from frontporch.hub.alerts.config import AlertsConfig
from frontporch.hub.alerts.model import Alert, Delivery
from frontporch.hub.alerts.push_ports import PushStorePort
from frontporch.hub.alerts.vapid import DEFAULT_CONTACT, VapidKey
from frontporch.hub.alerts.webpush_crypto import (
    MAX_PLAINTEXT,
    PushCryptoError,
    b64url,
    b64url_decode,
    browser_public_key,
    check_auth_secret,
    encrypt,
)
from frontporch.hub.alerts.webpush_records import PushSubscription

log = logging.getLogger(__name__)

TTL_S = 3600  # a push service keeps an undelivered alert this long (RFC 8030 §5.2)
TIMEOUT_S = 10.0
MAX_ENDPOINT = 2048
MAX_STATUS = 200
MAX_TITLE = 120
MAX_BODY = 400
TOPIC_CHARS = 32  # RFC 8030 §5.4: at most 32 characters of the base64url alphabet
LOOPBACK_HOSTS = frozenset({"localhost"})


class PushError(Exception):
    """An owner action on push subscriptions that cannot be done; the message says why."""


class BadSubscription(PushError):
    """What the browser sent is not a usable push subscription."""


class UnknownSubscription(PushError):
    """No subscription has this id."""


@dataclass(frozen=True)
class PushAnswer:
    """What the push service said: its status code, reason and Retry-After (if any)."""

    code: int
    reason: str
    retry_after: str | None = None


# (url, body, headers, timeout) -> answer; raises OSError when the service is unreachable.
Transport = Callable[[str, bytes, Mapping[str, str], float], PushAnswer]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A push service answers, it never redirects; following one would re-send the
    # message (and a VAPID token for another audience) to wherever it pointed.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def urllib_transport(
    url: str, body: bytes, headers: Mapping[str, str], timeout: float
) -> PushAnswer:
    """POST with the standard library (the hub needs no HTTP client for one call).
    HTTP errors are answers; a network failure raises OSError."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return PushAnswer(response.status, response.reason)
    except urllib.error.HTTPError as exc:
        with exc:
            return PushAnswer(exc.code, str(exc.reason), exc.headers.get("Retry-After"))
    except urllib.error.URLError as exc:
        reason = exc.reason
        raise reason if isinstance(reason, OSError) else OSError(str(reason)) from exc


class WebPushChannel:
    """Sends alerts to every browser subscribed on this hub."""

    kind = "push"

    def __init__(
        self,
        store: PushStorePort,
        config: AlertsConfig,
        clock: Callable[[], float] = time.time,
        *,
        transport: Transport = urllib_transport,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.transport = transport
        # The contact the push service's operator may write to (RFC 8292 §2.1).
        self.contact = config.push_contact or DEFAULT_CONTACT
        self._key: VapidKey | None = None
        self._key_lock = threading.Lock()

    @property
    def key(self) -> VapidKey:
        """The hub's VAPID key, made and stored on first use."""
        with self._key_lock:
            if self._key is None:
                self._key = hub_vapid_key(self.store)
            return self._key

    def deliver(self, alert: Alert) -> list[Delivery]:
        """Send `alert` to every subscribed browser; one Delivery each."""
        return [self.deliver_to(alert, sub) for sub in self.store.list_push_subscriptions()]

    def deliver_to(self, alert: Alert, subscription: PushSubscription) -> Delivery:
        """Send `alert` to one browser. A gone subscription (404/410) is removed."""
        now = self.clock()
        try:
            body = encrypt(
                payload_bytes(alert),
                b64url_decode(subscription.p256dh),
                b64url_decode(subscription.auth),
            )
            headers = {
                "TTL": str(TTL_S),
                "Urgency": "high",
                "Topic": topic_for(alert.id),
                "Content-Type": "application/octet-stream",
                "Content-Encoding": "aes128gcm",
                "Authorization": self.key.authorization(subscription.endpoint, self.contact, now),
            }
            answer = self.transport(subscription.endpoint, body, headers, TIMEOUT_S)
        except PushCryptoError as exc:
            return self._failed(subscription, f"cannot encrypt for this browser: {exc}", now)
        except http.client.HTTPException as exc:
            return self._failed(
                subscription, f"no HTTP answer from the push service ({_kind(exc)})", now
            )
        except (OSError, ValueError) as exc:
            # The exception text can name the endpoint (a capability URL): keep it out.
            return self._failed(subscription, f"push service unreachable ({_kind(exc)})", now)
        # The reason phrase is the push service's text: kept short.
        status = f"{answer.code} {answer.reason or _phrase(answer.code)}".strip()[:MAX_STATUS]
        if 200 <= answer.code < 300:
            self.store.note_push_result(subscription.id, status, now)
            log.info("push %s delivered to subscription %s", alert.id, subscription.id)
            return Delivery(self.kind, subscription.name, True, status)
        if answer.code in (HTTPStatus.NOT_FOUND, HTTPStatus.GONE):
            self.store.delete_push_subscription(subscription.id)
            log.info("push subscription %s gone (%d): removed", subscription.id, answer.code)
            return Delivery(self.kind, subscription.name, False, f"{status}: subscription removed")
        retry_at = _retry_at(answer.retry_after, now)
        if retry_at is None and answer.code == HTTPStatus.TOO_MANY_REQUESTS:
            retry_at = now + 60.0
        return self._failed(subscription, status, now, retry_at)

    def _failed(
        self, subscription: PushSubscription, status: str, now: float, retry_at: float | None = None
    ) -> Delivery:
        self.store.note_push_result(subscription.id, status, now)
        log.warning("push to subscription %s failed: %s", subscription.id, status)
        return Delivery(self.kind, subscription.name, False, status, retry_at=retry_at)


def hub_vapid_key(store: PushStorePort) -> VapidKey:
    """The hub's VAPID key from the store, made there the first time."""
    return VapidKey.from_pem(store.push_key_pem(VapidKey.generate().pem()))


def snapshot_url(alert: Alert) -> str | None:
    """The hub's URL of the alert's snapshot (the event its `url` shows, else its first
    event), or None when the alert has no snapshot."""
    if alert.snapshot_jpeg is None or not alert.event_ids:
        return None
    shown = alert.url.rsplit("/", 1)[-1]
    event_id = shown if shown in alert.event_ids else alert.event_ids[0]
    return f"/api/events/{quote(event_id, safe='')}/snapshot.jpg"


def payload(alert: Alert) -> dict[str, Any]:
    """What the service worker receives (static/sw.js reads these keys)."""
    return {
        "id": alert.id,
        "title": alert.title[:MAX_TITLE],
        "body": alert.body[:MAX_BODY],
        "url": alert.url if alert.url.startswith("/") else "/",
        "image": snapshot_url(alert),
        "tag": alert.id,
        "update": alert.update,
    }


def payload_bytes(alert: Alert) -> bytes:
    """The payload as UTF-8 JSON that fits one push message (the body is cut if needed)."""
    values = payload(alert)
    data = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    while len(data) > MAX_PLAINTEXT and values["body"]:
        values["body"] = values["body"][: len(values["body"]) // 2]
        data = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_PLAINTEXT:
        raise PushCryptoError("the alert's id and title do not fit in one push message")
    return data


def topic_for(alert_id: str) -> str:
    """The Topic header for an alert: the push service replaces an undelivered message
    with the same topic (an update), and the id itself may be long or unsafe, so it is
    a hash, 32 base64url characters (RFC 8030 §5.4)."""
    return b64url(hashlib.sha256(alert_id.encode("utf-8")).digest())[:TOPIC_CHARS]


def _retry_at(retry_after: str | None, now: float) -> float | None:
    """Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), as a Unix time."""
    if not retry_after:
        return None
    text = retry_after.strip()
    if text.isdigit():
        return now + min(int(text), 24 * 3600)
    try:
        return email.utils.parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def _kind(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return f"timed out after {TIMEOUT_S:g} s"
    return type(exc).__name__


# --- owner actions -------------------------------------------------------------------


def subscribe(
    store: PushStorePort, browser_json: Mapping[str, Any], user_agent: str, now: float
) -> PushSubscription:
    """Store the subscription a browser's `PushManager.subscribe()` returned (its
    `toJSON()`: endpoint and keys.p256dh / keys.auth), named after the browser.
    BadSubscription if it is not one."""
    endpoint = browser_json.get("endpoint")
    keys = browser_json.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, Mapping):
        raise BadSubscription("expected a PushSubscription: {endpoint, keys: {p256dh, auth}}")
    check_endpoint(endpoint)
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(p256dh, str) or not isinstance(auth, str):
        raise BadSubscription("keys.p256dh and keys.auth must be base64url strings")
    try:
        browser_public_key(b64url_decode(p256dh))
        check_auth_secret(b64url_decode(auth))
    except PushCryptoError as exc:
        raise BadSubscription(f"the subscription's keys are not usable: {exc}") from exc
    name = browser_json.get("name")
    if not isinstance(name, str) or not name.strip():
        name = browser_name(user_agent)
    return store.save_push_subscription(
        PushSubscription(
            id=secrets.token_hex(8),
            endpoint=endpoint,
            p256dh=b64url(b64url_decode(p256dh)),
            auth=b64url(b64url_decode(auth)),
            name=" ".join(name.split())[:80],
            created=now,
        )
    )


def unsubscribe(store: PushStorePort, subscription_id: str) -> None:
    """Forget a browser; UnknownSubscription if there is no such subscription."""
    if not store.delete_push_subscription(subscription_id):
        raise UnknownSubscription(f"no push subscription {subscription_id!r}")


def send_test(channel: WebPushChannel, subscription_id: str) -> Delivery:
    """Send a test notification to one browser; UnknownSubscription if it is gone."""
    subscription = channel.store.get_push_subscription(subscription_id)
    if subscription is None:
        raise UnknownSubscription(f"no push subscription {subscription_id!r}")
    now = channel.clock()
    alert = Alert(
        id=f"test-{secrets.token_hex(4)}",
        camera="",
        labels=(),
        zones=(),
        event_ids=(),
        start=now,
        title="Test notification from your Frontporch hub",
        body="Alerts from this hub reach this browser.",
        url="/alerts/push",
        snapshot_jpeg=None,
    )
    return channel.deliver_to(alert, subscription)


def check_endpoint(endpoint: str) -> str:
    """`endpoint` if the hub may POST to it: an https URL (every browser's push service
    is), or http on this machine (a local push service, for testing)."""
    if len(endpoint) > MAX_ENDPOINT:
        raise BadSubscription(f"the endpoint is longer than {MAX_ENDPOINT} characters")
    if not endpoint.isascii() or any(ch.isspace() or not ch.isprintable() for ch in endpoint):
        raise BadSubscription("the endpoint must be an ASCII URL without spaces")
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a port that is not a number in range)
    except ValueError as exc:  # an unclosed IPv6 bracket, a bad port
        raise BadSubscription("the endpoint is not a URL") from exc
    if parts.scheme not in ("https", "http") or not host or parts.username is not None:
        raise BadSubscription("the endpoint must be an https URL")
    if parts.scheme == "http" and not _loopback(host):
        raise BadSubscription("the endpoint must be https (http only on this machine)")
    return endpoint


def _loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Chromium/", "Chromium"),
    ("HeadlessChrome/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "an iPhone"),
    ("iPad", "an iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str) -> str:
    """'Firefox on Android', 'Chrome on Linux', ... from a User-Agent; 'A browser' when
    nothing is recognised."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or (f"A browser on {system}" if system else "A browser")


__all__ = [
    "BadSubscription",
    "PushAnswer",
    "PushError",
    "UnknownSubscription",
    "WebPushChannel",
    "browser_name",
    "hub_vapid_key",
    "payload",
    "send_test",
    "subscribe",
    "topic_for",
    "unsubscribe",
]
