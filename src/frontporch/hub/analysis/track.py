"""Multi-object tracking: detections, frame after frame, become objects with stable ids.

Each frame's detections are matched to the objects already known, by how well they
overlap where each object is expected to be (its last box moved on by its velocity),
greedily from the best overlap down and only within one label; a fast mover whose boxes
no longer overlap is matched by centre distance instead. The hazards, and what handles
each:

* the detector only looks where there is motion, so an object that stops is not
  re-detected: an object with no motion over it is kept, unseen, for
  `max_stationary_s`, and picks up its old id when it moves again;
* an object with motion over it that the detector no longer finds has left, or was
  never there (a false positive): it is dropped once that has lasted `max_missed_s`
  (counted from when motion reached it, so a parked car is not forgotten the moment
  someone walks past it);
* an object leaving through the edge of the frame is dropped as soon as it is missed;
* detector flicker: a missed frame or two does not split a track, and a detection seen
  fewer than `min_hits` times is never `confirmed`;
* two objects crossing: matching against predicted positions keeps each on its own id.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from frontporch.hub.analysis.detect.base import Detection
from frontporch.hub.analysis.geometry import Box
from frontporch.hub.config import TrackerConfig

MIN_IOU = 0.1
"""Overlap with the predicted box below which a detection is not the same object..."""

MAX_JUMP = 1.0
"""...unless its centre is within this many box diagonals of the predicted centre."""

MAX_SIZE_CHANGE = 4.0
"""A detection more than this many times larger or smaller is not the same object."""

STILL_IOU = 0.6
"""Overlap with where an object settled above which it has not moved (box jitter)."""

VELOCITY_SMOOTHING = 0.5
"""Weight of the newest displacement in the velocity estimate."""

MOVING_SPEED = 0.2
"""Speed, in the object's own heights per second, above which it counts as moving."""

MOTION_OVERLAP = 0.1
"""Share of an object's box that motion must cover for it to count as in motion."""

EXIT_SHARE = 0.5
"""Share of a predicted box outside the frame beyond which a missed object has left."""


@dataclass(frozen=True, slots=True)
class TrackedObject:
    """One tracked object as of the latest frame (a snapshot; the tracker moves on).

    `box` and `score` are from its latest detection; `top_box` and `top_score_t` say
    where and when it scored best, which is the frame to take its snapshot from.
    `visible` is true when it was detected in this very frame.
    """

    id: int
    label: str
    box: Box
    score: float
    top_score: float
    top_score_t: float
    top_box: Box
    first_seen: float
    last_seen: float
    hits: int
    confirmed: bool
    visible: bool
    stationary: bool
    moving: bool
    velocity: tuple[float, float]


@dataclass(slots=True)
class _Track:
    id: int
    label: str
    box: Box
    score: float
    top_score: float
    top_score_t: float
    top_box: Box
    first_seen: float
    last_seen: float
    settled_box: Box
    settled_since: float
    explained_t: float
    """Last time it was seen, or had no motion over it (not being seen was expected)."""
    hits: int = 1
    confirmed: bool = False
    velocity: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def start(cls, track_id: int, t: float, detection: Detection) -> _Track:
        box, score = detection.box, detection.score
        return cls(track_id, detection.label, box, score, score, t, box, t, t, box, t, t)

    def predicted(self, t: float, horizon: float) -> Box:
        """Where the object should be at `t`, extrapolating at most `horizon` seconds."""
        dt = min(max(t - self.last_seen, 0.0), horizon)
        return self.box.translate(self.velocity[0] * dt, self.velocity[1] * dt)

    def observe(self, t: float, detection: Detection, min_hits: int) -> None:
        box = detection.box
        dt = t - self.last_seen
        if dt > 0:
            (x0, y0), (x1, y1) = self.box.center, box.center
            w = VELOCITY_SMOOTHING
            vx, vy = self.velocity
            self.velocity = ((1 - w) * vx + w * (x1 - x0) / dt, (1 - w) * vy + w * (y1 - y0) / dt)
        self.box, self.score, self.last_seen, self.explained_t = box, detection.score, t, t
        self.hits += 1
        self.confirmed = self.confirmed or self.hits >= min_hits
        if detection.score > self.top_score:
            self.top_score, self.top_score_t, self.top_box = detection.score, t, box
        if box.iou(self.settled_box) < STILL_IOU:
            self.settled_box, self.settled_since = box, t

    def snapshot(self, t: float, stationary_s: float) -> TrackedObject:
        stationary = t - self.settled_since >= stationary_s
        speed = math.hypot(*self.velocity)
        return TrackedObject(
            id=self.id,
            label=self.label,
            box=self.box,
            score=self.score,
            top_score=self.top_score,
            top_score_t=self.top_score_t,
            top_box=self.top_box,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            hits=self.hits,
            confirmed=self.confirmed,
            visible=self.last_seen == t,
            stationary=stationary,
            moving=not stationary and speed > MOVING_SPEED * max(self.box.height, 1.0),
            velocity=self.velocity,
        )


class Tracker:
    """Turns each frame's detections into tracked objects with ids stable across frames.

    One per camera; `frame_size` is (width, height) of the detect frames the boxes are
    in. Call `update` once per analysed frame, with that frame's detections and motion
    boxes, at non-decreasing times `t` in seconds.
    """

    def __init__(self, config: TrackerConfig, frame_size: tuple[int, int]) -> None:
        self._config = config
        self._frame = Box(0.0, 0.0, float(frame_size[0]), float(frame_size[1]))
        self._tracks: list[_Track] = []
        self._ids = itertools.count(1)
        self._last_t = -math.inf

    def update(
        self, t: float, detections: Sequence[Detection], motion: Sequence[Box]
    ) -> list[TrackedObject]:
        """Matches `detections` at time `t`; returns every object still tracked."""
        if t < self._last_t:
            raise ValueError(f"time went backwards: {t} after {self._last_t}")
        self._last_t = t
        pairs = self._associate(t, detections)
        for track, di in pairs:
            track.observe(t, detections[di], self._config.min_hits)
        matched = {di for _, di in pairs}
        kept = [track for track in self._tracks if self._keeps(t, track, motion)]
        for di, detection in enumerate(detections):
            if di not in matched:
                kept.append(self._start(t, detection))
        self._tracks = kept
        return [track.snapshot(t, self._config.stationary_s) for track in self._tracks]

    def _start(self, t: float, detection: Detection) -> _Track:
        track = _Track.start(next(self._ids), t, detection)
        track.confirmed = self._config.min_hits <= 1
        return track

    def _associate(self, t: float, detections: Sequence[Detection]) -> list[tuple[_Track, int]]:
        """Greedy one-to-one matching of tracks to detection indices, best first."""
        candidates = []
        for ti, track in enumerate(self._tracks):
            predicted = track.predicted(t, self._config.max_missed_s)
            for di, detection in enumerate(detections):
                if detection.label == track.label:
                    similarity = _similarity(predicted, detection.box)
                    if similarity > 0:
                        candidates.append((similarity, ti, di))
        candidates.sort(key=lambda c: c[0], reverse=True)
        used_tracks: set[int] = set()
        used_detections: set[int] = set()
        pairs = []
        for _, ti, di in candidates:
            if ti not in used_tracks and di not in used_detections:
                used_tracks.add(ti)
                used_detections.add(di)
                pairs.append((self._tracks[ti], di))
        return pairs

    def _keeps(self, t: float, track: _Track, motion: Sequence[Box]) -> bool:
        """Whether a track is still worth remembering after this frame."""
        missed = t - track.last_seen
        if missed == 0:
            return True
        if self._leaving(t, track):
            return False
        if not track.confirmed:
            return missed <= self._config.max_missed_s
        if _in_motion(track.predicted(t, self._config.max_missed_s), motion):
            return t - track.explained_t <= self._config.max_missed_s
        track.explained_t = t  # nothing moved there, so the detector did not look
        return missed <= self._config.max_stationary_s

    def _leaving(self, t: float, track: _Track) -> bool:
        """Mostly out of the frame where it should be now, and heading further out."""
        predicted = track.predicted(t, self._config.max_missed_s)
        if predicted.area <= 0:
            return False
        inside = predicted.intersection(self._frame) / predicted.area
        (cx, cy), (fx, fy) = predicted.center, self._frame.center
        outward = track.velocity[0] * (cx - fx) + track.velocity[1] * (cy - fy) > 0
        return inside < 1 - EXIT_SHARE and outward


def _similarity(predicted: Box, detected: Box) -> float:
    """How alike a predicted and a detected box are: IoU, or a small score for a near miss.

    A near miss (centres within `MAX_JUMP` diagonals, similar size) always ranks below
    any real overlap, so a fast mover is matched only when nothing overlaps better.
    """
    if predicted.area <= 0 or detected.area <= 0:
        return 0.0
    size_ratio = predicted.area / detected.area
    if not 1 / MAX_SIZE_CHANGE <= size_ratio <= MAX_SIZE_CHANGE:
        return 0.0
    iou = predicted.iou(detected)
    if iou >= MIN_IOU:
        return iou
    (px, py), (dx, dy) = predicted.center, detected.center
    reach = MAX_JUMP * max(math.hypot(predicted.width, predicted.height), 1.0)
    distance = math.hypot(px - dx, py - dy)
    return MIN_IOU * (1 - distance / reach) if distance < reach else 0.0


def _in_motion(box: Box, motion: Sequence[Box]) -> bool:
    covered = sum(box.intersection(m) for m in motion)
    return covered > MOTION_OVERLAP * box.area
