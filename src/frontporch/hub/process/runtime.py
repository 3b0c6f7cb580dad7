"""The running hub: `build_hub(config)` and the `Hub` the web layer and `serve` talk to.

`build_hub` is the one place that builds the hub's real objects; nothing starts until
`Hub.start()`. The parts, each in its own module:

- the index (`store/index.py`), whose one writer is the `IndexWriter` thread
  (`index_writer.py`), applying what camera workers report;
- the `Supervisor` (`supervisor.py`), which runs a worker process per camera
  (`worker.py`) and restarts one that dies;
- the `Janitor` thread (`recording/janitor.py`): retention, then event media expiry;
- the link to the community server (`community/link.py`), when the hub is paired;
- the footage-request desk (`requests/service.py`): the link's FOOTAGE_REQUEST and
  REQUEST_CLOSED messages go to it, and releases cut short by a stop resume at start;
- the legal-notice desk (`notices/service.py`): the link's LEGAL_NOTICE messages;
- the owner's switches (`controls.py`): detect and record go to the camera workers
  through shared memory, with no restart;
- what listens to the index writer's changes (`changes.py`): the alert desk
  (`alerts/service.py`), the MQTT bridge (`mqtt/bridge.py`, when configured) and the
  backup desk (`backup/service.py`).

At start, before any worker runs, the hub repairs what a crash left behind: the index
is reconciled with the recordings on disk, and events left open end where their
footage ends. `Hub` implements the web layer's `HubRuntime` port by asking these parts.
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
from contextlib import AbstractContextManager
from pathlib import Path

from frontporch import __version__
from frontporch.crypto.keys import HubIdentity, key_id
from frontporch.filemodes import private_dir
from frontporch.hub.alerts.service import AlertDesk
from frontporch.hub.backup.service import BackupDesk
from frontporch.hub.changes import Changes
from frontporch.hub.community.link import HubLink, JsonObject, MessageHandlers, NotPaired, dispatch
from frontporch.hub.config import HubConfig
from frontporch.hub.controls import ControlChange, Controls, Switch
from frontporch.hub.exports.service import ExportDesk
from frontporch.hub.mqtt.bridge import MqttBridge
from frontporch.hub.mqtt.channel import MqttAlertChannel
from frontporch.hub.notices.service import NoticeDesk
from frontporch.hub.ports import CameraStatus, LiveCursor, LiveUpdate
from frontporch.hub.process.apply import ApplyReport, apply_config
from frontporch.hub.process.index_writer import IndexWriter
from frontporch.hub.process.messages import CameraState, Outbox
from frontporch.hub.process.supervisor import CameraSlot, Supervisor
from frontporch.hub.process.worker import SWITCH_DETECT, SWITCH_RECORD
from frontporch.hub.recording.expiry import expire_event_media
from frontporch.hub.recording.janitor import Janitor, reconcile
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.review.service import ReviewDesk
from frontporch.hub.services.event_media import event_clip
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.layout import CLIP_DIR, INDEX_FILE, RECORDINGS_DIR, SNAPSHOT_DIR
from frontporch.protocol import MessageKind

log = logging.getLogger(__name__)

OUTBOX_SIZE = 1000  # messages; a worker whose messages are not read drops live ones


class Hub:
    """The hub process's parts, started and stopped together; the web layer's runtime."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.root = config.storage.path.resolve()
        self.recordings = self.root / RECORDINGS_DIR
        private_dir(self.root)  # footage and its index: for this user only (filemodes.py)
        for folder in (RECORDINGS_DIR, CLIP_DIR, SNAPSHOT_DIR):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self.store = HubStore(self.root / INDEX_FILE)
        context = mp.get_context("spawn")
        outbox: Outbox = context.Queue(maxsize=OUTBOX_SIZE)
        self.changes = Changes()
        self.writer = IndexWriter(
            self.store, self.root, self.recordings, outbox, config.cameras, self.changes
        )
        self.supervisor = Supervisor(
            config.cameras,
            config.detector,
            self.recordings,
            context,
            outbox,
            gave_up=self.writer.gave_up,
            starting=self.writer.worker_starting,
        )
        self.janitor = Janitor(
            self.store,
            self.recordings,
            rules={n: c.record.retain for n, c in config.cameras.items()},
            padding={
                n: (c.events.pre_capture_s, c.events.post_capture_s)
                for n, c in config.cameras.items()
            },
            min_free_bytes=int(config.storage.min_free_gb * 1e9),
            after_pass=self._expire_event_media,
        )
        self.link: HubLink | None = None
        self.requests = RequestDesk(config, self.store, self.root)
        self.notices = NoticeDesk(config, self.store, self.root)
        self.controls = Controls(self.store, config.cameras)
        for name in config.cameras:
            switches = self.controls.switches(name)
            self.supervisor.set_switch(name, SWITCH_DETECT, switches.detect)
            self.supervisor.set_switch(name, SWITCH_RECORD, switches.record)
        self.controls.subscribe(self._switched)
        self.alerts = AlertDesk(config, self.store, self.root, self.controls)
        self.backup = BackupDesk(config, self.store, self.root)
        self.review = ReviewDesk(lambda: self.config, self.store)
        self.exports = ExportDesk(self.store, self.root, self.camera_names)
        self.mqtt = self._mqtt_bridge()
        for listener in (self.alerts.on_change, self.backup.on_change, self.review.on_change):
            self.changes.subscribe(listener)

    @property
    def slots(self) -> dict[str, CameraSlot]:
        """Each camera's worker process, by camera name."""
        return self.supervisor.slots

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Repair what a crash left, then start the writer, the workers, the janitor and
        the link."""
        report = reconcile(self.store, self.recordings)
        log.info("index reconciled with disk: %s", report)
        end_interrupted_events(self.store)
        self.alerts.start()
        if self.mqtt is not None:
            self.mqtt.start()
        self.backup.start()
        self.review.start()  # places events no review item holds yet, then follows
        self.exports.start()  # queues again what a stop cut short
        self.writer.start()
        self.supervisor.start()
        self.janitor.start()
        self.requests.resume()
        self._start_link()

    def stop(self) -> None:
        """Stop the workers (each closes its segment), index what they sent last, and
        stop the rest."""
        self.supervisor.stop()
        self.writer.stop()
        self.janitor.stop()
        if self.link is not None:
            self.link.stop(timeout=1.0)  # a daemon thread; a poll in flight need not finish
        self.requests.stop(timeout=5.0)  # a release stops at its next step and resumes later
        self.backup.stop()  # an upload in flight resumes at the next start
        self.exports.stop()  # an export in flight is made again at the next start
        self.alerts.stop()
        self.review.stop()
        if self.mqtt is not None:
            self.mqtt.stop()  # says "offline" on the availability topic
        self.store.close()

    def _switched(self, change: ControlChange) -> None:
        """Detect and record switches reach the camera's worker through shared memory."""
        if change.camera is None or change.switch not in (Switch.detect, Switch.record):
            return
        index = SWITCH_DETECT if change.switch is Switch.detect else SWITCH_RECORD
        self.supervisor.set_switch(change.camera, index, change.value)

    def _mqtt_bridge(self) -> MqttBridge | None:
        """The MQTT bridge (and its alert channel), when `mqtt.enabled` is set."""
        if not self.config.mqtt.enabled:
            return None
        bridge = MqttBridge(
            self.config.mqtt,
            self.config.cameras,
            self.controls,
            hub_id=hub_identifier(self.root),
            version=__version__,
        )
        self.changes.subscribe(bridge.on_change)
        self.alerts.add_channel(MqttAlertChannel(bridge))
        return bridge

    def _expire_event_media(self, now: float) -> None:
        rules = {name: camera.record.retain for name, camera in self.config.cameras.items()}
        expire_event_media(self.store, self.root, rules, now)
        self.requests.expire(now)

    def _start_link(self) -> None:
        """Keep the link to the community server open, if this hub is paired."""
        link = HubLink(self.root, self._on_server_message)
        try:
            link.start()
        except NotPaired:
            log.info("not paired with a community server (frontporch hub pair)")
            return
        self.link = link

    def restart_link(self) -> None:
        """Open the link anew (the owner paired from the hub's pages): no restart needed."""
        self.stop_link()
        self._start_link()

    def stop_link(self) -> None:
        """Close the link (the owner unpaired from the hub's pages)."""
        link, self.link = self.link, None
        if link is not None:
            link.stop(timeout=1.0)  # a poll in flight ends on its own; its thread then exits

    def _on_server_message(self, message: JsonObject) -> None:
        dispatch(message, self.message_handlers())

    def message_handlers(self) -> MessageHandlers:
        """What the hub does with each kind of message from its server (every kind in
        `protocol.MessageKind`)."""
        return {
            MessageKind.PING: _pinged,
            MessageKind.FOOTAGE_REQUEST: self.requests.on_footage_request,
            MessageKind.REQUEST_CLOSED: self.requests.on_request_closed,
            MessageKind.LEGAL_NOTICE: self.notices.on_legal_notice,
        }

    def apply_config(self, new: HubConfig) -> ApplyReport:
        """Apply a configuration saved while running: only the workers of added, removed
        or changed cameras start, stop or restart (`process/apply.py`)."""
        return apply_config(self, new)

    # --- HubRuntime port ---------------------------------------------------------------

    def camera_names(self) -> list[str]:
        return list(self.slots)

    def camera_status(self, name: str) -> CameraStatus:
        slot = self.slots[name]
        report = self.writer.reports[name]
        stats = report.stats
        detect = slot.config.detect
        if not slot.config.enabled:
            state = CameraState.disabled
        elif stats is None:
            state = CameraState.connecting
        else:
            state = stats.state
        return CameraStatus(
            name=name,
            online=state is CameraState.online,
            state=state,
            input_fps=round(stats.input_fps, 2) if stats else 0.0,
            analyzed_fps=round(stats.analyzed_fps, 2) if stats else 0.0,
            skipped_frames=stats.skipped_frames if stats else 0,
            reconnects=(stats.reconnects if stats else 0) + slot.restarts,
            last_error=stats.last_error if stats else None,
            detect_width=detect.width,
            detect_height=detect.height,
            recording=bool(stats and stats.recording),
            events=report.events,
            recorded_bytes=self.store.total_size(name),
            live_codec=report.feed.codec,
        )

    def latest_jpeg(self, name: str) -> tuple[int, bytes] | None:
        return self.writer.reports[name].live

    def live_codec(self, name: str) -> str | None:
        return self.writer.reports[name].feed.codec

    def watch(self, name: str) -> AbstractContextManager[None]:
        return self.supervisor.watch(name)

    def live_since(self, name: str, cursor: LiveCursor | None) -> LiveUpdate | None:
        return self.writer.reports[name].feed.since(cursor)

    def snapshot_path(self, event_id: str) -> Path | None:
        event = self.store.get_event(event_id)
        if event is None or event.snapshot is None:
            return None
        path = self.root / event.snapshot
        return path if path.exists() else None

    def clip_path(self, event_id: str) -> Path:
        """Build (once) and return the event's clip: its segments remuxed, no re-encode."""
        return event_clip(self.store, self.root, self.config.cameras, event_id)


def end_interrupted_events(store: HubStore) -> None:
    """End the events a crash left open where their camera's footage ends.

    Run before any worker starts, when an open event can only be a leftover: it would
    otherwise show as ongoing forever and keep all of its camera's later footage from
    retention.
    """
    for window in store.event_windows():
        if window.end is not None:
            continue
        page = store.list_events(
            camera=window.camera,
            after=window.start,
            before=math.nextafter(window.start, math.inf),
            limit=1000,
        )
        for event in page.events:
            if event.end is not None:
                continue
            footage = store.segments(event.camera, event.start, math.inf)
            end = max([event.start, *(segment.end for segment in footage)])
            store.upsert_event(
                event.id,
                camera=event.camera,
                labels=event.labels,
                top_score=event.top_score,
                start=event.start,
                end=end,
                zones=event.zones,
            )
            log.info("event %s was cut short by a crash; it ends with its footage", event.id)


def _pinged(message: JsonObject) -> None:
    """The owner tested the link from the server; `dispatch` has logged that it came."""


def hub_identifier(root: Path) -> str:
    """A short stable id for this hub (the first 12 hex digits of its signing key's id),
    as MQTT topics and Home Assistant's device registry need one."""
    return key_id(HubIdentity.load_or_create(root).public_key)[:12]


def build_hub(config: HubConfig) -> Hub:
    """Build the hub's real objects from its configuration (nothing starts yet)."""
    return Hub(config)
