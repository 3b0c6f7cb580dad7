"""Sharing an event with the Neighbors feed, from the hub's pages and its JSON API.

- `share_view`: what the event page's "Share with neighbors" section shows: the post
  already made, the form, or why the event cannot be shared (the hub is not paired,
  the event is still going on, its camera's privacy masks are unknown).
- `GET /api/events/{id}/public-snapshot.jpg`: the snapshot as neighbors would see it:
  the clean copy of the best frame (no detector boxes, see `hub/store/snapshots.py`) with
  privacy masks burned in (the page's preview).
- `POST /api/events/{id}/publish` (JSON) and the page's form (`pages.py`) both go
  through `publish_for`, which first confirms the signed-in person by their password or
  a passkey (`web/confirm.py`, the check a release makes too: 400 when neither was
  sent, 401 when wrong, 429 while locked out; nothing is rendered or uploaded then),
  then calls the owner's action (`hub/services/sharing.py`) and turns what goes wrong
  into HTTP answers. An API token cannot share at all (`scopes.py`).

Publishing re-encodes the clip, which takes seconds: the handlers are plain `def`s, so
FastAPI runs them in its thread pool and the event loop stays free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from frontporch.crypto.pairing import origin_of
from frontporch.hub.community.link import LinkError, NotPaired, ServerLink
from frontporch.hub.community.publish import (
    PAIR_HINT,
    Category,
    CredentialRevoked,
    FootageUnavailable,
    InvalidPost,
    MediaChoice,
    MediaTooLarge,
    PostDraft,
    PublishError,
    RenderError,
    ServerRefused,
    render_public_snapshot,
)
from frontporch.hub.config import CameraConfig
from frontporch.hub.people.confirm import ConfirmAction, NotConfirmed
from frontporch.hub.ports import EventRecord, PublicationRecord
from frontporch.hub.services.event_media import clip_window
from frontporch.hub.services.sharing import (
    ShareRefused,
    camera_of,
    camera_unknown,
    share_event,
    why_not_shareable,
)
from frontporch.hub.store.index import UnknownEventError
from frontporch.hub.store.snapshots import public_source
from frontporch.hub.web.api import NOT_FOUND, EventId, find_event
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.confirm import confirm_signed_in
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError, not_found
from frontporch.hub.web.schemas import ErrorBody, PublicationOut, PublishIn
from frontporch.hub.web.sessions import Owner

router = APIRouter(prefix="/api", dependencies=[Depends(require_owner)], responses=NOT_FOUND)
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]

# What each failure answers: status and a few words (the message says what to do).
_FAILURES: dict[type[PublishError], tuple[int, str]] = {
    InvalidPost: (422, "invalid post"),
    FootageUnavailable: (410, "footage unavailable"),
    MediaTooLarge: (413, "media too large"),
    CredentialRevoked: (409, "pairing revoked"),
    ServerRefused: (502, "community server refused"),
    RenderError: (503, "cannot prepare the media"),
}


PUBLISH_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Neither the password nor a passkey answer was sent: nothing was shared."),
        (401, "Not signed in, a wrong password, or a passkey answer that did not verify."),
        (409, "Not paired, pairing revoked, event still going on, or camera unknown."),
        (410, "The clip or snapshot asked for is gone."),
        (413, "The media is over the server's size limit."),
        (422, "A field of the post is not acceptable (`detail` names it)."),
        (502, "The community server could not be reached or refused the post."),
        (429, "Too many wrong passwords from this address: nothing was shared."),
        (503, "The media could not be read or rendered (disk full, damaged clip)."),
    )
}


def web_error(exc: PublishError) -> WebError:
    """The HTTP answer to a publishing failure."""
    status, error = next(
        (answer for kind, answer in _FAILURES.items() if isinstance(exc, kind)),
        (502, "publishing failed"),
    )
    if isinstance(exc, InvalidPost):
        problems = [{"field": field or "(post)", "message": text} for field, text in exc.problems]
        return WebError(status, error, problems)
    return WebError(status, error, str(exc))


@dataclass(frozen=True)
class ShareConfirmation:
    """What a share form or API call sent to confirm the person: the password, or a
    passkey's answer to a "share" challenge."""

    password: str = ""
    passkey_challenge: str = ""
    passkey_credential: str | dict[str, Any] | None = None


@dataclass(frozen=True)
class ShareView:
    """What the event page's sharing section shows.

    `publication` is set once the event was published. Otherwise `paired` says whether
    the hub can publish at all (`problem` explains a broken link file), and `blocked`
    why this event cannot be shared yet.
    """

    publication: PublicationRecord | None
    paired: bool
    server: str | None
    home_name: str | None
    problem: str | None
    blocked: str | None
    masks: int
    has_footage: bool
    preview_url: str | None
    categories: tuple[tuple[str, str], ...]
    pair_hint: str = PAIR_HINT
    audio: bool = False  # the camera records sound: the form offers to keep it


def _has_footage(context: HubContext, event: EventRecord, camera: CameraConfig | None) -> bool:
    if event.clip is not None:
        return True
    if camera is None or event.end is None:
        return False
    start, end = clip_window(event, camera, event.end)
    return bool(context.store.segments(event.camera, start, end))


def share_view(context: HubContext, event: EventRecord) -> ShareView:
    """What the event page offers for sharing this event."""
    camera = camera_of(context.config, event)
    link: ServerLink | None = None
    problem = None
    try:
        link = ServerLink.load(context.config.storage.path)
    except NotPaired:
        pass
    except LinkError as exc:
        problem = str(exc)
    has_snapshot = context.runtime.snapshot_path(event.id) is not None
    has_footage = _has_footage(context, event, camera)
    blocked = why_not_shareable(context.config, event)
    if blocked is None and not has_footage and not has_snapshot:
        blocked = "Nothing of this event is left to share: its recording and snapshot are gone."
    return ShareView(
        publication=context.store.get_publication(event.id),
        paired=link is not None,
        server=origin_of(link.server_url) if link else None,
        home_name=link.home_name if link else None,
        problem=problem,
        blocked=blocked,
        masks=len(camera.privacy_masks) if camera else 0,
        has_footage=has_footage,
        preview_url=(
            f"/api/events/{event.id}/public-snapshot.jpg"
            if has_snapshot and camera is not None
            else None
        ),
        categories=tuple((c.value, c.label) for c in Category),
        audio=bool(camera and camera.record.audio),
    )


def publish_for(
    request: Request,
    context: HubContext,
    owner: Owner,
    event_id: str,
    draft: PostDraft,
    choice: MediaChoice,
    keep_audio: bool = False,
    *,
    confirm: ShareConfirmation,
) -> tuple[PublicationRecord, bool]:
    """Confirm the signed-in person, then publish an event (once): (the post's record,
    whether it was published just now).

    Raises `WebError`: 404 for an unknown event, 400/401/429 when the person is not
    confirmed (nothing is shared then), 409 when the hub is not paired or the event
    cannot be shared, and the mapped status of any `PublishError`.
    """
    find_event(context, event_id)
    confirmation = confirm_signed_in(
        request,
        context,
        owner,
        ConfirmAction.share,
        password=confirm.password,
        passkey_challenge=confirm.passkey_challenge,
        passkey_credential=confirm.passkey_credential,
    )
    try:
        return share_event(
            context.store,
            context.runtime,
            context.config,
            event_id,
            draft,
            choice,
            context.clock,
            confirmation,
            keep_audio,
        )
    except NotConfirmed as exc:
        words = f"Not confirmed ({exc}); nothing was shared."
        raise WebError(401, "not confirmed", words) from None
    except UnknownEventError as exc:
        raise not_found("event", str(exc)) from None
    except ShareRefused as exc:
        raise WebError(409, exc.error, str(exc)) from None
    except PublishError as exc:
        raise web_error(exc) from None


def draft_from(category: str, title: str, body: str, media: str) -> tuple[PostDraft, MediaChoice]:
    """The owner's post and media choice from raw input; WebError 422 naming every field
    that is wrong, so the form can show all of them at once."""
    problems: list[tuple[str | None, str]] = []
    choice = next((c for c in MediaChoice if c.value == (media or MediaChoice.auto)), None)
    draft: PostDraft | None = None
    try:
        draft = PostDraft.of(category, title, body)
    except InvalidPost as exc:
        problems += exc.problems
    if choice is None:
        problems.append(("media", "choose the clip or the snapshot"))
    if problems or draft is None or choice is None:
        raise web_error(InvalidPost(problems[0][1], problems=problems))
    return draft, choice


@router.get(
    "/events/{event_id}/public-snapshot.jpg",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "The masked snapshot."},
        409: {"model": ErrorBody, "description": "The camera's privacy masks are unknown."},
        503: {"model": ErrorBody, "description": "The snapshot could not be read."},
    },
    summary="An event's snapshot as neighbors would see it",
)
def public_snapshot(event_id: EventId, context: Context) -> Response:
    """The event's snapshot with the camera's privacy masks blacked out, as it would be
    shared: re-encoded, without metadata."""
    event = find_event(context, event_id)
    camera = camera_of(context.config, event)
    if camera is None:
        raise WebError(409, "camera unknown", camera_unknown(event))
    path = context.runtime.snapshot_path(event_id)
    if path is None:
        raise not_found("snapshot", "This event has no snapshot; share its clip instead.")
    try:
        data = render_public_snapshot(public_source(path), list(camera.privacy_masks))
    except PublishError as exc:
        raise web_error(exc) from None
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.post(
    "/events/{event_id}/publish",
    response_model=PublicationOut,
    status_code=201,
    responses={
        200: {"model": PublicationOut, "description": "Already published: the same post."},
        **PUBLISH_ERRORS,
    },
    summary="Share an event with the Neighbors feed",
)
def publish(
    event_id: EventId,
    post: PublishIn,
    request: Request,
    owner: SignedIn,
    context: Context,
    response: Response,
) -> PublicationOut:
    """Render the event's clip (or snapshot) with privacy masks burned in and post it to
    the paired community server's Neighbors feed. Needs the signed-in person's
    `password`, or `passkey_challenge` and `passkey_credential` (a passkey's answer to a
    challenge from `POST /api/passkeys/confirm/options` with purpose "share"), checked
    before anything is rendered: 400 when neither is sent, 401 when wrong. Takes
    seconds (the clip is re-encoded). Publishing an event again answers 200 with the
    post made the first time; nothing is uploaded again. Cookie sessions must send
    X-CSRF-Token; API tokens cannot share."""
    draft, choice = draft_from(post.category.value, post.title, post.body, post.media.value)
    confirm = ShareConfirmation(post.password, post.passkey_challenge, post.passkey_credential)
    record, created = publish_for(
        request, context, owner, event_id, draft, choice, post.keep_audio, confirm=confirm
    )
    response.status_code = 201 if created else 200
    return PublicationOut.of(record, already_published=not created)
