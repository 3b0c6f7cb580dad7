"""Request and response bodies of the feed API.

Authors are never identified: a post or comment carries `author` — "Neighbor" (with
the rounded distance from the reader's home, for posts) or a verified agency's name —
and `mine`, so people recognise their own. Areas are H3 cell strings.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from frontporch import geo
from frontporch.server.accounts.schemas import NO_NUL, Strict
from frontporch.server.feed.comments import CommentView
from frontporch.server.feed.models import Agency, ModerationAction, Notification
from frontporch.server.feed.moderation import QueueItem
from frontporch.server.feed.rules import AuthorView
from frontporch.server.feed.service import PostView
from frontporch.sharing_protocol import MAX_POSTER_BYTES, MEDIA_FIELD, POSTER_FIELD, Category

SINGLE_LINE = r"^[^\x00\r\n]*$"
PRINTABLE_ASCII = r"^[\x21-\x7e]+$"
TITLE = Field(
    min_length=1, max_length=120, pattern=SINGLE_LINE, description="One line, ≤ 120 characters."
)
BODY = Field("", max_length=5000, pattern=NO_NUL, description="The text, ≤ 5000 characters.")
REASON = Field(min_length=1, max_length=500, pattern=NO_NUL, description="Why, ≤ 500 characters.")


def post_url(post_id: uuid.UUID) -> str:
    """The page of a post."""
    return f"/posts/{post_id}"


class PostIn(Strict):
    category: Category
    title: str = TITLE
    body: str = BODY
    home_id: uuid.UUID | None = Field(
        None, description="Residents: the home posted from (the post takes its cell)."
    )
    latitude: float | None = Field(
        None, ge=-90, le=90, description="Agencies: where; turned into a cell, never stored."
    )
    longitude: float | None = Field(
        None, ge=-180, le=180, description="Agencies: where; turned into a cell, never stored."
    )

    @model_validator(mode="after")
    def _point_whole(self) -> PostIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give latitude and longitude together")
        return self


class HubPostForm(BaseModel):
    """The text fields of a hub upload (multipart/form-data; the files are `media` and,
    with a clip, `poster`: sharing_protocol.py)."""

    category: Category
    title: str = TITLE
    body: str = BODY
    client_ref: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=PRINTABLE_ASCII,
        description="The hub's id for the event; repeating it returns the same post.",
    )


HUB_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["category", "title", "media"],
                "properties": {
                    "category": {"type": "string", "enum": [c.value for c in Category]},
                    "title": {"type": "string", "minLength": 1, "maxLength": 120},
                    "body": {"type": "string", "maxLength": 5000},
                    "client_ref": {"type": "string", "minLength": 1, "maxLength": 64},
                    MEDIA_FIELD: {
                        "type": "string",
                        "format": "binary",
                        "description": "The clip (video/mp4) or snapshot (image/jpeg).",
                    },
                    POSTER_FIELD: {
                        "type": "string",
                        "format": "binary",
                        "description": "With a clip only: a still (image/jpeg, at most "
                        f"{MAX_POSTER_BYTES // 2**20} MiB) shown until the clip is played.",
                    },
                },
            }
        }
    },
}


class HubPostOut(BaseModel):
    id: uuid.UUID
    url: str


class AuthorOut(BaseModel):
    kind: Literal["neighbor", "agency"]
    label: str = Field(description="'Neighbor', or the verified agency's name.")
    distance_mi: float | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="Miles from the reader's home cell to the post's cell, to the nearest "
        "half mile (posts by neighbors only; absent otherwise).",
    )

    @classmethod
    def of(cls, author: AuthorView) -> AuthorOut:
        kind: Literal["neighbor", "agency"] = "agency" if author.kind == "agency" else "neighbor"
        return cls(kind=kind, label=author.label, distance_mi=author.distance_mi)


class MediaOut(BaseModel):
    url: str
    content_type: str
    size: int
    poster: str | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="A still to show until the clip is played (clips a hub sent one "
        "with only; absent otherwise).",
    )


class PostOut(BaseModel):
    id: uuid.UUID
    url: str
    category: Category
    category_label: str
    title: str
    body: str
    created_at: datetime
    area: str = Field(description="The post's H3 cell (resolution 8), for a map.")
    author: AuthorOut
    mine: bool
    comment_count: int
    media: MediaOut | None
    hidden: bool = Field(description="Hidden by a moderator (shown to its author only).")
    hidden_reason: str | None

    @classmethod
    def of(cls, view: PostView) -> PostOut:
        post = view.post
        category = Category(post.category)
        media = None
        if post.media_type is not None:
            media = MediaOut(
                url=f"/api/posts/{post.id}/media",
                content_type=post.media_type,
                size=int(post.media_size or 0),
                poster=f"/api/posts/{post.id}/poster" if post.poster_key else None,
            )
        return cls(
            id=post.id,
            url=post_url(post.id),
            category=category,
            category_label=category.label,
            title=post.title,
            body=post.body,
            created_at=post.created_at,
            area=geo.int_to_cell(post.cell),
            author=AuthorOut.of(view.author),
            mine=view.mine,
            comment_count=post.comment_count,
            media=media,
            hidden=post.hidden_at is not None,
            hidden_reason=post.hidden_reason if view.shows_moderation else None,
        )


class FeedOut(BaseModel):
    posts: list[PostOut]
    next: str | None = Field(description="Pass as `before` for the next page; null at the end.")


class CommentIn(Strict):
    body: str = Field(min_length=1, max_length=2000, pattern=NO_NUL, description="≤ 2000.")


class CommentOut(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    body: str
    created_at: datetime
    author: AuthorOut
    mine: bool
    by_post_author: bool

    @classmethod
    def of(cls, view: CommentView) -> CommentOut:
        comment = view.comment
        return cls(
            id=comment.id,
            post_id=comment.post_id,
            body=comment.body,
            created_at=comment.created_at,
            author=AuthorOut.of(view.author),
            mine=view.mine,
            by_post_author=view.by_post_author,
        )


class CommentsOut(BaseModel):
    comments: list[CommentOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class ReportIn(Strict):
    reason: str = REASON


class ReportOut(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    status: Literal["open"]
    created_at: datetime


class ModerationIn(Strict):
    reason: str = REASON


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


class NotificationOut(BaseModel):
    id: int = Field(description="Grows with every notification: resume 'after' it.")
    kind: Literal["comment_on_your_post", "your_post_hidden", "your_post_restored"]
    post_id: uuid.UUID
    post_url: str
    created_at: datetime
    read: bool

    @classmethod
    def of(cls, notification: Notification) -> NotificationOut:
        return cls.model_validate(
            {
                "id": notification.id,
                "kind": notification.kind,
                "post_id": notification.post_id,
                "post_url": post_url(notification.post_id),
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


class AgencyIn(Strict):
    name: str = Field(
        min_length=1, max_length=200, pattern=SINGLE_LINE, description="The verified name."
    )


class AgencyOut(BaseModel):
    id: uuid.UUID
    name: str
    verified: bool
    verified_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, agency: Agency) -> AgencyOut:
        return cls(
            id=agency.id,
            name=agency.name,
            verified=agency.verified_at is not None,
            verified_at=agency.verified_at,
            created_at=agency.created_at,
        )


class AgencyMembershipIn(Strict):
    agency_id: uuid.UUID | None = Field(description="The agency; null to detach the account.")


class AgencyMembershipOut(BaseModel):
    user_id: uuid.UUID
    agency: AgencyOut | None
