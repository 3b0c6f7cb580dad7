"""The reports and moderation JSON API: reporting a post (anyone signed in who may read
it), and the queue, hiding, restoring, dismissing and a post's history (operators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from frontporch.server.accounts.auth import Operator, SignedIn, operator, signed_in
from frontporch.server.feed.moderation.schemas import (
    ModerationActionOut,
    ModerationIn,
    QueueItemOut,
    QueueOut,
    ReportIn,
    ReportOut,
)
from frontporch.server.feed.moderation.service import ModerationService
from frontporch.server.feed.moderation.views import Action
from frontporch.server.feed.params import Limit, PostId
from frontporch.server.feed.posts.schemas import PostOut
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router

reports: APIRouter = protected_router(signed_in, prefix="/api", tags=["feed"], responses=ERRORS)
moderation: APIRouter = protected_router(
    operator, prefix="/api/moderation", tags=["moderation"], responses=ERRORS
)


Moderation = Annotated[ModerationService, Depends(per_request(ModerationService))]


@reports.post("/posts/{post_id}/reports", status_code=201, response_model=ReportOut)
def report_post(
    post_id: PostId, body: ReportIn, subject: SignedIn, service: Moderation
) -> ReportOut:
    """Ask the moderators to look at a post (one open report per person and post)."""
    report = service.report(subject, post_id, body.reason)
    return ReportOut(
        id=report.id, post_id=report.post_id, status="open", created_at=report.created_at
    )


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
        return PostOut.of(service.act(subject, post_id, action, body.reason, body.category))

    return handler


_ACTIONS = (
    (
        Action.HIDE,
        "Hide a post",
        "Take a post out of every feed (its author still sees it, with the reason); "
        "resolves its open reports and notifies the author.",
    ),
    (
        Action.RESTORE,
        "Restore a hidden post",
        "Put a hidden post back in the feeds; notifies the author.",
    ),
    (
        Action.DISMISS,
        "Dismiss a post's reports",
        "The post stays as it is; its open reports are resolved.",
    ),
)
for action, summary, description in _ACTIONS:
    moderation.add_api_route(
        f"/posts/{{post_id}}/{action.value}",
        _act(action),
        methods=["POST"],
        response_model=PostOut,
        summary=summary,
        description=description,
    )


@moderation.get("/posts/{post_id}/history", response_model=list[ModerationActionOut])
def history(post_id: PostId, subject: Operator, service: Moderation) -> list[ModerationActionOut]:
    """Every moderation action on a post, oldest first."""
    return [ModerationActionOut.of(action) for action in service.history(post_id)]


ROUTERS = (reports, moderation)
