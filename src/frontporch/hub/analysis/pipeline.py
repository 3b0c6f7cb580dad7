"""One camera's detect pipeline: motion → detector on motion regions → tracker → events.

Pure apart from the detector it is handed: frames in, results out. The hub's camera
worker and `frontporch analyze` both drive it, so what a user tunes offline is exactly
what runs live. The detector only sees frames with motion, and only the regions that
moved; a still frame costs one motion pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from frontporch.hub.analysis.detect.base import Detection, Detector
from frontporch.hub.analysis.events import EventChange, EventTracker
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.motion import MotionDetector
from frontporch.hub.analysis.track import TrackedObject, Tracker
from frontporch.hub.config import CameraConfig

BgrSource = Callable[[], np.ndarray]


@dataclass(frozen=True, slots=True)
class FrameResult:
    t: float
    motion: list[Box]
    detections: list[Detection]
    objects: list[TrackedObject]
    changes: list[EventChange] = field(default_factory=list)

    @property
    def detector_ran(self) -> bool:
        return bool(self.motion)


class DetectPipeline:
    """Runs one camera's frames through motion, detection, tracking and the event rules."""

    def __init__(
        self,
        camera: str,
        config: CameraConfig,
        detector: Detector,
        new_event_id: Callable[[], str] | None = None,
    ) -> None:
        self.camera = camera
        self.config = config
        self.detector = detector
        self.frame_size = (config.detect.width, config.detect.height)
        self.motion = MotionDetector(config.motion, self.frame_size)
        self.tracker = Tracker(config.tracker, self.frame_size)
        kwargs = {} if new_event_id is None else {"new_id": new_event_id}
        self.events = EventTracker(
            camera, config.events, config.objects, config.zones, self.frame_size, **kwargs
        )
        self._wanted = frozenset(config.objects.track)
        # A detector that cannot produce any tracked label need not see a single frame.
        self._detect = bool(self._wanted & detector.labels)
        self._frame_area = float(self.frame_size[0] * self.frame_size[1])

    def process(self, t: float, gray: np.ndarray, bgr: BgrSource) -> FrameResult:
        """Analyse one frame taken at `t` seconds; `bgr` converts it only if needed."""
        motion = self.motion.detect(gray)
        detections = (
            self._keep(self.detector.detect(bgr(), motion)) if motion and self._detect else []
        )
        objects = self.tracker.update(t, detections, motion)
        changes = self.events.update(t, objects)
        return FrameResult(t, motion, detections, objects, changes)

    def finish(self, t: float) -> list[EventChange]:
        """Close whatever event is open (end of a file, or shutdown)."""
        return self.events.close_all(t)

    def _keep(self, detections: list[Detection]) -> list[Detection]:
        kept = []
        for det in detections:
            if det.label not in self._wanted:
                continue
            rule = self.config.objects.filter_for(det.label)
            share = det.box.area / self._frame_area
            if det.score >= rule.min_score and rule.min_area <= share <= rule.max_area:
                kept.append(det)
        return kept
