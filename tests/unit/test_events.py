"""The event state machine on scripted tracked objects: timing, zones, filters, splits."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontporch.hub.analysis.events import EventChange, EventTracker
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.track import TrackedObject
from frontporch.hub.config import EventsConfig, ObjectFilter, ObjectsConfig, ZoneConfig

SIZE = (640, 360)
DT = 0.2
# The bottom half of the frame, right of centre: a porch.
PORCH = ZoneConfig(polygon=[(0.5, 0.5), (1.0, 0.5), (1.0, 1.0), (0.5, 1.0)])


def thing(
    object_id: int = 1,
    x: float = 100,
    y: float = 100,
    *,
    label: str = "person",
    score: float = 0.8,
    confirmed: bool = True,
    visible: bool = True,
    stationary: bool = False,
    w: float = 40,
    h: float = 100,
) -> TrackedObject:
    """A tracked object whose box has its top-left corner at (x, y)."""
    box = Box(x, y, x + w, y + h)
    return TrackedObject(
        id=object_id,
        label=label,
        box=box,
        score=score,
        top_score=score,
        top_score_t=0.0,
        top_box=box,
        first_seen=0.0,
        last_seen=0.0,
        hits=5,
        confirmed=confirmed,
        visible=visible,
        stationary=stationary,
        moving=not stationary,
        velocity=(0.0, 0.0),
    )


def counter() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"ev{next(numbers)}"


def events(
    config: EventsConfig | None = None,
    objects: ObjectsConfig | None = None,
    zones: dict[str, ZoneConfig] | None = None,
) -> EventTracker:
    return EventTracker(
        "front",
        config or EventsConfig(quiet_s=5),
        objects or ObjectsConfig(track=["person", "car"]),
        zones or {},
        SIZE,
        new_id=counter(),
    )


def kinds(changes: list[EventChange]) -> list[str]:
    return [c.kind for c in changes]


def test_an_event_opens_on_the_first_active_frame_and_closes_after_quiet_s() -> None:
    tracker = events()
    assert tracker.update(0.0, []) == []
    (opened,) = tracker.update(1.0, [thing()])
    assert opened.kind == "opened"
    assert opened.event.id == "ev1"
    assert opened.event.camera == "front"
    assert opened.event.start == 1.0
    assert opened.event.end is None
    assert opened.event.labels == ("person",)
    for t in (1.2, 1.4, 3.0):
        assert tracker.update(t, [thing(x=100 + t)]) == []
    assert tracker.update(7.9, []) == []  # 4.9 s quiet
    (closed,) = tracker.update(8.0, [])
    assert closed.kind == "closed"
    assert closed.event.end == 3.0  # the last active frame, quiet time not included
    assert tracker.current is None


def test_a_missed_detection_does_not_end_the_event() -> None:
    tracker = events()
    changes = []
    for i in range(50):
        changes += tracker.update(i * DT, [thing(visible=i % 4 != 3)])
    assert kinds(changes) == ["opened"]


def test_unconfirmed_objects_and_unwanted_labels_make_no_event() -> None:
    tracker = events(objects=ObjectsConfig(track=["person"]))
    for i in range(20):
        frame = [thing(1, confirmed=False), thing(2, label="dog"), thing(3, label="car")]
        assert tracker.update(i * DT, frame) == []


def test_objects_below_min_score_or_outside_size_limits_make_no_event() -> None:
    limits = {"person": ObjectFilter(min_score=0.6, min_area=0.01, max_area=0.5)}
    tracker = events(objects=ObjectsConfig(track=["person"], filters=limits))
    low_score = thing(1, score=0.55)
    tiny = thing(2, w=10, h=20)  # 0.09 % of the frame
    huge = thing(3, x=0, y=0, w=600, h=350)
    assert tracker.update(0.0, [low_score, tiny, huge]) == []
    assert kinds(tracker.update(0.2, [thing(4, score=0.65)])) == ["opened"]


def test_required_zone_object_outside_makes_no_event_until_it_walks_in() -> None:
    tracker = events(EventsConfig(required_zones=["porch"]), zones={"porch": PORCH})
    for i in range(10):
        assert tracker.update(i * DT, [thing(x=50 + i * 5, y=50)]) == []  # feet at y=150
    # walks right and down: feet at (380, 250), inside the porch
    (opened,) = tracker.update(2.0, [thing(x=360, y=150)])
    assert opened.kind == "opened"
    assert opened.event.zones == ("porch",)
    # having been in the zone, it keeps the event open when it steps out again
    assert tracker.update(4.0, [thing(x=100, y=50)]) == []
    (closed,) = tracker.update(9.0, [])
    assert closed.event.end == 4.0


def test_zones_entered_are_collected_and_filtered_by_label() -> None:
    zones = {
        "porch": PORCH,
        "driveway": ZoneConfig(polygon=[(0, 0.5), (0.5, 0.5), (0.5, 1), (0, 1)], objects=["car"]),
    }
    tracker = events(zones=zones)
    tracker.update(0.0, [thing(1, x=100, y=150)])  # a person in the (cars-only) driveway
    (updated,) = tracker.update(0.2, [thing(1, x=400, y=150)])
    assert updated.event.zones == ("porch",)
    (updated,) = tracker.update(0.4, [thing(2, x=100, y=150, label="car")])
    assert updated.event.zones == ("driveway", "porch")
    assert updated.event.labels == ("car", "person")


def test_updated_is_emitted_only_when_a_field_changes() -> None:
    tracker = events()
    assert kinds(tracker.update(0.0, [thing(score=0.7)])) == ["opened"]
    assert tracker.update(0.2, [thing(score=0.6)]) == []
    (better,) = tracker.update(0.4, [thing(x=120, score=0.9)])
    assert better.kind == "updated"
    assert better.event.top_score == 0.9
    assert better.event.best_t == 0.4
    assert better.event.best_box == thing(x=120).box
    assert better.event.best_object_id == 1
    assert tracker.update(0.6, [thing(score=0.8)]) == []


def test_a_stationary_object_does_not_hold_an_event_open() -> None:
    tracker = events()
    tracker.update(0.0, [thing()])
    changes = []
    for i in range(1, 200):
        changes += tracker.update(i * DT, [thing(stationary=i > 10)])
    assert kinds(changes) == ["closed"]
    assert changes[0].event.end == pytest.approx(10 * DT)


def test_a_new_stationary_object_opens_an_event_once() -> None:
    tracker = events()
    changes = []
    for i in range(100):
        changes += tracker.update(i * DT, [thing(7, label="car", stationary=True)])
    assert kinds(changes) == ["opened", "closed"]
    assert changes[1].event.start == changes[1].event.end == 0.0


def test_a_long_presence_is_split_at_max_length() -> None:
    tracker = events(EventsConfig(quiet_s=5, max_length_s=60))
    changes = []
    for i in range(int(150 / DT)):
        changes += tracker.update(i * DT, [thing(x=100 + i % 50)])
    changes += tracker.close_all(150.0)
    assert kinds(changes) == ["opened", "closed", "opened", "closed", "opened", "closed"]
    closed = [c.event for c in changes if c.kind == "closed"]
    assert [e.id for e in closed] == ["ev1", "ev2", "ev3"]
    for earlier, later in itertools.pairwise(closed):
        assert earlier.end is not None
        assert earlier.end < later.start
    assert all(e.end is not None and e.end - e.start < 60 for e in closed)


def test_a_gap_longer_than_quiet_s_starts_a_new_event() -> None:
    tracker = events()
    tracker.update(0.0, [thing()])
    changes = tracker.update(30.0, [thing()])
    assert kinds(changes) == ["closed", "opened"]
    assert changes[0].event.end == 0.0
    assert changes[1].event.start == 30.0


def test_close_all_closes_the_open_event() -> None:
    tracker = events()
    assert tracker.close_all(0.0) == []
    tracker.update(1.0, [thing()])
    tracker.update(2.0, [thing(x=110)])
    (closed,) = tracker.close_all(2.5)
    assert closed.kind == "closed"
    assert closed.event.end == 2.0
    assert tracker.close_all(3.0) == []


def test_ids_come_from_new_id_and_default_to_random_hex() -> None:
    tracker = EventTracker("front", EventsConfig(), ObjectsConfig(), {}, SIZE)
    (opened,) = tracker.update(0.0, [thing()])
    assert len(opened.event.id) == 32
    int(opened.event.id, 16)


def test_time_going_backwards_is_refused() -> None:
    tracker = events()
    tracker.update(3.0, [])
    with pytest.raises(ValueError, match="backwards"):
        tracker.update(2.0, [])


frame_objects = st.lists(
    st.builds(
        thing,
        object_id=st.integers(1, 4),
        x=st.floats(0, 600),
        y=st.floats(0, 260),
        label=st.sampled_from(["person", "car", "dog"]),
        score=st.floats(0.3, 1.0),
        confirmed=st.sampled_from([True, True, True, False]),
        visible=st.sampled_from([True, True, True, False]),
        stationary=st.sampled_from([False, False, True]),
    ),
    max_size=3,
    unique_by=lambda o: o.id,
)


@settings(max_examples=150, deadline=None)
@given(
    frames=st.lists(st.tuples(st.floats(0.0, 4.0), frame_objects), max_size=60),
    quiet_s=st.floats(0.5, 6),
    max_length_s=st.floats(1, 20),
    required=st.booleans(),
)
def test_events_never_overlap_and_all_close(
    frames: list[tuple[float, list[TrackedObject]]],
    quiet_s: float,
    max_length_s: float,
    required: bool,
) -> None:
    tracker = events(
        EventsConfig(
            quiet_s=quiet_s,
            max_length_s=max_length_s,
            required_zones=["porch"] if required else [],
        ),
        zones={"porch": PORCH},
    )
    t = 0.0
    changes: list[EventChange] = []
    for gap, objects in frames:
        t += gap
        changes += tracker.update(t, objects)
    changes += tracker.close_all(t + 1)

    opened = [c.event for c in changes if c.kind == "opened"]
    closed = [c.event for c in changes if c.kind == "closed"]
    assert [e.id for e in opened] == [e.id for e in closed]
    open_now: str | None = None
    for change in changes:  # one event at a time, and only open events change
        if change.kind == "opened":
            assert open_now is None
            open_now = change.event.id
        else:
            assert change.event.id == open_now
            open_now = None if change.kind == "closed" else open_now
    for event in closed:
        assert event.end is not None
        assert event.start <= event.best_t <= event.end
        assert event.end - event.start < max_length_s
    for earlier, later in itertools.pairwise(closed):
        assert earlier.end is not None
        assert earlier.end < later.start
