"""Notifications: written in the transaction of what caused them, read by their owner.

The kinds: `comment_on_your_post`, `your_post_hidden`, `your_post_restored`. They are
listed by `GET /api/notifications` and the notifications page, and streamed live
(`feed/live.py`), which resumes from a notification number since numbers only grow.
Every signed-in page's header shows the unread count (`notification_badge`, a part of
the kit's page header, read in the page's own request session).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import ServerContext
from frontporch.server.feed.models import Notification
from frontporch.server.feed.notifications.repository import NotificationRepository
from frontporch.server.feed.notifications.views import (
    KIND_TEXT,
    Badge,
    Inbox,
    InboxPage,
    NotificationKind,
    NotificationLine,
    notification_url,
)
from frontporch.server.feed.posts.service import PostService


def notify(
    db: Session,
    user_id: uuid.UUID,
    kind: NotificationKind,
    post_id: uuid.UUID | None,
    now: datetime,
    *,
    demand_id: uuid.UUID | None = None,
) -> None:
    """Write a notification in the current transaction (it exists only if that commits).
    A `legal_notice` is about a legal demand (`demand_id`), not a post."""
    NotificationRepository(db).add(
        Notification(
            user_id=user_id, kind=kind.value, post_id=post_id, demand_id=demand_id, created_at=now
        )
    )


def notification_badge(db: Session, subject: AuthSubject) -> Mapping[str, object]:
    """`notification_badge` for `base.html`: the caller's unread count and newest
    notification id (where the header's live stream starts), read in `db`."""
    notifications = NotificationRepository(db)
    badge = Badge(
        notifications.unread_count(subject.user_id), notifications.newest_id(subject.user_id)
    )
    return {"notification_badge": badge}


class NotificationService:
    """The caller's notifications."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.notifications = NotificationRepository(db)

    def inbox(self, subject: AuthSubject, before: int | None, limit: int) -> Inbox:
        """The caller's notifications, newest first, numbered below `before`."""
        found = self.notifications.inbox(subject.user_id, before, limit + 1)
        page = found[:limit]
        next_before = page[-1].id if len(found) > limit and page else None
        return Inbox(page, self.notifications.unread_count(subject.user_id), next_before)

    def page(self, subject: AuthSubject, before: int | None, limit: int) -> InboxPage:
        """The notifications page: `inbox`, each line with the title of its post while
        the caller may still read it."""
        inbox = self.inbox(subject, before, limit)
        posts = PostService(self.db, self.context)
        viewer = posts.viewer(subject)
        lines = []
        for notification in inbox.notifications:
            if notification.post_id is None:
                lines.append(
                    NotificationLine(
                        notification=notification,
                        text=KIND_TEXT.get(notification.kind, "News about your account"),
                        title=None,
                        url=notification_url(notification),
                    )
                )
                continue
            post = posts.posts.get_readable(viewer, notification.post_id)
            lines.append(
                NotificationLine(
                    notification=notification,
                    text=KIND_TEXT.get(notification.kind, "News about your post"),
                    title=post.title if post else None,
                    url=notification_url(notification),
                )
            )
        return InboxPage(lines, inbox.unread, inbox.next_before)

    def mark_read(self, subject: AuthSubject, up_to: int) -> int:
        """Mark the caller's notifications up to number `up_to` read; how many stay unread."""
        self.notifications.mark_read(subject.user_id, up_to, self.context.clock())
        return self.notifications.unread_count(subject.user_id)
