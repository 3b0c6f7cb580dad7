"""Detector scheduling (`Tracker.plan`) on scripted scenes: who is looked at, and when.

A scripted "detector" finds a person when the centre of their box lies inside a region
it is given, and never finds a car (as the built-in person detector); motion is each
object's box with a small margin, as the motion detector would report it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from pydantic import ValidationError

from frontporch.hub.analysis.detect.base import Detection
from frontporch.hub.analysis.events import EventTracker
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.pipeline import ChangeMap
from frontporch.hub.analysis.track import DetectionPlan, TrackedObject, Tracker
from frontporch.hub.config import EventsConfig, ObjectsConfig, TrackerConfig

SIZE = (640, 360)
FPS = 5
DT = 1 / FPS
RECHECK = TrackerConfig(recheck_s=1.0)


def person(x: float, y: float = 100, w: float = 40, h: float = 100) -> Detection:
    return Detection("person", 0.8, Box(x, y, x + w, y + h))


def car(x: float, y: float = 150, w: float = 160, h: float = 60) -> Detection:
    return Detection("car", 0.8, Box(x, y, x + w, y + h))


@dataclass
class Frame:
    plan: DetectionPlan
    objects: list[TrackedObject]

    def looked_at(self, thing: Detection) -> bool:
        cx, cy = thing.box.center
        return any(r.x1 <= cx < r.x2 and r.y1 <= cy < r.y2 for r in self.plan.regions)


def play(
    tracker: Tracker,
    script: Sequence[Sequence[Detection]],
    motion: Sequence[Sequence[Box]] | None = None,
    finds: frozenset[str] | set[str] = frozenset({"person"}),
) -> list[Frame]:
    """Runs the tracker over `script` (what is in view, per frame) as the pipeline does;
    the detector finds objects labelled `finds` whose centre is in a region."""
    frames = []
    for i, things in enumerate(script):
        t = i * DT
        moved = [d.box.expand(5) for d in things] if motion is None else list(motion[i])
        plan = tracker.plan(t, moved)
        found = [d for d in things if d.label in finds and Frame(plan, []).looked_at(d)]
        frames.append(Frame(plan, tracker.update(t, found, moved, plan)))
    return frames


def walking(frames: int, x0: float = 20, speed: float = 8, y: float = 100) -> list[Detection]:
    return [person(x0 + speed * i, y) for i in range(frames)]


def test_a_person_moving_as_predicted_is_rechecked_every_recheck_s() -> None:
    script = [[p] for p in walking(60)]
    frames = play(Tracker(RECHECK, SIZE), script)
    looked = [f.looked_at(script[i][0]) for i, f in enumerate(frames)]
    assert all(looked[:3]), "looked at until confirmed with a trusted velocity"
    # Then once every second (5 frames): 57 frames, about 12 looks instead of 57.
    assert 10 <= sum(looked[3:]) <= 13
    gaps = np.diff(np.flatnonzero(looked[3:]))
    assert set(gaps.tolist()) <= {5}
    assert len({o.id for f in frames for o in f.objects}) == 1
    for f, was_looked_at in zip(frames[3:], looked[3:], strict=True):
        (obj,) = f.objects
        assert obj.visible == was_looked_at
        assert obj.coasting == (not was_looked_at)
        assert obj.confirmed


def test_a_coasting_person_is_not_missed_nor_ended() -> None:
    config = TrackerConfig(recheck_s=1.8, max_missed_s=2.0)
    script = [[p] for p in walking(70, speed=6)]
    frames = play(Tracker(config, SIZE), script)
    assert all(len(f.objects) == 1 for f in frames)
    assert len({f.objects[0].id for f in frames}) == 1
    assert sum(f.objects[0].coasting for f in frames) > 40


def test_coasting_box_follows_the_prediction() -> None:
    script = [[p] for p in walking(20, speed=10)]
    frames = play(Tracker(RECHECK, SIZE), script)
    for i, f in enumerate(frames):
        if f.objects[0].coasting:
            assert f.objects[0].box.iou(script[i][0].box) > 0.8


def test_without_recheck_every_motion_box_is_looked_at() -> None:
    script = [[p] for p in walking(30)]
    frames = play(Tracker(TrackerConfig(recheck_s=0), SIZE), script)
    assert all(f.looked_at(script[i][0]) for i, f in enumerate(frames))
    assert not any(f.plan.coasting or o.coasting for f in frames for o in f.objects)


def test_a_person_who_turns_round_is_looked_at_within_two_frames() -> None:
    out = walking(15, speed=15)
    back = [person(out[-1].box.x1 - 15 * (i + 1)) for i in range(10)]
    script = [[p] for p in out + back]
    frames = play(Tracker(RECHECK, SIZE), script)
    turned = len(out)
    assert any(f.looked_at(script[turned + k][0]) for k, f in enumerate(frames[turned:][:2]))
    # Back on course after a few detections: coasting again.
    assert any(f.objects[0].coasting for f in frames[turned + 4 :])


def test_someone_new_is_looked_at_at_once() -> None:
    a = walking(30)
    b = [person(500 - 6 * i, y=180) for i in range(12)]
    script = [[a[i]] + ([b[i - 18]] if i >= 18 else []) for i in range(30)]
    frames = play(Tracker(RECHECK, SIZE), script)
    assert frames[17].objects[0].coasting or frames[18].objects[0].coasting
    assert frames[18].looked_at(b[0])
    assert frames[19].looked_at(b[1])  # not confirmed yet


def test_motion_bigger_than_the_track_explains_is_looked_at() -> None:
    """Someone steps out of a coasting person's box (their motion merges into one box)."""
    script = [[p] for p in walking(30)]
    motion: list[list[Box]] = [[p[0].box.expand(5)] for p in script]
    for i in range(20, 30):
        stepping_out = person(script[i][0].box.x1 + 15 * (i - 19), y=100)
        script[i] = [script[i][0], stepping_out]
        motion[i] = [script[i][0].box.union(stepping_out.box).expand(5)]
    frames = play(Tracker(RECHECK, SIZE), script, motion)
    assert frames[19].objects[0].coasting
    # As soon as the merged box outgrows what the coasting person explains, it is looked
    # at, and the one stepping out is tracked (then coasts too).
    assert frames[21].looked_at(script[21][1])
    assert {o.id for o in frames[22].objects} == {1, 2}
    assert all(o.coasting for o in frames[24].objects)


def test_two_people_crossing_keep_their_ids_while_coasting() -> None:
    a = walking(50, x0=20, speed=10)
    b = [person(560 - 10 * i, y=110) for i in range(50)]
    frames = play(Tracker(RECHECK, SIZE), [[a[i], b[i]] for i in range(50)])
    assert len({o.id for f in frames for o in f.objects}) == 2
    first, last = frames[0].objects, frames[-1].objects
    rightwards = {o.id for o in first if o.box.x1 < 300}
    assert {o.id for o in last if o.velocity[0] > 0} == rightwards
    assert {o.id for o in last if abs(o.box.x1 - a[-1].box.x1) < 10} == rightwards
    assert sum(o.coasting for f in frames for o in f.objects) > 50
    assert all(len(f.objects) == 2 for f in frames)


def test_a_standing_person_is_not_redetected_every_frame() -> None:
    still = person(300)
    script = [[still]] * 40
    frames = play(Tracker(RECHECK, SIZE), script)
    looked = [f.looked_at(still) for f in frames]
    assert sum(looked) <= 3 + 37 // 5 + 1
    assert all(len(f.objects) == 1 for f in frames)


def test_a_person_who_stops_stays_tracked_and_becomes_stationary() -> None:
    """Walks, stops dead (no motion at all), and is still tracked, as before scheduling."""
    config = TrackerConfig(recheck_s=1.0, stationary_s=3.0)
    walk = walking(20)
    script = [[p] for p in walk] + [[walk[-1]]] * 30
    motion = [[p[0].box.expand(5)] for p in script[:20]] + [[]] * 30
    tracker = Tracker(config, SIZE)
    frames = play(tracker, script, motion)
    ids = {o.id for f in frames for o in f.objects}
    assert len(ids) == 1
    assert frames[-1].objects[0].stationary
    assert not frames[-1].plan.regions


def test_a_parked_car_pulling_out_is_looked_at() -> None:
    """With a detector that knows cars: one drives in, parks (no motion for five
    seconds), then pulls out; it is looked at as soon as it moves, and keeps its id."""
    arriving = [car(20 + 60 * i - 3 * i * i) for i in range(10)]
    parked = arriving[-1]
    leaving = [car(parked.box.x1 + 4 * i * i) for i in range(1, 11)]
    script = [[c] for c in arriving] + [[parked]] * 25 + [[c] for c in leaving]
    motion = (
        [[c.box.expand(5)] for c in arriving]
        + [[]] * 25
        + [[c.box.union(parked.box).expand(5)] for c in leaving]
    )
    frames = play(Tracker(RECHECK, SIZE), script, motion, finds={"car"})
    assert frames[35].looked_at(leaving[0])
    assert len({o.id for f in frames for o in f.objects}) == 1
    # Followed until it drives out of the frame (its last box lies wholly outside).
    in_view = [i for i, things in enumerate(script) if things[0].box.x1 < SIZE[0]]
    assert all(len(frames[i].objects) == 1 for i in in_view)
    assert frames[in_view[-1]].objects[0].visible


def test_empty_change_is_looked_at_again_only_every_recheck_s() -> None:
    """A passing car, which the person detector never finds, costs one look a second."""
    cars = [car(10 + 30 * i) for i in range(15)]
    frames = play(Tracker(RECHECK, SIZE), [[c] for c in cars])
    looked = [f.looked_at(c) for f, c in zip(frames, cars, strict=True)]
    assert looked[0]
    assert sum(looked) <= 4
    assert not any(f.objects for f in frames)


def test_a_person_in_front_of_empty_change_is_looked_at() -> None:
    cars = [car(10 + 30 * i) for i in range(15)]
    walker = [person(400 - 5 * i, y=120, h=120) for i in range(15)]
    motion = [[c.box.expand(5)] for c in cars[:8]] + [
        [cars[i].box.union(walker[i].box).expand(5)] for i in range(8, 15)
    ]
    script = [[c] for c in cars[:8]] + [[cars[i], walker[i]] for i in range(8, 15)]
    frames = play(Tracker(RECHECK, SIZE), script, motion)
    assert frames[8].looked_at(walker[8])


def test_a_coasting_person_keeps_the_event_open() -> None:
    script = [[p] for p in walking(60)]
    frames = play(Tracker(RECHECK, SIZE), script)
    events = EventTracker(
        "cam", EventsConfig(quiet_s=0.5), ObjectsConfig(), {}, SIZE, new_id=lambda: "ev"
    )
    changes = [c for i, f in enumerate(frames) for c in events.update(i * DT, f.objects)]
    assert [c.kind for c in changes if c.kind != "updated"] == ["opened"]
    assert events.current is not None


def test_recheck_must_come_before_a_track_is_dropped() -> None:
    with pytest.raises(ValidationError, match="recheck_s"):
        TrackerConfig(recheck_s=2.0, max_missed_s=2.0)
    assert TrackerConfig().recheck_s < TrackerConfig().max_missed_s
    # A configuration from before `recheck_s` with a short `max_missed_s` stays valid.
    assert TrackerConfig(max_missed_s=0.8).recheck_s == pytest.approx(0.4)


def test_change_map_finds_what_the_cover_leaves() -> None:
    changes = ChangeMap(SIZE)
    frame = np.full((360, 640), 100, np.uint8)
    changes.update(frame)
    whole = Box(0, 0, 64, 64)
    assert changes.remainder(whole, []) == whole  # one frame: nothing can be ruled out
    moved = frame.copy()
    moved[100:200, 100:140] = 200  # a person
    moved[150:210, 300:460] = 30  # a car
    changes.update(moved)
    rest = changes.remainder(Box(80, 80, 480, 220), [Box(90, 90, 150, 210)])
    assert rest is not None
    assert rest.x1 >= 296  # the car alone: the person is covered
    assert rest.y1 >= 146
    assert rest.x2 <= 464
    assert rest.y2 <= 214
    assert changes.remainder(Box(80, 80, 160, 220), [Box(90, 90, 150, 210)]) is None


def test_a_person_off_their_prediction_is_rechecked_at_their_known_size() -> None:
    """A detection that jumps (the detector's boxes move by a window step or a scale
    step) puts a person off course: the next frame looks for them where expected, at
    their size, rather than searching their motion from scratch."""
    script = [[p] for p in walking(20)]
    jumped = script[12][0].box
    script[12] = [
        Detection("person", 0.8, Box(jumped.x1 + 10, jumped.y1 - 15, jumped.x2 + 16, jumped.y2))
    ]
    frames = play(Tracker(RECHECK, SIZE), script)
    assert frames[11].objects[0].coasting
    assert frames[12].looked_at(script[12][0])  # a re-check, due a second after the last
    (recheck,) = frames[13].plan.rechecks
    assert recheck.label == "person"
    assert recheck.expected.height == pytest.approx(jumped.height + 15)
    assert recheck.area.intersection(script[13][0].box) == script[13][0].box.area
    assert not frames[13].plan.search
    assert len({o.id for f in frames for o in f.objects}) == 1
    assert any(f.objects[0].coasting for f in frames[14:])  # back on course


def test_a_car_passing_behind_a_followed_person_is_looked_at_every_recheck_s() -> None:
    """One motion box holds a tracked person and a car behind them: finding only that
    person in it makes the rest empty change, looked at again once a second."""
    walker = walking(25, x0=300, speed=4, y=110)
    cars = [car(20 + 25 * i, y=150) for i in range(25)]
    motion = [[w.box.union(c.box).expand(5)] for w, c in zip(walker, cars, strict=True)]
    script = [[w, c] for w, c in zip(walker, cars, strict=True)]
    frames = play(Tracker(RECHECK, SIZE), script, motion)
    searched = [bool(f.plan.search) for f in frames]
    assert sum(searched[5:]) <= 5
    assert len({o.id for f in frames for o in f.objects}) == 1
    assert all(len(f.objects) == 1 for f in frames)


def test_a_new_person_beside_a_followed_one_is_still_looked_at() -> None:
    """Change looked at and holding a followed person is empty only while nobody new is
    found in it: someone new in the same motion box is tracked at once."""
    walker = walking(20, x0=300, speed=4, y=110)
    cars = [car(20 + 25 * i, y=150) for i in range(20)]
    newcomer = [person(80 + 4 * i, y=140) for i in range(20)]
    script: list[list[Detection]] = [[w, c] for w, c in zip(walker, cars, strict=True)]
    motion = [[w.box.union(c.box).expand(5)] for w, c in zip(walker, cars, strict=True)]
    for i in range(12, 20):
        script[i].append(newcomer[i])
        motion[i] = [motion[i][0].union(newcomer[i].box.expand(5))]
    frames = play(Tracker(RECHECK, SIZE), script, motion)
    assert frames[12].looked_at(newcomer[12])
    assert len({o.id for o in frames[13].objects}) == 2
