"""The one writer of the hub's index: what camera workers report, applied on one thread.

Workers never touch the database (see `messages.py`): they send messages over a queue,
and this thread applies them in order. Segments, motion spans, outages and events go
to the index; an event's new best frame goes to disk first (the clean copy, then the
owner's copy, see `store/snapshots.py`) and is named in the index after, so whatever the
index names is there. Live frames, the H.264 live stream and worker stats are kept in
memory, in each camera's `CameraReport`, for the web layer. One message that cannot be
applied (a full disk, say) is logged and skipped; it never stops indexing. After an
event or a worker's stats are applied, the change goes to `Changes` (`hub/changes.py`),
where alerts, MQTT and backup listen.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from frontporch.hub.changes import Changes, ChangeType, EventChange, StatsChange
from frontporch.hub.live.feed import LiveFeed
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
    Outbox,
    SegmentClosed,
    WorkerMessage,
    WorkerStats,
)
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.snapshots import clean_name, snapshot_name, write_atomically

log = logging.getLogger(__name__)

POLL_S = 0.5  # how long a read of the queue waits before checking whether to stop


@dataclass
class CameraReport:
    """What a camera's worker said last: its stats, its newest analysed frame (sequence
    number, JPEG) and its live stream; `events` counts events opened since the start."""

    stats: WorkerStats | None = None
    live: tuple[int, bytes] | None = None
    events: int = 0
    feed: LiveFeed = field(default_factory=LiveFeed)


class IndexWriter:
    """Applies the messages on `outbox` to the index and to each camera's report."""

    def __init__(
        self,
        store: HubStore,
        storage_root: Path,
        recordings: Path,
        outbox: Outbox,
        cameras: Iterable[str],
        changes: Changes | None = None,
    ) -> None:
        self.store = store
        self.changes = changes or Changes()
        self.root = storage_root
        self.recordings = recordings
        self.outbox = outbox
        self.reports = {name: CameraReport() for name in cameras}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-index", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, then apply what the workers sent before they stopped."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        while True:
            try:
                message = self.outbox.get_nowait()
            except (queue.Empty, OSError, ValueError):
                return
            self._apply_safely(message)

    def gave_up(self, camera: str) -> bool:
        """Whether the camera's worker reported that it cannot start."""
        stats = self.reports[camera].stats
        return stats is not None and stats.state is CameraState.failed

    def worker_starting(self, camera: str) -> None:
        """A new worker starts: the live stream of the one before does not continue."""
        self.reports[camera].feed.stop()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                message = self.outbox.get(timeout=POLL_S)
            except queue.Empty:
                continue
            self._apply_safely(message)

    def _apply_safely(self, message: WorkerMessage) -> None:
        try:
            self.apply(message)
        except Exception:  # one bad message (a full disk, say) must not stop indexing
            log.exception("could not apply %s from camera worker", type(message).__name__)

    def apply(self, message: WorkerMessage) -> None:
        """Apply one worker message to the index and the camera's report."""
        report = self.reports[message.camera]
        match message:
            case LiveFrame(seq=seq, jpeg=jpeg):
                report.live = (seq, jpeg)
            case LiveChunk(session=session, seq=seq, keyframe=keyframe, data=data):
                report.feed.add(session, seq, keyframe, data)
            case LiveInit(session=session, codec=codec, data=data):
                report.feed.start(session, codec, data)
            case LiveAvailable(codec=codec):
                report.feed.offer(codec)
            case LiveStopped():
                report.feed.stop()
            case WorkerStats():
                report.stats = message
                self.changes.publish(StatsChange(message.camera, message))
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
                self._apply_event(report, message)

    def _apply_event(self, report: CameraReport, msg: EventMessage) -> None:
        if msg.kind == "opened":
            report.events += 1
        before = self.store.get_event(msg.event_id)
        after = self.store.upsert_event(
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
            after = self.store.get_event(msg.event_id) or after
        if before is None:
            kind = ChangeType.new
        elif after.end is not None and before.end is None:
            kind = ChangeType.end
        else:
            kind = ChangeType.update
        self.changes.publish(EventChange(kind, before, after, msg.snapshot_jpeg, msg.clean_jpeg))
