"""Offline analysis of one video file: the live detect pipeline, as fast as it can run.

`frontporch analyze` uses it to let an owner tune a camera's settings on a recording,
and the tests and benchmarks use it to measure detection against ground truth. Times
are seconds from the file's start rather than wall clock.

`Analysis.stages` says where the time went, in wall seconds per stage: `decode` is
demuxing and decoding every frame plus the grayscale scale-down of the analysed ones
(FFmpeg does both as one step), `scale` the colour frame for the detector, then
`motion`, `detector`, `tracker` and `events` (see `pipeline.StageTimes`), with the
detector's calls, regions and region pixels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from frontporch.hub.analysis.detect import build_detector
from frontporch.hub.analysis.detect.base import Detection, Detector
from frontporch.hub.analysis.events import EventChange
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.pipeline import DetectPipeline
from frontporch.hub.capture.filesource import iter_file_frames
from frontporch.hub.config import CameraConfig, DetectorConfig, InputConfig


class MotionOnly:
    """A detector that finds nothing: measures the cost of decoding and motion alone."""

    labels: frozenset[str] = frozenset()

    def detect(self, frame: np.ndarray, regions: Sequence[Box]) -> list[Detection]:
        return []


@dataclass(frozen=True)
class AnalyzedEvent:
    label: str
    labels: list[str]
    start: float
    end: float
    score: float
    zones: list[str]


@dataclass
class Analysis:
    frames_decoded: int = 0
    frames_analyzed: int = 0
    frames_with_motion: int = 0
    seconds: float = 0.0
    events: list[AnalyzedEvent] = field(default_factory=list)
    stages: dict[str, float | int] = field(default_factory=dict)
    warning: str | None = None

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        if data["warning"] is None:
            del data["warning"]
        return data


def default_camera(path: Path) -> CameraConfig:
    """The camera settings used when no configuration file is given."""
    return CameraConfig(inputs=[InputConfig(url=str(path))])


def analyze_file(
    path: Path,
    camera: CameraConfig | None = None,
    detector: Detector | DetectorConfig | None = None,
    progress: Callable[[float], None] | None = None,
) -> Analysis:
    """Run the detect pipeline over every frame of `path` at the camera's detect fps."""
    camera = camera or default_camera(path)
    if detector is None or isinstance(detector, DetectorConfig):
        detector = build_detector(detector or DetectorConfig())
    pipeline = DetectPipeline("analyze", camera, detector, new_event_id=_counter())
    result = Analysis()
    label_of: dict[object, str] = {}  # tracked object id -> label, for each event's label
    began = time.perf_counter()
    frames = iter_file_frames(path, camera.detect.fps, camera.detect.width, camera.detect.height)
    t = 0.0
    decode = 0.0
    iterator = iter(frames)
    while True:
        waited = time.perf_counter()
        frame = next(iterator, None)
        decode += time.perf_counter() - waited
        if frame is None:
            break
        t = frame.t
        out = pipeline.process(t, frame.gray, frame.bgr)
        result.frames_analyzed += 1
        result.frames_with_motion += bool(out.motion)
        label_of.update((obj.id, obj.label) for obj in out.objects)
        _collect(out.changes, result, label_of)
        if progress is not None:
            progress(t)
    _collect(pipeline.finish(t), result, label_of)
    result.seconds = round(time.perf_counter() - began, 4)
    result.stages = {"decode": round(decode, 4), **pipeline.stages.to_json()}
    result.frames_decoded = frames.decoded
    result.warning = frames.warning
    return result


def _counter() -> Callable[[], str]:
    count = iter(range(1, 1 << 62))
    return lambda: f"event-{next(count)}"


def _collect(changes: list[EventChange], result: Analysis, label_of: dict[object, str]) -> None:
    for change in changes:
        if change.kind != "closed":
            continue
        event = change.event
        end = event.end if event.end is not None else event.start
        result.events.append(
            AnalyzedEvent(
                label=label_of.get(event.best_object_id, event.labels[0]),
                labels=list(event.labels),
                start=round(event.start, 3),
                end=round(end, 3),
                score=round(event.top_score, 3),
                zones=list(event.zones),
            )
        )


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
