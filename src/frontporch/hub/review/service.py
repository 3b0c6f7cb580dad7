"""The review desk: keeps review items up to date with the hub's events, and every owner
action on them (list, mark one, mark all matching).

How items follow the events:
- **Live**: `on_change` hears each event change from the index writer (`hub/changes.py`)
  after the event is stored, and only queues the event's id; the desk's thread then
  places the event: into the item it already belongs to, or the camera's item it
  touches (`grouping.spans_touch`, the gap being `alerts.join_gap_s`, so one alert is
  one review item), or a new item whose id is the event's. An event that touches two
  items (a late, long event bridging them) merges them into the older one.
- **Backfill**: at start, events that no item holds (made before this desk existed, or
  while the hub was down) are placed oldest first, the same way.
- **Deletion**: deleting an event (`services/event_media.py`, by the owner or expiry)
  drops its membership by a foreign-key cascade. Before every read and on its tick the
  desk recomputes items that lost events, and removes those left with none. Items left
  open by events that a crash cut short (`end_interrupted_events` ends them at start,
  without a change) are recomputed the same way.
- **Reviewed state**: a new event joining a reviewed item makes it unreviewed again
  (there is something new to look at); updates of its events keep the state.

One lock serialises item writes, so the desk's thread, a read's repair and the owner's
marks never interleave.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from frontporch.hub.changes import Change, EventChange
from frontporch.hub.config import HubConfig
from frontporch.hub.review.config import ReviewConfig
from frontporch.hub.review.grouping import spans_touch, summarize
from frontporch.hub.review.ports import ReviewStorePort
from frontporch.hub.review.records import (
    ReviewFilter,
    ReviewItemRecord,
    ReviewPage,
    UnknownReviewItem,
)

if TYPE_CHECKING:
    from frontporch.hub.ports import EventRecord

log = logging.getLogger(__name__)

TICK_S = 10.0  # how often the desk's thread repairs items whose events were deleted
BATCH = 500
MAX_REPAIR_BATCHES = 100  # a bound, in case items keep changing under the repair


class ReviewDesk:
    """Review items over the hub's store; `start()` backfills and follows changes."""

    def __init__(
        self,
        config: HubConfig | Callable[[], HubConfig],
        store: ReviewStorePort,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # A callable follows the configuration as the settings pages change it.
        self._config = config if callable(config) else (lambda: config)
        self.store = store
        self.clock = clock
        self._lock = threading.RLock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._backfilled = threading.Event()

    @property
    def config(self) -> HubConfig:
        return self._config()

    @property
    def gap_s(self) -> float:
        """Events of a camera this close make one item: the alerts' join gap, so that
        one alert is one review item."""
        return self.config.alerts.join_gap_s

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        """On the desk's thread: place events no item holds yet, then follow changes
        (those that come meanwhile wait in the queue; placing twice changes nothing)."""
        self._backfilled.clear()
        self._thread = threading.Thread(target=self._run, name="hub-review", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._thread = None

    def on_change(self, change: Change) -> None:
        """Take note of an event change (on the index writer's thread): queue, return."""
        if isinstance(change, EventChange):
            self._queue.put(change.after.id)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Whether every queued change was applied within `timeout` (for tests, shutdown)."""
        deadline = time.monotonic() + timeout
        if self._thread is not None and not self._backfilled.wait(timeout):
            return False
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _run(self) -> None:
        self._safely(self.backfill)
        self._backfilled.set()
        while True:
            try:
                event_id = self._queue.get(timeout=TICK_S)
            except queue.Empty:
                self._safely(self.repair)
                continue
            try:
                if event_id is None:
                    return
                self._safely(partial(self.apply, event_id))
            finally:
                self._queue.task_done()

    @staticmethod
    def _safely(step: Callable[[], object]) -> None:
        try:
            step()
        except Exception:  # a full disk or a bug must not stop the desk following changes
            log.exception("review items could not be updated")

    # --- keeping items up to date -------------------------------------------------------

    def backfill(self) -> int:
        """Place every event no item holds, oldest first; how many were placed."""
        placed = 0
        self.repair()
        while True:
            events = self.store.events_without_review_item(BATCH)
            for event in events:
                self.place(event)
            placed += len(events)
            if len(events) < BATCH:
                return placed

    def apply(self, event_id: str) -> ReviewItemRecord | None:
        """Bring the item of one changed event up to date, reading the event as stored
        now (a queued change may be older than the next one); None if it is gone."""
        event = self.store.get_event(event_id)
        if event is None:
            self.repair()
            return None
        return self.place(event)

    def place(self, event: EventRecord) -> ReviewItemRecord:
        """Put `event` into its item, the item it touches (merging any it bridges), or a
        new one; save and return that item.

        Candidates are judged by their events as stored now, not by their saved span:
        an item still saved as open whose open event was deleted or ended without a
        change must not swallow what comes next.
        """
        with self._lock:
            own = self.store.review_item_of_event(event.id)
            candidates = {item.id: item for item in ([own] if own else [])}
            candidates.update(
                (item.id, item)
                for item in self.store.review_items_near(
                    event.camera, event.start, event.end, self.gap_s
                )
            )
            members: dict[str, list[EventRecord]] = {}
            for item in candidates.values():
                current: list[EventRecord] = [
                    e for e in self.store.review_item_events(item.id) if e.id != event.id
                ]
                if (own is not None and item.id == own.id) or self._touches(current, event):
                    members[item.id] = current
            items = [candidates[item_id] for item_id in members]
            if not items:
                return self._save(event.id, [event], reviewed_at=None)
            keep = own or min(items, key=lambda item: (item.start, item.id))
            events: dict[str, EventRecord] = {}
            for item in sorted(items, key=lambda item: (item.start, item.id)):
                events.update((e.id, e) for e in members[item.id])
            fresh = own is None
            events[event.id] = event
            reviewed = all(item.reviewed for item in items) and not fresh
            for item in items:
                if item.id != keep.id:
                    self.store.delete_review_item(item.id)
            return self._save(
                keep.id, list(events.values()), keep.reviewed_at if reviewed else None
            )

    def _touches(self, events: Sequence[EventRecord], event: EventRecord) -> bool:
        """Whether `event` touches the span these events make now."""
        if not events:
            return False
        ends = [e.end for e in events]
        end = None if any(x is None for x in ends) else max(x for x in ends if x is not None)
        start = min(e.start for e in events)
        return spans_touch(start, end, event.start, event.end, self.gap_s)

    def repair(self) -> int:
        """Recompute items that lost events (deleted) or stayed open after their events
        ended without a change (a crash's events, ended at start); remove items left
        with no event."""
        repaired = 0
        with self._lock:
            for _ in range(MAX_REPAIR_BATCHES):
                ids = self.store.stale_review_items(BATCH)
                if not ids:
                    break
                for item_id in ids:
                    item = self.store.get_review_item(item_id)
                    events = list(self.store.review_item_events(item_id))
                    if item is None:
                        continue
                    if events:
                        self._save(item_id, events, item.reviewed_at)
                    else:
                        self.store.delete_review_item(item_id)
                repaired += len(ids)
        return repaired

    def _save(
        self, item_id: str, events: Sequence[EventRecord], reviewed_at: float | None
    ) -> ReviewItemRecord:
        camera = events[0].camera
        summary = summarize(events, self._review_config(camera))
        item = ReviewItemRecord(
            id=item_id,
            camera=camera,
            start=summary.start,
            end=summary.end,
            labels=summary.labels,
            zones=summary.zones,
            severity=summary.severity,
            reviewed_at=reviewed_at,
            event_ids=summary.event_ids,
            event_count=len(summary.event_ids),
        )
        self.store.save_review_item(item)
        return item

    def _review_config(self, camera: str) -> ReviewConfig:
        # A camera removed from the config keeps its items, graded by the defaults.
        cameras = self.config.cameras
        return cameras[camera].review if camera in cameras else ReviewConfig()

    # --- the owner's actions -----------------------------------------------------------

    def items(self, where: ReviewFilter, limit: int = 50, cursor: str | None = None) -> ReviewPage:
        """Items matching `where`, newest first (raises InvalidReviewCursor)."""
        self.repair()
        return self.store.list_review_items(where, limit, cursor)

    def item(self, item_id: str) -> ReviewItemRecord:
        """One item (raises UnknownReviewItem)."""
        self.repair()
        item = self.store.get_review_item(item_id)
        if item is None or not item.event_ids:
            raise UnknownReviewItem(f"no review item {item_id!r}")
        return item

    def mark(self, item_id: str, reviewed: bool) -> ReviewItemRecord:
        """Mark one item reviewed or unreviewed; the item after (raises UnknownReviewItem)."""
        with self._lock:
            item = self.item(item_id)
            if item.reviewed == reviewed:
                return item
            at = self.clock() if reviewed else None
            if not self.store.set_review_item_reviewed(item_id, at):
                raise UnknownReviewItem(f"no review item {item_id!r}")
            return replace(item, reviewed_at=at)

    def mark_all(self, where: ReviewFilter, reviewed: bool) -> int:
        """Mark every item matching `where`; how many changed."""
        with self._lock:
            self.repair()
            return self.store.mark_review_items(where, self.clock() if reviewed else None)
