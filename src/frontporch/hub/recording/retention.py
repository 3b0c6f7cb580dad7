"""Which recorded segments to delete: pure decisions, no I/O.

Two questions are answered here, and only answered: the janitor (`janitor.py`) asks
the index, calls these functions and deletes what they name.

- `plan_retention`: the age rules of each camera's `RetainConfig`. A segment is kept
  while it is younger than `all_days`; while younger than `motion_days` if motion
  overlaps it; while younger than `event_days` if an event's capture window
  ([start - pre_capture, end + post_capture], see `capture_windows`) overlaps it; and
  for as long as an event that is still open (end None) began before it ends.
- `plan_disk_floor`: when free space is under the floor, the oldest segments go first
  until enough bytes would be freed, whatever their class; segments of open events are
  never chosen (something is happening now: it is the last footage to give up).

Conventions and hazards:
- A segment's age is measured from its *end* (its newest frame), so a segment is never
  deleted while any of its frames is younger than the rule; keeping a little too long
  is the safe direction, deleting early loses evidence.
- Overlap is inclusive (touching intervals overlap): a motion instant on the boundary
  of two segments keeps both.
- A camera that has no rules (for example one removed from the configuration) is judged
  by the default `RetainConfig()`, so its footage ages out instead of staying forever.
- Work is O((n + m) log m) for n segments and m spans, so a million segments are fine.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from frontporch.hub.config import RetainConfig
from frontporch.hub.recording.records import SegmentRef

DAY_S = 86_400.0


class Span(Protocol):
    """A camera's interval of interest: motion, or an event window (end None: still open)."""

    @property
    def camera(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class Window:
    """An event's capture window: the footage its clip is cut from."""

    camera: str
    start: float
    end: float | None


@dataclass(frozen=True, slots=True)
class _Intervals:
    """Disjoint closed intervals sorted by start; answers 'does [a, b] touch any?'."""

    starts: tuple[float, ...]
    ends: tuple[float, ...]

    @classmethod
    def merge(cls, spans: Iterable[tuple[float, float]]) -> _Intervals:
        starts: list[float] = []
        ends: list[float] = []
        for start, end in sorted(spans):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        return cls(tuple(starts), tuple(ends))

    def touches(self, start: float, end: float) -> bool:
        # The last interval starting at or before `end` is the only candidate: earlier
        # ones end before it starts, because the intervals are disjoint and sorted.
        i = bisect_right(self.starts, end) - 1
        return i >= 0 and self.ends[i] >= start


_NOTHING = _Intervals((), ())


@dataclass(frozen=True, slots=True)
class _CameraSpans:
    motion: _Intervals
    events: _Intervals
    open_since: float | None


def capture_windows(
    events: Iterable[Span], padding: Mapping[str, tuple[float, float]]
) -> list[Window]:
    """Widen each event to its capture window using its camera's (pre, post) seconds.

    A camera missing from `padding` gets no widening; an open event stays open.
    """
    windows = []
    for event in events:
        pre, post = padding.get(event.camera, (0.0, 0.0))
        end = None if event.end is None else event.end + post
        windows.append(Window(event.camera, event.start - pre, end))
    return windows


def _open_since(event_windows: Iterable[Span]) -> dict[str, float]:
    """Per camera, the earliest start of an event window that is still open."""
    since: dict[str, float] = {}
    for window in event_windows:
        if window.end is None:
            since[window.camera] = min(since.get(window.camera, window.start), window.start)
    return since


def _index_spans(motion: Sequence[Span], event_windows: Sequence[Span]) -> dict[str, _CameraSpans]:
    moving: dict[str, list[tuple[float, float]]] = defaultdict(list)
    closed: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for span in motion:
        moving[span.camera].append((span.start, span.end if span.end is not None else span.start))
    for window in event_windows:
        if window.end is not None:
            closed[window.camera].append((window.start, window.end))
    open_since = _open_since(event_windows)
    cameras = set(moving) | set(closed) | set(open_since)
    return {
        camera: _CameraSpans(
            _Intervals.merge(moving.get(camera, ())),
            _Intervals.merge(closed.get(camera, ())),
            open_since.get(camera),
        )
        for camera in cameras
    }


def _keep(segment: SegmentRef, rule: RetainConfig, spans: _CameraSpans, now: float) -> bool:
    age_days = (now - segment.end) / DAY_S
    if age_days < rule.all_days:
        return True
    if spans.open_since is not None and segment.end >= spans.open_since:
        return True
    if age_days < rule.motion_days and spans.motion.touches(segment.start, segment.end):
        return True
    return age_days < rule.event_days and spans.events.touches(segment.start, segment.end)


def plan_retention(
    segments: Sequence[SegmentRef],
    motion: Sequence[Span],
    event_windows: Sequence[Span],
    rules: Mapping[str, RetainConfig],
    now: float,
) -> list[int]:
    """Ids of the segments no rule keeps any longer, in the order given.

    `event_windows` are capture windows (see `capture_windows`), not bare events.
    """
    by_camera = _index_spans(motion, event_windows)
    nothing = _CameraSpans(_NOTHING, _NOTHING, None)
    default = RetainConfig()
    return [
        segment.id
        for segment in segments
        if not _keep(
            segment,
            rules.get(segment.camera, default),
            by_camera.get(segment.camera, nothing),
            now,
        )
    ]


def plan_disk_floor(
    segments: Sequence[SegmentRef],
    free_bytes: int,
    floor_bytes: int,
    event_windows: Sequence[Span] = (),
) -> list[int]:
    """Ids to delete, oldest first, until `free_bytes` plus what they free reaches the floor.

    `segments` must be ordered oldest first. Segments overlapping an open event window
    in `event_windows` are never chosen; if everything else is not enough, everything
    else is returned.
    """
    open_since = _open_since(event_windows)
    needed = floor_bytes - free_bytes
    chosen: list[int] = []
    for segment in segments:
        if needed <= 0:
            break
        if segment.end >= open_since.get(segment.camera, float("inf")):
            continue
        chosen.append(segment.id)
        needed -= segment.size_bytes
    return chosen
