"""The notifications JSON API (anyone signed in): your notifications and marking them
read. Their live stream is `feed/live.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from frontporch.server.accounts.auth import SignedIn, signed_in
from frontporch.server.feed.notifications.schemas import (
    NotificationOut,
    NotificationsOut,
    ReadIn,
    UnreadOut,
)
from frontporch.server.feed.notifications.service import NotificationService
from frontporch.server.feed.params import Limit
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router

inbox: APIRouter = protected_router(signed_in, prefix="/api", tags=["feed"], responses=ERRORS)


Notifications = Annotated[NotificationService, Depends(per_request(NotificationService))]


@inbox.get("/notifications", response_model=NotificationsOut)
def list_notifications(
    subject: SignedIn,
    service: Notifications,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="Older than this id.")] = None,
    limit: Limit = 50,
) -> NotificationsOut:
    """Your notifications, newest first, and how many are unread."""
    page = service.inbox(subject, before, limit)
    return NotificationsOut(
        notifications=[NotificationOut.of(n) for n in page.notifications],
        unread=page.unread,
        next=page.next_before,
    )


@inbox.post("/notifications/read", response_model=UnreadOut)
def mark_read(body: ReadIn, subject: SignedIn, service: Notifications) -> UnreadOut:
    """Mark your notifications up to `up_to` read."""
    return UnreadOut(unread=service.mark_read(subject, body.up_to))


ROUTERS = (inbox,)
