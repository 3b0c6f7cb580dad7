"""All SQL of notifications, read by their owner only (and, for the live streams' shared
probe, the newest id of all)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update

from frontporch.server.feed.models import Notification
from frontporch.server.kit.repository import Repository


class NotificationRepository(Repository[Notification]):
    """Notifications."""

    def inbox(self, user_id: uuid.UUID, before: int | None, limit: int) -> list[Notification]:
        """A person's notifications, newest first, numbered below `before`."""
        statement = select(Notification).where(Notification.user_id == user_id)
        if before is not None:
            statement = statement.where(Notification.id < before)
        return list(self.db.scalars(statement.order_by(Notification.id.desc()).limit(limit)))

    def after(self, user_id: uuid.UUID, after: int, limit: int) -> list[Notification]:
        """A person's notifications numbered above `after`, oldest first (live streams)."""
        statement = select(Notification).where(
            Notification.user_id == user_id, Notification.id > after
        )
        return list(self.db.scalars(statement.order_by(Notification.id).limit(limit)))

    def unread_count(self, user_id: uuid.UUID) -> int:
        """How many of a person's notifications are unread."""
        return int(
            self.db.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            )
            or 0
        )

    def newest_id(self, user_id: uuid.UUID | None = None) -> int:
        """The highest notification id, one person's or (None) everyone's; 0 if none."""
        statement = select(func.max(Notification.id))
        if user_id is not None:
            statement = statement.where(Notification.user_id == user_id)
        return int(self.db.scalar(statement) or 0)

    def mark_read(self, user_id: uuid.UUID, up_to: int, now: datetime) -> None:
        """Mark a person's unread notifications numbered `up_to` or lower read."""
        self.db.execute(
            update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.id <= up_to,
                Notification.read_at.is_(None),
            )
            .values(read_at=now)
        )
