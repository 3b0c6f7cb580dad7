"""The posts JSON API: a home's feed (households), posts and their media (anyone signed
in, each read checked against the post's area), and hub uploads (paired hubs)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from frontporch import geo
from frontporch.server.accounts.auth import GuardedSubject, SignedIn, signed_in
from frontporch.server.context import Context, context_of
from frontporch.server.db import DbSession, finish
from frontporch.server.feed import rules
from frontporch.server.feed.errors import NoMedia, NoPoster, WrongLocation
from frontporch.server.feed.params import CategoryFilter, Cursor, FeedHome, Limit, PostId, Radius
from frontporch.server.feed.posts.media import streamed
from frontporch.server.feed.posts.pagecache import page_cache_of
from frontporch.server.feed.posts.reading import FeedReader
from frontporch.server.feed.posts.schemas import (
    HUB_UPLOAD_BODY,
    FeedOut,
    HubPostOut,
    PostIn,
    PostOut,
    post_url,
)
from frontporch.server.feed.posts.service import Draft, PostService
from frontporch.server.feed.posts.uploads import count_upload, received_upload, store_hub_post
from frontporch.server.homes.access import household
from frontporch.server.hubs.auth import PairedHub, paired_hub
from frontporch.server.kit.schemas import ERRORS, ErrorOut
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


feed: APIRouter = protected_router(household, prefix="/api", tags=["feed"], responses=ERRORS)
posts: APIRouter = protected_router(signed_in, prefix="/api", tags=["feed"], responses=ERRORS)
hub: APIRouter = protected_router(paired_hub, prefix="/api/hub", tags=["hub"], responses=ERRORS)

# The service factories only build objects (no I/O), so they are `async def`: FastAPI
# calls them inline instead of sending each through the thread pool.
Posts = Annotated[PostService, Depends(per_request(PostService))]


# -- the feed (households) ------------------------------------------------------------------


@feed.get("/feed", response_model=FeedOut)
def read_feed(
    request: Request,
    subject: GuardedSubject,
    db: DbSession,
    home_id: FeedHome,
    radius_mi: Radius = rules.DEFAULT_RADIUS_MI,
    category: CategoryFilter = None,
    before: Cursor = None,
    limit: Limit = 20,
) -> Response:
    """Posts within `radius_mi` of one of your homes, newest first; `next` continues."""
    # `subject` is the caller the router's `household` guard let through (GuardedSubject:
    # the guard's tree is solved once, not twice), and the reader is built here rather
    # than by dependencies of its own: each dependency FastAPI solves costs every request
    # of the hottest route (the profile in bench/feed.py); building it does no I/O.
    reader = FeedReader(db, context_of(request), page_cache_of(request))
    page = reader.page(subject, home_id, radius_mi, category, before, limit)
    finish(db)  # a read: commit here, in this thread, rather than in one more hop
    # The hottest endpoint: each post's JSON is written once when its page is read and
    # kept while the feed does not change (posts/pagecache.py); returning the model
    # would make FastAPI dump it, validate it again and encode it on every request.
    return Response(page.json_for(subject.user_id), media_type="application/json")


# -- posts and media (signed in; each read checked by area) --------------------------------


@posts.post("/posts", status_code=201, response_model=PostOut)
def create_post(body: PostIn, subject: SignedIn, service: Posts) -> PostOut:
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
    service: Posts,
    home_id: Annotated[
        uuid.UUID | None, Query(description="Measure the distance from this home.")
    ] = None,
) -> PostOut:
    """A post in your area (within 5 miles of one of your homes), or your own."""
    return PostOut.of(service.get_post(subject, post_id, home_id))


@posts.delete("/posts/{post_id}", status_code=204, response_class=Response)
def delete_post(post_id: PostId, subject: SignedIn, service: Posts) -> Response:
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
def get_media(post_id: PostId, request: Request, subject: SignedIn, service: Posts) -> Response:
    """The post's clip or snapshot; honours `Range: bytes=…` so a video can seek."""
    media = service.media(subject, post_id)
    return streamed(service.context.blobs, media, request.headers.get("range"), NoMedia)


@posts.get(
    "/posts/{post_id}/poster",
    response_class=Response,
    responses={
        200: {"content": {rules.JPEG: {}}, "description": "The poster frame."},
        503: _error("The poster could not be read just now"),
    },
)
def get_poster(post_id: PostId, subject: SignedIn, service: Posts) -> Response:
    """The still a post's clip shows until it is played (who may read the post may read
    it, as its media)."""
    poster = service.poster(subject, post_id)
    return streamed(service.context.blobs, poster, None, NoPoster)


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


ROUTERS = (feed, posts, hub)
