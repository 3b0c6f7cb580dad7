"""The alert desk: from the hub's event changes to alerts on every channel, and the
owner's alert actions (rules, webhooks, tests) as one function each.

`on_change` runs on the index writer's thread, so it only puts the change on a queue.
The desk's own worker thread (`hub-alerts`) groups events into review items
(`grouping.py`), asks the camera's rule (`rules.py`) with the switches from `Controls`,
builds the `Alert`, records it and hands it to each channel: email (when SMTP is
configured), webhooks, Web Push, and any added with `add_channel` (MQTT). One channel
failing, or raising, never stops the others; every Delivery is recorded so the owner
sees what went where. The same thread runs due webhook retries and the snapshot
updates that had to wait, so nothing here needs a lock beyond the queue's.

The pages and the JSON API call the service functions below (`rules`, `set_rule`,
`add_webhook`, ...); nothing else writes alert state.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from frontporch.hub.alerts.config import AlertsConfig
from frontporch.hub.alerts.email import EmailChannel
from frontporch.hub.alerts.grouping import Grouper, ReviewItem, Step
from frontporch.hub.alerts.model import Alert, Channel, Delivery
from frontporch.hub.alerts.ports import AlertStorePort
from frontporch.hub.alerts.push import WebPushChannel
from frontporch.hub.alerts.push_ports import PushStorePort
from frontporch.hub.alerts.records import AlertRecord, DeliveryRecord, WebhookRecord
from frontporch.hub.alerts.rules import (
    AlertRule,
    Decision,
    RuleError,
    decide,
    default_rule,
    rule_from_json,
    rule_to_json,
)
from frontporch.hub.alerts.webhooks import WebhookChannel, check_url, new_secret
from frontporch.hub.changes import Change, EventChange
from frontporch.hub.config import HubConfig
from frontporch.hub.controls import Controls
from frontporch.hub.store.records import Event

log = logging.getLogger(__name__)

TICK_S = 0.5  # how often the worker looks for due retries and waiting updates
PAGE_SIZE = 50


class AlertDeskStore(AlertStorePort, PushStorePort, Protocol):
    """What the desk needs from the store: its own tables and Web Push's."""


class AlertError(Exception):
    """An alert action the owner asked for cannot be done; the message says why."""


class UnknownCamera(AlertError):
    """No camera by that name."""


class UnknownWebhook(AlertError):
    """No webhook by that id."""


@dataclass(frozen=True, slots=True)
class SentAlert:
    """An alert and every delivery attempt, for the log page and the API."""

    alert: AlertRecord
    deliveries: tuple[DeliveryRecord, ...]


@dataclass(frozen=True, slots=True)
class AlertPage:
    """One page of the alert log, newest first; `next_cursor` for the next page."""

    alerts: tuple[SentAlert, ...]
    next_cursor: str | None


def describe_labels(labels: Sequence[str]) -> str:
    """'Person', 'Person and dog', 'Person, dog and car'."""
    words = [label.replace("_", " ") for label in labels] or ["something"]
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return text[:1].upper() + text[1:]


def build_alert(item: ReviewItem, *, update: bool, local_clock: str) -> Alert:
    """The alert for a review item: 'Person at front-door', 'Person and dog · 14:32'."""
    first = item.labels[0] if item.labels else "something"
    return Alert(
        id=item.id,
        camera=item.camera,
        labels=tuple(item.labels),
        zones=tuple(item.zones),
        event_ids=tuple(item.event_ids),
        start=item.start,
        title=f"{describe_labels([first])} at {item.camera}",
        body=f"{describe_labels(item.labels)} · {local_clock}",
        url=f"/events/{item.event_ids[0]}",
        snapshot_jpeg=item.snapshot_jpeg,
        update=update,
    )


def _cursor(record: AlertRecord) -> str:
    return f"{record.sent!r}:{record.id}"


def _parse_cursor(cursor: str) -> tuple[float, str]:
    sent, sep, alert_id = cursor.partition(":")
    try:
        if not sep or not alert_id:
            raise ValueError
        return float(sent), alert_id
    except ValueError:
        raise AlertError("that page cursor is not one this hub handed out") from None


class AlertDesk:
    """Turns event changes into alerts; the owner's alert settings."""

    def __init__(
        self,
        config: HubConfig,
        store: AlertDeskStore,
        root: Path,
        controls: Controls,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.alerts_config: AlertsConfig = config.alerts
        self.store = store
        self.root = root
        self.controls = controls
        self._clock = clock
        self._queue: queue.Queue[Change | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._grouper = Grouper(self.alerts_config.join_gap_s, self.alerts_config.update_interval_s)
        self._last_alert: dict[str, float] = {}
        self.webhooks = WebhookChannel(store, self.alerts_config, clock)
        self.email: EmailChannel | None = None
        if self.alerts_config.email is not None:
            self.email = EmailChannel(self.alerts_config.email, self.alerts_config.hub_url, clock)
        self.push = WebPushChannel(store, self.alerts_config, clock)
        self._channels: list[Channel] = [c for c in (self.email, self.webhooks, self.push) if c]
        self.processed = 0  # changes handled by the worker (tests wait on it)
        self.last_decision: Decision | None = None  # of the latest item decided

    # --- life ----------------------------------------------------------------------

    def add_channel(self, channel: Channel) -> None:
        """Send every later alert to `channel` too (MQTT)."""
        self._channels.append(channel)

    def channels(self) -> list[Channel]:
        return list(self._channels)

    def start(self) -> None:
        """Start the worker thread (once)."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="hub-alerts", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """End the worker thread; a delivery in flight finishes (its timeout bounds it)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self._queue.put(None)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the alert worker did not stop within %.0f s", timeout)
        self._thread = None

    def on_change(self, change: Change) -> None:
        """Take note of a change (on the index writer's thread): queue it and return."""
        if isinstance(change, EventChange):
            self._queue.put(change)

    def idle(self) -> bool:
        """Whether every queued change has been handled."""
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        next_tick = time.monotonic()
        while not self._stopping.is_set():
            try:
                change = self._queue.get(timeout=TICK_S)
            except queue.Empty:
                pass
            else:
                try:
                    if change is not None:
                        self.handle(change)
                except Exception:  # one bad change must not end alerting for the hub
                    log.exception("the alert desk failed on a change")
                finally:
                    self.processed += 1
                    self._queue.task_done()
            # Retries and waiting updates run on time even while changes keep coming.
            if not self._stopping.is_set() and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + TICK_S
                try:
                    self.tick()
                except Exception:
                    log.exception("the alert desk's periodic work failed")

    # --- the work (on the worker thread; tests may call them directly) ------------------

    def handle(self, change: Change) -> None:
        """Group one event change and send what the rules allow."""
        if not isinstance(change, EventChange):
            return
        event = change.after
        snapshot = change.snapshot_jpeg
        before = change.before.top_score if change.before is not None else None
        grouped = self._grouper.add(event, before_score=before, snapshot_jpeg=snapshot)
        item = grouped.item
        now = self._clock()
        if item.snapshot_jpeg is None and event.snapshot:
            item.snapshot_jpeg = self._read_snapshot(event)
        if item.alerted_at is None:
            if grouped.step in (Step.new, Step.joined):
                self._consider(item, now)
        elif item.pending_update and self._grouper.may_update(item, now):
            self._send_update(item, now)
        self._grouper.forget_old(now)

    def tick(self) -> None:
        """Due webhook retries and snapshot updates that waited for their interval."""
        now = self._clock()
        for item in self._grouper.due_updates(now):
            try:
                self._send_update(item, now)
            except Exception:
                log.exception("the alert desk failed to update alert %s", item.id)
        try:
            retried = self.webhooks.retry_due()
        except Exception:
            log.exception("webhook retries failed")
            return
        at = self._clock()
        for alert_id, update, delivery in retried:
            self.store.clear_delivery_retry(alert_id, delivery.channel, delivery.target)
            self.store.record_delivery(alert_id, update, delivery, at)

    def _read_snapshot(self, event: Event) -> bytes | None:
        if not event.snapshot:
            return None
        try:
            return (self.root / event.snapshot).read_bytes()
        except OSError:
            return None

    def _decide(self, item: ReviewItem, now: float, *, update: bool) -> Decision:
        camera = item.camera
        try:
            alerts_on = self.controls.switches(camera).alerts
        except KeyError:
            alerts_on = False  # a camera no longer configured
        return decide(
            self.rule(camera),
            camera=camera,
            labels=item.labels,
            zones=item.zones,
            alerts_on=alerts_on,
            away=self.controls.away,
            local_time=datetime.fromtimestamp(now).astimezone().time(),
            now=now,
            last_alert_at=self._last_alert_time(camera),
            update=update,
        )

    def _consider(self, item: ReviewItem, now: float) -> None:
        decision = self.last_decision = self._decide(item, now, update=False)
        if not decision.send:
            log.info("no alert for item %s of %s: %s", item.id, item.camera, decision.reason)
            return
        self._grouper.mark_sent(item, now)
        self._last_alert[item.camera] = now
        self.send(build_alert(item, update=False, local_clock=self._clock_text(item.start)))

    def _send_update(self, item: ReviewItem, now: float) -> None:
        # The switches and quiet hours still hold an update back; the cooldown does not.
        decision = self._decide(item, now, update=True)
        self._grouper.mark_sent(item, now)
        if not decision.send:
            log.info("no update for alert %s: %s", item.id, decision.reason)
            return
        self.send(build_alert(item, update=True, local_clock=self._clock_text(item.start)))

    def _last_alert_time(self, camera: str) -> float | None:
        if camera not in self._last_alert:
            stored = self.store.last_alert_time(camera)
            if stored is None:
                return None
            self._last_alert[camera] = stored
        return self._last_alert[camera]

    @staticmethod
    def _clock_text(ts: float) -> str:
        return datetime.fromtimestamp(ts).astimezone().strftime("%H:%M")

    def send(self, alert: Alert) -> list[Delivery]:
        """Record `alert` and hand it to every channel; every Delivery is recorded."""
        self.store.save_alert(alert, self._clock())
        log.info(
            "alert %s for %s (%s)", alert.id, alert.camera, "update" if alert.update else "new"
        )
        results: list[Delivery] = []
        for channel in list(self._channels):
            kind = getattr(channel, "kind", type(channel).__name__)
            try:
                deliveries = channel.deliver(alert)
            except Exception as exc:  # a channel's bug is a failed delivery, not silence
                log.exception("the %s channel raised on alert %s", kind, alert.id)
                deliveries = [Delivery(kind, "(channel)", False, f"error: {exc}"[:500])]
            at = self._clock()
            for delivery in deliveries:
                self.store.record_delivery(alert.id, alert.update, delivery, at)
            results.extend(deliveries)
        return results

    # --- the owner's actions ----------------------------------------------------------

    def cameras(self) -> list[str]:
        return list(self.config.cameras)

    def _require_camera(self, camera: str) -> None:
        if camera not in self.config.cameras:
            known = ", ".join(self.config.cameras) or "none"
            raise UnknownCamera(f"no camera named {camera!r} (known: {known})")

    def rule(self, camera: str) -> AlertRule:
        """The camera's rule (the default if the owner set none)."""
        stored = self.store.alert_rules().get(camera)
        if stored is None:
            return default_rule()
        try:
            return rule_from_json(json.loads(stored))
        except (RuleError, ValueError):
            log.warning("the stored alert rule of %s is unreadable; using the default", camera)
            return default_rule()

    def rules(self) -> dict[str, AlertRule]:
        """Every configured camera's rule."""
        stored = self.store.alert_rules()
        found: dict[str, AlertRule] = {}
        for camera in self.config.cameras:
            try:
                found[camera] = (
                    rule_from_json(json.loads(stored[camera]))
                    if camera in stored
                    else default_rule()
                )
            except (RuleError, ValueError):
                found[camera] = default_rule()
        return found

    def camera_choices(self, camera: str) -> tuple[list[str], list[str]]:
        """The labels the camera tracks and its zones (what a rule may name)."""
        self._require_camera(camera)
        cam = self.config.cameras[camera]
        return list(cam.objects.track), list(cam.zones)

    def set_rule(self, camera: str, raw: dict[str, Any]) -> AlertRule:
        """Check and keep a camera's rule; RuleError naming the field at fault."""
        labels, zones = self.camera_choices(camera)
        rule = rule_from_json(raw, known_labels=labels, known_zones=zones)
        self.store.set_alert_rule(camera, json.dumps(rule_to_json(rule)), self._clock())
        return rule

    def page(self, limit: int = PAGE_SIZE, cursor: str | None = None) -> AlertPage:
        """One page of the alert log with every delivery attempt, newest first."""
        before = _parse_cursor(cursor) if cursor else None
        records = list(self.store.list_alerts(limit + 1, before))
        more = len(records) > limit
        records = records[:limit]
        deliveries = self.store.deliveries_of([r.id for r in records])
        return AlertPage(
            tuple(SentAlert(r, tuple(deliveries.get(r.id, []))) for r in records),
            _cursor(records[-1]) if more and records else None,
        )

    def webhook_list(self) -> list[WebhookRecord]:
        return list(self.store.list_webhooks())

    def add_webhook(self, url: str) -> tuple[WebhookRecord, str]:
        """Add a webhook; the record and its secret (show it once, it is not shown again)."""
        url = check_url(url)
        secret = new_secret()
        record = WebhookRecord(uuid.uuid4().hex[:12], url, secret, self._clock())
        if not self.store.add_webhook(record.id, record.url, secret, record.created):
            raise AlertError("that URL is already a webhook here")
        return record, secret

    def remove_webhook(self, webhook_id: str) -> None:
        if not self.store.delete_webhook(webhook_id):
            raise UnknownWebhook(f"no webhook {webhook_id!r} here")

    def test_alert(self) -> Alert:
        """The alert the test buttons send (clearly a test, linked to the events page)."""
        now = self._clock()
        return Alert(
            id=f"test-{uuid.uuid4().hex[:12]}",
            camera="test",
            labels=("person",),
            zones=(),
            event_ids=(),
            start=now,
            title="Test alert from your Frontporch hub",
            body=f"If you can read this, alerts reach you here · {self._clock_text(now)}",
            url="/events",
            snapshot_jpeg=None,
        )

    def test_webhook(self, webhook_id: str) -> Delivery:
        """Send a `ping` to one webhook; what happened (not recorded as an alert)."""
        hook = self.store.get_webhook(webhook_id)
        if hook is None:
            raise UnknownWebhook(f"no webhook {webhook_id!r} here")
        return self.webhooks.test(hook, self.test_alert())

    def test_email(self) -> Delivery:
        """Send a test message to the configured addresses; what happened."""
        if self.email is None:
            raise AlertError("email is not configured: add an `alerts.email` section")
        return self.email.deliver(self.test_alert())[0]
