"""What the alert tests share: event values, a channel that records (a fake of our
`Channel` protocol), and a real local webhook receiver (http.server on a thread) that
checks the HMAC signature and can be told to fail, hang or succeed, request by request.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from frontporch.hub.alerts.model import Alert, Delivery
from frontporch.hub.alerts.records import (
    AlertRecord,
    DeliveryRecord,
    WebhookRecord,
    WebhookRetry,
)
from frontporch.hub.changes import ChangeType, EventChange
from frontporch.hub.store.records import Event

T0 = 1_717_400_000.0


def event(
    event_id: str,
    *,
    camera: str = "front",
    start: float = T0,
    end: float | None = None,
    labels: tuple[str, ...] = ("person",),
    zones: tuple[str, ...] = (),
    score: float = 0.7,
) -> Event:
    """An event as the index writer reports it (open unless `end`)."""
    return Event(
        id=event_id,
        camera=camera,
        labels=labels,
        top_score=score,
        start=start,
        end=end,
        zones=zones,
        snapshot=None,
        clip=None,
        created=start,
        updated=start,
    )


def new(after: Event, snapshot: bytes | None = None) -> EventChange:
    return EventChange(ChangeType.new, None, after, snapshot_jpeg=snapshot)


def update(before: Event, snapshot: bytes | None = None, **changes: object) -> EventChange:
    after = replace(before, **changes)  # type: ignore[arg-type]
    return EventChange(ChangeType.update, before, after, snapshot_jpeg=snapshot)


def end(before: Event, at: float) -> EventChange:
    return EventChange(ChangeType.end, before, replace(before, end=at))


class RecordingChannel:
    """A channel that keeps every alert it is given (optionally raising instead)."""

    def __init__(self, kind: str = "test", *, fail: Exception | None = None) -> None:
        self.kind = kind
        self.fail = fail
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> list[Delivery]:
        if self.fail is not None:
            raise self.fail
        self.alerts.append(alert)
        return [Delivery(self.kind, "recorder", True, "kept")]


# --- the alert tables in memory ------------------------------------------------------------


class FakeAlertTables:
    """`AlertStorePort` in memory, for `tests/fakes.py:FakeStore` to inherit (its state
    is made on first use, so a dataclass subclass needs no fields for it)."""

    def _alert_state(self) -> dict[str, Any]:
        state: dict[str, Any] | None = getattr(self, "_fake_alert_state", None)
        if state is None:
            state = {"rules": {}, "alerts": {}, "deliveries": [], "webhooks": {}, "retries": {}}
            object.__setattr__(self, "_fake_alert_state", state)
        return state

    def alert_rules(self) -> dict[str, str]:
        return dict(self._alert_state()["rules"])

    def set_alert_rule(self, camera: str, rule_json: str, at: float) -> None:
        self._alert_state()["rules"][camera] = rule_json

    def save_alert(self, alert: Alert, at: float) -> None:
        alerts: dict[str, AlertRecord] = self._alert_state()["alerts"]
        known = alerts.get(alert.id)
        alerts[alert.id] = AlertRecord(
            alert.id, alert.camera, alert.labels, alert.zones, alert.event_ids, alert.start,
            alert.title, alert.body, alert.url,
            known.sent if known else at, at, known.sends + 1 if known else 1,
        )  # fmt: skip

    def get_alert(self, alert_id: str) -> AlertRecord | None:
        found: AlertRecord | None = self._alert_state()["alerts"].get(alert_id)
        return found

    def list_alerts(
        self, limit: int = 50, before: tuple[float, str] | None = None
    ) -> list[AlertRecord]:
        alerts: list[AlertRecord] = sorted(
            self._alert_state()["alerts"].values(), key=lambda a: (a.sent, a.id), reverse=True
        )
        if before is not None:
            alerts = [a for a in alerts if (a.sent, a.id) < before]
        return alerts[:limit]

    def last_alert_time(self, camera: str) -> float | None:
        times = [a.sent for a in self._alert_state()["alerts"].values() if a.camera == camera]
        return max(times) if times else None

    def record_delivery(self, alert_id: str, update: bool, delivery: Delivery, at: float) -> None:
        rows: list[DeliveryRecord] = self._alert_state()["deliveries"]
        d = delivery
        row = DeliveryRecord(
            len(rows) + 1, alert_id, update, d.channel, d.target, d.ok, d.status, d.attempts,
            d.retry_at, at,
        )  # fmt: skip
        rows.append(row)

    def deliveries_of(self, alert_ids: list[str]) -> dict[str, list[DeliveryRecord]]:
        rows: list[DeliveryRecord] = self._alert_state()["deliveries"]
        return {i: [d for d in rows if d.alert_id == i] for i in alert_ids}

    def clear_delivery_retry(self, alert_id: str, channel: str, target: str) -> None:
        rows: list[DeliveryRecord] = self._alert_state()["deliveries"]
        for n, d in enumerate(rows):
            if (d.alert_id, d.channel, d.target) == (alert_id, channel, target):
                rows[n] = replace(d, retry_at=None)

    def add_webhook(self, webhook_id: str, url: str, secret: str, created: float) -> bool:
        hooks: dict[str, WebhookRecord] = self._alert_state()["webhooks"]
        if any(h.url == url for h in hooks.values()):
            return False
        hooks[webhook_id] = WebhookRecord(webhook_id, url, secret, created)
        return True

    def list_webhooks(self) -> list[WebhookRecord]:
        return sorted(self._alert_state()["webhooks"].values(), key=lambda h: (h.created, h.id))

    def get_webhook(self, webhook_id: str) -> WebhookRecord | None:
        found: WebhookRecord | None = self._alert_state()["webhooks"].get(webhook_id)
        return found

    def delete_webhook(self, webhook_id: str) -> bool:
        state = self._alert_state()
        for key, retry in list(state["retries"].items()):
            if retry.webhook_id == webhook_id:
                del state["retries"][key]
        return state["webhooks"].pop(webhook_id, None) is not None

    def save_webhook_retry(self, retry: WebhookRetry) -> None:
        self._alert_state()["retries"][retry.delivery_id] = retry

    def due_webhook_retries(self, now: float) -> list[WebhookRetry]:
        retries: list[WebhookRetry] = list(self._alert_state()["retries"].values())
        return sorted((r for r in retries if r.retry_at <= now), key=lambda r: r.retry_at)

    def delete_webhook_retry(self, delivery_id: str) -> None:
        self._alert_state()["retries"].pop(delivery_id, None)


# --- a local webhook receiver ------------------------------------------------------------


@dataclass
class Received:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    answered: int | str  # the status it answered, or "hang"


@dataclass
class WebhookReceiver:
    """A real HTTP server; `script` is what to do with each request in turn (a status
    code, or "hang" to answer only after `hang_s`); once used up, it answers 200."""

    port: int = 0
    script: list[int | str] = field(default_factory=list)
    hang_s: float = 3.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?token=not-shown"

    def verify(self, received: Received, secret: str) -> bool:
        """Whether the request's signature header is the HMAC of its exact body."""
        expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
        got = received.headers.get("x-frontporch-signature-256", "")
        return hmac.compare_digest(expected, got)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        raise AssertionError(f"the receiver got {len(self.received)} of {count} requests")


@contextmanager
def webhook_receiver(
    script: list[int | str] | None = None, hang_s: float = 3.0
) -> Iterator[WebhookReceiver]:
    """Run a WebhookReceiver on a free local port until the block ends."""
    receiver = WebhookReceiver(script=list(script or []), hang_s=hang_s)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with receiver.lock:
                action: int | str = receiver.script.pop(0) if receiver.script else 200
                receiver.received.append(
                    Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body, action
                    )
                )
            if action == "hang":
                time.sleep(receiver.hang_s)
                action = 200
            self.send_response(int(action))
            self.send_header("Content-Length", "2")
            self.end_headers()
            # The hub may have given up waiting and closed the connection.
            with contextlib.suppress(OSError):
                self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
