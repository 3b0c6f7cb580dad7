"""Request and response bodies of notifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from frontporch.server.feed.models import Notification
from frontporch.server.feed.notifications.views import notification_url
from frontporch.server.feed.posts.schemas import post_url
from frontporch.server.kit.schemas import Strict


class NotificationOut(BaseModel):
    id: int = Field(description="Grows with every notification: resume 'after' it.")
    kind: Literal[
        "comment_on_your_post",
        "your_post_hidden",
        "your_post_restored",
        "footage_request_nearby",
        "legal_notice",
    ]
    post_id: uuid.UUID | None = Field(description="The post it is about; null: a legal notice.")
    post_url: str | None
    demand_id: uuid.UUID | None = Field(
        None, description="legal_notice: the legal demand that named your account."
    )
    url: str = Field(description="The page it leads to.")
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, notification: Notification) -> NotificationOut:
        return cls.model_validate(
            {
                "id": notification.id,
                "kind": notification.kind,
                "post_id": notification.post_id,
                "post_url": post_url(notification.post_id) if notification.post_id else None,
                "demand_id": notification.demand_id,
                "url": notification_url(notification),
                "created_at": notification.created_at,
                "read": notification.read_at is not None,
            }
        )


class NotificationsOut(BaseModel):
    notifications: list[NotificationOut]
    unread: int
    next: int | None = Field(description="Pass as `before` for older ones; null at the end.")


class ReadIn(Strict):
    up_to: int = Field(ge=0, le=2**62, description="Mark notifications up to this id read.")


class UnreadOut(BaseModel):
    unread: int
