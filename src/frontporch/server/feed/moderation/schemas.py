"""Request and response bodies of reports and moderation. No answer names a reporter."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from frontporch.server.agreements.statements import HideCategory
from frontporch.server.feed.models import ModerationAction
from frontporch.server.feed.moderation.views import QueueItem
from frontporch.server.feed.posts.schemas import PostOut
from frontporch.server.kit.schemas import NO_NUL, Strict

REASON = Field(min_length=1, max_length=500, pattern=NO_NUL, description="Why, ≤ 500 characters.")


class ReportIn(Strict):
    reason: str = REASON


class ReportOut(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    status: Literal["open"]
    created_at: datetime


class ModerationIn(Strict):
    reason: str = REASON
    category: HideCategory = Field(
        "other",
        description="Why, as a category; logged with `statement_hidden` when an agency's "
        "post is hidden.",
    )


class ReasonOut(BaseModel):
    reason: str
    count: int


class QueueItemOut(BaseModel):
    post: PostOut
    reports: int = Field(description="Open reports (who made them is not shown).")
    reasons: list[ReasonOut]
    first_reported_at: datetime
    last_reported_at: datetime

    @classmethod
    def of(cls, item: QueueItem) -> QueueItemOut:
        return cls(
            post=PostOut.of(item.post),
            reports=item.entry.reports,
            reasons=[ReasonOut(reason=reason, count=count) for reason, count in item.reasons],
            first_reported_at=item.entry.first_reported_at,
            last_reported_at=item.entry.last_reported_at,
        )


class QueueOut(BaseModel):
    items: list[QueueItemOut]


class ModerationActionOut(BaseModel):
    id: int
    action: Literal["hide", "restore", "dismiss"]
    reason: str
    at: datetime
    operator_id: uuid.UUID | None = Field(description="Null once the operator's account is gone.")

    @classmethod
    def of(cls, action: ModerationAction) -> ModerationActionOut:
        return cls.model_validate(
            {
                "id": action.id,
                "action": action.action,
                "reason": action.reason,
                "at": action.at,
                "operator_id": action.operator_id,
            }
        )
