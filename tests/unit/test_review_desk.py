"""The review desk on the real SQLite store: items follow events as the index writer
reports them (through `Changes`), events from before the desk are backfilled, deleted
events leave their items, and the owner's filters, paging and marks work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes import FakeClock
from frontporch.hub.changes import Changes
from frontporch.hub.review.grouping import Severity
from frontporch.hub.review.records import InvalidReviewCursor, ReviewFilter, UnknownReviewItem
from frontporch.hub.review.service import ReviewDesk
from frontporch.hub.services.event_media import delete_event
from frontporch.hub.store.index import HubStore
from review_tools import T0, EventFeed, review_config


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as store:
        yield store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0 + 3600)


@pytest.fixture
def desk(tmp_path: Path, store: HubStore, clock: FakeClock) -> Iterator[ReviewDesk]:
    desk = ReviewDesk(review_config(tmp_path), store, clock=clock)
    desk.start()
    yield desk
    desk.stop()


@pytest.fixture
def feed(store: HubStore, desk: ReviewDesk) -> EventFeed:
    changes = Changes()
    changes.subscribe(desk.on_change)
    return EventFeed(store, changes)


def listed(desk: ReviewDesk, **where: object) -> list[tuple[str, ...]]:
    assert desk.wait_idle()
    page = desk.items(ReviewFilter(**where))  # type: ignore[arg-type]
    return [item.event_ids for item in page.items]


def test_a_person_and_a_dog_arriving_together_are_one_item(
    desk: ReviewDesk, feed: EventFeed
) -> None:
    feed.begin("person-1", T0, labels=("person",), zones=("porch",))
    feed.begin("dog-1", T0 + 1.5, labels=("dog",), zones=("drive",))
    assert desk.wait_idle()
    (item,) = desk.items(ReviewFilter()).items
    assert item.id == "person-1"
    assert item.event_ids == ("person-1", "dog-1")
    assert item.labels == ("person", "dog")
    assert item.zones == ("porch", "drive")
    assert item.end is None  # ongoing
    feed.finish("dog-1", T0 + 9)
    feed.finish("person-1", T0 + 12)
    assert desk.wait_idle()
    item = desk.item("person-1")
    assert (item.start, item.end, item.severity) == (T0, T0 + 12, Severity.alert)


def test_a_dog_that_arrives_first_and_a_late_reported_person_are_one_item(
    desk: ReviewDesk, feed: EventFeed
) -> None:
    # The person's event is confirmed after the dog's but started earlier.
    feed.happen("dog-1", T0 + 1, T0 + 8, labels=("dog",))
    feed.happen("person-1", T0, T0 + 10)
    assert listed(desk) == [("person-1", "dog-1")]
    assert desk.item("dog-1").labels == ("person", "dog")  # in start order


def test_out_of_view_briefly_is_one_item_far_apart_is_two(
    desk: ReviewDesk, feed: EventFeed
) -> None:
    feed.happen("a", T0, T0 + 10)
    feed.happen("b", T0 + 14, T0 + 20)  # 4 s gap (join gap 10 s)
    feed.happen("c", T0 + 600, T0 + 610)
    assert listed(desk) == [("c",), ("a", "b")]  # newest first


def test_a_late_long_event_bridging_two_items_merges_them(
    desk: ReviewDesk, feed: EventFeed
) -> None:
    feed.happen("a", T0, T0 + 5)
    feed.happen("b", T0 + 60, T0 + 65)
    assert listed(desk) == [("b",), ("a",)]
    desk.mark("b", True)
    feed.happen("car", T0 + 4, T0 + 62, labels=("car",))
    assert listed(desk) == [("a", "car", "b")]
    assert not desk.item("a").reviewed  # something new in it


def test_events_from_before_the_desk_are_backfilled(
    tmp_path: Path, store: HubStore, clock: FakeClock
) -> None:
    for event_id, start, end, label in (
        ("p", T0, T0 + 10, "person"),
        ("d", T0 + 2, T0 + 6, "dog"),
        ("later", T0 + 900, T0 + 910, "person"),
    ):
        store.upsert_event(
            event_id, camera="front", labels=(label,), top_score=0.8, start=start, end=end
        )
    desk = ReviewDesk(review_config(tmp_path), store, clock=clock)
    assert desk.backfill() == 3
    assert [i.event_ids for i in desk.items(ReviewFilter()).items] == [("later",), ("p", "d")]
    assert desk.backfill() == 0  # nothing twice


def test_deleted_events_leave_their_items(
    tmp_path: Path, store: HubStore, desk: ReviewDesk, feed: EventFeed
) -> None:
    feed.happen("p", T0, T0 + 10, labels=("person",))
    feed.happen("d", T0 + 2, T0 + 20, labels=("dog",))
    feed.happen("alone", T0 + 500, T0 + 510)
    assert desk.wait_idle()
    assert delete_event(store, tmp_path, "d") is not None
    item = desk.item("p")
    assert (item.event_ids, item.labels, item.end) == (("p",), ("person",), T0 + 10)
    delete_event(store, tmp_path, "alone")
    with pytest.raises(UnknownReviewItem):
        desk.item("alone")
    assert listed(desk) == [("p",)]


def test_filters_select_by_camera_label_zone_time_severity_and_state(
    desk: ReviewDesk, feed: EventFeed
) -> None:
    feed.happen("p", T0, T0 + 10, labels=("person",), zones=("porch",))
    feed.happen("d", T0 + 100, T0 + 110, labels=("dog",), zones=("drive",))
    feed.happen("b", T0 + 200, T0 + 210, camera="back", labels=("car",))
    assert listed(desk, camera="back") == [("b",)]
    assert listed(desk, label="dog") == [("d",)]
    assert listed(desk, zone="porch") == [("p",)]
    assert listed(desk, severity=Severity.alert) == [("p",)]
    assert listed(desk, severity=Severity.detection) == [("b",), ("d",)]
    # Items overlapping [after, before): p ends at T0 + 10, so after=T0+5 keeps it.
    assert listed(desk, after=T0 + 5, before=T0 + 150) == [("d",), ("p",)]
    assert listed(desk, after=T0 + 11, before=T0 + 150) == [("d",)]
    desk.mark("d", True)
    assert listed(desk, reviewed=True) == [("d",)]
    assert listed(desk, reviewed=False) == [("b",), ("p",)]


def test_alert_zones_grade_items_per_camera(
    tmp_path: Path, store: HubStore, clock: FakeClock
) -> None:
    desk = ReviewDesk(
        review_config(tmp_path, alert_labels=["person", "dog"], alert_zones=["porch"]),
        store,
        clock=clock,
    )
    store.upsert_event(
        "drive-person",
        camera="front",
        labels=("person",),
        top_score=0.9,
        start=T0,
        end=T0 + 5,
        zones=("drive",),
    )
    store.upsert_event(
        "porch-dog",
        camera="front",
        labels=("dog",),
        top_score=0.9,
        start=T0 + 99,
        end=T0 + 105,
        zones=("porch",),
    )
    desk.backfill()
    assert desk.item("drive-person").severity is Severity.detection
    assert desk.item("porch-dog").severity is Severity.alert


def test_paging_walks_every_item_once_newest_first(desk: ReviewDesk, feed: EventFeed) -> None:
    for n in range(7):
        feed.happen(f"e{n}", T0 + n * 100, T0 + n * 100 + 5)
    assert desk.wait_idle()
    seen: list[str] = []
    cursor = None
    while True:
        page = desk.items(ReviewFilter(), limit=3, cursor=cursor)
        seen.extend(item.id for item in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"e{n}" for n in reversed(range(7))]


@pytest.mark.parametrize("cursor", ["nonsense", "e30=", "WzEsMl0", "", "!!!"])
def test_a_cursor_the_hub_did_not_hand_out_is_refused(desk: ReviewDesk, cursor: str) -> None:
    with pytest.raises(InvalidReviewCursor):
        desk.items(ReviewFilter(), cursor=cursor or "x")


def test_mark_one_and_mark_all_matching(
    desk: ReviewDesk, feed: EventFeed, clock: FakeClock
) -> None:
    feed.happen("p", T0, T0 + 10, labels=("person",))
    feed.happen("d", T0 + 100, T0 + 110, labels=("dog",))
    feed.happen("b", T0 + 200, T0 + 210, camera="back")
    assert desk.wait_idle()
    assert desk.mark("p", True).reviewed_at == clock()
    assert desk.mark("p", False).reviewed_at is None
    assert desk.mark_all(ReviewFilter(camera="front"), True) == 2
    assert desk.mark_all(ReviewFilter(camera="front"), True) == 0  # already
    assert listed(desk, reviewed=False) == [("b",)]
    assert desk.mark_all(ReviewFilter(), False) == 2
    with pytest.raises(UnknownReviewItem):
        desk.mark("nope", True)


def test_a_new_event_joining_a_reviewed_item_makes_it_unreviewed(
    desk: ReviewDesk, feed: EventFeed
) -> None:
    feed.begin("p", T0)
    assert desk.wait_idle()
    desk.mark("p", True)
    feed.finish("p", T0 + 10)  # an update of a member keeps the state
    assert desk.wait_idle()
    assert desk.item("p").reviewed
    feed.happen("d", T0 + 12, T0 + 15, labels=("dog",))
    assert desk.wait_idle()
    assert not desk.item("p").reviewed


def test_an_item_left_open_by_a_crash_closes_when_its_event_is_ended_at_start(
    store: HubStore, desk: ReviewDesk, feed: EventFeed
) -> None:
    feed.begin("cut-short", T0)
    assert desk.wait_idle()
    assert desk.item("cut-short").end is None
    # `end_interrupted_events` ends it straight in the store, with no change published.
    store.upsert_event(
        "cut-short", camera="front", labels=("person",), top_score=0.8, start=T0, end=T0 + 30
    )
    assert desk.item("cut-short").end == T0 + 30
    feed.happen("much-later", T0 + 900, T0 + 910)  # does not join a stale open item
    assert listed(desk) == [("much-later",), ("cut-short",)]


def test_an_event_right_after_a_long_item_joins_it(desk: ReviewDesk, feed: EventFeed) -> None:
    # The search for items to join is bounded by the camera's longest item: a long one
    # that ends just before the event must still be found.
    feed.happen("short", T0 - 7200, T0 - 7190)
    feed.happen("long", T0, T0 + 3600)
    feed.happen("right-after", T0 + 3605, T0 + 3610)
    assert listed(desk) == [("long", "right-after"), ("short",)]
