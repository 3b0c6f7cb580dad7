"""The built-in HOG person detector, on figures drawn here."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from frontporch.hub.analysis.detect import Detection, HogPersonDetector
from frontporch.hub.analysis.detect.hog import HogSettings
from frontporch.hub.analysis.geometry import Box

W, H = 640, 360

FIGURE = (45, 45, 55)


def background(seed: int = 0) -> np.ndarray:
    """A mid-grey, lightly textured backdrop, like a wall or pavement."""
    noise = np.random.default_rng(seed).random((H, W, 3)) * 60 + 120
    return cv2.GaussianBlur(noise.astype(np.uint8), (7, 7), 0)


def draw_person(frame: np.ndarray, cx: float, top: float, height: float) -> Box:
    """An upright walking silhouette; returns its bounding box."""

    def at(x: float, y: float) -> tuple[int, int]:
        return round(cx + x * height), round(top + y * height)

    def line(a: tuple[float, float], b: tuple[float, float], width: float) -> None:
        thickness = max(1, round(width * height))
        cv2.line(frame, at(*a), at(*b), FIGURE, thickness, cv2.LINE_AA)

    head = (round(0.05 * height), round(0.065 * height))
    cv2.ellipse(frame, at(0, 0.065), head, 0, 0, 360, FIGURE, -1, cv2.LINE_AA)
    torso = np.array([at(-0.11, 0.16), at(0.11, 0.16), at(0.085, 0.5), at(-0.085, 0.5)])
    cv2.fillConvexPoly(frame, torso.astype(np.int32), FIGURE, cv2.LINE_AA)
    shoulders = (round(0.11 * height), round(0.04 * height))
    cv2.ellipse(frame, at(0, 0.17), shoulders, 0, 180, 360, FIGURE, -1, cv2.LINE_AA)
    line((-0.05, 0.5), (-0.12, 0.97), 0.075)
    line((0.05, 0.5), (0.12, 0.97), 0.075)
    line((-0.11, 0.18), (-0.15, 0.48), 0.05)
    line((0.11, 0.18), (0.15, 0.48), 0.05)
    return Box(cx - 0.17 * height, top, cx + 0.17 * height, top + height)


@pytest.fixture(scope="module")
def detector() -> HogPersonDetector:
    return HogPersonDetector()


def best_iou(found: list[Detection], truth: Box) -> float:
    return max((d.box.iou(truth) for d in found), default=0.0)


@pytest.mark.parametrize("height", [60, 100, 150, 220])
def test_finds_a_person_of_any_size_in_their_motion_box(
    detector: HogPersonDetector, height: int
) -> None:
    frame = background()
    truth = draw_person(frame, 320, 40, height)
    found = detector.detect(frame, [truth])
    assert len(found) == 1
    assert found[0].label == "person"
    assert found[0].score > 0.5
    assert found[0].box.iou(truth) > 0.5


def test_finds_nothing_without_regions_or_without_a_person(detector: HogPersonDetector) -> None:
    frame = background()
    assert detector.detect(frame, []) == []
    assert detector.detect(frame, [Box(200, 50, 260, 200)]) == []
    draw_person(frame, 320, 40, 150)
    assert detector.detect(frame, [Box(10, 10, 60, 60)]) == []


def test_only_the_legs_moving_still_finds_the_whole_person(detector: HogPersonDetector) -> None:
    frame = background()
    truth = draw_person(frame, 300, 80, 160)
    legs = Box(truth.x1 - 4, truth.y1 + 0.55 * truth.height, truth.x2 + 4, truth.y2 + 2)
    found = detector.detect(frame, [legs])
    assert best_iou(found, truth) > 0.5


def test_a_wide_region_holding_several_people(detector: HogPersonDetector) -> None:
    frame = background()
    people = [draw_person(frame, x, 100, 130) for x in (150, 260, 380, 500)]
    region = people[0].union(people[-1]).expand(6)
    found = [d for d in detector.detect(frame, [region]) if d.score > 0.5]
    assert len(found) == 4
    assert all(best_iou(found, truth) > 0.5 for truth in people)


def test_separate_regions_and_duplicates_across_overlapping_regions(
    detector: HogPersonDetector,
) -> None:
    frame = background()
    left, right = draw_person(frame, 150, 60, 140), draw_person(frame, 480, 120, 110)
    halves = [left, Box(left.x1, left.y1, left.x2, left.y1 + 90), right]
    found = detector.detect(frame, halves)
    assert len(found) == 2
    assert best_iou(found, left) > 0.5
    assert best_iou(found, right) > 0.5


def test_people_at_the_frame_edge(detector: HogPersonDetector) -> None:
    frame = background()
    truth = draw_person(frame, 30, 10, 150)
    assert best_iou(detector.detect(frame, [truth.clip(W, H)]), truth) > 0.5


def test_infrared_grey_frames(detector: HogPersonDetector) -> None:
    frame = background()
    truth = draw_person(frame, 320, 60, 120)
    grey = cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    assert best_iou(detector.detect(grey, [truth]), truth) > 0.5


def test_score_is_a_logistic_of_the_svm_weight() -> None:
    settings = HogSettings(score_midpoint=0.3, score_spread=0.4)
    detector = HogPersonDetector(settings)
    assert detector.score(0.3) == pytest.approx(0.5)
    assert detector.score(0.7) == pytest.approx(1 / (1 + np.exp(-1)))
    weights = np.linspace(-1, 4, 50)
    scores = [detector.score(w) for w in weights]
    assert all(0 < s < 1 for s in scores)
    assert scores == sorted(scores)


def test_heights_searched_grow_for_regions_that_are_part_of_a_person(
    detector: HogPersonDetector,
) -> None:
    upright = detector.person_heights(Box(0, 0, 40, 100), H)
    assert upright[0] == pytest.approx(70)
    assert upright[-1] == pytest.approx(115)
    legs = detector.person_heights(Box(0, 0, 50, 80), H)
    assert legs[-1] == pytest.approx(50 / 0.35)  # the height a person this wide has
    squat = detector.person_heights(Box(0, 0, 60, 60), H)
    assert squat[-1] == pytest.approx(2.4 * 60)  # capped
    group = detector.person_heights(Box(0, 0, 300, 100), H)
    assert group[-1] == pytest.approx(115)  # several people of the region's height
    assert detector.person_heights(Box(0, 0, 300, 340), H)[-1] == H
    assert detector.person_heights(Box(0, 0, 10, 10), H) == [32.0]
    steps = np.diff(np.log(legs))
    assert np.all(steps <= np.log(1.15) + 1e-9)
