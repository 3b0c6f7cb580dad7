"""Synthetic scenes: determinism, ground truth, the encoded file, and HOG detectability.

The detectability checks use the hub's offline detector as it is configured there
(OpenCV's default HOG people detector): every person must be found in most frames of
each visit, and the empty scenes must not make it fire.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from frontporch.hub.analysis.geometry import Box, point_in_polygon, to_pixels
from frontporch.scenes import (
    SceneTruth,
    render,
    scene_names,
    scene_truth,
    truth_path,
    write_scene,
)

SMALL = {"width": 640, "height": 360, "fps": 15.0}
PERSON_HEIGHT_IN_WINDOW = 104
"""Pixels: about how tall the people in HOG's 64x128 training windows are."""


@pytest.fixture(scope="module")
def hog() -> cv2.HOGDescriptor:
    detector = cv2.HOGDescriptor()
    detector.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    return detector


def hog_finds_person(hog: cv2.HOGDescriptor, frame: np.ndarray, box: Box) -> bool:
    """Whether HOG finds a person centred inside `box`, in a padded crop scaled so
    the person is window-sized (as the hub scales its motion regions)."""
    scale = PERSON_HEIGHT_IN_WINDOW / box.height
    cx, cy = box.center
    # At least 0.72 box heights wide: HOG's window is 64x128, and detectMultiScale
    # corrupts memory on an image smaller than its window.
    half_w = max(box.width * 0.6, box.height * 0.36)
    half_h = box.height * 0.7
    x1, y1 = round(cx - half_w), round(cy - half_h)
    x2, y2 = round(cx + half_w), round(cy + half_h)
    h, w = frame.shape[:2]
    crop = frame[max(0, y1) : min(h, y2), max(0, x1) : min(w, x2)]
    crop = cv2.copyMakeBorder(
        crop, max(0, -y1), max(0, y2 - h), max(0, -x1), max(0, x2 - w), cv2.BORDER_REPLICATE
    )
    crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    found, _ = hog.detectMultiScale(crop, winStride=(4, 4), padding=(8, 8), scale=1.05)
    inner = Box(box.x1 - x1, box.y1 - y1, box.x2 - x1, box.y2 - y1).scale(scale)
    return any(
        inner.x1 <= x + fw / 2 <= inner.x2 and inner.y1 <= y + fh / 2 <= inner.y2
        for x, y, fw, fh in found
    )


def person_hit_rates(
    hog: cv2.HOGDescriptor, scene: str, duration_s: float
) -> dict[int, list[bool]]:
    """Per person: whether HOG found them, in each frame they are in."""
    frames, truth = render(scene, duration_s=duration_s, **SMALL)
    hits: dict[int, list[bool]] = defaultdict(list)
    for index, frame in enumerate(frames):
        for object_id, label, box in truth.boxes[index]:
            if label == "person":
                hits[object_id].append(hog_finds_person(hog, frame, box))
    return hits


def test_scene_names() -> None:
    assert scene_names() == ["driveway", "foliage", "lighting", "night", "porch", "street"]


@pytest.mark.parametrize("scene", ["porch", "driveway", "lighting", "foliage", "night", "street"])
def test_render_gives_frames_of_the_asked_shape_and_count(scene: str) -> None:
    frames, truth = render(scene, duration_s=2.0, **SMALL)
    images = list(frames)
    assert len(images) == truth.frame_count == 30
    assert all(im.shape == (360, 640, 3) and im.dtype == np.uint8 for im in images)
    assert (truth.width, truth.height, truth.fps, truth.duration) == (640, 360, 15.0, 2.0)


def test_full_hd_frames() -> None:
    frames, truth = render("driveway", width=1920, height=1080, duration_s=3.0)
    images = list(frames)
    assert len(images) == 45
    assert images[-1].shape == (1080, 1920, 3)
    assert truth.boxes[-1]  # the car is pulling in


def test_same_seed_same_scene_other_seed_other_scene() -> None:
    first_frames, first = render("porch", duration_s=8.0, seed=3, **SMALL)
    again_frames, again = render("porch", duration_s=8.0, seed=3, **SMALL)
    other_frames, other = render("porch", duration_s=8.0, seed=4, **SMALL)
    assert first == again
    assert first.visits != other.visits
    for a, b, c in zip(first_frames, again_frames, other_frames, strict=True):
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c)


def test_truth_does_not_depend_on_resolution() -> None:
    small = scene_truth("porch", **SMALL)
    large = scene_truth("porch", width=1920, height=1080)
    assert [(v.object_id, v.label) for v in small.visits] == [
        (v.object_id, v.label) for v in large.visits
    ]
    for a, b in zip(small.visits, large.visits, strict=True):
        assert abs(a.start - b.start) <= 1 / 15
        assert abs(a.end - b.end) <= 1 / 15


def test_truth_round_trips_through_json() -> None:
    truth = scene_truth("driveway", duration_s=20.0, **SMALL)
    assert SceneTruth.from_json(json.loads(json.dumps(truth.to_json()))) == truth
    with pytest.raises(ValueError, match="format"):
        SceneTruth.from_json({**truth.to_json(), "format": 99})


def test_visits_match_boxes() -> None:
    truth = scene_truth("porch", **SMALL)
    for visit in truth.visits:
        first, last = round(visit.start * truth.fps), round(visit.end * truth.fps)
        for index in range(first, last + 1):
            assert visit.object_id in {o.object_id for o in truth.boxes[index]}
        for box in (o.box for o in truth.boxes[first] if o.object_id == visit.object_id):
            assert 0 <= box.x1 < box.x2 <= truth.width
            assert 0 <= box.y1 < box.y2 <= truth.height


def test_minute_long_scenes_have_the_promised_visits() -> None:
    porch = scene_truth("porch", **SMALL)
    people = porch.visits_of("person")
    assert len(people) >= 4
    assert len(porch.visits_of("package")) == 1
    assert porch.visits_of("package")[0].end == pytest.approx(porch.frame_time(899))
    heights = {round(o.box.height) for frame in porch.boxes for o in frame if o.label == "person"}
    assert min(heights) < 0.35 * 360 < 0.6 * 360 < max(heights)
    assert len(scene_truth("night", **SMALL).visits_of("person")) >= 3
    driveway = scene_truth("driveway", **SMALL)
    assert len(driveway.visits_of("car")) >= 2
    assert len(driveway.visits_of("person")) >= 2


def test_street_is_busy_with_people_and_cars_both_ways() -> None:
    street = scene_truth("street", **SMALL)
    people = [sum(o.label == "person" for o in frame) for frame in street.boxes]
    cars = [sum(o.label == "car" for o in frame) for frame in street.boxes]
    assert len(street.visits_of("person")) >= 20
    assert len(street.visits_of("car")) >= 20
    assert np.mean([n > 0 for n in people]) >= 0.95
    assert np.mean([n >= 2 for n in people]) >= 0.8
    assert np.mean([n > 0 for n in cars]) >= 0.7
    # Cars in both directions, in a near and a far lane (two sizes).
    directions = set()
    for visit in street.visits_of("car"):
        first, last = round(visit.start * street.fps), round(visit.end * street.fps)
        at = {
            i: next(o.box for o in street.boxes[i] if o.object_id == visit.object_id)
            for i in (first, last)
        }
        directions.add(at[last].center[0] > at[first].center[0])
    assert directions == {True, False}
    heights = {
        round(o.box.height / 10) for frame in street.boxes for o in frame if o.label == "car"
    }
    assert len(heights) >= 2


def test_people_are_upright() -> None:
    truth = scene_truth("porch", **SMALL)
    ratios = [
        o.box.height / o.box.width
        for frame in truth.boxes
        for o in frame
        if o.label == "person" and o.box.x1 > 0 and o.box.x2 < truth.width
    ]
    assert 2.2 < float(np.median(ratios)) < 3.8


@pytest.mark.parametrize("scene", ["lighting", "foliage"])
def test_empty_scenes_have_no_visits(scene: str) -> None:
    truth = scene_truth(scene, **SMALL)
    assert truth.visits == ()
    assert all(frame == () for frame in truth.boxes)


def test_foliage_moves_only_inside_its_regions() -> None:
    frames, truth = render("foliage", duration_s=2.0, **SMALL)
    images = list(frames)
    assert truth.foliage_regions
    inside = np.zeros((360, 640), np.uint8)
    for polygon in truth.foliage_regions:
        assert len(polygon) >= 3
        assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in polygon)
        pts = np.array(to_pixels(polygon, 640, 360), np.int32)
        cv2.fillPoly(inside, [pts], 255)
    # Blurring averages the sensor noise away; what is left is motion.
    moved = cv2.absdiff(cv2.blur(images[0], (5, 5)), cv2.blur(images[20], (5, 5))).max(axis=2) > 25
    assert moved[inside > 0].mean() > 0.05
    assert moved[inside == 0].mean() < 0.001
    assert point_in_polygon((0.7, 0.1), truth.foliage_regions[-1])


def test_lighting_changes_suddenly_and_gradually() -> None:
    frames, _ = render("lighting", duration_s=10.0, **SMALL)
    brightness = np.array([float(f.mean()) for f in frames])
    steps = np.abs(np.diff(brightness))
    assert steps.max() > 8  # lights switching on between two frames
    assert brightness[-1] < brightness[int(0.55 * len(brightness))] - 15  # dusk
    assert brightness.min() < brightness[0] - 5  # the cloud's shadow


def test_write_scene_makes_a_playable_mp4_with_regular_keyframes(tmp_path: Path) -> None:
    path = tmp_path / "porch.mp4"
    calls: list[tuple[int, int]] = []
    truth = write_scene(
        "porch",
        path,
        duration_s=4.0,
        gop_s=1.0,
        progress=lambda d, t: calls.append((d, t)),
        **SMALL,
    )
    assert calls == [(done, 60) for done in range(1, 61)]
    assert SceneTruth.load(truth_path(path)) == truth
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 360)
        assert stream.average_rate == 15
        assert stream.duration is not None
        assert stream.time_base is not None
        assert float(stream.duration * stream.time_base) == pytest.approx(4.0, abs=1 / 15)
        keyframes = []
        count = 0
        for frame in container.decode(stream):
            assert frame.format.name == "yuv420p"
            if frame.key_frame:
                keyframes.append(count)
            count += 1
    assert abs(count - 60) <= 1
    assert keyframes == [0, 15, 30, 45]


def test_rejects_unknown_scenes_and_unusable_sizes() -> None:
    with pytest.raises(ValueError, match="unknown scene"):
        render("garden")
    with pytest.raises(ValueError, match="even"):
        render("porch", width=641, height=360)
    with pytest.raises(ValueError, match="positive"):
        render("porch", duration_s=0.0)


@pytest.mark.parametrize(
    ("scene", "duration_s"), [("porch", 30.0), ("driveway", 30.0), ("night", 30.0)]
)
def test_hog_finds_every_person_in_most_frames(
    hog: cv2.HOGDescriptor, scene: str, duration_s: float
) -> None:
    hits = person_hit_rates(hog, scene, duration_s)
    assert len(hits) >= 2
    for object_id, found in hits.items():
        assert any(found), f"person {object_id} never found"
        assert np.mean(found) >= 0.8, f"person {object_id} found in {np.mean(found):.0%}"


@pytest.mark.parametrize("scene", ["lighting", "foliage"])
def test_hog_stays_quiet_on_empty_scenes(hog: cv2.HOGDescriptor, scene: str) -> None:
    frames, _ = render(scene, duration_s=20.0, **SMALL)
    firing = []
    for index, frame in enumerate(frames):
        if index % 5 == 0:
            found, _ = hog.detectMultiScale(frame, winStride=(8, 8), padding=(8, 8), scale=1.05)
            firing.append(len(found) > 0)
    assert np.mean(firing) <= 0.05
