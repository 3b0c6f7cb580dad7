"""Review items: the page `/review`, the JSON API under /api/review, marking reviewed.

Both the API and the page read and mark through the hub's `ReviewDesk`
(`hub/review/service.py`) with one filter check (`review_filter`), so they cannot
disagree. Marking works without JavaScript (the page's forms post here with the CSRF
token and come back to the same view) and with it (`static/review.js` calls the JSON
API and updates the page in place).

Bad input answers a 4xx that says what to do: an unknown camera 404 (listing the known
ones), an unknown label or zone, `after >= before`, an unreadable date 400, a cursor
this hub did not hand out 400, a bad severity or limit 422 (API) / 400 (page).
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import URL

from frontporch.hub.review.grouping import Severity
from frontporch.hub.review.records import (
    InvalidReviewCursor,
    ReviewFilter,
    ReviewPage,
    UnknownReviewItem,
)
from frontporch.hub.review.service import ReviewDesk
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError, not_found
from frontporch.hub.web.pages import render
from frontporch.hub.web.review_schemas import (
    MarkedOut,
    ReviewedIn,
    ReviewItemOut,
    ReviewPageOut,
    camera_title,
)
from frontporch.hub.web.schemas import ErrorBody
from frontporch.hub.web.sessions import Owner

PAGE_SIZE = 24
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A filter or cursor the hub cannot use."},
    404: {"model": ErrorBody, "description": "No such camera or review item."},
}

router = APIRouter(dependencies=[Depends(require_owner)], responses=ERRORS)
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
ItemId = Annotated[str, Path(max_length=200, description="A review item's id.")]
Word = Annotated[str | None, Query(max_length=64)]


def review_desk(request: Request) -> ReviewDesk:
    """The review desk of the app serving this request (built by `create_hub_app`)."""
    desk: ReviewDesk = request.app.state.review
    return desk


Desk = Annotated[ReviewDesk, Depends(review_desk)]


def _bad(field: str, message: str) -> WebError:
    return WebError(400, "invalid request", [{"field": field, "message": message}])


def review_filter(
    context: HubContext,
    *,
    camera: str | None = None,
    label: str | None = None,
    zone: str | None = None,
    after: float | None = None,
    before: float | None = None,
    severity: Severity | None = None,
    reviewed: bool | None = None,
) -> ReviewFilter:
    """The owner's filter, checked against the configuration (empty strings: any)."""
    cameras = context.config.cameras.values()
    if camera:
        context.require_camera(camera)
    labels = sorted({x for c in cameras for x in (*c.objects.track, *c.review.alert_labels)})
    if label and label not in labels:
        raise _bad("label", f"no camera tracks {label!r}; known labels: {', '.join(labels)}")
    zones = sorted({z for c in cameras for z in c.zones})
    if zone and zone not in zones:
        known = ", ".join(zones) or "no zones are configured"
        raise _bad("zone", f"no camera has a zone {zone!r}; known zones: {known}")
    if after is not None and before is not None and after >= before:
        raise _bad("after", "must be before 'before'")
    return ReviewFilter(
        camera=camera or None,
        label=label or None,
        zone=zone or None,
        after=after,
        before=before,
        severity=severity,
        reviewed=reviewed,
    )


def read_items(desk: ReviewDesk, where: ReviewFilter, limit: int, cursor: str | None) -> ReviewPage:
    """A page of items; a foreign cursor is the caller's 400."""
    try:
        return desk.items(where, limit, cursor or None)
    except InvalidReviewCursor:
        raise _bad("cursor", "not a cursor this hub handed out; drop it to start again") from None


def _no_item(item_id: str) -> WebError:
    return not_found(
        "review item",
        f"No review item {item_id!r}; its events may have been deleted. See /api/review.",
    )


# --- JSON API ------------------------------------------------------------------------


def api_filter(
    context: Context,
    camera: Annotated[str | None, Query(max_length=64, description="Only this camera.")] = None,
    label: Annotated[str | None, Query(max_length=64, description="Items with this label.")] = None,
    zone: Annotated[str | None, Query(max_length=64, description="Items in this zone.")] = None,
    after: Annotated[
        float | None,
        Query(ge=0, allow_inf_nan=False, description="Items still going at/after (unix)."),
    ] = None,
    before: Annotated[
        float | None, Query(ge=0, allow_inf_nan=False, description="Items begun before (unix).")
    ] = None,
    severity: Annotated[Severity | None, Query(description="'alert' or 'detection'.")] = None,
    reviewed: Annotated[bool | None, Query(description="Only reviewed (true) or not.")] = None,
) -> ReviewFilter:
    """The API's filter parameters (shared by listing and "mark all")."""
    return review_filter(
        context,
        camera=camera,
        label=label,
        zone=zone,
        after=after,
        before=before,
        severity=severity,
        reviewed=reviewed,
    )


Filter = Annotated[ReviewFilter, Depends(api_filter)]


@router.get("/api/review", response_model=ReviewPageOut, summary="Review items, newest first")
def list_review_items(
    where: Filter,
    desk: Desk,
    context: Context,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=400, description="`next_cursor` of the previous page.")
    ] = None,
) -> ReviewPageOut:
    """Items whose span overlaps [after, before), matching the filters; follow
    `next_cursor` for older ones."""
    page = read_items(desk, where, limit, cursor)
    return ReviewPageOut(
        items=[ReviewItemOut.of(item, context.config) for item in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/api/review/{item_id}", response_model=ReviewItemOut, summary="One review item")
def get_review_item(item_id: ItemId, desk: Desk, context: Context) -> ReviewItemOut:
    """One item, with its events' ids."""
    try:
        return ReviewItemOut.of(desk.item(item_id), context.config)
    except UnknownReviewItem:
        raise _no_item(item_id) from None


@router.post("/api/review/reviewed", response_model=MarkedOut, summary="Mark all matching items")
def mark_all_reviewed(
    where: Filter, desk: Desk, body: Annotated[ReviewedIn | None, Body()] = None
) -> MarkedOut:
    """Mark every item matching the filters (the same as listing takes) reviewed, or
    unreviewed with `{"reviewed": false}`; says how many changed."""
    reviewed = True if body is None else body.reviewed
    return MarkedOut(marked=desk.mark_all(where, reviewed), reviewed=reviewed)


@router.post(
    "/api/review/{item_id}/reviewed", response_model=ReviewItemOut, summary="Mark one item"
)
def mark_reviewed(item_id: ItemId, body: ReviewedIn, desk: Desk, context: Context) -> ReviewItemOut:
    """Mark one item reviewed (`{"reviewed": true}`) or unreviewed again."""
    try:
        return ReviewItemOut.of(desk.mark(item_id, body.reviewed), context.config)
    except UnknownReviewItem:
        raise _no_item(item_id) from None


# --- the page ------------------------------------------------------------------------

State = Literal["unreviewed", "reviewed", "all"]
STATE_FILTER: dict[str, bool | None] = {"unreviewed": False, "reviewed": True, "all": None}


def day_bounds(day: str) -> tuple[float | None, float | None]:
    """The hub-local calendar day `YYYY-MM-DD` as [start, end) unix times."""
    if not day:
        return None, None
    try:
        parsed = Date.fromisoformat(day)
    except ValueError:
        raise _bad("date", f"{day!r} is not a date like 2024-05-01") from None
    start = datetime.combine(parsed, time.min).astimezone()
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def page_filter(
    context: HubContext, values: dict[str, str], *, with_state: bool = True
) -> ReviewFilter:
    """The page's (or its forms') filter values as a ReviewFilter."""
    after, before = day_bounds(values.get("date", ""))
    severity = values.get("severity", "")
    if severity and severity not in Severity.__members__:
        raise _bad("severity", "must be 'alert', 'detection' or empty")
    state = values.get("state", "unreviewed")
    if state not in STATE_FILTER:
        raise _bad("state", "must be 'unreviewed', 'reviewed' or 'all'")
    return review_filter(
        context,
        camera=values.get("camera"),
        label=values.get("label"),
        zone=values.get("zone"),
        after=after,
        before=before,
        severity=Severity(severity) if severity else None,
        reviewed=STATE_FILTER[state] if with_state else None,
    )


FILTER_KEYS = ("camera", "label", "zone", "date", "severity", "state")


def page_url(values: dict[str, str], **extra: str) -> str:
    """/review with these filter values (empty ones dropped)."""
    params = {k: values[k] for k in FILTER_KEYS if values.get(k)}
    params.update({k: v for k, v in extra.items() if v})
    return str(URL("/review").include_query_params(**params)) if params else "/review"


@router.get("/review", include_in_schema=False)
def review_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    desk: Desk,
    camera: Annotated[str, Query(max_length=64)] = "",
    label: Annotated[str, Query(max_length=64)] = "",
    zone: Annotated[str, Query(max_length=64)] = "",
    date: Annotated[str, Query(max_length=10)] = "",
    severity: Annotated[str, Query(max_length=16)] = "",
    state: Annotated[str, Query(max_length=16)] = "unreviewed",
    cursor: Annotated[str, Query(max_length=400)] = "",
) -> Response:
    """Review items, newest first: alerts and detections, unreviewed by default."""
    values = {
        "camera": camera,
        "label": label,
        "zone": zone,
        "date": date,
        "severity": severity,
        "state": state,
    }
    page = read_items(desk, page_filter(context, values), PAGE_SIZE, cursor)
    cameras = context.config.cameras
    return render(
        request,
        context,
        owner,
        "review.html",
        nav="review",
        items=[ReviewItemOut.of(item, context.config) for item in page.items],
        values=values,
        here=page_url(values, cursor=cursor),
        first_url=page_url(values) if cursor else None,
        older_url=page_url(values, cursor=page.next_cursor) if page.next_cursor else None,
        tabs=[(s, page_url({**values, "severity": s})) for s in ("", "alert", "detection")],
        cameras=[(name, camera_title(context.config, name)) for name in cameras],
        labels=sorted({x for c in cameras.values() for x in c.objects.track}),
        zones=sorted({z for c in cameras.values() for z in c.zones}),
        notice=_notice(request.query_params.get("marked")),
        day_bounds=day_bounds(date),
    )


def _notice(marked: str | None) -> str | None:
    if marked is None or not marked.isdigit():
        return None
    count = int(marked)
    return f"Marked {count} item{'' if count == 1 else 's'} reviewed."


def _back(back: str) -> str:
    # Only back to the review page itself, never to another site.
    return back if back.startswith("/review") and not back.startswith("//") else "/review"


FormWord = Annotated[str, Form(max_length=64)]


@router.post("/review/reviewed", include_in_schema=False)
def mark_all_form(
    context: Context,
    desk: Desk,
    camera: FormWord = "",
    label: FormWord = "",
    zone: FormWord = "",
    date: FormWord = "",
    severity: FormWord = "",
    reviewed: Annotated[bool, Form()] = True,
    back: Annotated[str, Form(max_length=1000)] = "/review",
) -> Response:
    """ "Mark all reviewed" for the page's current filter; back to the same view."""
    values = {"camera": camera, "label": label, "zone": zone, "date": date, "severity": severity}
    count = desk.mark_all(page_filter(context, values, with_state=False), reviewed)
    target = URL(_back(back)).remove_query_params(["marked", "cursor"])
    return RedirectResponse(str(target.include_query_params(marked=count)), status_code=303)


@router.post("/review/{item_id}/reviewed", include_in_schema=False)
def mark_form(
    item_id: ItemId,
    desk: Desk,
    reviewed: Annotated[bool, Form()] = True,
    back: Annotated[str, Form(max_length=1000)] = "/review",
) -> Response:
    """Mark one item from its card; back to the same view, at the item."""
    try:
        desk.mark(item_id, reviewed)
    except UnknownReviewItem:
        raise _no_item(item_id) from None
    return RedirectResponse(f"{_back(back)}#item-{item_id}", status_code=303)
