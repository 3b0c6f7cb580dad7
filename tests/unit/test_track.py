"""The tracker on scripted detections: ids, confirmation, stationary objects, dropping."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from frontporch.hub.analysis.detect.base import Detection
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.track import TrackedObject, Tracker
from frontporch.hub.config import TrackerConfig

SIZE = (640, 360)
FPS = 5
DT = 1 / FPS


def person(
    x: float, y: float = 100, score: float = 0.8, w: float = 40, h: float = 100
) -> Detection:
    return Detection("person", score, Box(x, y, x + w, y + h))


def motion_at(*detections: Detection) -> list[Box]:
    """Motion boxes around the detections, as the motion detector would find them."""
    return [d.box.expand(5) for d in detections]


def step(
    tracker: Tracker,
    i: int,
    detections: Sequence[Detection],
    motion: Sequence[Box] | None = None,
) -> list[TrackedObject]:
    return tracker.update(i * DT, detections, motion_at(*detections) if motion is None else motion)


def test_one_object_walking_across_keeps_one_id() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    ids = set()
    for i in range(100):
        objects = step(tracker, i, [person(10 + i * 5)])
        ids |= {o.id for o in objects}
    assert len(ids) == 1
    (walker,) = objects
    assert walker.confirmed
    assert walker.moving
    assert not walker.stationary
    assert walker.velocity[0] == pytest.approx(25, rel=0.01)  # 5 px per frame at 5 fps
    assert walker.hits == 100


def test_a_fast_mover_without_overlap_keeps_its_id() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    ids = {o.id for i in range(12) for o in step(tracker, i, [person(10 + i * 45)])}
    assert len(ids) == 1


def test_two_crossing_objects_keep_their_ids() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    first = {}
    for i in range(60):
        a = person(50 + i * 8, y=100)
        b = person(550 - i * 8, y=110, score=0.7)
        objects = step(tracker, i, [b, a] if i % 2 else [a, b])
        by_id = {o.id: o for o in objects}
        assert len(by_id) == 2
        if i == 0:
            first = {o.score: o.id for o in objects}
        assert by_id[first[0.8]].box == a.box
        assert by_id[first[0.7]].box == b.box


def test_missed_frames_do_not_split_a_track() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    ids = set()
    for i in range(40):
        detection = person(10 + i * 6)
        seen = [] if i % 5 in (3, 4) else [detection]
        objects = step(tracker, i, seen, motion_at(detection))
        ids |= {o.id for o in objects}
        if not seen:
            assert not objects[0].visible
    assert len(ids) == 1


@pytest.mark.parametrize("min_hits", [1, 2, 4])
def test_an_object_is_confirmed_after_min_hits(min_hits: int) -> None:
    tracker = Tracker(TrackerConfig(min_hits=min_hits), SIZE)
    for i in range(6):
        (obj,) = step(tracker, i, [person(100 + i * 4)])
        assert obj.confirmed == (i + 1 >= min_hits)


def test_a_single_frame_false_positive_never_confirms() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    ghost = person(300)
    assert not step(tracker, 0, [ghost])[0].confirmed
    for i in range(1, 40):
        objects = step(tracker, i, [], motion_at(ghost) if i < 20 else [])
        assert all(not o.confirmed for o in objects)
    assert objects == []


def test_a_stopped_object_without_motion_is_kept() -> None:
    config = TrackerConfig(stationary_s=5, max_stationary_s=60)
    tracker = Tracker(config, SIZE)
    for i in range(10):
        step(tracker, i, [person(100 + i * 10)])
    parked = person(190)
    for i in range(10, 20):
        step(tracker, i, [parked])  # it stops; still seen while the background learns it
    for i in range(20, 5 * 50):
        objects = step(tracker, i, [], [])
        assert len(objects) == 1
    (obj,) = objects
    assert obj.stationary
    assert not obj.moving
    assert not obj.visible
    assert obj.box == parked.box
    # seen again in place (someone walked past it): the same object, still stationary
    (again,) = step(tracker, 250, [parked])
    assert again.id == obj.id
    assert again.stationary


def test_a_stationary_object_is_forgotten_after_max_stationary_s() -> None:
    tracker = Tracker(TrackerConfig(max_stationary_s=20), SIZE)
    for i in range(3):
        step(tracker, i, [person(100)])
    assert step(tracker, 1 + 20 * FPS, [], []) != []  # 19.8 s unseen
    assert step(tracker, 3 + 20 * FPS, [], []) == []  # 20.2 s unseen


def test_an_undetected_object_under_motion_is_dropped_after_max_missed_s() -> None:
    tracker = Tracker(TrackerConfig(max_missed_s=2), SIZE)
    for i in range(5):
        step(tracker, i, [person(100 + i * 5)])
    for i in range(5, 4 + 2 * FPS):  # up to 1.8 s unseen; motion goes on along its way
        assert step(tracker, i, [], motion_at(person(100 + i * 5))) != []
    assert step(tracker, 4 + 2 * FPS, [], motion_at(person(100 + 14 * 5))) != []  # 2.0 s
    assert step(tracker, 5 + 2 * FPS, [], motion_at(person(100 + 15 * 5))) == []  # 2.2 s


def test_motion_passing_over_a_parked_object_does_not_drop_it_at_once() -> None:
    tracker = Tracker(TrackerConfig(max_missed_s=2), SIZE)
    car = Detection("car", 0.9, Box(300, 150, 460, 250))
    for i in range(3):
        step(tracker, i, [car])
    for i in range(3, 500):  # 100 s unseen, nothing moving
        step(tracker, i, [], [])
    walking_past = [Box(280, 120, 330, 260)]
    for i in range(500, 505):  # someone walks past for a second; the car is not re-detected
        assert len(step(tracker, i, [], walking_past)) == 1
    for i in range(505, 512):  # the motion stays on it and it is still not found: gone
        objects = step(tracker, i, [], walking_past)
    assert objects == []


def test_an_object_leaving_through_the_edge_is_dropped_at_once() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    for i in range(12):
        step(tracker, i, [person(360 + i * 25)])  # reaches x 635..675: mostly out
    assert step(tracker, 12, [], []) == []


def test_the_best_score_and_its_time_are_remembered() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    scores = [0.5, 0.6, 0.9, 0.7, 0.6]
    for i, score in enumerate(scores):
        (obj,) = step(tracker, i, [person(100 + i * 5, score=score)])
    assert obj.score == 0.6
    assert obj.top_score == 0.9
    assert obj.top_score_t == pytest.approx(2 * DT)
    assert obj.top_box == person(110).box
    assert obj.first_seen == 0
    assert obj.last_seen == pytest.approx(4 * DT)


def test_labels_are_tracked_separately() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    for i in range(5):
        car = Detection("car", 0.9, person(100 + i * 5).box)
        objects = step(tracker, i, [person(100 + i * 5), car])
    assert sorted(o.label for o in objects) == ["car", "person"]
    assert len({o.id for o in objects}) == 2


def test_time_going_backwards_is_refused() -> None:
    tracker = Tracker(TrackerConfig(), SIZE)
    tracker.update(5.0, [], [])
    with pytest.raises(ValueError, match="backwards"):
        tracker.update(4.0, [], [])
