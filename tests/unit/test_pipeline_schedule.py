"""The detect pipeline with detector scheduling: stage costs, and the same events.

Frames are drawn here (a bright figure walking over a flat, slightly noisy grey
background) and the detector is scripted: it finds the figure when its centre lies in
a region it is given, and counts what it was asked to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from frontporch.hub.analysis.detect.base import Detection
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.pipeline import DetectPipeline, FrameResult
from frontporch.hub.config import CameraConfig, DetectConfig, InputConfig, TrackerConfig

WIDTH, HEIGHT = 640, 360
FPS = 5


class ScriptedDetector:
    labels = frozenset({"person"})

    def __init__(self) -> None:
        self.figure = Box(0, 0, 0, 0)
        self.regions = 0

    def detect(self, frame: np.ndarray, regions: Sequence[Box]) -> list[Detection]:
        assert frame.shape == (HEIGHT, WIDTH, 3)
        self.regions += len(regions)
        cx, cy = self.figure.center
        if any(r.x1 <= cx < r.x2 and r.y1 <= cy < r.y2 for r in regions):
            return [Detection("person", 0.9, self.figure)]
        return []


def source(image: np.ndarray) -> Callable[[], np.ndarray]:
    return lambda: image


def camera(recheck_s: float) -> CameraConfig:
    return CameraConfig(
        inputs=[InputConfig(url="file.mp4")],
        detect=DetectConfig(width=WIDTH, height=HEIGHT, fps=FPS),
        tracker=TrackerConfig(recheck_s=recheck_s),
    )


def walk(recheck_s: float, frames: int = 60) -> tuple[list[FrameResult], DetectPipeline]:
    rng = np.random.default_rng(1)
    detector = ScriptedDetector()
    pipeline = DetectPipeline("cam", camera(recheck_s), detector, new_event_id=lambda: "ev")
    results = []
    for i in range(frames + 10):
        gray = np.full((HEIGHT, WIDTH), 90, np.uint8)
        gray += rng.integers(0, 3, gray.shape, dtype=np.uint8)
        if 5 <= i < frames:
            x = 40 + 8 * (i - 5)
            detector.figure = Box(x, 120, x + 40, 240)
            gray[120:240, x : x + 40] = 220
        colour = np.repeat(gray[:, :, None], 3, axis=2)
        results.append(pipeline.process(i / FPS, gray, source(colour)))
    return results, pipeline


def test_scheduling_gives_the_same_event_for_fewer_regions() -> None:
    every, every_pipeline = walk(0.0)
    scheduled, pipeline = walk(1.0)
    spans = [
        [(c.kind, c.event.start, c.event.end) for r in results for c in r.changes]
        for results in (every, scheduled)
    ]
    assert spans[0] == spans[1]
    assert pipeline.stages.detector_regions < 0.5 * every_pipeline.stages.detector_regions
    assert any(o.coasting for r in scheduled for o in r.objects)
    assert not any(o.coasting for r in every for o in r.objects)


def test_stages_add_up_what_the_pipeline_did() -> None:
    results, pipeline = walk(1.0)
    stages = pipeline.stages
    assert stages.detector_calls == sum(r.detector_ran for r in results)
    assert stages.detector_regions == sum(len(r.regions) for r in results)
    assert stages.detector_pixels == sum(b.area for r in results for b in r.regions)
    assert stages.motion > 0
    assert stages.detector > 0
    data = stages.to_json()
    assert set(data) >= {"motion", "scale", "detector", "tracker", "events", "detector_calls"}


def test_without_scheduling_the_detector_sees_exactly_the_motion() -> None:
    results, _ = walk(0.0)
    assert all(r.regions == r.motion for r in results)
    assert any(r.regions for r in results)
