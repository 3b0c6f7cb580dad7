"""The running hub: camera worker processes, the one writer of the index, clips on demand.

`build_hub(config)` is the one place that builds real objects. The hub process owns the
SQLite index; camera processes report segments, motion, events, live frames and live
stream fragments over a queue and a single thread applies them. Live viewers are
counted per camera in an integer shared with its process, which remuxes its stream
for live view only while the count is above zero. A supervisor restarts a camera process that
died, with backoff, and never lets one camera take another down.
"""

from __future__ import annotations

import ctypes
import logging
import math
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontporch.filemodes import private_dir
from frontporch.hub.community.link import HubLink, NotPaired
from frontporch.hub.config import CameraConfig, HubConfig
from frontporch.hub.live.feed import LiveFeed
from frontporch.hub.ports import CameraStatus, ClipUnavailable, LiveCursor, LiveUpdate
from frontporch.hub.process.messages import (
    CameraState,
    EventMessage,
    InputBack,
    InputLost,
    LiveAvailable,
    LiveChunk,
    LiveFrame,
    LiveInit,
    LiveStopped,
    MotionSeen,
    SegmentClosed,
    WorkerMessage,
    WorkerStats,
)
from frontporch.hub.process.worker import camera_main
from frontporch.hub.recording.clips import ClipError, build_clip
from frontporch.hub.recording.expiry import expire_event_media
from frontporch.hub.recording.janitor import Janitor, reconcile
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.snapshots import clean_name, snapshot_name, write_atomically

log = logging.getLogger(__name__)

RESTART_MAX_S = 60.0


@dataclass
class CameraSlot:
    """What the hub knows about one camera between messages from its worker."""

    name: str
    config: CameraConfig
    viewers: ctypes.c_int  # in shared memory: the camera's process reads it per packet
    process: Any = None
    stop: Any = None
    stats: WorkerStats | None = None
    live: tuple[int, bytes] | None = None
    events: int = 0
    restarts: int = 0
    next_start: float = 0.0
    backoff: float = 1.0
    started_at: float = 0.0
    history: list[str] = field(default_factory=list)
    feed: LiveFeed = field(default_factory=LiveFeed)


class Hub:
    """The hub process's state; it implements the web layer's `HubRuntime` port."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.root = config.storage.path.resolve()
        self.recordings = self.root / "recordings"
        self.clips_dir = self.root / "clips"
        self.snapshots_dir = self.root / "snapshots"
        private_dir(self.root)  # footage and its index: for this user only (filemodes.py)
        for folder in (self.recordings, self.clips_dir, self.snapshots_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.store = HubStore(self.root / "hub.db")
        self._ctx = mp.get_context("spawn")
        self.slots = {
            name: CameraSlot(name, cam, self._ctx.RawValue(ctypes.c_int, 0))
            for name, cam in config.cameras.items()
        }
        self._viewers_lock = threading.Lock()
        self._outbox: Any = self._ctx.Queue(maxsize=1000)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clip_lock = threading.Lock()
        self.link: HubLink | None = None
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

    def _expire_event_media(self, now: float) -> None:
        rules = {name: camera.record.retain for name, camera in self.config.cameras.items()}
        expire_event_media(self.store, self.root, rules, now)

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        report = reconcile(self.store, self.recordings)
        log.info("index reconciled with disk: %s", report)
        self._end_interrupted_events()
        for slot in self.slots.values():
            if slot.config.enabled:
                self._spawn(slot)
        for target, name in (
            (self._apply_messages, "hub-index"),
            (self._supervise, "hub-supervisor"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.janitor.start()
        self._start_link()

    def stop(self) -> None:
        self._stopping.set()
        for slot in self.slots.values():
            if slot.stop is not None:
                slot.stop.set()
        for slot in self.slots.values():
            if slot.process is not None:
                slot.process.join(timeout=15)
                if slot.process.is_alive():
                    slot.process.kill()
        self._drain()
        self.janitor.stop()
        if self.link is not None:
            self.link.stop(timeout=1.0)  # a daemon thread; a poll in flight need not finish
        for thread in self._threads:
            thread.join(timeout=5)
        self.store.close()

    def _end_interrupted_events(self) -> None:
        """End the events a crash left open where their camera's footage ends.

        No worker runs yet, so an open event can only be a leftover: it would otherwise
        show as ongoing forever and keep all of its camera's later footage from retention.
        """
        for window in self.store.event_windows():
            if window.end is not None:
                continue
            page = self.store.list_events(
                camera=window.camera,
                after=window.start,
                before=math.nextafter(window.start, math.inf),
                limit=1000,
            )
            for event in page.events:
                if event.end is not None:
                    continue
                footage = self.store.segments(event.camera, event.start, math.inf)
                end = max([event.start, *(segment.end for segment in footage)])
                self.store.upsert_event(
                    event.id,
                    camera=event.camera,
                    labels=event.labels,
                    top_score=event.top_score,
                    start=event.start,
                    end=end,
                    zones=event.zones,
                )
                log.info("event %s was cut short by a crash; it ends with its footage", event.id)

    def _start_link(self) -> None:
        """Keep the link to the community server open, if this hub is paired."""
        link = HubLink(self.root, self._on_server_message)
        try:
            link.start()
        except NotPaired:
            log.info("not paired with a community server (frontporch hub pair)")
            return
        self.link = link

    def _on_server_message(self, message: dict[str, Any]) -> None:
        # Only what a message is, never its content: later kinds carry requests.
        log.info("community server message %s (%s)", message.get("seq"), message.get("kind"))

    def _spawn(self, slot: CameraSlot) -> None:
        slot.feed.stop()  # a dead worker's stream does not continue in the new one
        slot.stop = self._ctx.Event()
        slot.process = self._ctx.Process(
            target=camera_main,
            args=(
                slot.name,
                slot.config,
                self.config.detector,
                self.recordings,
                self._outbox,
                slot.stop,
                slot.viewers,
            ),
            name=f"camera-{slot.name}",
            daemon=True,
        )
        slot.process.start()
        slot.started_at = time.monotonic()

    def _supervise(self) -> None:
        while not self._stopping.wait(1.0):
            now = time.monotonic()
            for slot in self.slots.values():
                proc = slot.process
                if proc is None or proc.is_alive() or self._stopping.is_set():
                    continue
                failed = slot.stats is not None and slot.stats.state is CameraState.failed
                if failed:  # a configuration problem: restarting would only repeat it
                    continue
                if slot.next_start == 0.0:
                    if now - slot.started_at > 60:
                        slot.backoff = 1.0
                    slot.next_start = now + slot.backoff
                    log.warning(
                        "camera %s worker exited (code %s); restarting in %.0f s",
                        slot.name,
                        proc.exitcode,
                        slot.backoff,
                    )
                elif now >= slot.next_start:
                    slot.next_start = 0.0
                    slot.backoff = min(slot.backoff * 2, RESTART_MAX_S)
                    slot.restarts += 1
                    self._spawn(slot)

    # --- applying what workers report --------------------------------------------------

    def _apply_messages(self) -> None:
        while not self._stopping.is_set():
            try:
                message = self._outbox.get(timeout=0.5)
            except queue.Empty:
                continue
            self._apply_safely(message)

    def _drain(self) -> None:
        while True:
            try:
                message = self._outbox.get_nowait()
            except (queue.Empty, OSError, ValueError):
                return
            self._apply_safely(message)

    def _apply_safely(self, message: WorkerMessage) -> None:
        try:
            self.apply(message)
        except Exception:  # one bad message (a full disk, say) must not stop indexing
            log.exception("could not apply %s from camera worker", type(message).__name__)

    def apply(self, message: WorkerMessage) -> None:
        """Apply one worker message to the index and the in-memory state."""
        slot = self.slots[message.camera]
        match message:
            case LiveFrame(seq=seq, jpeg=jpeg):
                slot.live = (seq, jpeg)
            case LiveChunk(session=session, seq=seq, keyframe=keyframe, data=data):
                slot.feed.add(session, seq, keyframe, data)
            case LiveInit(session=session, codec=codec, data=data):
                slot.feed.start(session, codec, data)
            case LiveAvailable(codec=codec):
                slot.feed.offer(codec)
            case LiveStopped():
                slot.feed.stop()
            case WorkerStats():
                slot.stats = message
            case SegmentClosed(path=path, start=start, end=end, size_bytes=size):
                self.store.add_segment(
                    message.camera,
                    Path(path).resolve().relative_to(self.recordings),
                    start,
                    end,
                    size,
                )
            case MotionSeen(start=start, end=end):
                self.store.add_motion(message.camera, start, end)
            case InputLost(at=at, reason=reason):
                self.store.add_outage(message.camera, at, None, reason)
            case InputBack(at=at):
                self.store.end_outage(message.camera, at)
            case EventMessage():
                self._apply_event(slot, message)

    def _apply_event(self, slot: CameraSlot, msg: EventMessage) -> None:
        if msg.kind == "opened":
            slot.events += 1
        self.store.upsert_event(
            id=msg.event_id,
            camera=msg.camera,
            labels=msg.labels,
            top_score=msg.top_score,
            start=msg.start,
            end=msg.end,
            zones=msg.zones,
        )
        if msg.snapshot_jpeg is not None:
            relative = snapshot_name(msg.event_id)
            # The clean copy first: once the index names the snapshot, sharing finds both.
            if msg.clean_jpeg is not None:
                write_atomically(self.root / clean_name(relative), msg.clean_jpeg)
            write_atomically(self.root / relative, msg.snapshot_jpeg)
            self.store.set_event_media(msg.event_id, snapshot=relative)

    # --- HubRuntime port ---------------------------------------------------------------

    def camera_names(self) -> list[str]:
        return list(self.slots)

    def camera_status(self, name: str) -> CameraStatus:
        slot = self.slots[name]
        stats = slot.stats
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
            events=slot.events,
            recorded_bytes=self.store.total_size(name),
            live_codec=slot.feed.codec,
        )

    def latest_jpeg(self, name: str) -> tuple[int, bytes] | None:
        return self.slots[name].live

    def live_codec(self, name: str) -> str | None:
        return self.slots[name].feed.codec

    @contextmanager
    def watch(self, name: str) -> Iterator[None]:
        slot = self.slots[name]
        with self._viewers_lock:
            slot.viewers.value += 1
        try:
            yield
        finally:
            with self._viewers_lock:
                slot.viewers.value -= 1

    def live_since(self, name: str, cursor: LiveCursor | None) -> LiveUpdate | None:
        return self.slots[name].feed.since(cursor)

    def snapshot_path(self, event_id: str) -> Path | None:
        event = self.store.get_event(event_id)
        if event is None or event.snapshot is None:
            return None
        path = self.root / event.snapshot
        return path if path.exists() else None

    def clip_path(self, event_id: str) -> Path:
        """Build (once) and return the event's clip: its segments remuxed, no re-encode."""
        event = self.store.get_event(event_id)
        if event is None:
            raise ClipUnavailable(f"there is no event {event_id}")
        if event.clip is not None and (self.root / event.clip).exists():
            return self.root / event.clip
        camera = self.slots[event.camera].config
        start = event.start - camera.events.pre_capture_s
        end = (event.end if event.end is not None else time.time()) + camera.events.post_capture_s
        segments = self.store.segments(event.camera, start, end)
        if not segments:
            raise ClipUnavailable(
                "no recording covers this event (it may have been deleted by retention, "
                "or recording was off)"
            )
        relative = Path("clips") / f"{event_id}.mp4"
        with self._clip_lock:
            try:
                build_clip(
                    [(self.recordings / s.path, s.start) for s in segments],
                    start,
                    end,
                    self.root / relative,
                )
            except ClipError as exc:
                raise ClipUnavailable(str(exc)) from None
        if event.end is not None:  # an open event's clip grows; rebuild it next time
            self.store.set_event_media(event_id, clip=str(relative))
        return self.root / relative


def build_hub(config: HubConfig) -> Hub:
    """Build the hub's real objects from its configuration (nothing starts yet)."""
    return Hub(config)
