"""Review items: the events of one camera that belong together, so they make one alert.

A person and a dog walking up together are two events (two tracks) but one thing the
owner wants to hear about. An event joins a camera's current item when it starts while
the item is still open or within `join_gap_s` of the item's end; the item's labels and
zones are the union of its events'. The item's id is its first event's id, so it is
stable for the item's life and an update re-uses it.

An item already alerted is re-sent (`update=True`) when a change brings a better
snapshot (a new snapshot and a higher top score than before), at most once per
`update_interval_s`; a better snapshot that arrives sooner waits (`due_updates`).

Pure: `Grouper` holds plain values and takes the time as an argument; the alert desk
calls it from its one worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from frontporch.hub.review.grouping import spans_touch
from frontporch.hub.store.records import Event

KEEP_ENDED_S = 3600.0  # how long an ended item is remembered (late updates of its events)


class Step(StrEnum):
    """What an event change did to its item."""

    new = "new"  # the event started an item
    joined = "joined"  # the event joined an open item (labels/zones may have grown)
    changed = "changed"  # an event of the item changed; nothing that affects alerts
    better_snapshot = "better_snapshot"  # a better snapshot for an item


@dataclass(slots=True)
class ReviewItem:
    """The events of one camera that belong together."""

    id: str
    camera: str
    event_ids: list[str]
    labels: list[str]
    zones: list[str]
    start: float
    end: float | None  # None while any of its events is open
    top_score: float
    snapshot_jpeg: bytes | None = None
    snapshot_event: str | None = None  # the event the best snapshot belongs to
    alerted_at: float | None = None  # when the first alert went (None: not sent yet)
    sent_at: float | None = None  # when it was last sent (alert or update)
    pending_update: bool = False  # a better snapshot waits for the interval
    _ends: dict[str, float | None] = field(default_factory=dict)

    def absorb(self, event: Event) -> bool:
        """Take in the event's latest state; whether labels or zones grew."""
        grew = False
        for label in event.labels:
            if label not in self.labels:
                self.labels.append(label)
                grew = True
        for zone in event.zones:
            if zone not in self.zones:
                self.zones.append(zone)
                grew = True
        if event.id not in self.event_ids:
            self.event_ids.append(event.id)
        self._ends[event.id] = event.end
        self.start = min(self.start, event.start)
        ends = list(self._ends.values())
        self.end = None if any(end is None for end in ends) else max(e for e in ends if e)
        self.top_score = max(self.top_score, event.top_score)
        return grew

    def joins(self, event: Event, gap_s: float) -> bool:
        """Whether `event` belongs to this item: it starts while the item is open or
        within `gap_s` of the item's end (the review items' rule, `review/grouping.py`)."""
        return spans_touch(self.start, self.end, event.start, event.end, gap_s)


@dataclass(frozen=True, slots=True)
class Grouped:
    """The item an event change belongs to and what the change did."""

    item: ReviewItem
    step: Step


class Grouper:
    """The cameras' review items, fed one event change at a time."""

    def __init__(self, join_gap_s: float = 10.0, update_interval_s: float = 15.0) -> None:
        self.join_gap_s = join_gap_s
        self.update_interval_s = update_interval_s
        self._items: dict[str, ReviewItem] = {}  # by item id
        self._item_of: dict[str, str] = {}  # event id -> item id
        self._current: dict[str, str] = {}  # camera -> its latest item's id

    def add(
        self, event: Event, *, before_score: float | None, snapshot_jpeg: bytes | None
    ) -> Grouped:
        """Apply one change of `event` (its state after the change; `before_score` its top
        score before, None when new; `snapshot_jpeg` the frame the change brought)."""
        item_id = self._item_of.get(event.id)
        if item_id is not None and item_id in self._items:
            item = self._items[item_id]
            step = Step.joined if item.absorb(event) else Step.changed
        else:
            current = self._items.get(self._current.get(event.camera, ""))
            if current is not None and current.joins(event, self.join_gap_s):
                item = current
                item.absorb(event)
                step = Step.joined
            else:
                item = ReviewItem(
                    id=event.id,
                    camera=event.camera,
                    event_ids=[],
                    labels=[],
                    zones=[],
                    start=event.start,
                    end=event.end,
                    top_score=event.top_score,
                )
                item.absorb(event)
                self._items[item.id] = item
                self._current[event.camera] = item.id
                step = Step.new
            self._item_of[event.id] = item.id
        if snapshot_jpeg is not None:
            better = before_score is None or event.top_score > before_score
            if item.snapshot_jpeg is None or better:
                item.snapshot_jpeg = snapshot_jpeg
                item.snapshot_event = event.id
                if item.alerted_at is not None and step is Step.changed:
                    step = Step.better_snapshot
                if item.alerted_at is not None:
                    item.pending_update = True
        return Grouped(item, step)

    def may_update(self, item: ReviewItem, now: float) -> bool:
        """Whether an update of `item` may go now (the interval since its last send)."""
        return item.sent_at is None or now - item.sent_at >= self.update_interval_s

    def due_updates(self, now: float) -> list[ReviewItem]:
        """Items whose better snapshot waited and may now be sent."""
        return [
            item
            for item in self._items.values()
            if item.pending_update and item.alerted_at is not None and self.may_update(item, now)
        ]

    def mark_sent(self, item: ReviewItem, now: float) -> None:
        """Record that `item` was just sent (its first alert or an update)."""
        if item.alerted_at is None:
            item.alerted_at = now
        item.sent_at = now
        item.pending_update = False

    def forget_old(self, now: float) -> None:
        """Drop items that ended long ago, so memory stays bounded on a busy camera."""
        for item in list(self._items.values()):
            if item.end is not None and now - item.end > KEEP_ENDED_S:
                del self._items[item.id]
                for event_id in item.event_ids:
                    self._item_of.pop(event_id, None)
                if self._current.get(item.camera) == item.id:
                    del self._current[item.camera]

    def __len__(self) -> int:
        return len(self._items)
