"""Per camera timeline of recordings, gaps, motion and review items; playback across
segments.

- Pages: `/timeline` (every camera at the same moment) and `/timeline/{camera}`; both
  take `?t=<unix seconds>` (where to start) and `?span=<seconds>` (the bar's zoom).
  `static/timeline.js` draws the bar and plays the recordings.
- `GET /api/timeline/{camera}?start=&end=`: recorded spans, gaps (with the outage's
  reason) and motion spans in a window of at most a day; `segments=true` adds the
  segment files with their wall-clock spans, which is the player's playlist.
- `GET /api/playback/{camera}/segments/{id}.mp4`: one segment as fragmented MP4 (stream
  copy, `timeline/fragments.py`), with its RFC 6381 codec in `X-Codec`. The player
  appends each to one Media Source Extensions SourceBuffer at `segment.start - origin`,
  so the video's time is wall-clock time, and jumps over gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from frontporch.hub.store.layout import RECORDINGS_DIR
from frontporch.hub.timeline.fragments import FragmentError
from frontporch.hub.timeline.plan import Gap, PlannedSegment, Span
from frontporch.hub.timeline.ports import TimelineStorePort
from frontporch.hub.timeline.service import (
    CameraTimeline,
    TimelineError,
    camera_timeline,
    segment_for_playback,
)
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.pages import render
from frontporch.hub.web.schemas import ErrorBody
from frontporch.hub.web.sessions import Owner

router = APIRouter(dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
CameraName = Annotated[str, Path(max_length=64, description="A camera's name from the config.")]
DEFAULT_SPAN_S = 24 * 3600.0
MIN_SPAN_S = 60.0
NO_STORE = {"Cache-Control": "private, no-store"}


class SpanOut(BaseModel):
    """A stretch of wall-clock time (unix seconds)."""

    start: float
    end: float

    @classmethod
    def of(cls, span: Span) -> SpanOut:
        return cls(start=span.start, end=span.end)


class TimelineGapOut(SpanOut):
    """A stretch with no recording and why: the outage's reason, or "not recorded"."""

    reason: str = Field(description="'camera unreachable: …' or 'not recorded'.")

    @classmethod
    def of_gap(cls, gap: Gap) -> TimelineGapOut:
        return cls(start=gap.start, end=gap.end, reason=gap.reason)


class PlaybackSegmentOut(SpanOut):
    """A segment the player can fetch as fragmented MP4."""

    id: int
    url: str = Field(description="The segment as fragmented MP4.")

    @classmethod
    def of_segment(cls, camera: str, segment: PlannedSegment) -> PlaybackSegmentOut:
        return cls(
            id=segment.id,
            start=segment.start,
            end=segment.end,
            url=f"/api/playback/{camera}/segments/{segment.id}.mp4",
        )


class TimelineOut(BaseModel):
    """One camera's recordings over a window of at most a day."""

    camera: str
    start: float
    end: float
    recorded: list[SpanOut] = Field(description="Merged recorded spans.")
    gaps: list[TimelineGapOut] = Field(description="Stretches with no recording, and why.")
    motion: list[SpanOut] = Field(description="Motion, with or without an object.")
    segments: list[PlaybackSegmentOut] = Field(
        description="The segment files (only with `segments=true`): the player's playlist."
    )

    @classmethod
    def of(cls, line: CameraTimeline) -> TimelineOut:
        return cls(
            camera=line.camera,
            start=line.start,
            end=line.end,
            recorded=[SpanOut.of(s) for s in line.recorded],
            gaps=[TimelineGapOut.of_gap(g) for g in line.gaps],
            motion=[SpanOut.of(m) for m in line.motion],
            segments=[PlaybackSegmentOut.of_segment(line.camera, s) for s in line.segments],
        )


def timeline_store(context: HubContext) -> TimelineStorePort:
    """The store's timeline reads (HubStore provides them; see `timeline/ports.py`)."""
    return cast(TimelineStorePort, context.store)


def _web_error(exc: TimelineError) -> WebError:
    return WebError(exc.status, "timeline", str(exc))


@router.get(
    "/api/timeline/{camera}",
    response_model=TimelineOut,
    responses={400: {"model": ErrorBody}, 404: {"model": ErrorBody}},
    summary="A camera's timeline",
)
def get_timeline(
    camera: CameraName,
    context: Context,
    start: Annotated[float, Query(ge=0, allow_inf_nan=False, description="Window start (unix).")],
    end: Annotated[float, Query(ge=0, allow_inf_nan=False, description="Window end (unix).")],
    segments: Annotated[bool, Query(description="Add the segment files (playlist).")] = False,
) -> TimelineOut:
    """Recorded spans, gaps and motion of one camera in [start, end] (at most a day)."""
    context.require_camera(camera)
    try:
        line = camera_timeline(
            timeline_store(context), camera, start, end, context.clock(), with_segments=segments
        )
    except TimelineError as exc:
        raise _web_error(exc) from None
    return TimelineOut.of(line)


@router.get(
    "/api/playback/{camera}/segments/{segment_id}.mp4",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"video/mp4": {}}, "description": "Fragmented MP4 (stream copy)."},
        404: {"model": ErrorBody},
        410: {"model": ErrorBody, "description": "The recording is gone or unreadable."},
    },
    summary="A recorded segment as fragmented MP4",
)
def playback_segment(
    camera: CameraName,
    segment_id: Annotated[int, Path(ge=1, description="The segment's id from the timeline.")],
    context: Context,
) -> StreamingResponse:
    """One segment remuxed (no re-encode) into fragmented MP4 for Media Source Extensions,
    sent as it is made (the first picture arrives before the whole segment was read);
    `X-Codec` holds the codec for `MediaSource.isTypeSupported`."""
    context.require_camera(camera)
    recordings = context.config.storage.path / RECORDINGS_DIR
    try:
        remux = segment_for_playback(timeline_store(context), recordings, camera, segment_id)
    except TimelineError as exc:
        raise _web_error(exc) from None
    except FragmentError as exc:
        raise WebError(410, "recording unreadable", str(exc)) from None
    headers = {**NO_STORE, "X-Codec": remux.codec}
    return StreamingResponse(remux.chunks, media_type="video/mp4", headers=headers)


@dataclass(frozen=True)
class TimelineView:
    """What the timeline page template needs: cameras (ids and shown names), where to
    start (None: the latest recording) and the bar's width."""

    cameras: list[str]
    names: dict[str, str]
    single: str | None
    start_at: float | None
    span: float
    now: float


def _view(
    context: HubContext, cameras: list[str], single: str | None, t: float | None, span: float
) -> TimelineView:
    return TimelineView(
        cameras=cameras,
        names={name: context.config.cameras[name].name or name for name in cameras},
        single=single,
        start_at=t,
        span=min(max(span, MIN_SPAN_S), DEFAULT_SPAN_S),
        now=context.clock(),
    )


SpanQuery = Annotated[
    float, Query(gt=0, allow_inf_nan=False, description="The bar's width in seconds.")
]
AtQuery = Annotated[
    float | None, Query(ge=0, allow_inf_nan=False, description="Where to start (unix).")
]


@router.get("/timeline", include_in_schema=False)
def timeline_page(
    request: Request,
    context: Context,
    owner: SignedIn,
    t: AtQuery = None,
    span: SpanQuery = DEFAULT_SPAN_S,
) -> Response:
    """Every camera's recordings at the same moment, kept in step."""
    cameras = [n for n in context.runtime.camera_names() if n in context.config.cameras]
    view = _view(context, cameras, None, t, span)
    return render(request, context, owner, "timeline.html", view=view)


@router.get("/timeline/{camera}", include_in_schema=False)
def camera_timeline_page(
    camera: CameraName,
    request: Request,
    context: Context,
    owner: SignedIn,
    t: AtQuery = None,
    span: SpanQuery = DEFAULT_SPAN_S,
) -> Response:
    """One camera's recordings: the bar, the player, and the export form."""
    context.require_camera(camera)
    view = _view(context, [camera], camera, t, span)
    return render(request, context, owner, "timeline.html", view=view)
