"""The timeline's one read path: what the bar draws and what the player fetches, for the
JSON API and the pages alike (the pure decisions are in `plan.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from frontporch.hub.store.layout import confine
from frontporch.hub.timeline.fragments import SegmentStream, stream_segment
from frontporch.hub.timeline.plan import (
    Gap,
    PlannedSegment,
    Span,
    clip_spans,
    find_gaps,
    merge_spans,
)
from frontporch.hub.timeline.ports import TimelineStorePort

# The bar shows at most a day; the player asks for a stretch around the playhead.
MAX_WINDOW_S = 24 * 3600.0 + 60.0


class TimelineError(Exception):
    """A timeline request that cannot be answered; `status` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CameraTimeline:
    """One camera over [start, end]: recorded spans, gaps with reasons, motion, and (for
    the player) the segments in order."""

    camera: str
    start: float
    end: float
    recorded: list[Span]
    gaps: list[Gap]
    motion: list[Span]
    segments: list[PlannedSegment]


def check_window(start: float, end: float) -> None:
    """Raise `TimelineError` (400) for a window the timeline does not serve."""
    if not end > start:
        raise TimelineError(400, "The window must end after it starts.")
    if end - start > MAX_WINDOW_S:
        raise TimelineError(400, "The timeline shows at most 24 hours at a time; zoom in.")


def camera_timeline(
    store: TimelineStorePort,
    camera: str,
    start: float,
    end: float,
    now: float,
    *,
    with_segments: bool = False,
) -> CameraTimeline:
    """Everything the timeline shows of `camera` in [start, end]."""
    check_window(start, end)
    rows = store.segments(camera, start, end)
    recorded = merge_spans((s.start, s.end) for s in rows)
    outages = [(o.start, o.end, o.reason) for o in store.outages(camera, start, end)]
    gaps = find_gaps(
        clip_spans(((s.start, s.end) for s in recorded), start, end), outages, start, end, now
    )
    motion = merge_spans(
        ((m.start, m.end) for m in store.motion_spans(camera, start, end)), join_s=0.0
    )
    segments = [PlannedSegment(s.id, s.start, s.end, s.path) for s in rows] if with_segments else []
    return CameraTimeline(
        camera=camera,
        start=start,
        end=end,
        recorded=clip_spans(((s.start, s.end) for s in recorded), start, end),
        gaps=gaps,
        motion=clip_spans(((m.start, m.end) for m in motion), start, end),
        segments=segments,
    )


def segment_for_playback(
    store: TimelineStorePort, recordings: Path, camera: str, segment_id: int
) -> SegmentStream:
    """One of `camera`'s segments as fragmented MP4, streamed; `TimelineError` 404 when
    the index does not know it, 410 when its file is gone (retention removed it
    meanwhile); `FragmentError` when the file cannot be read."""
    segment = store.segment_by_id(camera, segment_id)
    if segment is None:
        raise TimelineError(404, f"No segment {segment_id} of {camera}; reload the timeline.")
    path = confine(recordings.resolve(), segment.path)
    if path is None or not path.is_file():
        raise TimelineError(410, "This recording was removed (retention); reload the timeline.")
    return stream_segment(path)
