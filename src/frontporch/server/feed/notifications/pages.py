"""The notifications page (anyone signed in): the caller's notifications, newest first,
with links to the posts; "Mark all read" marks them read.

Every page's header shows the unread count (`service.notification_badge`), kept current
by `static/live.js` from `GET /api/notifications/events`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import SignedIn, signed_in
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.feed.notifications.service import NotificationService
from frontporch.server.kit.pages import render
from frontporch.server.routing import protected_router

NOTIFICATIONS_PER_PAGE = 50

inbox: APIRouter = protected_router(signed_in, include_in_schema=False)


@inbox.get("/notifications")
def notifications_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: SignedIn,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """The caller's notifications, newest first."""
    page = NotificationService(db, context).page(subject, before, NOTIFICATIONS_PER_PAGE)
    newest = page.lines[0].notification.id if page.lines and before is None else None
    return render(
        request,
        context,
        "notifications.html",
        subject,
        nav="notifications",
        lines=page.lines,
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


ROUTERS = (inbox,)
