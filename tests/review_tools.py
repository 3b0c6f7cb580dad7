"""What the review tests share: a hub config with two cameras and zones; a way to put
events into the real store the way the index writer does (store the event, then
publish its change), so the review desk hears of them as it would in the hub; and the
review tables in memory for `tests/fakes.py:FakeStore`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from frontporch.hub.changes import Changes, ChangeType, EventChange
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.review.grouping import spans_touch
from frontporch.hub.review.records import ReviewFilter, ReviewItemRecord, ReviewPage
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.records import Event
from frontporch.hub.store.review_tables import decode_cursor, encode_cursor

T0 = 1_717_400_000.0


def review_config(root: Path, **review: Any) -> HubConfig:
    """Two cameras tracking person, dog and car, with zones porch and drive; `review`
    is the front camera's review section."""
    cameras: dict[str, Any] = {
        name: {
            "inputs": [{"url": f"/videos/{name}.mp4"}],
            "objects": {"track": ["person", "dog", "car"]},
            "zones": {
                "porch": {"polygon": [[0, 0], [0.5, 0], [0.5, 1]]},
                "drive": {"polygon": [[0.5, 0], [1, 0], [1, 1]]},
            },
        }
        for name in ("front", "back")
    }
    cameras["front"]["name"] = "Front door"
    if review:
        cameras["front"]["review"] = review
    return parse_config({"storage": {"path": str(root)}, "cameras": cameras})


class EventFeed:
    """Stores events and publishes their changes, as `IndexWriter` does."""

    def __init__(self, store: HubStore, changes: Changes) -> None:
        self.store = store
        self.changes = changes

    def begin(
        self,
        event_id: str,
        start: float,
        *,
        camera: str = "front",
        labels: tuple[str, ...] = ("person",),
        zones: tuple[str, ...] = (),
        score: float = 0.8,
    ) -> Event:
        after = self.store.upsert_event(
            event_id, camera=camera, labels=labels, top_score=score, start=start, zones=zones
        )
        self.changes.publish(EventChange(ChangeType.new, None, after))
        return after

    def finish(self, event_id: str, end: float) -> Event:
        before = self.store.get_event(event_id)
        assert before is not None
        after = self.store.upsert_event(
            event_id,
            camera=before.camera,
            labels=before.labels,
            top_score=before.top_score,
            start=before.start,
            end=end,
            zones=before.zones,
        )
        self.changes.publish(EventChange(ChangeType.end, before, after))
        return after

    def happen(
        self,
        event_id: str,
        start: float,
        end: float,
        **kwargs: Any,
    ) -> Event:
        self.begin(event_id, start, **kwargs)
        return self.finish(event_id, end)


class FakeReviewTables:
    """`ReviewStorePort`'s tables in memory, for `tests/fakes.py:FakeStore` to inherit
    (over its `events`; state made on first use). Membership of a deleted event is gone
    with it, as the real store's foreign-key cascade does."""

    events: dict[str, Event]

    def _review_state(self) -> tuple[dict[str, ReviewItemRecord], dict[str, str]]:
        state = getattr(self, "_fake_review_state", None)
        if state is None:
            state = ({}, {})
            object.__setattr__(self, "_fake_review_state", state)
        return state

    def _members_of(self, item_id: str) -> list[Event]:
        _, members = self._review_state()
        found = [self.events[e] for e, i in members.items() if i == item_id and e in self.events]
        return sorted(found, key=lambda e: (e.start, e.id))

    def _live(self, item: ReviewItemRecord) -> ReviewItemRecord:
        members = self._members_of(item.id)
        snapped = [e for e in members if e.snapshot is not None]
        best = max(snapped, key=lambda e: e.top_score).id if snapped else None
        return replace(item, event_ids=tuple(e.id for e in members), thumbnail_event=best)

    def save_review_item(self, item: ReviewItemRecord) -> None:
        items, members = self._review_state()
        items[item.id] = item
        for event_id in [e for e, i in members.items() if i == item.id]:
            del members[event_id]
        members.update((e, item.id) for e in item.event_ids if e in self.events)

    def delete_review_item(self, item_id: str) -> bool:
        items, members = self._review_state()
        for event_id in [e for e, i in members.items() if i == item_id]:
            del members[event_id]
        return items.pop(item_id, None) is not None

    def get_review_item(self, item_id: str) -> ReviewItemRecord | None:
        item = self._review_state()[0].get(item_id)
        return None if item is None else self._live(item)

    def review_item_of_event(self, event_id: str) -> ReviewItemRecord | None:
        item_id = self._review_state()[1].get(event_id)
        return (
            None
            if item_id is None or event_id not in self.events
            else self.get_review_item(item_id)
        )

    def review_items_near(
        self, camera: str, start: float, end: float | None, gap_s: float
    ) -> list[ReviewItemRecord]:
        near = [
            self._live(item)
            for item in self._review_state()[0].values()
            if item.camera == camera and spans_touch(item.start, item.end, start, end, gap_s)
        ]
        return sorted(near, key=lambda i: (i.start, i.id))

    def review_item_events(self, item_id: str) -> list[Event]:
        return self._members_of(item_id)

    def events_without_review_item(self, limit: int) -> list[Event]:
        members = self._review_state()[1]
        free = [e for e in self.events.values() if e.id not in members]
        return sorted(free, key=lambda e: (e.start, e.id))[:limit]

    def stale_review_items(self, limit: int) -> list[str]:
        stale = []
        for item in self._review_state()[0].values():
            members = self._members_of(item.id)
            still_open = any(e.end is None for e in members)
            if len(members) != item.event_count or (item.end is None and not still_open):
                stale.append(item.id)
        return stale[:limit]

    def _matching(self, where: ReviewFilter) -> list[ReviewItemRecord]:
        def fits(item: ReviewItemRecord) -> bool:
            return (
                item.event_count > 0
                and where.camera in (None, item.camera)
                and (where.label is None or where.label in item.labels)
                and (where.zone is None or where.zone in item.zones)
                and (where.after is None or item.end is None or item.end >= where.after)
                and (where.before is None or item.start < where.before)
                and where.severity in (None, item.severity)
                and where.reviewed in (None, item.reviewed)
            )

        found = [self._live(item) for item in self._review_state()[0].values() if fits(item)]
        return sorted(found, key=lambda i: (i.start, i.id), reverse=True)

    def list_review_items(self, where: ReviewFilter, limit: int, cursor: str | None) -> ReviewPage:
        found = self._matching(where)
        if cursor is not None:
            after = decode_cursor(cursor)
            found = [i for i in found if (i.start, i.id) < after]
        page = tuple(found[:limit])
        return ReviewPage(page, encode_cursor(page[-1]) if len(found) > limit else None)

    def set_review_item_reviewed(self, item_id: str, reviewed_at: float | None) -> bool:
        items = self._review_state()[0]
        if item_id not in items or items[item_id].event_count == 0:
            return False
        items[item_id] = replace(items[item_id], reviewed_at=reviewed_at)
        return True

    def mark_review_items(self, where: ReviewFilter, reviewed_at: float | None) -> int:
        changing = [i for i in self._matching(where) if i.reviewed != (reviewed_at is not None)]
        for item in changing:
            self.set_review_item_reviewed(item.id, reviewed_at)
        return len(changing)
