"""Live updates over server-sent events (`server/sse.py`): new posts in a home's area and
the caller's notifications.

- `GET /api/feed/events?home_id=&radius_mi=&category=` (households): `event: post` for
  every new visible post in the area; the id is the post's `seq`, the data the same
  JSON as a post in `GET /api/feed` (distance measured from that home).
- `GET /api/notifications/events` (anyone signed in): `event: notification` for each
  of the caller's new notifications; the id is the notification's id, the data its
  JSON as in `GET /api/notifications`, plus `unread`, the caller's unread count then.

A stream starts after the browser's `Last-Event-ID` when it reconnects, else after the
`after` query parameter (a page passes the newest id it shows, so nothing between the
page and the stream is lost), else at the newest id when it opens. A resumed stream
replays at most `REPLAY_LIMIT` events; older ones are in the feed and the inbox.

Each app keeps one `ChangeProbe` per topic (`app.state.live_probes`, built once by
`create_app`): the newest post number and the newest notification id, read at most
once per `live_poll_s` whatever the number of streams. Who may listen is checked when
a stream opens (the guard, the home); the caller's view (account, operator or not,
home cells) is kept then as plain values, and a stream ends after `live_max_duration_s`,
so a signed-out session or a home left stops streaming when the browser reconnects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from frontporch.server.accounts.auth import SignedIn, signed_in
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.feed import rules
from frontporch.server.feed.notifications.repository import NotificationRepository
from frontporch.server.feed.notifications.schemas import NotificationOut
from frontporch.server.feed.params import CategoryFilter, FeedHome, Radius
from frontporch.server.feed.posts.endpoints import Posts
from frontporch.server.feed.posts.repository import PostRepository
from frontporch.server.feed.posts.schemas import PostOut
from frontporch.server.feed.posts.service import PostService
from frontporch.server.homes.access import Household, household
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.routing import protected_router
from frontporch.server.settings import ServerSettings
from frontporch.server.sse import (
    ChangeProbe,
    ServerEvent,
    StreamTiming,
    event_stream,
    resume_cursor,
    sse_response,
)

REPLAY_LIMIT = 100
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
        "description": "A `text/event-stream`; reconnect with `Last-Event-ID` to resume.",
    }
}

feed_events: APIRouter = protected_router(household, prefix="/api", tags=["live"], responses=ERRORS)
inbox_events: APIRouter = protected_router(
    signed_in, prefix="/api", tags=["live"], responses=ERRORS
)

After = Annotated[
    int | None,
    Query(ge=0, le=2**62, description="Start after this id (default: the newest now)."),
]


@dataclass(frozen=True)
class LiveProbes:
    """The change probes of one app: one per topic."""

    posts: ChangeProbe
    notifications: ChangeProbe


def build_probes(sessions: sessionmaker[Session], settings: ServerSettings) -> LiveProbes:
    """The app's probes (`create_app` builds them once and keeps them on `app.state`)."""

    def newest_post() -> int:
        with sessions() as db:
            return PostRepository(db).newest_seq()

    def newest_notification() -> int:
        with sessions() as db:
            return NotificationRepository(db).newest_id()

    return LiveProbes(
        posts=ChangeProbe(newest_post, settings.live_poll_s),
        notifications=ChangeProbe(newest_notification, settings.live_poll_s),
    )


def live_probes(request: Request) -> LiveProbes:
    """The probes of the app serving this request."""
    probes: LiveProbes = request.app.state.live_probes
    return probes


Probes = Annotated[LiveProbes, Depends(live_probes)]


def timing(settings: ServerSettings) -> StreamTiming:
    """How often streams look for news, keep alive, and how long they live."""
    return StreamTiming(
        poll_s=settings.live_poll_s,
        heartbeat_s=settings.live_heartbeat_s,
        max_duration_s=settings.live_max_duration_s,
    )


def start_cursor(request: Request, after: int | None, newest: Callable[[], int]) -> int:
    """`Last-Event-ID` if the browser sent one, else `after`, else the newest id now."""
    header = request.headers.get("last-event-id", "").strip()
    if after is None and not (header.isdigit() and len(header) <= 18):
        return newest()
    return resume_cursor(request, after)


# -- new posts in a home's area (households) ------------------------------------------------


@feed_events.get(
    "/feed/events",
    response_class=StreamingResponse,
    response_model=None,
    responses=STREAM_RESPONSES,
)
def post_events(
    request: Request,
    subject: Household,
    service: Posts,
    probes: Probes,
    home_id: FeedHome,
    radius_mi: Radius = rules.DEFAULT_RADIUS_MI,
    category: CategoryFilter = None,
    after: After = None,
) -> StreamingResponse:
    """New posts within `radius_mi` of one of your homes, as `event: post` (the post's
    JSON as in /api/feed; the id is its number), until the stream's lifetime ends."""
    home = service.own_home(subject, home_id)
    viewer = service.viewer(subject)
    home_cell = home.cell
    cells = rules.area_cells(home_cell, radius_mi)
    wanted = category.value if category else None
    context: ServerContext = service.context
    cursor = start_cursor(request, after, service.posts.newest_seq)

    def fetch(after_seq: int) -> list[ServerEvent]:
        with context.sessions() as db:
            found = PostRepository(db).visible_after(cells, after_seq, wanted, REPLAY_LIMIT)
            views = PostService(db, context).views(viewer, found, home_cell)
            return [
                ServerEvent(view.post.seq, "post", PostOut.of(view).model_dump(mode="json"))
                for view in views
            ]

    stream = event_stream(
        request.is_disconnected, probes.posts, fetch, cursor, timing(context.settings)
    )
    return sse_response(stream)


# -- the caller's notifications (signed in) -------------------------------------------------


@inbox_events.get(
    "/notifications/events",
    response_class=StreamingResponse,
    response_model=None,
    responses=STREAM_RESPONSES,
)
def notification_events(
    request: Request,
    subject: SignedIn,
    db: DbSession,
    context: Context,
    probes: Probes,
    after: After = None,
) -> StreamingResponse:
    """Your new notifications, as `event: notification` (the notification's JSON as in
    /api/notifications, plus `unread`), until the stream's lifetime ends."""
    user_id = subject.user_id
    newest = NotificationRepository(db).newest_id
    cursor = start_cursor(request, after, lambda: newest(user_id))

    def fetch(after_id: int) -> list[ServerEvent]:
        with context.sessions() as db:
            notifications = NotificationRepository(db)
            found = notifications.after(user_id, after_id, REPLAY_LIMIT)
            if not found:
                return []
            unread = notifications.unread_count(user_id)
            return [
                ServerEvent(
                    n.id,
                    "notification",
                    {**NotificationOut.of(n).model_dump(mode="json"), "unread": unread},
                )
                for n in found
            ]

    stream = event_stream(
        request.is_disconnected, probes.notifications, fetch, cursor, timing(context.settings)
    )
    return sse_response(stream)


ROUTERS = (feed_events, inbox_events)
