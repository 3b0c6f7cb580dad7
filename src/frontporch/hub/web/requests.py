"""The owner's footage-request pages: the inbox, one request to review and answer, and
what the hub released; plus a read-only JSON view of the requests.

Every action goes through `RequestDesk` (`hub/requests/service.py`); this module only
turns forms into its calls and its answers into pages. What the pages promise:

- Neutral by construction. The agency's words are shown exactly as filed (escaped,
  line breaks kept); the hub adds no prompt to agree, no countdown (only the expiry
  date), nothing pre-selected; the page says plainly that declining or ignoring is
  never reported to anyone, the agency included.
- Release needs the owner password (or a passkey) on the request's own form, every
  time: `web/confirm.py` checks it after the same rate limit as the sign-in form (the
  same check sharing an event makes), and `consent_from` makes the `OwnerConsent` the
  desk requires. An API token cannot reach the release or decline routes
  (`scopes.py` lists them for no scope), and a browser post needs the session's CSRF
  token (`auth.require_owner`).
- Declining is local: the request is marked declined on this hub and nothing is sent.

Handlers are plain `def`s: argon2, the store and the preview's re-encode run in
FastAPI's thread pool, not on the event loop.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from frontporch.hub.people.confirm import ConfirmAction
from frontporch.hub.requests.consent import ConsentError, consent_from
from frontporch.hub.requests.records import (
    ClipPick,
    FootageRequestRecord,
    ReleaseRecord,
    ReleaseState,
    RequestState,
)
from frontporch.hub.requests.service import RequestDesk, RequestDeskError, UnknownRequest
from frontporch.hub.web.api import MEDIA_CACHE
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.confirm import confirm_signed_in
from frontporch.hub.web.context import HubContext, client_address, hub_context
from frontporch.hub.web.errors import WebError, not_found
from frontporch.hub.web.pages import render, sentence
from frontporch.hub.web.request_views import (
    PickProblem,
    PickView,
    RangeField,
    area_drawing,
    event_picks,
    hub_offset,
    local_input,
    local_text,
    pick_views,
    preview_url,
    range_fields,
    range_picks,
    span_bars,
    zone_label,
)
from frontporch.hub.web.schemas import ErrorBody, EventOut
from frontporch.hub.web.sessions import Owner, lockout_message

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_owner)])
api_router = APIRouter(
    prefix="/api",
    dependencies=[Depends(require_owner)],
    responses={404: {"model": ErrorBody, "description": "No such request."}},
)
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
RequestId = Annotated[str, Path(max_length=64, description="A footage request's id.")]
ReleaseId = Annotated[str, Path(max_length=64, description="A release's id.")]
FormWord = Annotated[str, Form(max_length=1024)]
FormList = Annotated[list[str], Form(max_length=64)]
STATE_WORDS = {
    RequestState.VERIFYING: "Being checked",
    RequestState.OPEN: "Open",
    RequestState.REFUSED: "Refused by this hub",
    RequestState.DECLINED: "Declined",
    RequestState.RELEASED: "Released",
    RequestState.CLOSED: "Closed",
    RequestState.EXPIRED: "Expired",
}
RELEASE_WORDS = {
    ReleaseState.PREPARING: "Preparing the clips",
    ReleaseState.LOGGED: "Logged by the server",
    ReleaseState.UPLOADING: "Uploading",
    ReleaseState.DONE: "Done",
    ReleaseState.FAILED: "Failed",
}


def request_desk(request: Request) -> RequestDesk:
    """The desk of the app serving this request (built by `create_hub_app`)."""
    desk: RequestDesk = request.app.state.requests
    return desk


Desk = Annotated[RequestDesk, Depends(request_desk)]


def nav_values(request: Request) -> dict[str, Any]:
    """What every page's navigation needs: the number of open requests (a template
    context processor, so templates receive a value and query nothing)."""
    desk: RequestDesk | None = getattr(request.app.state, "requests", None)
    return {"open_request_count": desk.open_count() if desk is not None else 0}


def find_request(desk: RequestDesk, request_id: str) -> FootageRequestRecord:
    """The request with this id, or a 404 that points at the inbox."""
    record = desk.get(request_id)
    if record is None:
        raise not_found("request", f"No footage request {request_id!r} on this hub; see /requests.")
    return record


def find_release(desk: RequestDesk, release_id: str) -> ReleaseRecord:
    """The release with this id, or a 404 that points at the list."""
    record = desk.get_release(release_id)
    if record is None:
        raise not_found("release", f"No release {release_id!r} on this hub; see /released.")
    return record


# --- the inbox ----------------------------------------------------------------------


@router.get("/requests")
def inbox_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    declined: Annotated[bool, Query()] = False,
) -> Response:
    """Footage requests: open ones first (soonest expiry first), then the others."""
    requests = desk.inbox()
    return render(
        request,
        context,
        owner,
        "requests.html",
        nav="requests",
        open_requests=[r for r in requests if r.state is RequestState.OPEN],
        other_requests=[r for r in requests if r.state is not RequestState.OPEN],
        health=desk.log_health(),
        states=STATE_WORDS,
        notice="Declined. Nothing was sent to anyone." if declined else None,
    )


# --- one request ----------------------------------------------------------------------


def _padding(context: HubContext) -> dict[str, tuple[float, float]]:
    return {
        name: (camera.events.pre_capture_s, camera.events.post_capture_s)
        for name, camera in context.config.cameras.items()
    }


def render_request(
    request: Request,
    context: HubContext,
    owner: Owner,
    desk: RequestDesk,
    record: FootageRequestRecord,
    *,
    status: int = 200,
    checked: frozenset[str] = frozenset(),
    ranges: list[RangeField] | None = None,
    picks: list[PickView] | None = None,
    error: str | None = None,
    problem_field: str | None = None,
) -> Response:
    """The request page: what the agency filed, the area, the hub's footage in the
    window, and (while it is answerable) the consent and decline forms."""
    window = (record.window_start, record.window_end)
    offset = hub_offset(record.window_start)
    footage = desk.footage(record.id) if record.answerable else None
    cameras = list(context.config.cameras)
    typed = {field.camera: field for field in ranges or []}
    bars = []
    if footage is not None:
        for bar in span_bars(cameras, footage.spans, footage.events, window):
            field = typed.get(bar.camera)
            if field is not None:
                bar = replace(bar, start_value=field.start, end_value=field.end)
            bars.append(bar)
    events = []
    for event in footage.events if footage is not None else ():
        (pick,) = event_picks([event.id], [event], _padding(context), window)
        events.append((EventOut.of(event), preview_url(record.id, pick), event.id in checked))
    return render(
        request,
        context,
        owner,
        "request.html",
        status=status,
        nav="requests",
        req=record,
        state_word=STATE_WORDS[record.state],
        drawing=area_drawing(record.area),
        area_text=_area_text(record.area),
        health=desk.log_health(),
        events=events,
        bars=bars,
        offset=offset,
        zone=zone_label(offset),
        window_min=local_input(record.window_start, offset),
        window_max=local_input(record.window_end, offset),
        window_text=(
            local_text(record.window_start, offset),
            local_text(record.window_end, offset),
        ),
        picks=picks or [],
        error=error,
        problem_field=problem_field,
        releases=[r for r in desk.releases() if r.request_id == record.id],
        release_words=RELEASE_WORDS,
    )


def _area_text(area: dict[str, object]) -> str:
    if area.get("type") == "circle":
        return f"circle, centre {area.get('center')}, radius {area.get('radius_m')} m"
    return f"polygon, corners {area.get('points')}"


@router.get("/requests/{request_id}")
def request_page(
    request_id: RequestId, request: Request, owner: SignedIn, context: Context, desk: Desk
) -> Response:
    """One request: the agency's words as filed, the area, the window, the hub's own
    footage in it, and the forms to release or decline."""
    return render_request(request, context, owner, desk, find_request(desk, request_id))


@router.get(
    "/requests/{request_id}/preview",
    response_class=FileResponse,
)
def preview(
    request_id: RequestId,
    context: Context,
    desk: Desk,
    camera: Annotated[str, Query(max_length=64)],
    start: Annotated[float, Query(ge=0, allow_inf_nan=False)],
    end: Annotated[float, Query(ge=0, allow_inf_nan=False)],
) -> FileResponse:
    """A pick as it would be released: trimmed to the window, privacy masks burned in
    (MP4; re-encoded on first request, which takes seconds)."""
    record = find_request(desk, request_id)
    if not record.answerable:
        raise WebError(
            409,
            "request not answerable",
            f"This request is {record.state.value}; nothing to preview.",
        )
    context.require_camera(camera)
    if end <= start:
        raise WebError(400, "invalid request", [{"field": "end", "message": "must be after start"}])
    try:
        path = desk.preview(request_id, ClipPick(camera=camera, start=start, end=end))
    except UnknownRequest as exc:
        raise not_found("request", str(exc)) from None
    except RequestDeskError as exc:
        raise WebError(409, "cannot preview this range", sentence(str(exc))) from None
    return FileResponse(path, media_type="video/mp4", headers=MEDIA_CACHE)


def _picks(
    context: HubContext,
    desk: RequestDesk,
    record: FootageRequestRecord,
    chosen: list[str],
    ranges: list[RangeField],
    offset: int,
) -> list[ClipPick]:
    window = (record.window_start, record.window_end)
    footage = desk.footage(record.id)
    picks = event_picks(chosen, footage.events, _padding(context), window)
    picks += range_picks(ranges, offset, window, context.config.cameras)
    if not picks:
        raise PickProblem("events", "pick at least one event or range to release")
    return picks


@router.post("/requests/{request_id}/release")
def release_form(
    request_id: RequestId,
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    event: FormList = [],  # noqa: B006 (FastAPI copies defaults)
    range_camera: FormList = [],  # noqa: B006
    range_start: FormList = [],  # noqa: B006
    range_end: FormList = [],  # noqa: B006
    tz_offset: Annotated[int, Form(ge=-86_400, le=86_400)] = 0,
    password: FormWord = "",
    passkey_challenge: FormWord = "",
    passkey_credential: Annotated[str, Form(max_length=20_000)] = "",
    keep_audio: FormWord = "",
) -> Response:
    """Release the picked footage: the owner password (or a passkey) is checked
    (rate-limited like the sign-in) and the desk starts the work; then on to the
    release's page. A wrong password shows the form again and releases nothing."""
    record = find_request(desk, request_id)
    ranges = range_fields(range_camera, range_start, range_end)

    def again(
        status: int, error: str, field: str | None = None, picks: list[ClipPick] | None = None
    ) -> Response:
        return render_request(
            request,
            context,
            owner,
            desk,
            record,
            status=status,
            checked=frozenset(event),
            ranges=ranges,
            picks=pick_views(record.id, picks or [], tz_offset),
            error=sentence(error),
            problem_field=field,
        )

    if not record.answerable:
        return again(409, f"This request is {record.state.value}; nothing can be released for it")
    health = desk.log_health()
    if not health.ok:
        return again(409, health.message)
    client = client_address(request)
    wait = context.limiter.retry_after(client)
    if wait is not None:
        return again(429, lockout_message(wait) + " Nothing was released")
    try:
        picks = _picks(context, desk, record, event, ranges, tz_offset)
    except PickProblem as exc:
        return again(400, exc.message, exc.field)
    if keep_audio == "yes":  # sound is left out of released clips unless the owner keeps it
        picks = [replace(pick, keep_audio=True) for pick in picks]
    try:
        confirmed = confirm_signed_in(
            request,
            context,
            owner,
            ConfirmAction.release,
            password=password,
            passkey_challenge=passkey_challenge,
            passkey_credential=passkey_credential,
        )
    except WebError as exc:
        field = "release-password" if exc.status in (400, 401) else None
        return again(exc.status, str(exc.detail), field, picks)
    try:
        consent = consent_from(desk.store, confirmed, record.id, context.clock())
    except ConsentError as exc:
        return again(409, str(exc), None, picks)
    try:
        release = desk.release(consent, picks)
    except (RequestDeskError, ConsentError) as exc:
        return again(409, f"{exc}; nothing was released", None, picks)
    return RedirectResponse(f"/released/{release.id}", status_code=303)


@router.post("/requests/{request_id}/decline")
def decline_form(
    request_id: RequestId, request: Request, owner: SignedIn, context: Context, desk: Desk
) -> Response:
    """Decline the request on this hub; nothing is sent to the server or the agency."""
    record = find_request(desk, request_id)
    try:
        desk.decline(record.id)
    except UnknownRequest as exc:
        raise not_found("request", str(exc)) from None
    except RequestDeskError as exc:
        return render_request(
            request, context, owner, desk, record, status=409, error=sentence(str(exc))
        )
    return RedirectResponse("/requests?declined=1", status_code=303)


# --- what was released ------------------------------------------------------------------


def _release_rows(
    desk: RequestDesk, releases: list[ReleaseRecord]
) -> list[tuple[ReleaseRecord, FootageRequestRecord | None]]:
    return [(release, desk.get(release.request_id)) for release in releases]


@router.get("/released")
def released_page(request: Request, owner: SignedIn, context: Context, desk: Desk) -> Response:
    """Every release this hub made: when, to whom, which clips, and how far it got."""
    return render(
        request,
        context,
        owner,
        "released.html",
        nav="released",
        rows=_release_rows(desk, desk.releases()),
        single=False,
        release_words=RELEASE_WORDS,
    )


@router.get("/released/{release_id}")
def release_page(
    release_id: ReleaseId, request: Request, owner: SignedIn, context: Context, desk: Desk
) -> Response:
    """One release and its progress (the page reloads itself until it is done or failed)."""
    release = find_release(desk, release_id)
    return render(
        request,
        context,
        owner,
        "released.html",
        nav="released",
        rows=_release_rows(desk, [release]),
        single=True,
        working=release.state not in (ReleaseState.DONE, ReleaseState.FAILED),
        release_words=RELEASE_WORDS,
    )


@router.get("/released/{release_id}/manifest.json")
def release_manifest(release_id: ReleaseId, desk: Desk) -> Response:
    """The signed manifest exactly as the hub signed it (canonical JSON)."""
    release = find_release(desk, release_id)
    if release.manifest is None:
        raise not_found(
            "manifest", "This release has no manifest yet: its clips are still being prepared."
        )
    return Response(
        release.manifest,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="manifest-{release.id}.json"',
            **MEDIA_CACHE,
        },
    )


@router.get("/released/{release_id}/manifest.sig")
def release_signature(release_id: ReleaseId, desk: Desk) -> Response:
    """The manifest's Ed25519 signature (base64, one line)."""
    release = find_release(desk, release_id)
    if release.signature is None:
        raise not_found(
            "signature", "This release is not signed yet: its clips are still being prepared."
        )
    return Response(
        release.signature + "\n",
        media_type="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="manifest-{release.id}.sig"',
            **MEDIA_CACHE,
        },
    )


# --- the JSON API (read only) -------------------------------------------------------------


def _moment(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FootageRequestOut(BaseModel):
    """A footage request as this hub received and checked it."""

    id: str
    state: RequestState
    refusal: str | None = Field(description="Why the hub refused it, when it did.")
    closed_reason: str | None
    log_index: int = Field(description="Its request_filed entry in the server's log.")
    agency: str
    agency_name: str
    incident: str
    case_number: str = Field(description="Exactly as filed.")
    description: str = Field(description="Exactly as filed.")
    contact: str
    area: dict[str, object]
    window_start: str
    window_end: str
    expires_at: str
    received_at: str

    @classmethod
    def of(cls, record: FootageRequestRecord) -> FootageRequestOut:
        """Build from the desk's record."""
        return cls(
            id=record.id,
            state=record.state,
            refusal=record.refusal,
            closed_reason=record.closed_reason,
            log_index=record.log_index,
            agency=record.agency,
            agency_name=record.agency_name,
            incident=record.incident,
            case_number=record.case_number,
            description=record.description,
            contact=record.contact,
            area=record.area,
            window_start=_moment(record.window_start),
            window_end=_moment(record.window_end),
            expires_at=_moment(record.expires_at),
            received_at=_moment(record.received_at),
        )


@api_router.get("/requests", response_model=list[FootageRequestOut], summary="Footage requests")
def list_requests(desk: Desk) -> list[FootageRequestOut]:
    """Every footage request on this hub, open ones first. Read only: releasing needs the
    owner password on the request's page."""
    return [FootageRequestOut.of(record) for record in desk.inbox()]


@api_router.get(
    "/requests/{request_id}", response_model=FootageRequestOut, summary="One footage request"
)
def get_request(request_id: RequestId, desk: Desk) -> FootageRequestOut:
    """One footage request."""
    return FootageRequestOut.of(find_request(desk, request_id))
