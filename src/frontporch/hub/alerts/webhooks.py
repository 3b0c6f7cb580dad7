"""Webhooks: each alert POSTed as JSON to the owner's URLs, signed, retried with backoff.

The payload (`payload`) is `{"type": "alert", "id", "update", "camera", "labels",
"zones", "events", "start" (ISO 8601, UTC), "title", "body", "url"}`; `url` is absolute
when `alerts.hub_url` is set. Headers, as GitHub's webhooks do it:

- `X-Frontporch-Signature-256: sha256=<hex HMAC-SHA256 of the exact body, keyed with
  the webhook's secret>` (the secret the hub generated and showed the owner once);
- `X-Frontporch-Delivery: <uuid>`, the same on every retry of one delivery, so a
  receiver can drop a duplicate;
- `X-Frontporch-Event: alert` (`ping` for the settings page's test button).

A receiver that times out (10 s), cannot be reached, or answers 5xx or 429 is tried
again after 10, 30, 90 and 270 s (five attempts in all, `alerts.webhooks`); another 4xx
is the receiver refusing and is not retried. A pending retry is kept in the store with
the exact body first signed, so it survives a restart; the alert desk's thread runs
`retry_due`. Every attempt is one Delivery in the owner's delivery log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from frontporch import __version__
from frontporch.hub.alerts.config import AlertsConfig
from frontporch.hub.alerts.model import Alert, Delivery
from frontporch.hub.alerts.ports import WebhookStorePort
from frontporch.hub.alerts.records import WebhookRecord, WebhookRetry

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Frontporch-Signature-256"
DELIVERY_HEADER = "X-Frontporch-Delivery"
EVENT_HEADER = "X-Frontporch-Event"
MAX_URL_LENGTH = 2000


class WebhookError(ValueError):
    """A webhook URL the hub cannot use; the message says why."""


def check_url(url: str) -> str:
    """`url` if it is an http(s) URL with a host, else WebhookError."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise WebhookError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("a webhook URL starts with http:// or https:// and names a host")
    if parts.username or parts.password:
        raise WebhookError("put no user name or password in the URL; the signature proves the hub")
    return url


def new_secret() -> str:
    """A webhook's signing secret: 32 random bytes, hex (what the owner pastes in)."""
    return secrets.token_hex(32)


def signature(secret: str, body: bytes) -> str:
    """The signature header's value for `body`: `sha256=<hex HMAC-SHA256>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def shown_target(url: str) -> str:
    """The URL as the delivery log shows it: without its query (it may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def payload(alert: Alert, hub_url: str | None, event: str = "alert") -> bytes:
    """The JSON body for `alert` (compact, UTF-8)."""
    body: dict[str, Any] = {
        "type": event,
        "id": alert.id,
        "update": alert.update,
        "camera": alert.camera,
        "labels": list(alert.labels),
        "zones": list(alert.zones),
        "events": list(alert.event_ids),
        "start": datetime.fromtimestamp(alert.start, UTC).isoformat().replace("+00:00", "Z"),
        "title": alert.title,
        "body": alert.body,
        "url": f"{hub_url}{alert.url}" if hub_url else alert.url,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class Outcome:
    """One POST: whether it was delivered, whether to try again, what to show."""

    ok: bool
    retryable: bool
    status: str


def post(
    url: str, secret: str, body: bytes, delivery_id: str, event: str, timeout: float
) -> Outcome:
    """POST one signed body; never raises for the receiver's faults."""
    request = urllib.request.Request(  # noqa: S310 (check_url allows http(s) only)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"Frontporch-Hub/{__version__}",
            SIGNATURE_HEADER: signature(secret, body),
            DELIVERY_HEADER: delivery_id,
            EVENT_HEADER: event,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(65536)
            return Outcome(True, False, f"{response.status} {response.reason}".strip())
    except urllib.error.HTTPError as exc:
        code = exc.code
        status = f"{code} {exc.reason}".strip()
        return Outcome(False, code >= 500 or code == 429, status)
    except TimeoutError:
        return Outcome(False, True, f"timed out after {timeout:g} s")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            return Outcome(False, True, f"timed out after {timeout:g} s")
        return Outcome(False, True, f"could not connect: {reason}")
    except (OSError, ValueError) as exc:
        return Outcome(False, True, f"could not connect: {exc}")


class WebhookChannel:
    """The owner's webhooks as an alert channel, with retries kept in the store."""

    kind = "webhook"

    def __init__(
        self,
        store: WebhookStorePort,
        config: AlertsConfig,
        clock: Callable[[], float] = time.time,
        poster: Callable[[str, str, bytes, str, str, float], Outcome] = post,
    ) -> None:
        self.store = store
        self.config = config
        self._clock = clock
        self._post = poster

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        steps = self.config.webhooks.backoff_s
        return steps[min(attempts, len(steps)) - 1]

    def deliver(self, alert: Alert) -> list[Delivery]:
        """POST `alert` to every webhook; one Delivery (its first attempt) per webhook."""
        body = payload(alert, self.config.hub_url)
        return [
            self._attempt(hook, alert.id, alert.update, body, str(uuid.uuid4()), 1)
            for hook in self.store.list_webhooks()
        ]

    def test(self, hook: WebhookRecord, alert: Alert) -> Delivery:
        """A `ping` to one webhook (the settings page's test button): one try, no retry."""
        body = payload(alert, self.config.hub_url, event="ping")
        timeout = self.config.webhooks.timeout_s
        outcome = self._post(hook.url, hook.secret, body, str(uuid.uuid4()), "ping", timeout)
        return Delivery(self.kind, shown_target(hook.url), outcome.ok, outcome.status)

    def retry_due(self) -> list[tuple[str, bool, Delivery]]:
        """Run every retry that is due: (alert id, is update, Delivery) per attempt."""
        done: list[tuple[str, bool, Delivery]] = []
        for retry in self.store.due_webhook_retries(self._clock()):
            hook = self.store.get_webhook(retry.webhook_id)
            if hook is None:  # removed by the owner meanwhile
                self.store.delete_webhook_retry(retry.delivery_id)
                continue
            delivery = self._attempt(
                hook,
                retry.alert_id,
                retry.update,
                retry.body,
                retry.delivery_id,
                retry.attempts + 1,
            )
            done.append((retry.alert_id, retry.update, delivery))
        return done

    def _attempt(
        self,
        hook: WebhookRecord,
        alert_id: str,
        update: bool,
        body: bytes,
        delivery_id: str,
        attempt: int,
    ) -> Delivery:
        timeout = self.config.webhooks.timeout_s
        outcome = self._post(hook.url, hook.secret, body, delivery_id, "alert", timeout)
        target = shown_target(hook.url)
        retry_at = None
        if not outcome.ok and outcome.retryable and attempt < self.config.webhooks.max_attempts:
            retry_at = self._clock() + self.backoff(attempt)
            self.store.save_webhook_retry(
                WebhookRetry(delivery_id, alert_id, hook.id, update, body, attempt, retry_at)
            )
        elif attempt > 1:
            self.store.delete_webhook_retry(delivery_id)
        status = outcome.status
        if not outcome.ok and retry_at is None and outcome.retryable:
            status = f"{status}; gave up after {attempt} attempts"
        elif not outcome.ok and not outcome.retryable:
            status = f"{status}; not retried (the receiver refused it)"
        log.info(
            "alert %s: webhook %s attempt %d: %s",
            alert_id,
            hook.id,
            attempt,
            "delivered" if outcome.ok else "failed",
        )
        return Delivery(self.kind, target, outcome.ok, status, attempt, retry_at)
