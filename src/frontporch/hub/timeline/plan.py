"""The pure core of the timeline: what was recorded when, and where a moment lives.

Segments are files of a few seconds each; the owner thinks in wall-clock time. This
module turns the index's rows into what the timeline bar draws and what the player
needs, with no I/O:

- `merge_spans`: back-to-back segments (the next starts where the last ended, within
  `join_s`) become one recorded span, so a day of 10 s segments draws as a few bars.
- `find_gaps`: the parts of a window no span covers, each with its reason: the
  camera's outage when one overlaps the gap ("camera unreachable"), else "not recorded"
  (recording switched off, the hub stopped, or retention removed it).
- `PlaybackPlan`: the segments in order; `locate(t)` gives the segment and the offset
  into it that show wall-clock `t` (or the next segment's start when `t` falls in a
  gap, so the player jumps over an outage), and `wall_time(i, offset)` goes back.

The player keeps the video element's `currentTime` equal to `t - origin` inside a
recorded span (each segment's fragments are placed at `segment.start - origin`), which
is why one linear mapping is enough: a gap is simply a stretch with nothing buffered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Two segments closer than this are one recorded span (writers close a segment at a
# keyframe and start the next with the same packet, so the real gap is ~0).
JOIN_S = 1.0
OUTAGE_REASON = "camera unreachable"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True, slots=True)
class Span:
    """A closed stretch [start, end] of wall-clock time (unix seconds)."""

    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch with no recording, and why (`OUTAGE_REASON` plus the camera's words,
    or `NOT_RECORDED`)."""

    start: float
    end: float
    reason: str


@dataclass(frozen=True, slots=True)
class PlannedSegment:
    """One segment file the player can fetch: its index id, wall-clock span and path."""

    id: int
    start: float
    end: float
    path: str


@dataclass(frozen=True, slots=True)
class Position:
    """Where wall-clock time `wall` is shown: segment `index` of the plan at `offset`
    seconds into it. `jumped` is True when `wall` fell in a gap and this is the start
    of the next recording."""

    index: int
    offset: float
    wall: float
    jumped: bool


def merge_spans(spans: Iterable[tuple[float, float]], join_s: float = JOIN_S) -> list[Span]:
    """Overlapping or nearly touching (within `join_s`) spans merged, ordered by start."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1].end + join_s:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, end))
        else:
            merged.append(Span(start, end))
    return merged


def find_gaps(
    recorded: Sequence[Span],
    outages: Iterable[tuple[float, float | None, str]],
    start: float,
    end: float,
    now: float | None = None,
) -> list[Gap]:
    """The parts of [start, end] outside `recorded` (merged spans), each with a reason.

    An outage still going on (`end` None) lasts until `now` (or the window's end). The
    window's future part (after `now`) is not a gap: nothing could have been recorded.
    """
    limit = end if now is None else min(end, now)
    holes: list[Span] = []
    covered_to = start
    for span in recorded:
        if span.start > covered_to:
            holes.append(Span(covered_to, min(span.start, limit)))
        covered_to = max(covered_to, span.end)
        if covered_to >= limit:
            break
    if covered_to < limit:
        holes.append(Span(covered_to, limit))
    lost = [(s, limit if e is None else e, reason) for s, e, reason in outages]
    gaps: list[Gap] = []
    for hole in holes:
        if hole.end <= hole.start:
            continue
        gaps.append(Gap(hole.start, hole.end, _reason(hole, lost)))
    return gaps


def _reason(hole: Span, outages: Sequence[tuple[float, float, str]]) -> str:
    """The reason of the outage that overlaps `hole` most, else `NOT_RECORDED`."""
    best, best_overlap = NOT_RECORDED, 0.0
    for start, end, why in outages:
        overlap = min(end, hole.end) - max(start, hole.start)
        if overlap > best_overlap:
            best, best_overlap = f"{OUTAGE_REASON}: {why}" if why else OUTAGE_REASON, overlap
    return best


def clip_spans(spans: Iterable[tuple[float, float]], start: float, end: float) -> list[Span]:
    """Spans cut to [start, end], dropping the ones outside (motion in a window)."""
    cut = [Span(max(s, start), min(e, end)) for s, e in spans]
    return [span for span in cut if span.end > span.start]


class PlaybackPlan:
    """The segments of a window in order, and the wall clock <-> (segment, offset) map."""

    def __init__(self, segments: Iterable[PlannedSegment]) -> None:
        self.segments = sorted(segments, key=lambda s: (s.start, s.id))

    def locate(self, wall: float) -> Position | None:
        """The segment showing `wall`, or the next recording after it; None if nothing
        was recorded at or after `wall`. Where two segments overlap (a reconnect), the
        later one wins from its start on."""
        chosen: int | None = None
        for index, segment in enumerate(self.segments):
            if segment.start <= wall < segment.end:
                chosen = index
            elif segment.start > wall:
                if chosen is not None:
                    break
                return Position(index, 0.0, segment.start, jumped=True)
        if chosen is None:
            return None
        segment = self.segments[chosen]
        return Position(chosen, wall - segment.start, wall, jumped=False)

    def wall_time(self, index: int, offset: float) -> float:
        """The wall-clock time shown `offset` seconds into segment `index`."""
        segment = self.segments[index]
        return segment.start + min(max(offset, 0.0), segment.end - segment.start)

    def following(self, index: int) -> PlannedSegment | None:
        """The segment after `index`, or None at the end."""
        return self.segments[index + 1] if index + 1 < len(self.segments) else None
