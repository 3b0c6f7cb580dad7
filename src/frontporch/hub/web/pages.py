"""The owner's pages: camera grid, one camera, the event timeline and one event.

Server-rendered with Jinja2; the small scripts under static/ only add live status,
local time formatting and a confirmation before deleting. The event page's "Share with
neighbors" form posts to `/events/{id}/publish` (see `sharing.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import URL

from frontporch.hub.ports import EventRecord
from frontporch.hub.services import event_media
from frontporch.hub.web.api import EventId, find_event, no_such_event, query_events
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.confirm import CONFIRM_ERRORS
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError, detail_text
from frontporch.hub.web.schemas import CameraOut, CameraStatsOut, EventOut
from frontporch.hub.web.sessions import Owner
from frontporch.hub.web.sharing import ShareConfirmation, draft_from, publish_for, share_view

PAGE_SIZE = 50
RECENT_EVENTS = 12

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]


def render(
    request: Request,
    context: HubContext,
    owner: Owner | None,
    template: str,
    *,
    status: int = 200,
    **values: object,
) -> Response:
    """Render a page template with the owner and their CSRF token available."""
    values.update(owner=owner, csrf_token=owner.csrf_token if owner else None)
    return context.templates.TemplateResponse(request, template, values, status_code=status)


@dataclass
class DayGroup:
    """Events of one (hub-local) day, newest first."""

    day: str
    label: str
    events: list[EventOut] = field(default_factory=list)


def group_by_day(events: list[EventRecord]) -> list[DayGroup]:
    """Group events (already newest first) by the hub's local calendar day."""
    groups: list[DayGroup] = []
    for event in events:
        local = datetime.fromtimestamp(event.start).astimezone()
        day = local.date().isoformat()
        if not groups or groups[-1].day != day:
            groups.append(DayGroup(day=day, label=f"{local:%A} {local.day} {local:%B %Y}"))
        groups[-1].events.append(EventOut.of(event))
    return groups


def tracked_labels(context: HubContext) -> list[str]:
    """Every label any camera tracks, for the label filter."""
    return sorted({label for cam in context.config.cameras.values() for label in cam.objects.track})


def camera_views(context: HubContext) -> list[CameraOut]:
    """Config and live status of every camera, in display order."""
    return [
        CameraOut.of(name, context.config.cameras[name], context.runtime.camera_status(name))
        for name in context.runtime.camera_names()
        if name in context.config.cameras
    ]


@router.get("/")
def camera_grid(request: Request, owner: SignedIn, context: Context) -> Response:
    """All cameras live, in a grid; until a recovery key exists, the offer of one."""
    return render(
        request,
        context,
        owner,
        "grid.html",
        cameras=camera_views(context),
        backup_offer=request.app.state.backup.needs_recovery_key(),
    )


@router.get("/cameras/{name}")
def camera_page(name: str, request: Request, owner: SignedIn, context: Context) -> Response:
    """One camera large, its stats and its recent events."""
    context.require_camera(name)
    status = context.runtime.camera_status(name)
    events, _ = query_events(context, name, None, None, None, RECENT_EVENTS, None)
    return render(
        request,
        context,
        owner,
        "camera.html",
        camera=CameraOut.of(name, context.config.cameras[name], status),
        stats=CameraStatsOut.of_camera(status),
        groups=group_by_day(events),
        switches=request.app.state.controls.switches(name),
    )


@router.get("/events")
def events_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    camera: Annotated[str, Query(max_length=64)] = "",
    label: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The event timeline, grouped by day, filterable by camera and label."""
    events, next_cursor = query_events(
        context, camera or None, label or None, None, None, PAGE_SIZE, cursor or None
    )
    older_url = None
    if next_cursor is not None:
        params = {k: v for k, v in (("camera", camera), ("label", label)) if v}
        older_url = str(URL("/events").include_query_params(**params, cursor=next_cursor))
    return render(
        request,
        context,
        owner,
        "events.html",
        groups=group_by_day(events),
        cameras=context.runtime.camera_names(),
        labels=tracked_labels(context),
        selected_camera=camera,
        selected_label=label,
        paged=bool(cursor),
        older_url=older_url,
        notice="Event deleted." if request.query_params.get("deleted") else None,
    )


def render_event(
    request: Request,
    context: HubContext,
    owner: Owner,
    event_id: str,
    *,
    status: int = 200,
    **values: object,
) -> Response:
    """The event page, with its sharing section; `values` fill the sharing form."""
    record = find_event(context, event_id)
    share = share_view(context, record)
    values.setdefault("form", {"media": "clip" if share.has_footage else "snapshot"})
    return render(
        request,
        context,
        owner,
        "event.html",
        status=status,
        event=EventOut.of(record),
        share=share,
        **values,
    )


@router.get("/events/{event_id}")
def event_page(
    event_id: EventId,
    request: Request,
    owner: SignedIn,
    context: Context,
    published: Annotated[bool, Query()] = False,
) -> Response:
    """One event: its clip, snapshot and details, sharing with neighbors, and delete."""
    return render_event(request, context, owner, event_id, just_published=published)


PostText = Annotated[str, Form(max_length=20_000)]
PostWord = Annotated[str, Form(max_length=200)]


@router.post("/events/{event_id}/publish")
def publish_event_form(
    event_id: EventId,
    request: Request,
    owner: SignedIn,
    context: Context,
    category: PostWord = "",
    title: PostText = "",
    body: PostText = "",
    media: PostWord = "auto",
    keep_audio: PostWord = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    passkey_challenge: PostWord = "",
    passkey_credential: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Share the event with the Neighbors feed from its page, confirmed by the person's
    password or passkey; back to the page after, showing the post, or the form again
    with what went wrong (nothing shared)."""
    find_event(context, event_id)
    confirm = ShareConfirmation(password, passkey_challenge, passkey_credential)
    try:
        draft, choice = draft_from(category, title, body, media)
        publish_for(
            request, context, owner, event_id, draft, choice, keep_audio == "yes", confirm=confirm
        )
    except WebError as exc:
        if exc.status == 404:
            raise
        form = {
            "category": category,
            "title": title,
            "body": body,
            "media": media,
            "keep_audio": keep_audio,
        }
        problems = field_problems(exc.detail) if exc.status == 422 else []
        message = detail_text(exc.detail) or exc.error
        return render_event(
            request,
            context,
            owner,
            event_id,
            status=400 if exc.status == 422 else exc.status,
            form=form,
            share_error=None if problems else sentence(message),
            share_problems=problems,
            password_error=exc.error in CONFIRM_ERRORS,
        )
    return RedirectResponse(f"/events/{event_id}?published=1#share", status_code=303)


# The share form's control for each field a post problem can name.
SHARE_CONTROLS = {
    "category": "post-category",
    "title": "post-title",
    "body": "post-body",
    "media": "media-clip",
}


@dataclass(frozen=True)
class FieldProblem:
    """One mistake on a form: the control it belongs to (None: the whole post) and what
    to do, as a sentence."""

    control: str | None
    message: str


def sentence(text: str) -> str:
    """`text` with a capital first letter and a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def field_problems(detail: object) -> list[FieldProblem]:
    """The share form's problems from a 422's detail list, in the form's order."""
    if not isinstance(detail, list):
        return []
    problems = [
        FieldProblem(SHARE_CONTROLS.get(str(p.get("field"))), sentence(str(p.get("message"))))
        for p in detail
        if isinstance(p, dict)
    ]
    order = list(SHARE_CONTROLS.values())
    return sorted(problems, key=lambda p: order.index(p.control) if p.control else -1)


@router.post("/events/{event_id}/delete")
def delete_event_form(event_id: EventId, owner: SignedIn, context: Context) -> Response:
    """Delete an event from its page's form, then go back to the timeline."""
    if event_media.delete_event(context.store, context.config.storage.path, event_id) is None:
        raise no_such_event(event_id)
    return RedirectResponse("/events?deleted=1", status_code=303)
