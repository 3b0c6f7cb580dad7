"""The MQTT bridge: the hub's changes out to the broker, the owner's commands in.

Everything the hub publishes goes through one worker thread, in order: the index
writer's changes (`on_change` only enqueues, as `changes.py` asks of listeners), switch
changes from the UI or API (`Controls.subscribe`), commands received from the broker,
and "the broker is (back)", upon which the worker republishes what subscribers must find
retained: "online", the Home Assistant discovery configs, every switch state, every
count and the latest snapshots. So a broker that restarted without persistence, or a
Home Assistant that restarted (its birth message, `<discovery_prefix>/status` =
"online"), gets the whole picture again.

While the broker is away, retained topics need no queue (they are republished from the
hub's state on reconnect); event messages wait in a short queue (the newest
`PENDING_EVENTS`) and stats are skipped. Topics and payloads are in `topics.py`,
discovery in `discovery.py`, the connection in `client.py`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from frontporch.hub.changes import Change, EventChange, StatsChange
from frontporch.hub.config import CameraConfig
from frontporch.hub.controls import ControlChange, Controls, Switch
from frontporch.hub.mqtt.client import MqttLink
from frontporch.hub.mqtt.config import MqttConfig, MqttPasswordError
from frontporch.hub.mqtt.discovery import HubDevice, discovery_messages
from frontporch.hub.mqtt.occupancy import Occupancy
from frontporch.hub.mqtt.topics import (
    ALL_LABELS,
    ONLINE,
    Command,
    Topics,
    event_payload,
    on_off,
    parse_on_off,
    stats_payload,
)
from frontporch.hub.process.messages import WorkerStats

log = logging.getLogger(__name__)

QUEUE_SIZE = 10_000  # changes waiting for the worker; beyond it new ones are dropped
PENDING_EVENTS = 100  # event messages kept while the broker is away
STOP_TIMEOUT_S = 5.0
ALERT_ACK_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class _Connected:
    """The link (re)connected: republish everything retained."""


@dataclass(frozen=True, slots=True)
class _Incoming:
    topic: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class _Stop:
    pass


_Work = Change | ControlChange | _Connected | _Incoming | _Stop


class MqttBridge:
    """Publishes the hub to an MQTT broker and obeys commands from it."""

    def __init__(
        self,
        config: MqttConfig,
        cameras: Mapping[str, CameraConfig],
        controls: Controls,
        hub_id: str,
        version: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.topics = Topics(config.topic_prefix)
        self._cameras = {name: list(camera.objects.track) for name, camera in cameras.items()}
        self._controls = controls
        self._hub = HubDevice(hub_id, version)
        self._clock = clock
        self._queue: queue.Queue[_Work] = queue.Queue(maxsize=QUEUE_SIZE)
        self._occupancy = Occupancy()
        self._stats: dict[str, WorkerStats] = {}
        self._stats_due = 0.0  # monotonic time the next stats message is due
        self._snapshots: dict[tuple[str, str], bytes] = {}
        self._pending: deque[bytes] = deque(maxlen=PENDING_EVENTS)
        self._dropped = 0
        self._running = False
        self._worker: threading.Thread | None = None
        self._ha_status = f"{config.discovery_prefix}/status"
        subscriptions = self.topics.command_subscriptions()
        if config.discovery:
            subscriptions.append(self._ha_status)
        self._link = MqttLink(
            config,
            client_id=config.client_id or f"frontporch-{hub_id}",
            will_topic=self.topics.available,
            subscriptions=subscriptions,
            on_connected=lambda: self._put(_Connected()),
            on_message=lambda topic, payload: self._put(_Incoming(topic, payload)),
        )
        controls.subscribe(self._on_control)

    @property
    def connected(self) -> bool:
        return self._link.connected

    @property
    def where(self) -> str:
        """The broker, as "host:port" (for logs and the delivery log)."""
        return self._link.where

    def wait_connected(self, timeout: float) -> bool:
        return self._link.wait_connected(timeout)

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker and begin connecting; a broker problem is logged, not raised."""
        if self._running:
            return
        self._running = True
        self._worker = threading.Thread(target=self._run, name="mqtt-bridge", daemon=True)
        self._worker.start()
        try:
            password = self.config.read_password()
        except MqttPasswordError as exc:
            log.error("MQTT is off: %s", exc)
            return
        self._link.start(password)

    def stop(self) -> None:
        """Publish what is queued (briefly), say "offline", disconnect."""
        if not self._running:
            return
        self._running = False
        # A worker stuck behind a full queue is left behind: it is a daemon thread.
        with contextlib.suppress(queue.Full):
            self._queue.put(_Stop(), timeout=1.0)
        if self._worker is not None:
            self._worker.join(STOP_TIMEOUT_S)
        self._link.stop()

    # --- what the hub tells the bridge (other threads: only enqueue) -------------------

    def on_change(self, change: Change) -> None:
        """A change from the index writer: queued for the worker, never waited on."""
        if self._running:
            self._put(change)

    def _on_control(self, change: ControlChange) -> None:
        if self._running:
            self._put(change)

    def _put(self, work: _Work) -> None:
        try:
            self._queue.put_nowait(work)
        except queue.Full:
            self._dropped += 1
            if self._dropped in (1, 100, 10_000) or self._dropped % 100_000 == 0:
                log.warning("the MQTT bridge is behind: %d changes dropped", self._dropped)

    # --- the alert channel's way out ---------------------------------------------------

    def publish_alert(self, payload: bytes) -> str | None:
        """Publish an alert and wait for the broker's acknowledgement; None when it came,
        else why not. Called on the alert desk's thread; paho's publish is thread-safe."""
        return self._link.publish_confirmed(self.topics.alerts, payload, ALERT_ACK_TIMEOUT_S)

    # --- the worker ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                work = self._queue.get(timeout=1.0)
            except queue.Empty:
                self._publish_stats_if_due()
                continue
            if isinstance(work, _Stop):
                return
            try:
                self._handle(work)
            except Exception:  # one bad change must not end the bridge
                log.exception("the MQTT bridge failed on %s", type(work).__name__)
            self._publish_stats_if_due()

    def _handle(self, work: _Work) -> None:
        if isinstance(work, EventChange):
            self._event(work)
        elif isinstance(work, StatsChange):
            self._stats[work.camera] = work.stats
        elif isinstance(work, ControlChange):
            self._publish_switch(work.camera, work.switch)
        elif isinstance(work, _Incoming):
            self._incoming(work.topic, work.payload)
        elif isinstance(work, _Connected):
            self._republish(flush_pending=True)

    def _event(self, change: EventChange) -> None:
        payload = event_payload(change)
        if not self._link.publish(self.topics.events, payload):
            self._pending.append(payload)
        event = change.after
        for (camera, label), count in sorted(self._occupancy.apply(change).items()):
            self._link.publish(self.topics.count(camera, label), str(count), retain=True)
        if change.snapshot_jpeg is not None:
            for label in (*event.labels, ALL_LABELS):
                self._snapshots[(event.camera, label)] = change.snapshot_jpeg
                topic = self.topics.snapshot(event.camera, label)
                self._link.publish(topic, change.snapshot_jpeg, retain=True)

    def _publish_stats_if_due(self) -> None:
        now = time.monotonic()
        if not self._stats or now < self._stats_due:
            return
        self._stats_due = now + self.config.stats_interval_s
        self._link.publish(self.topics.stats, stats_payload(self._stats, self._clock()))

    def _publish_switch(self, camera: str | None, switch: Switch | None) -> None:
        if camera is None or switch is None:
            self._link.publish(self.topics.away_state, on_off(self._controls.away), retain=True)
            return
        value = self._controls.switches(camera).value(switch)
        self._link.publish(self.topics.state(camera, switch), on_off(value), retain=True)

    def _republish(self, flush_pending: bool) -> None:
        """Everything retained, from the hub's own state (after a (re)connect)."""
        link = self._link
        link.publish(self.topics.available, ONLINE, retain=True)
        if self.config.discovery:
            messages = discovery_messages(
                self.topics, self.config.discovery_prefix, self._hub, self._cameras
            )
            for message in messages:
                link.publish(message.topic, message.encoded(), retain=True)
        for camera, labels in self._cameras.items():
            for switch in Switch:
                self._publish_switch(camera, switch)
            for label, count in self._occupancy.counts(camera, labels).items():
                link.publish(self.topics.count(camera, label), str(count), retain=True)
        self._publish_switch(None, None)
        for (camera, label), jpeg in self._snapshots.items():
            link.publish(self.topics.snapshot(camera, label), jpeg, retain=True)
        while flush_pending and self._pending:
            if not link.publish(self.topics.events, self._pending[0]):
                break
            self._pending.popleft()

    def _incoming(self, topic: str, payload: bytes) -> None:
        if topic == self._ha_status:
            if payload.strip() == ONLINE.encode():
                log.info("Home Assistant is online: sending discovery again")
                self._republish(flush_pending=False)
            return
        command = self.topics.parse_command(topic, self._cameras)
        if isinstance(command, str):
            log.warning("ignored an MQTT command on %s: %s", topic, command)
            return
        value = parse_on_off(payload)
        if isinstance(value, str):
            log.warning("ignored an MQTT command on %s: %s", topic, value)
            return
        self._obey(command, value)

    def _obey(self, command: Command, value: bool) -> None:
        if command.camera is None or command.switch is None:
            self._controls.set_away(value, by="mqtt")
        else:
            self._controls.set(command.camera, command.switch, value, by="mqtt")
        log.info(
            "MQTT set %s %s to %s",
            command.camera or "household",
            command.switch.value if command.switch else "away",
            on_off(value),
        )
