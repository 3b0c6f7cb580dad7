"""Multi-object tracking: detections, frame after frame, become objects with stable ids.

Each frame's detections are matched to the objects already known, by how well they
overlap where each object is expected to be (its last box moved on by its velocity),
greedily from the best overlap down and only within one label; a fast mover whose boxes
no longer overlap is matched by centre distance instead. The hazards, and what handles
each:

* the detector only looks where there is motion, so an object that stops is not
  re-detected: an object with no motion over it is kept, unseen, for
  `max_stationary_s`, with its velocity set to zero (predicted on, a car that braked
  to a stop would drift out of the frame), and picks up its old id when it moves again;
* an object with motion over it that the detector no longer finds has left, or was
  never there (a false positive): it is dropped once that has lasted `max_missed_s`
  (counted from when motion reached it, so a parked car is not forgotten the moment
  someone walks past it);
* an object leaving through the edge of the frame is dropped as soon as it is missed;
* detector flicker: a missed frame or two does not split a track, and a detection seen
  fewer than `min_hits` times is never `confirmed`;
* two objects crossing: matching against predicted positions keeps each on its own id.

Detector scheduling (`plan`): the detector is the costly stage, and on a busy street it
would run on nearly every frame. An object that is confirmed and moved as predicted at
its last detection *explains* the motion around where it should be now; until
`recheck_s` has passed since it was last detected, motion it explains is not sent to
the detector, and the object *coasts* on its prediction (it is neither seen nor missed,
and keeps an event open as if seen). Everything else still goes to the detector: motion
no coasting object explains (someone new, someone stepping out of another's box, a
parked car pulling out), objects due a re-check, unconfirmed objects, and objects whose
last detection was off their prediction (they turned, stopped, were mismatched, or the
detector's box jumped by a window or a scale step). A stopped object leaves no motion,
and is handled as before by the stationary rules.

A known object is looked for as a *re-check* (`Recheck`): where it should be, at the
size it has, which a detector can search far more cheaply than a motion region of
unknown content (`detect.base.RecheckingDetector`). Objects due a re-check are looked
for so, and so are established objects (confirmed, with a trusted velocity) seen in the
previous frame but off their prediction: they are re-checked in every frame until they
are on course again, around both their last box and their prediction, while they
explain the motion around them like a coasting object.

Where one motion box holds several things, `plan` can be handed a finer picture of
what changed (`Remainder`; the pipeline's `ChangeMap`), so that only the change nobody
explains is looked at. Change the detector looked at and found nothing in (a passing
car, to a person detector) is remembered for the next frame as `EmptyChange`: change
that fits where it could have moved to is not looked at again until `recheck_s` has
passed since the detector last looked. Such change often holds people already followed
(a car passing behind them): it still counts as empty when all the detector found in it
were established objects filling under `FOLLOWED_SHARE` of it (they are looked after on
their own). The cost: something no taller than a passing car, appearing inside the
car's own change, is found up to `recheck_s` late.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from frontporch.hub.analysis.detect.base import Detection, Recheck
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

ON_COURSE_IOU = 0.5
"""Overlap of a detection with its track's prediction at or above which the object moved
as predicted (and may coast until its next re-check)."""

ON_COURSE_HITS = 3
"""Detections before a track's velocity is trusted for coasting (two displacements)."""

EXPLAIN_MARGIN = 0.2
"""Around a coasting object's predicted box, this share of its height is motion it still
explains: swinging limbs, its shadow, and the coarse grid motion is found on."""

EXPLAINED_SHARE = 0.9
"""Share of a motion box that coasting objects must cover for the detector to skip it."""

RECHECK_MARGIN = 0.1
"""Share of its height added around an object's predicted box when it is re-checked:
room for prediction error while keeping the region about the object's own size, which
is what the HOG detector reads as the height of the person to look for."""

EMPTY_REACH = 0.5
"""How far, as a share of its width, change the detector found empty may have moved by
the next frame and still be taken for the same (a car moves about half its length in a
fifth of a second at town speeds)..."""

EMPTY_LENGTH = 1.0
"""Width, in heights, assumed at least for empty change still entering the frame."""

EMPTY_DRIFT = 0.1
"""...and how far up or down, as a share of its height: anything taller, such as a person
passing in front of the car, does not fit and is looked at."""

FOLLOWED_SHARE = 0.3
"""Share of a probe that objects already followed may fill for it to still count as empty
change around them (they are looked after on their own)."""

CHECKED_SHARE = 0.5
"""Share of a predicted box inside the regions sent to the detector at or above which the
object counts as looked for this frame (not coasting)."""


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
    coasting: bool = False
    """Not looked for this frame because it moved as predicted (see `Tracker.plan`);
    `box` is then where it is predicted to be."""


@dataclass(frozen=True, slots=True)
class EmptyChange:
    """Change the detector looked at and found nothing in, as of one frame: `box` is
    where it is now, `looked_t` when the detector last looked at it."""

    box: Box
    looked_t: float


@dataclass(frozen=True, slots=True)
class DetectionPlan:
    """Where the detector should look in one frame, and what is left to the tracker."""

    regions: list[Box]
    """Every part of the frame the detector looks at: motion regions to search from
    scratch first, then the areas of `rechecks`."""
    coasting: frozenset[int] = frozenset()
    """Ids of objects left to their prediction this frame."""
    probes: list[Box] = field(default_factory=list)
    """Change no known object explains, being looked at: where nothing is found in one,
    it is remembered as empty change (`EmptyChange`)."""
    still_empty: list[EmptyChange] = field(default_factory=list)
    """Change taken, without a look, for empty change seen in the previous frame."""
    rechecks: list[Recheck] = field(default_factory=list)
    """Known objects looked for again where they are expected, at their known size."""

    @property
    def search(self) -> list[Box]:
        """The regions to search from scratch (`regions` without the re-check areas)."""
        return self.regions[: len(self.regions) - len(self.rechecks)]


Remainder = Callable[[Box, Sequence[Box]], Box | None]
"""`remainder(box, cover)`: the box around the motion inside `box` that the boxes in
`cover` do not account for, or None when they account for all of it."""


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
    on_course: bool = False
    """Its latest detection agreed with its prediction (and its velocity is established)."""

    @classmethod
    def start(cls, track_id: int, t: float, detection: Detection) -> _Track:
        box, score = detection.box, detection.score
        return cls(track_id, detection.label, box, score, score, t, box, t, t, box, t, t)

    def predicted(self, t: float, horizon: float) -> Box:
        """Where the object should be at `t`, extrapolating at most `horizon` seconds."""
        dt = min(max(t - self.last_seen, 0.0), horizon)
        return self.box.translate(self.velocity[0] * dt, self.velocity[1] * dt)

    def observe(self, t: float, detection: Detection, min_hits: int, horizon: float) -> None:
        box = detection.box
        dt = t - self.last_seen
        expected = self.predicted(t, horizon)
        if dt > 0:
            (x0, y0), (x1, y1) = self.box.center, box.center
            # The first displacement is the whole estimate; later ones are smoothed in.
            w = 1.0 if self.hits == 1 else VELOCITY_SMOOTHING
            vx, vy = self.velocity
            self.velocity = ((1 - w) * vx + w * (x1 - x0) / dt, (1 - w) * vy + w * (y1 - y0) / dt)
        self.box, self.score, self.last_seen, self.explained_t = box, detection.score, t, t
        self.hits += 1
        self.confirmed = self.confirmed or self.hits >= min_hits
        self.on_course = self.hits >= ON_COURSE_HITS and box.iou(expected) >= ON_COURSE_IOU
        if detection.score > self.top_score:
            self.top_score, self.top_score_t, self.top_box = detection.score, t, box
        if box.iou(self.settled_box) < STILL_IOU:
            self.settled_box, self.settled_since = box, t

    def snapshot(
        self, t: float, stationary_s: float, coasting: bool = False, horizon: float = 0.0
    ) -> TrackedObject:
        stationary = t - self.settled_since >= stationary_s
        speed = math.hypot(*self.velocity)
        return TrackedObject(
            id=self.id,
            label=self.label,
            box=self.predicted(t, horizon) if coasting else self.box,
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
            coasting=coasting,
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
        self._empty_changes: list[EmptyChange] = []

    def plan(
        self, t: float, motion: Sequence[Box], remainder: Remainder | None = None
    ) -> DetectionPlan:
        """Which parts of the frame at `t` the detector must look at, given its `motion`.

        `remainder(box, cover)` finds the change inside `box` that `cover` does not
        account for (see `Remainder`); by default a box is accounted for when
        `EXPLAINED_SHARE` of it is covered, else all of it is sent. Call `plan` before
        `update` for the same frame, and pass the plan on to it. With `recheck_s` 0
        every motion box is looked at and nothing coasts.
        """
        recheck = self._config.recheck_s
        if recheck <= 0 or not motion:
            return DetectionPlan(list(motion), probes=list(motion))
        rest_of = remainder or _box_remainder
        explainers = self._explainers(t)
        regions: list[Box] = []
        probes: list[Box] = []
        still_empty: list[EmptyChange] = []
        rechecks: list[Recheck] = []
        rechecked: set[int] = set()
        for box in motion:
            near = [e for e in explainers if e.explains.intersection(box) > 0]
            rest = rest_of(box, [e.explains for e in near])
            if rest is not None:
                known = self._empty_before(t, rest)
                if known is not None:
                    still_empty.append(EmptyChange(rest, known.looked_t))
                else:
                    # What nobody explains: all of it when nobody is near (something new
                    # needs its context), else only the rest, and the others coast.
                    region = rest if near else box
                    regions.append(region)
                    probes.append(region)
            for e in near:
                due = not e.track.on_course or t - e.track.last_seen >= recheck - 1e-9
                if e.track.id not in rechecked and due:
                    rechecked.add(e.track.id)
                    around = e.predicted if e.track.on_course else e.predicted.union(e.track.box)
                    area = around.expand(RECHECK_MARGIN * e.predicted.height)
                    area = area.clip(self._frame.x2, self._frame.y2)
                    if area.area > 0:
                        rechecks.append(Recheck(e.track.label, e.predicted, area))
        regions.extend(r.area for r in rechecks)
        coasting = frozenset(
            e.track.id
            for e in explainers
            if e.track.id not in rechecked
            and _in_motion(e.predicted, motion)
            and _covered_share(e.predicted, regions) < CHECKED_SHARE
        )
        return DetectionPlan(regions, coasting, probes, still_empty, rechecks)

    def _empty_before(self, t: float, change: Box) -> EmptyChange | None:
        """Empty change of the previous frame that `change` could be, moved on, if the
        detector looked at it less than `recheck_s` ago."""
        for known in self._empty_changes:
            if t - known.looked_t >= self._config.recheck_s - 1e-9:
                continue
            box = known.box
            sideways = EMPTY_REACH * max(box.width, EMPTY_LENGTH * box.height)
            reach = Box(
                box.x1 - sideways,
                box.y1 - EMPTY_DRIFT * box.height,
                box.x2 + sideways,
                box.y2 + EMPTY_DRIFT * box.height,
            )
            if _covered_share(change, [reach]) >= 1.0 - 1e-9:
                return known
        return None

    def _explainers(self, t: float) -> list[_Explainer]:
        """Tracks that explain motion at `t`: confirmed, not leaving, and either on course
        (they may coast) or established and seen in the previous frame (re-checked now).

        Each explains the change around where it should be now and where it should have
        been at the previous frame (a moving object leaves change behind it too).
        """
        horizon = self._config.max_missed_s
        found = []
        for track in self._tracks:
            recent = track.hits >= ON_COURSE_HITS and track.last_seen >= self._last_t
            if track.confirmed and (track.on_course or recent) and not self._leaving(t, track):
                predicted = track.predicted(t, horizon)
                swept = predicted.union(track.predicted(self._last_t, horizon))
                explains = swept.expand(EXPLAIN_MARGIN * predicted.height)
                found.append(_Explainer(track, predicted, explains))
        return found

    def update(
        self,
        t: float,
        detections: Sequence[Detection],
        motion: Sequence[Box],
        plan: DetectionPlan | None = None,
    ) -> list[TrackedObject]:
        """Matches `detections` at time `t`; returns every object still tracked.

        `plan` is this frame's `plan` (None: the detector did not run). Its coasting
        tracks were not looked for: they are not matched to this frame's detections, and
        not missed.
        """
        if t < self._last_t:
            raise ValueError(f"time went backwards: {t} after {self._last_t}")
        self._last_t = t
        horizon = self._config.max_missed_s
        coasting = plan.coasting if plan is not None else frozenset()
        pairs = self._associate(t, detections, coasting)
        for track, di in pairs:
            track.observe(t, detections[di], self._config.min_hits, horizon)
        matched = {di for _, di in pairs}
        kept = [track for track in self._tracks if self._keeps(t, track, motion, coasting)]
        for di, detection in enumerate(detections):
            if di not in matched:
                kept.append(self._start(t, detection))
        self._tracks = kept
        if plan is not None and self._config.recheck_s > 0:
            # Change looked at and found empty (a passing car, to a person detector) is
            # remembered, so that while it goes on it is looked at every `recheck_s` only.
            self._empty_changes = plan.still_empty + [
                EmptyChange(box, t)
                for box in plan.probes
                if _found_nothing_new(box, detections, pairs)
            ]
        elif plan is None:
            self._empty_changes = []
        stationary_s = self._config.stationary_s
        return [
            track.snapshot(t, stationary_s, track.last_seen != t and track.id in coasting, horizon)
            for track in self._tracks
        ]

    def _start(self, t: float, detection: Detection) -> _Track:
        track = _Track.start(next(self._ids), t, detection)
        track.confirmed = self._config.min_hits <= 1
        return track

    def _associate(
        self, t: float, detections: Sequence[Detection], coasting: frozenset[int]
    ) -> list[tuple[_Track, int]]:
        """Greedy one-to-one matching of tracks to detection indices, best first.

        Coasting tracks are left out: the detector did not look for them, so a detection
        near one is someone else (a neighbour), not it.
        """
        candidates = []
        for ti, track in enumerate(self._tracks):
            if track.id in coasting:
                continue
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

    def _keeps(
        self, t: float, track: _Track, motion: Sequence[Box], coasting: frozenset[int]
    ) -> bool:
        """Whether a track is still worth remembering after this frame."""
        missed = t - track.last_seen
        if missed == 0:
            return True
        if self._leaving(t, track):
            return False
        if track.id in coasting:
            return True  # not looked for, so not missed
        if not track.confirmed:
            return missed <= self._config.max_missed_s
        if _in_motion(track.predicted(t, self._config.max_missed_s), motion):
            return t - track.explained_t <= self._config.max_missed_s
        track.explained_t = t  # nothing moved there, so the detector did not look
        # Nor did the object: predicting it on at its old speed would carry it off
        # (out of the frame, and away from where it is found when it moves again).
        track.velocity = (0.0, 0.0)
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


def _found_nothing_new(
    probe: Box, detections: Sequence[Detection], pairs: Sequence[tuple[_Track, int]]
) -> bool:
    """Whether a probe the detector looked at held nothing but change to ignore.

    Nothing found in it, or only objects already followed (confirmed, with a trusted
    velocity) that fill little of it: a car passing behind people who are tracked. Where
    they fill much of it, the change is theirs (a followed car that sped up), not empty.
    """
    followed = {di for track, di in pairs if track.confirmed and track.hits >= ON_COURSE_HITS}
    inside = [
        (di, d.box)
        for di, d in enumerate(detections)
        if probe.x1 <= d.box.center[0] < probe.x2 and probe.y1 <= d.box.center[1] < probe.y2
    ]
    if any(di not in followed for di, _ in inside):
        return False
    return not inside or _covered_share(probe, [box for _, box in inside]) < FOLLOWED_SHARE


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


@dataclass(frozen=True, slots=True)
class _Explainer:
    """A track that explains motion this frame (it coasts, or is re-checked), where it
    should be, and the motion it explains."""

    track: _Track
    predicted: Box
    explains: Box


def _box_remainder(box: Box, cover: Sequence[Box]) -> Box | None:
    """Without a finer picture of the motion: all of `box`, unless `cover` covers most of it."""
    return None if _covered_share(box, cover) >= EXPLAINED_SHARE else box


def _covered_share(box: Box, cover: Sequence[Box]) -> float:
    """Share of `box`'s area inside the union of `cover` (exact, on the grid of edges)."""
    if box.area <= 0:
        return 1.0
    clipped = [
        Box(max(c.x1, box.x1), max(c.y1, box.y1), min(c.x2, box.x2), min(c.y2, box.y2))
        for c in cover
    ]
    clipped = [c for c in clipped if c.area > 0]
    if not clipped:
        return 0.0
    xs = sorted({box.x1, box.x2, *(c.x1 for c in clipped), *(c.x2 for c in clipped)})
    ys = sorted({box.y1, box.y2, *(c.y1 for c in clipped), *(c.y2 for c in clipped)})
    covered = 0.0
    for x1, x2 in itertools.pairwise(xs):
        for y1, y2 in itertools.pairwise(ys):
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            if any(c.x1 <= cx < c.x2 and c.y1 <= cy < c.y2 for c in clipped):
                covered += (x2 - x1) * (y2 - y1)
    return covered / box.area
