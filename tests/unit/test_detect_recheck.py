"""Re-checks: a tracked person looked for again at their known size, around where expected."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from test_detect_hog import H, background, draw_person

from frontporch.hub.analysis.detect import HogPersonDetector
from frontporch.hub.analysis.detect.base import (
    Detection,
    Recheck,
    RecheckingDetector,
    detect_with_rechecks,
)
from frontporch.hub.analysis.geometry import Box


@pytest.fixture(scope="module")
def detector() -> HogPersonDetector:
    return HogPersonDetector()


class PlainDetector:
    """A detector that knows nothing of re-checks: it is given their areas as regions."""

    labels = frozenset({"person"})

    def __init__(self) -> None:
        self.regions: list[Box] = []

    def detect(self, frame: np.ndarray, regions: Sequence[Box]) -> list[Detection]:
        self.regions.extend(regions)
        return []


@pytest.mark.parametrize("height", [60, 110, 200])
def test_a_rechecked_person_is_found_at_their_known_size(
    detector: HogPersonDetector, height: int
) -> None:
    frame = background()
    truth = draw_person(frame, 320, 40, height)
    # Predicted a little off, as a prediction is: shifted and one scale step too small.
    expected = Box(truth.x1 + 0.08 * height, truth.y1, truth.x2, truth.y2 - 0.12 * height)
    area = expected.expand(0.1 * expected.height)
    found = detector.detect_rechecked(frame, [], [Recheck("person", expected, area)])
    assert len(found) == 1
    assert found[0].box.iou(truth) > 0.5


def test_a_recheck_searches_only_around_the_known_height(detector: HogPersonDetector) -> None:
    heights = detector.recheck_heights(Box(0, 0, 50, 100), H)
    assert heights == pytest.approx([100 / 1.15, 100, 115])
    assert len(heights) < len(detector.person_heights(Box(0, 0, 50, 100), H))
    assert detector.recheck_heights(Box(0, 0, 10, 20), H) == pytest.approx([32, 36.8])
    assert max(detector.recheck_heights(Box(0, 0, 200, 400), H)) <= H


def test_a_recheck_where_nobody_is_finds_nothing(detector: HogPersonDetector) -> None:
    frame = background()
    expected = Box(300, 50, 350, 160)
    assert detector.detect_rechecked(frame, [], [Recheck("person", expected, expected)]) == []


def test_motion_regions_and_rechecks_together(detector: HogPersonDetector) -> None:
    frame = background()
    walking = draw_person(frame, 150, 40, 120)
    known = draw_person(frame, 450, 60, 100)
    found = detector.detect_rechecked(
        frame, [walking], [Recheck("person", known, known.expand(10))]
    )
    assert len(found) == 2
    assert max(d.box.iou(walking) for d in found) > 0.5
    assert max(d.box.iou(known) for d in found) > 0.5


def test_a_detector_without_rechecks_is_given_their_areas_as_regions() -> None:
    plain = PlainDetector()
    assert not isinstance(plain, RecheckingDetector)
    assert isinstance(HogPersonDetector(), RecheckingDetector)
    frame = background()
    motion, area = Box(0, 0, 50, 50), Box(100, 100, 160, 220)
    detect_with_rechecks(plain, frame, [motion], [Recheck("person", area, area)])
    assert plain.regions == [motion, area]
