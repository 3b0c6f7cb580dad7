"""The feed JSON API: a home's feed (households), posts, media, comments, reports and
notifications (anyone signed in, each read checked against the post's area), hub
uploads (paired hubs), moderation and agencies (operators)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from frontporch import geo
from frontporch.server.accounts.auth import Operator, SignedIn, operator, signed_in
from frontporch.server.accounts.endpoints import ERRORS
from frontporch.server.accounts.schemas import ErrorOut
from frontporch.server.blobs import BlobError, BlobNotFound, BlobRangeError
from frontporch.server.context import Context
from frontporch.server.db import DbSession, finish
from frontporch.server.feed import pagecache, rules
from frontporch.server.feed.agencies import AgencyService
from frontporch.server.feed.comments import CommentService
from frontporch.server.feed.errors import (
    FeedError,
    MediaUnavailable,
    NoMedia,
    NoPoster,
    RangeNotSatisfiable,
    WrongLocation,
)
from frontporch.server.feed.moderation import Action, ModerationService
from frontporch.server.feed.notifications import NotificationService
from frontporch.server.feed.schemas import (
    HUB_UPLOAD_BODY,
    AgencyIn,
    AgencyMembershipIn,
    AgencyMembershipOut,
    AgencyOut,
    CommentIn,
    CommentOut,
    CommentsOut,
    FeedOut,
    HubPostOut,
    ModerationActionOut,
    ModerationIn,
    NotificationOut,
    NotificationsOut,
    PostIn,
    PostOut,
    QueueItemOut,
    QueueOut,
    ReadIn,
    ReportIn,
    ReportOut,
    UnreadOut,
    post_url,
)
from frontporch.server.feed.service import Draft, FeedService, MediaRef, PostView
from frontporch.server.feed.uploads import count_upload, received_upload, store_hub_post
from frontporch.server.homes.access import Household, household
from frontporch.server.hubs.auth import PairedHub, paired_hub
from frontporch.server.routing import protected_router
from frontporch.sharing_protocol import Category

# Access to a post can end (a moderator hides it, its author deletes it, a reader's
# home moves away), so no browser, least of all a shared one, may keep its media.
log = logging.getLogger(__name__)

MEDIA_CACHE = "private, no-store"


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


feed: APIRouter = protected_router(household, prefix="/api", tags=["feed"], responses=ERRORS)
posts: APIRouter = protected_router(signed_in, prefix="/api", tags=["feed"], responses=ERRORS)
moderation: APIRouter = protected_router(
    operator, prefix="/api/moderation", tags=["moderation"], responses=ERRORS
)
agencies: APIRouter = protected_router(
    operator, prefix="/api/operator", tags=["operator"], responses=ERRORS
)
hub: APIRouter = protected_router(paired_hub, prefix="/api/hub", tags=["hub"], responses=ERRORS)

PostId = Annotated[uuid.UUID, PathParam(description="The post's id.")]
CommentId = Annotated[uuid.UUID, PathParam(description="The comment's id.")]
UserId = Annotated[uuid.UUID, PathParam(description="The account's id.")]
Limit = Annotated[int, Query(ge=1, le=50, description="At most this many.")]
# The feed's query parameters, shared by the page of posts and its live stream.
FeedHome = Annotated[uuid.UUID, Query(description="One of your homes.")]
Radius = Annotated[
    float, Query(ge=rules.MIN_RADIUS_MI, le=rules.MAX_RADIUS_MI, description="Miles.")
]
CategoryFilter = Annotated[Category | None, Query(description="Only this category.")]
Cursor = Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]

# The service factories only build objects (no I/O), so they are `async def`: FastAPI
# calls them inline instead of sending each through the thread pool.


async def feed_service(db: DbSession, context: Context) -> FeedService:
    """The feed service for this request."""
    return FeedService(db, context)


async def comment_service(db: DbSession, context: Context) -> CommentService:
    """The comments service for this request."""
    return CommentService(db, context)


async def moderation_service(db: DbSession, context: Context) -> ModerationService:
    """The reports and moderation service for this request."""
    return ModerationService(db, context)


async def notification_service(db: DbSession, context: Context) -> NotificationService:
    """The notifications service for this request."""
    return NotificationService(db, context)


async def agency_service(db: DbSession, context: Context) -> AgencyService:
    """The agency registry for this request."""
    return AgencyService(db, context)


Feed = Annotated[FeedService, Depends(feed_service)]
Comments = Annotated[CommentService, Depends(comment_service)]
Moderation = Annotated[ModerationService, Depends(moderation_service)]
Notifications = Annotated[NotificationService, Depends(notification_service)]
Agencies = Annotated[AgencyService, Depends(agency_service)]


# -- the feed (households) ------------------------------------------------------------------


@feed.get("/feed", response_model=FeedOut)
def read_feed(
    subject: Household,
    db: DbSession,
    service: Feed,
    home_id: FeedHome,
    radius_mi: Radius = rules.DEFAULT_RADIUS_MI,
    category: CategoryFilter = None,
    before: Cursor = None,
    limit: Limit = 20,
) -> Response:
    """Posts within `radius_mi` of one of your homes, newest first; `next` continues."""
    page = service.feed_page(subject, home_id, radius_mi, category, before, limit, _render)
    finish(db)  # a read: commit here, in this thread, rather than in one more hop
    # The hottest endpoint: the page's JSON is written once per post when it is read
    # and kept while the feed does not change (feed/pagecache.py); returning the model
    # would make FastAPI dump it, validate it again and encode it on every request.
    return Response(page.json_for(subject.user_id), media_type="application/json")


def _render(views: Sequence[PostView]) -> list[pagecache.RenderedPost]:
    return [
        pagecache.rendered(view.post.seq, view.post.author_id, PostOut.of(view)) for view in views
    ]


# -- posts, media, comments, reports (signed in; each read checked by area) ---------------


@posts.post("/posts", status_code=201, response_model=PostOut)
def create_post(body: PostIn, subject: SignedIn, service: Feed) -> PostOut:
    """Post to the feed: residents from one of their homes (`home_id`), agency members
    at a point (`latitude`/`longitude`, turned into a cell here and dropped)."""
    cell = None
    if body.latitude is not None and body.longitude is not None:
        try:
            cell = geo.home_cell(body.latitude, body.longitude)
        except geo.GeoError as exc:
            raise WrongLocation(f"{exc}.", "latitude") from None
    draft = Draft(body.category, body.title, body.body, body.home_id, cell)
    return PostOut.of(service.create_post(subject, draft))


@posts.get("/posts/{post_id}", response_model=PostOut)
def get_post(
    post_id: PostId,
    subject: SignedIn,
    service: Feed,
    home_id: Annotated[
        uuid.UUID | None, Query(description="Measure the distance from this home.")
    ] = None,
) -> PostOut:
    """A post in your area (within 5 miles of one of your homes), or your own."""
    return PostOut.of(service.get_post(subject, post_id, home_id))


@posts.delete("/posts/{post_id}", status_code=204, response_class=Response)
def delete_post(post_id: PostId, subject: SignedIn, service: Feed) -> Response:
    """Delete your post (operators: any post), with its comments, reports and media."""
    service.delete_post(subject, post_id)
    return Response(status_code=204)


@posts.get(
    "/posts/{post_id}/media",
    response_class=Response,
    responses={
        200: {"content": {rules.MP4: {}, rules.JPEG: {}}, "description": "The whole media."},
        206: {"content": {rules.MP4: {}, rules.JPEG: {}}, "description": "The range asked for."},
        416: _error("The range starts past the end"),
        503: _error("The media could not be read just now"),
    },
)
def get_media(post_id: PostId, request: Request, subject: SignedIn, service: Feed) -> Response:
    """The post's clip or snapshot; honours `Range: bytes=…` so a video can seek."""
    media = service.media(subject, post_id)
    return _streamed(service, media, request.headers.get("range"), NoMedia)


@posts.get(
    "/posts/{post_id}/poster",
    response_class=Response,
    responses={
        200: {"content": {rules.JPEG: {}}, "description": "The poster frame."},
        503: _error("The poster could not be read just now"),
    },
)
def get_poster(post_id: PostId, subject: SignedIn, service: Feed) -> Response:
    """The still a post's clip shows until it is played (who may read the post may read
    it, as its media)."""
    poster = service.poster(subject, post_id)
    return _streamed(service, poster, None, NoPoster)


def _streamed(
    service: FeedService,
    media: MediaRef,
    range_header: str | None,
    missing: Callable[[], FeedError],
) -> Response:
    """A blob as a streamed response, whole (200) or the one range asked for (206): read
    from the store a chunk at a time, so a clip never sits whole in the server's memory.
    The blob is opened (and any refusal raised) before the response starts."""
    blobs = service.context.blobs
    try:
        size = media.size if media.size is not None else blobs.size(media.key)
        wanted = rules.byte_range(range_header, size)
        reader = blobs.open(media.key, *wanted) if wanted else blobs.open(media.key)
    except BlobNotFound:
        raise missing() from None
    except BlobRangeError:
        raise RangeNotSatisfiable(size) from None
    except BlobError:
        log.exception("could not read blob %s", media.key)
        raise MediaUnavailable() from None
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": MEDIA_CACHE,
        "Content-Length": str(reader.length),
    }
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {reader.first}-{reader.last}/{reader.size}"
    return StreamingResponse(
        reader,
        status_code=status,
        media_type=media.content_type,
        headers=headers,
        background=BackgroundTask(reader.close),
    )


@posts.get("/posts/{post_id}/comments", response_model=CommentsOut)
def list_comments(
    post_id: PostId, subject: SignedIn, service: Comments, after: Cursor = None, limit: Limit = 50
) -> CommentsOut:
    """A post's comments, oldest first; `next` continues."""
    thread = service.thread(subject, post_id, after, limit)
    return CommentsOut(
        comments=[CommentOut.of(view) for view in thread.comments], next=thread.next_cursor
    )


@posts.post("/posts/{post_id}/comments", status_code=201, response_model=CommentOut)
def add_comment(
    post_id: PostId, body: CommentIn, subject: SignedIn, service: Comments
) -> CommentOut:
    """Comment on a post you can read; its author is notified."""
    return CommentOut.of(service.add(subject, post_id, body.body))


@posts.delete("/comments/{comment_id}", status_code=204, response_class=Response)
def delete_comment(comment_id: CommentId, subject: SignedIn, service: Comments) -> Response:
    """Delete your comment (operators: any comment)."""
    service.delete(subject, comment_id)
    return Response(status_code=204)


@posts.post("/posts/{post_id}/reports", status_code=201, response_model=ReportOut)
def report_post(
    post_id: PostId, body: ReportIn, subject: SignedIn, service: Moderation
) -> ReportOut:
    """Ask the moderators to look at a post (one open report per person and post)."""
    report = service.report(subject, post_id, body.reason)
    return ReportOut(
        id=report.id, post_id=report.post_id, status="open", created_at=report.created_at
    )


@posts.get("/notifications", response_model=NotificationsOut)
def list_notifications(
    subject: SignedIn,
    service: Notifications,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="Older than this id.")] = None,
    limit: Limit = 50,
) -> NotificationsOut:
    """Your notifications, newest first, and how many are unread."""
    inbox = service.inbox(subject, before, limit)
    return NotificationsOut(
        notifications=[NotificationOut.of(n) for n in inbox.notifications],
        unread=inbox.unread,
        next=inbox.next_before,
    )


@posts.post("/notifications/read", response_model=UnreadOut)
def mark_read(body: ReadIn, subject: SignedIn, service: Notifications) -> UnreadOut:
    """Mark your notifications up to `up_to` read."""
    return UnreadOut(unread=service.mark_read(subject, body.up_to))


# -- moderation (operators) -------------------------------------------------------------------


@moderation.get("/queue", response_model=QueueOut)
def queue(
    subject: Operator,
    service: Moderation,
    limit: Limit = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> QueueOut:
    """Posts with open reports, most reported first, with reasons and counts."""
    items = service.queue(subject, limit, offset)
    return QueueOut(items=[QueueItemOut.of(item) for item in items])


def _act(action: Action) -> Any:
    def handler(
        post_id: PostId, body: ModerationIn, subject: Operator, service: Moderation
    ) -> PostOut:
        return PostOut.of(service.act(subject, post_id, action, body.reason))

    return handler


moderation.add_api_route(
    "/posts/{post_id}/hide",
    _act(Action.HIDE),
    methods=["POST"],
    response_model=PostOut,
    summary="Hide a post",
    description="Take a post out of every feed (its author still sees it, with the "
    "reason); resolves its open reports and notifies the author.",
)
moderation.add_api_route(
    "/posts/{post_id}/restore",
    _act(Action.RESTORE),
    methods=["POST"],
    response_model=PostOut,
    summary="Restore a hidden post",
    description="Put a hidden post back in the feeds; notifies the author.",
)
moderation.add_api_route(
    "/posts/{post_id}/dismiss",
    _act(Action.DISMISS),
    methods=["POST"],
    response_model=PostOut,
    summary="Dismiss a post's reports",
    description="The post stays as it is; its open reports are resolved.",
)


@moderation.get("/posts/{post_id}/history", response_model=list[ModerationActionOut])
def history(post_id: PostId, subject: Operator, service: Moderation) -> list[ModerationActionOut]:
    """Every moderation action on a post, oldest first."""
    return [ModerationActionOut.of(action) for action in service.history(post_id)]


# -- agencies (operators) ----------------------------------------------------------------------


@agencies.post("/agencies", status_code=201, response_model=AgencyOut)
def create_agency(body: AgencyIn, subject: Operator, service: Agencies) -> AgencyOut:
    """Register an agency you have verified; its members' posts carry this name."""
    return AgencyOut.of(service.create(body.name))


@agencies.get("/agencies", response_model=list[AgencyOut])
def list_agencies(subject: Operator, service: Agencies) -> list[AgencyOut]:
    """Every registered agency."""
    return [AgencyOut.of(agency) for agency in service.list_agencies()]


@agencies.put("/users/{user_id}/agency", response_model=AgencyMembershipOut)
def set_agency(
    user_id: UserId, body: AgencyMembershipIn, subject: Operator, service: Agencies
) -> AgencyMembershipOut:
    """Attach an agency-member account to an agency (null detaches it)."""
    user, agency = service.attach(user_id, body.agency_id)
    return AgencyMembershipOut(user_id=user.id, agency=AgencyOut.of(agency) if agency else None)


# -- hub uploads ---------------------------------------------------------------------------------


@hub.post(
    "/posts",
    status_code=201,
    response_model=HubPostOut,
    openapi_extra={"requestBody": HUB_UPLOAD_BODY},
    responses={
        200: {"model": HubPostOut, "description": "Sent before (same client_ref): that post"},
        413: _error("The media is larger than the server takes"),
        415: _error("Not multipart/form-data, or media that is not MP4 or JPEG"),
        429: _error("The home owner's hourly post quota is spent; nothing was read"),
        503: _error("The media could not be stored just now; nothing was posted"),
    },
)
async def upload_post(
    request: Request, response: Response, hub_subject: PairedHub, context: Context
) -> HubPostOut:
    """Publish a clip or snapshot the owner chose, as a post by the home's owner in the
    home's cell (multipart/form-data: category, title, body, client_ref, media and, with
    a clip, poster). The owner's post quota is checked before the body is read."""
    await run_in_threadpool(count_upload, context, hub_subject)
    async with received_upload(request, context.settings.feed_max_media_bytes) as upload:
        post, created = await run_in_threadpool(store_hub_post, context, hub_subject, upload)
    if not created:
        response.status_code = 200
    return HubPostOut(id=post.id, url=post_url(post.id))


ROUTERS = (feed, posts, moderation, agencies, hub)
