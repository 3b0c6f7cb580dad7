"""The moderation queue (operators) and the notifications page (anyone signed in), and
the unread count the navigation shows on every page.

`GET /moderation` lists reported posts, most reported first, with the reasons and how
often each was given — never who reported — each with hide / restore / dismiss forms
that require a reason, and the post's moderation history. `GET /notifications` lists
the caller's notifications with links to the posts; "Mark all read" marks them read.

The navigation's unread count is rendered by `base.html` (`templating.notification_badge`)
and kept current by `static/live.js` from `GET /api/notifications/events`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import Operator, SignedIn, operator, signed_in
from frontporch.server.accounts.pages import render
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.feed.forms import FormErrors, parse
from frontporch.server.feed.models import Notification
from frontporch.server.feed.moderation import Action, ModerationService
from frontporch.server.feed.notifications import NotificationKind, NotificationService
from frontporch.server.feed.pages import FormText
from frontporch.server.feed.post_pages import DONE, post_page
from frontporch.server.feed.schemas import ModerationIn
from frontporch.server.routing import protected_router

QUEUE_SIZE = 50
NOTIFICATIONS_PER_PAGE = 50
KIND_TEXT = {
    NotificationKind.COMMENT_ON_YOUR_POST.value: "New comment on your post",
    NotificationKind.YOUR_POST_HIDDEN.value: "A moderator hid your post",
    NotificationKind.YOUR_POST_RESTORED.value: "A moderator restored your post",
}

moderation: APIRouter = protected_router(operator, include_in_schema=False)
inbox: APIRouter = protected_router(signed_in, include_in_schema=False)


# -- moderation (operators) ---------------------------------------------------------------------


def queue_page(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    *,
    status: int = 200,
    errors: dict[uuid.UUID, str] | None = None,
    typed: dict[uuid.UUID, str] | None = None,
    **values: Any,
) -> Response:
    """The queue of reported posts with each one's history."""
    service = ModerationService(db, context)
    items = service.queue(subject, QUEUE_SIZE, 0)
    histories = {item.post.post.id: service.history(item.post.post.id) for item in items}
    return render(
        request,
        context,
        "moderation/index.html",
        subject,
        status=status,
        nav="moderation",
        items=items,
        histories=histories,
        errors=errors or {},
        typed=typed or {},
        **values,
    )


@moderation.get("/moderation")
def moderation_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Reported posts, most reported first."""
    return queue_page(request, db, context, subject, notice=DONE.get(done))


@moderation.post("/moderation/posts/{post_id}/{action}")
def moderate(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    post_id: uuid.UUID,
    action: Action,
    reason: FormText = "",
    back: Annotated[str, Form(pattern=r"^(queue|post)$")] = "queue",
) -> Response:
    """Hide, restore or dismiss the reports of a post, with a reason (kept in its history;
    hiding and restoring tell the author)."""
    try:
        checked = parse(ModerationIn, {"reason": reason})
        ModerationService(db, context).act(subject, post_id, action, checked.reason)
    except (FormErrors, ServerError) as exc:
        if isinstance(exc, ServerError) and exc.status == 404:
            raise
        errors = exc if isinstance(exc, FormErrors) else FormErrors.of(exc)
        message = errors.general or next(iter(errors.fields.values()), "Check the reason.")
        db.rollback()
        if back == "post":
            return post_page(
                request, db, context, subject, post_id,
                status=errors.status, errors={"moderate": message}, typed={"moderate": reason},
            )  # fmt: skip
        return queue_page(
            request, db, context, subject,
            status=errors.status, errors={post_id: message}, typed={post_id: reason},
        )  # fmt: skip
    if back == "post":
        return RedirectResponse(f"/posts/{post_id}?done={action.value}", status_code=303)
    return RedirectResponse(f"/moderation?done={action.value}", status_code=303)


# -- notifications (anyone signed in) -----------------------------------------------------------


@dataclass(frozen=True)
class NotificationLine:
    """One notification as the page lists it."""

    notification: Notification
    text: str
    title: str | None  # the post's title (always the reader's own post)
    url: str

    @property
    def unread(self) -> bool:
        """Not yet marked read."""
        return self.notification.read_at is None


@inbox.get("/notifications")
def notifications_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: SignedIn,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """The caller's notifications, newest first."""
    page = NotificationService(db, context).inbox(subject, before, NOTIFICATIONS_PER_PAGE)
    feed = ModerationService(db, context).feed
    viewer = feed.viewer(subject)
    lines = []
    for notification in page.notifications:
        post = feed.posts.get_readable(viewer, notification.post_id)
        lines.append(
            NotificationLine(
                notification=notification,
                text=KIND_TEXT.get(notification.kind, "News about your post"),
                title=post.title if post else None,
                url=f"/posts/{notification.post_id}",
            )
        )
    newest = page.notifications[0].id if page.notifications and before is None else None
    return render(
        request,
        context,
        "notifications.html",
        subject,
        nav="notifications",
        lines=lines,
        unread=page.unread,
        newest=newest,
        older_url=f"/notifications?before={page.next_before}" if page.next_before else None,
        notice="All marked read." if request.query_params.get("done") == "read" else None,
    )


@inbox.post("/notifications/read")
def mark_all_read(
    db: DbSession,
    context: Context,
    subject: SignedIn,
    up_to: Annotated[int, Form(ge=0, le=2**62)] = 0,
) -> Response:
    """Mark the notifications up to `up_to` (the newest the page showed) read."""
    NotificationService(db, context).mark_read(subject, up_to)
    return RedirectResponse("/notifications?done=read", status_code=303)


ROUTERS = (moderation, inbox)
