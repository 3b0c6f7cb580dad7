"""The built-in people detector on the synthetic scenes (rendered whole): the figures the
demo and the pipeline tests use are found, and scenes without people stay quiet."""

from __future__ import annotations

import pytest

from frontporch.hub.analysis.detect import HogPersonDetector
from frontporch.hub.analysis.geometry import Box
from frontporch.scenes import render

W, H = 640, 360


@pytest.fixture(scope="module")
def detector() -> HogPersonDetector:
    return HogPersonDetector()


def best_iou(found: list, truth: Box) -> float:
    return max((d.box.iou(truth) for d in found), default=0.0)


def fully_in_frame(box: Box) -> bool:
    return box.x1 > 1 and box.y1 > 1 and box.x2 < W - 1 and box.y2 < H - 1


@pytest.mark.parametrize("scene", ["porch", "night"])
def test_finds_the_people_walking_through_a_scene(detector: HogPersonDetector, scene: str) -> None:
    frames, truth = render(scene, width=W, height=H, fps=5, duration_s=20, seed=0)
    people = found = 0
    for frame, objects in zip(frames, truth.boxes, strict=True):
        boxes = [o.box for o in objects if o.label == "person" and fully_in_frame(o.box)]
        regions = [b.expand(max(4.0, 0.06 * max(b.width, b.height))) for b in boxes]
        detections = [d for d in detector.detect(frame, regions) if d.score >= 0.5]
        people += len(boxes)
        found += sum(best_iou(detections, b) >= 0.4 for b in boxes)
    assert people > 20
    assert found / people >= 0.9


@pytest.mark.parametrize("scene", ["lighting", "foliage"])
def test_stays_quiet_on_scenes_without_people(detector: HogPersonDetector, scene: str) -> None:
    frames, _ = render(scene, width=W, height=H, fps=0.5, duration_s=60, seed=0)
    # Person-sized regions over the whole frame: harsher than any motion detector.
    tiles = [Box(x, y, x + 120, y + 200) for x in range(0, W, 120) for y in (0, 160)]
    for frame in frames:
        assert [d for d in detector.detect(frame, tiles) if d.score >= 0.5] == []
