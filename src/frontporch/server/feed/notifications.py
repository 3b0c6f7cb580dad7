"""Notifications: written in the transaction of what caused them, read by their owner.

For now they are data only (`GET /api/notifications`); live delivery comes later and
can resume from a notification number, since numbers only grow. The kinds:
`comment_on_your_post`, `your_post_hidden`, `your_post_restored`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import ServerContext
from frontporch.server.feed.models import Notification
from frontporch.server.feed.repository import NotificationRepository


class NotificationKind(StrEnum):
    """What happened."""

    COMMENT_ON_YOUR_POST = "comment_on_your_post"
    YOUR_POST_HIDDEN = "your_post_hidden"
    YOUR_POST_RESTORED = "your_post_restored"


def notify(
    db: Session, user_id: uuid.UUID, kind: NotificationKind, post_id: uuid.UUID, now: datetime
) -> None:
    """Write a notification in the current transaction (it exists only if that commits)."""
    NotificationRepository(db).add(
        Notification(user_id=user_id, kind=kind.value, post_id=post_id, created_at=now)
    )


@dataclass(frozen=True)
class Inbox:
    """A page of someone's notifications, how many are unread, and where the next starts."""

    notifications: list[Notification]
    unread: int
    next_before: int | None


class NotificationService:
    """The caller's notifications."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.context = context
        self.notifications = NotificationRepository(db)

    def inbox(self, subject: AuthSubject, before: int | None, limit: int) -> Inbox:
        """The caller's notifications, newest first, numbered below `before`."""
        found = self.notifications.inbox(subject.user_id, before, limit + 1)
        page = found[:limit]
        next_before = page[-1].id if len(found) > limit and page else None
        return Inbox(page, self.notifications.unread_count(subject.user_id), next_before)

    def mark_read(self, subject: AuthSubject, up_to: int) -> int:
        """Mark the caller's notifications up to number `up_to` read; how many stay unread."""
        self.notifications.mark_read(subject.user_id, up_to, self.context.clock())
        return self.notifications.unread_count(subject.user_id)
