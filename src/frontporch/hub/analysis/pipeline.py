"""One camera's detect pipeline: motion → detector on motion regions → tracker → events.

Pure apart from the detector it is handed: frames in, results out. The hub's camera
worker and `frontporch analyze` both drive it, so what a user tunes offline is exactly
what runs live. The detector only sees frames with motion, and only the regions that
moved and that the tracker cannot already account for (`Tracker.plan`: objects moving
as predicted are re-checked every `tracker.recheck_s`, not every frame, and a re-check
looks for a known object at its known size: `detect.base.detect_with_rechecks`); a
still frame costs one motion pass.

Each stage's time is added up in `stages` (`time.perf_counter`, a few calls per frame),
so `frontporch analyze` and the worker's stats can say where a camera's time goes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from frontporch.hub.analysis.detect.base import Detection, Detector, detect_with_rechecks
from frontporch.hub.analysis.events import EventChange, EventTracker
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.analysis.motion import MotionDetector
from frontporch.hub.analysis.track import DetectionPlan, TrackedObject, Tracker
from frontporch.hub.config import CameraConfig

BgrSource = Callable[[], np.ndarray]

CHANGE_CELL = 4
"""Detect-frame pixels per side of a cell of the change map."""
CHANGE_LEVEL = 15
"""Grey levels a cell must change by, between analysed frames, to count as changed."""
CHANGE_MIN_CELLS = 6
"""Changed cells, left unexplained in a motion box, that make it worth a detector look."""


class ChangeMap:
    """Which parts of the frame changed since the previous analysed frame, coarsely.

    The motion stage reports boxes; one box often holds several things (a person walking
    in front of a passing car). To tell whether the objects the tracker follows account
    for all of a box, the scheduler needs the changed pixels themselves: this keeps a
    4x-smaller copy of each frame and the cells that changed since the last one. About
    a tenth of a millisecond per frame at 640x360.
    """

    def __init__(self, frame_size: tuple[int, int]) -> None:
        width, height = frame_size
        self._size = (max(1, width // CHANGE_CELL), max(1, height // CHANGE_CELL))
        self._previous: np.ndarray | None = None
        self._changed: np.ndarray | None = None

    def update(self, gray: np.ndarray) -> None:
        small = cv2.resize(gray, self._size, interpolation=cv2.INTER_AREA)
        if self._previous is not None:
            self._changed = cv2.absdiff(small, self._previous) > CHANGE_LEVEL
        self._previous = small

    def remainder(self, box: Box, cover: Sequence[Box]) -> Box | None:
        """The box around the changed cells in `box` outside every box of `cover`; None
        when fewer than `CHANGE_MIN_CELLS` are left (all of `box` before a second frame)."""
        if self._changed is None:
            return box
        width, height = self._size
        x1, y1 = max(0, int(box.x1 // CHANGE_CELL)), max(0, int(box.y1 // CHANGE_CELL))
        x2 = min(width, -int(-box.x2 // CHANGE_CELL))
        y2 = min(height, -int(-box.y2 // CHANGE_CELL))
        if x2 <= x1 or y2 <= y1:
            return None
        left = self._changed[y1:y2, x1:x2].copy()
        for c in cover:
            cx1, cy1 = max(0, int(c.x1 // CHANGE_CELL) - x1), max(0, int(c.y1 // CHANGE_CELL) - y1)
            cx2 = max(0, -int(-c.x2 // CHANGE_CELL) - x1)
            cy2 = max(0, -int(-c.y2 // CHANGE_CELL) - y1)
            left[cy1:cy2, cx1:cx2] = False
        ys, xs = np.nonzero(left)
        if len(xs) < CHANGE_MIN_CELLS:
            return None
        return Box(
            max(box.x1, float((x1 + xs.min()) * CHANGE_CELL)),
            max(box.y1, float((y1 + ys.min()) * CHANGE_CELL)),
            min(box.x2, float((x1 + xs.max() + 1) * CHANGE_CELL)),
            min(box.y2, float((y1 + ys.max() + 1) * CHANGE_CELL)),
        )


@dataclass(frozen=True, slots=True)
class FrameResult:
    t: float
    motion: list[Box]
    detections: list[Detection]
    objects: list[TrackedObject]
    changes: list[EventChange] = field(default_factory=list)
    regions: list[Box] = field(default_factory=list)
    """Where the detector looked: motion the tracker could not account for."""

    @property
    def detector_ran(self) -> bool:
        return bool(self.regions)


@dataclass
class StageTimes:
    """Seconds spent per stage, and how much the detector was asked to do, summed over
    frames. `scale` is making the detector's colour frame (only for frames it runs on)."""

    motion: float = 0.0
    scale: float = 0.0
    detector: float = 0.0
    tracker: float = 0.0
    events: float = 0.0
    detector_calls: int = 0
    detector_regions: int = 0
    detector_pixels: float = 0.0
    """Total area of the regions looked at, in detect-frame pixels."""

    def to_json(self) -> dict[str, float | int]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


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
        self.stages = StageTimes()
        # Only the detector scheduler reads the change map.
        self._changes = ChangeMap(self.frame_size) if config.tracker.recheck_s > 0 else None

    def process(self, t: float, gray: np.ndarray, bgr: BgrSource) -> FrameResult:
        """Analyse one frame taken at `t` seconds; `bgr` converts it only if needed."""
        stages = self.stages
        began = time.perf_counter()
        motion = self.motion.detect(gray)
        done = time.perf_counter()
        stages.motion += done - began
        if self._changes is not None and self._detect:
            self._changes.update(gray)
            began, done = done, time.perf_counter()
            stages.tracker += done - began
        detections: list[Detection] = []
        plan: DetectionPlan | None = None
        if motion and self._detect:
            remainder = self._changes.remainder if self._changes is not None else None
            plan = self.tracker.plan(t, motion, remainder)
            regions = plan.regions
            began = time.perf_counter()
            stages.tracker += began - done
            if regions:
                frame = bgr()
                done = time.perf_counter()
                stages.scale += done - began
                detections = self._keep(
                    detect_with_rechecks(self.detector, frame, plan.search, plan.rechecks)
                )
                began = time.perf_counter()
                stages.detector += began - done
                stages.detector_calls += 1
                stages.detector_regions += len(regions)
                stages.detector_pixels += sum(r.area for r in regions)
            done = began
        objects = self.tracker.update(t, detections, motion, plan)
        began = time.perf_counter()
        stages.tracker += began - done
        changes = self.events.update(t, objects)
        stages.events += time.perf_counter() - began
        regions = plan.regions if plan is not None else []
        return FrameResult(t, motion, detections, objects, changes, regions)

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
