"""The JSON API under /api: cameras, events, event files, recordings and API tokens.

Which of these an API token may call is decided in `scopes.py`; the token endpoints
are listed for no scope, so only the owner's browser session manages tokens.
Footage answers `Cache-Control: private, no-store`, so a shared browser keeps no copy.

Handlers are plain `def`s: FastAPI runs them in its thread pool, so the store's
blocking SQLite calls and the on-demand clip remux never stall the event loop.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import FileResponse, Response

from frontporch.hub.ports import ClipUnavailable, EventRecord
from frontporch.hub.recording.records import SegmentRecord
from frontporch.hub.services import event_media
from frontporch.hub.store.index import InvalidCursorError
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError, not_found
from frontporch.hub.web.schemas import (
    CameraOut,
    CameraStatsOut,
    DeletedOut,
    ErrorBody,
    EventOut,
    EventPageOut,
    GapOut,
    OutageOut,
    RecordingsOut,
    RevokedOut,
    SegmentOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such camera or event."}
}
MAX_RECORDINGS_WINDOW_S = 7 * 24 * 3600.0
MEDIA_CACHE = {"Cache-Control": "private, no-store"}

router = APIRouter(prefix="/api", dependencies=[Depends(require_owner)], responses=NOT_FOUND)
Context = Annotated[HubContext, Depends(hub_context)]
CameraName = Annotated[str, Path(max_length=64, description="A camera's name from the config.")]
EventId = Annotated[str, Path(max_length=200, description="An event's id.")]


def no_such_event(event_id: str) -> WebError:
    """The 404 for an event id that names no event, saying where to find valid ids."""
    return not_found("event", f"No event {event_id!r}; it may have been deleted. See /api/events.")


def find_event(context: HubContext, event_id: str) -> EventRecord:
    """The event with this id, or a 404 that says where to find valid ids."""
    event = context.store.get_event(event_id)
    if event is None:
        raise no_such_event(event_id)
    return event


@router.get("/cameras", response_model=list[CameraOut], summary="All cameras with live status")
def list_cameras(context: Context) -> list[CameraOut]:
    """Every configured camera, its detect/record settings and its live status."""
    return [
        CameraOut.of(name, context.config.cameras[name], context.runtime.camera_status(name))
        for name in context.runtime.camera_names()
        if name in context.config.cameras
    ]


@router.get("/cameras/{name}", response_model=CameraOut, summary="One camera")
def get_camera(name: CameraName, context: Context) -> CameraOut:
    """One camera's settings and live status."""
    context.require_camera(name)
    return CameraOut.of(name, context.config.cameras[name], context.runtime.camera_status(name))


@router.get("/cameras/{name}/stats", response_model=CameraStatsOut, summary="Camera counters")
def camera_stats(name: CameraName, context: Context) -> CameraStatsOut:
    """Frame rates, skipped frames, reconnects, events and bytes recorded for one camera."""
    context.require_camera(name)
    return CameraStatsOut.of_camera(context.runtime.camera_status(name))


@router.get("/events", response_model=EventPageOut, summary="Events, newest first")
def list_events(
    context: Context,
    camera: Annotated[str | None, Query(max_length=64, description="Only this camera.")] = None,
    label: Annotated[str | None, Query(max_length=64, description="Only this label.")] = None,
    after: Annotated[
        float | None, Query(ge=0, allow_inf_nan=False, description="Started at/after (unix).")
    ] = None,
    before: Annotated[
        float | None, Query(ge=0, allow_inf_nan=False, description="Started before (unix).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> EventPageOut:
    """A page of events matching the filters; follow `next_cursor` for older ones."""
    events, next_cursor = query_events(context, camera, label, after, before, limit, cursor)
    return EventPageOut(events=[EventOut.of(e) for e in events], next_cursor=next_cursor)


def query_events(
    context: HubContext,
    camera: str | None,
    label: str | None,
    after: float | None,
    before: float | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[EventRecord], str | None]:
    """Validated event query shared by the API and the events page."""
    if camera:
        context.require_camera(camera)
    if after is not None and before is not None and after >= before:
        raise WebError(400, "invalid request", [{"field": "after", "message": "must be < before"}])
    try:
        page = context.store.list_events(
            camera=camera or None,
            label=label or None,
            after=after,
            before=before,
            limit=limit,
            cursor=cursor or None,
        )
    except InvalidCursorError:
        raise WebError(
            400,
            "invalid request",
            [{"field": "cursor", "message": "not a cursor this hub handed out; drop it"}],
        ) from None
    return list(page.events), page.next_cursor


@router.get("/events/{event_id}", response_model=EventOut, summary="One event")
def get_event(event_id: EventId, context: Context) -> EventOut:
    """One event's details."""
    return EventOut.of(find_event(context, event_id))


@router.delete("/events/{event_id}", response_model=DeletedOut, summary="Delete an event")
def delete_event(event_id: EventId, context: Context) -> DeletedOut:
    """Delete an event with its snapshot and cached clip (cookie sessions must send
    X-CSRF-Token)."""
    if event_media.delete_event(context.store, context.config.storage.path, event_id) is None:
        raise no_such_event(event_id)
    return DeletedOut(deleted=event_id)


@router.get(
    "/events/{event_id}/snapshot.jpg",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "The best snapshot."}},
    summary="An event's snapshot",
)
def event_snapshot(event_id: EventId, context: Context) -> Response:
    """The event's best snapshot (JPEG)."""
    find_event(context, event_id)
    path = context.runtime.snapshot_path(event_id)
    gone = not_found("snapshot", "This event has no snapshot; its clip may still be there.")
    if path is None:
        raise gone
    # An open event's snapshot is replaced (renamed over) while pages read it. Read it
    # through one open file, whole: a stat of the path and a later open could meet two
    # different files, and the declared length would not match the bytes sent.
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise gone from None
    return Response(data, media_type="image/jpeg", headers=MEDIA_CACHE)


@router.get(
    "/events/{event_id}/clip.mp4",
    response_class=FileResponse,
    responses={
        200: {"content": {"video/mp4": {}}, "description": "The clip (Range requests work)."},
        410: {"model": ErrorBody, "description": "The footage is gone."},
    },
    summary="An event's clip",
)
def event_clip(event_id: EventId, context: Context) -> FileResponse:
    """The event's clip as MP4, built on first request; supports HTTP Range for seeking."""
    find_event(context, event_id)
    try:
        path = context.runtime.clip_path(event_id)
    except ClipUnavailable as exc:
        raise WebError(410, "clip unavailable", str(exc)) from None
    return FileResponse(path, media_type="video/mp4", headers=MEDIA_CACHE)


def recording_gaps(segments: list[SegmentRecord], start: float, end: float) -> list[GapOut]:
    """Parts of [start, end] that no segment covers."""
    gaps: list[GapOut] = []
    covered_to = start
    for segment in sorted(segments, key=lambda s: s.start):
        if segment.start > covered_to:
            gaps.append(GapOut(start=covered_to, end=min(segment.start, end)))
        covered_to = max(covered_to, segment.end)
        if covered_to >= end:
            break
    if covered_to < end:
        gaps.append(GapOut(start=covered_to, end=end))
    return gaps


@router.get("/recordings/{name}", response_model=RecordingsOut, summary="Recorded footage")
def recordings(
    name: CameraName,
    context: Context,
    start: Annotated[
        float | None, Query(ge=0, allow_inf_nan=False, description="Window start (unix).")
    ] = None,
    end: Annotated[
        float | None, Query(ge=0, allow_inf_nan=False, description="Window end (unix); now.")
    ] = None,
) -> RecordingsOut:
    """Segments, outages and gaps of one camera in a window (default: the last 24 hours)."""
    context.require_camera(name)
    window_end = context.clock() if end is None else end
    window_start = window_end - 24 * 3600.0 if start is None else start
    if window_start >= window_end:
        raise WebError(400, "invalid request", [{"field": "start", "message": "must be < end"}])
    if window_end - window_start > MAX_RECORDINGS_WINDOW_S:
        raise WebError(
            400, "invalid request", [{"field": "start", "message": "window is over 7 days"}]
        )
    segments = list(context.store.segments(name, window_start, window_end))
    outages = context.store.outages(name, window_start, window_end)
    return RecordingsOut(
        camera=name,
        start=window_start,
        end=window_end,
        segments=[SegmentOut.of(s) for s in segments],
        outages=[OutageOut.of(o) for o in outages],
        gaps=recording_gaps(segments, window_start, window_end),
    )


@router.get("/tokens", response_model=list[TokenOut], summary="API tokens, newest first")
def list_tokens(context: Context) -> list[TokenOut]:
    """Every API token that still works, with its scope and last use (browser only)."""
    return [TokenOut.of(token) for token in context.tokens.live()]


@router.post(
    "/tokens",
    response_model=TokenCreatedOut,
    status_code=201,
    responses={409: {"model": ErrorBody, "description": "Too many tokens."}},
    summary="Create an API token",
)
def create_token(new: TokenIn, context: Context) -> TokenCreatedOut:
    """A new token; its secret is in this answer only (browser only, X-CSRF-Token)."""
    secret, token = context.tokens.create(new.name, new.scope)
    return TokenCreatedOut(**TokenOut.of(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=RevokedOut, summary="Revoke an API token")
def revoke_token(
    token_id: Annotated[str, Path(max_length=64, description="The token's id.")],
    context: Context,
) -> RevokedOut:
    """Revoke one token; the others keep working (browser only, X-CSRF-Token)."""
    context.tokens.revoke(token_id)
    return RevokedOut(revoked=token_id)
