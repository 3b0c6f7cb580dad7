"""The event state machine: when tracked objects make an event, and when it ends.

An event opens on the first frame with an *active* object: confirmed by the tracker,
detected in that frame (or coasting: not looked for, as it moved as predicted), of a
label the camera tracks, passing that label's score and size filters and, when
`required_zones` is set, having stood (bottom-centre of its box) in one of those zones
at some point. It stays open while active objects keep coming,
closes `quiet_s` after the last of them, and is split at `max_length_s`. One event per
camera at a time: later objects join the open event. Pure: times come in, changes come
out; the shell records clips and snapshots from them.

Hazards handled: a parked car or a left package must not make a day-long event, so a
stationary object does not keep an event open (though a new one, seen for the first
time, may still open one); a missed detection or two does not end an event (`quiet_s`);
events never overlap, so each frame of video belongs to at most one.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from frontporch.hub.analysis.geometry import Box, Point, point_in_polygon, to_pixels
from frontporch.hub.analysis.track import TrackedObject
from frontporch.hub.config import EventsConfig, ObjectsConfig, ZoneConfig


@dataclass(frozen=True, slots=True)
class Event:
    """One event as of its latest change; a new copy is emitted whenever it changes.

    `start` and `end` are the first and last frames with an active object (`end` is
    None while open; the quiet time is not included). `zones` are every zone its objects
    have stood in while tracked. `best_t` is the time of the frame in which
    `best_object_id` scored `top_score` at `best_box`: the snapshot frame.
    """

    id: str
    camera: str
    labels: tuple[str, ...]
    top_score: float
    start: float
    end: float | None
    zones: tuple[str, ...]
    best_object_id: int
    best_box: Box
    best_t: float


ChangeKind = Literal["opened", "updated", "closed"]


@dataclass(frozen=True, slots=True)
class EventChange:
    """What happened to an event in one frame, with the event as it now stands."""

    kind: ChangeKind
    event: Event


@dataclass(frozen=True, slots=True)
class _Zone:
    polygon: list[Point]
    labels: frozenset[str]

    def holds(self, obj: TrackedObject) -> bool:
        wanted = not self.labels or obj.label in self.labels
        return wanted and point_in_polygon(obj.box.bottom_center, self.polygon)


def _new_id() -> str:
    return uuid.uuid4().hex


class EventTracker:
    """Turns one camera's tracked objects, frame by frame, into events.

    `frame_size` is (width, height) of the frames the boxes are in; `new_id` makes event
    ids (inject a counter in tests). Call `update` once per analysed frame at
    non-decreasing times, and `close_all` when the stream ends.
    """

    def __init__(
        self,
        camera: str,
        config: EventsConfig,
        objects: ObjectsConfig,
        zones: Mapping[str, ZoneConfig],
        frame_size: tuple[int, int],
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        width, height = frame_size
        self._camera = camera
        self._config = config
        self._objects = objects
        self._frame_area = float(width * height)
        self._zones = {
            name: _Zone(to_pixels(zone.polygon, width, height), frozenset(zone.objects))
            for name, zone in zones.items()
        }
        self._required = frozenset(config.required_zones)
        self._new_id = new_id
        self._open: Event | None = None
        self._last_active = -math.inf
        self._last_t = -math.inf
        self._zones_entered: dict[int, set[str]] = {}
        self._in_required_zone: set[int] = set()
        self._counted: set[int] = set()

    @property
    def current(self) -> Event | None:
        """The open event, if any."""
        return self._open

    def update(self, t: float, tracked: Sequence[TrackedObject]) -> list[EventChange]:
        """Advances to the frame at `t` with these tracked objects; returns what changed."""
        self._advance(t)
        self._forget_all_but({obj.id for obj in tracked})
        active = [obj for obj in tracked if self._is_active(obj)]
        changes = []
        if self._open is not None and t - self._last_active >= self._config.quiet_s:
            changes.append(self._close())
        if active and self._open is not None and t - self._open.start >= self._config.max_length_s:
            changes.append(self._close())
        if active:
            changes.extend(self._observe(t, active))
        return changes

    def close_all(self, t: float) -> list[EventChange]:
        """Closes the open event, if any (the stream ended or the hub is stopping)."""
        self._advance(t)
        return [self._close()] if self._open is not None else []

    def _advance(self, t: float) -> None:
        if t < self._last_t:
            raise ValueError(f"time went backwards: {t} after {self._last_t}")
        self._last_t = t

    def _forget_all_but(self, present: set[int]) -> None:
        """Drops what is remembered about objects the tracker no longer has."""
        for gone in self._zones_entered.keys() - present:
            del self._zones_entered[gone]
        self._in_required_zone &= present
        self._counted &= present

    def _is_active(self, obj: TrackedObject) -> bool:
        """Whether `obj` makes (or keeps open) an event in this frame."""
        # A coasting object was not looked for because it moved as predicted: as good as
        # seen (the tracker re-checks it within `recheck_s`).
        seen = obj.visible or obj.coasting
        if obj.label not in self._objects.track or not obj.confirmed or not seen:
            return False
        entered = self._enter_zones(obj)
        limits = self._objects.filter_for(obj.label)
        area = obj.box.area / self._frame_area
        if obj.score < limits.min_score or not limits.min_area <= area <= limits.max_area:
            return False
        if self._required and entered & self._required:
            self._in_required_zone.add(obj.id)
        if self._required and obj.id not in self._in_required_zone:
            return False
        # A stationary object counts once, when first seen: it may open an event, but
        # must not hold one open for as long as it stays parked.
        return not obj.stationary or obj.id not in self._counted

    def _enter_zones(self, obj: TrackedObject) -> set[str]:
        """Records and returns the zones `obj` stands in now."""
        now = {name for name, zone in self._zones.items() if zone.holds(obj)}
        self._zones_entered.setdefault(obj.id, set()).update(now)
        return now

    def _observe(self, t: float, active: list[TrackedObject]) -> list[EventChange]:
        """Opens or extends the event with this frame's active objects."""
        self._last_active = t
        self._counted.update(obj.id for obj in active)
        best = max(active, key=lambda obj: obj.score)
        labels = {obj.label for obj in active}
        zones = set().union(*(self._zones_entered[obj.id] for obj in active))
        if self._open is None:
            self._open = Event(
                id=self._new_id(),
                camera=self._camera,
                labels=tuple(sorted(labels)),
                top_score=best.score,
                start=t,
                end=None,
                zones=tuple(sorted(zones)),
                best_object_id=best.id,
                best_box=best.box,
                best_t=t,
            )
            return [EventChange("opened", self._open)]
        event = replace(
            self._open,
            labels=tuple(sorted(labels.union(self._open.labels))),
            zones=tuple(sorted(zones.union(self._open.zones))),
        )
        if best.score > event.top_score:
            event = replace(
                event, top_score=best.score, best_object_id=best.id, best_box=best.box, best_t=t
            )
        if event == self._open:
            return []
        self._open = event
        return [EventChange("updated", event)]

    def _close(self) -> EventChange:
        assert self._open is not None
        closed = replace(self._open, end=self._last_active)
        self._open = None
        return EventChange("closed", closed)
