"""Request and response bodies of posts: writing one, a hub's upload, a post and a page.

Authors are never identified: a post carries `author` — "Neighbor" with the rounded
distance from the reader's home, or a verified agency's name — and `mine`, so people
recognise their own. Areas are H3 cell strings.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from frontporch import geo
from frontporch.protocol import MAX_POSTER_BYTES, MEDIA_FIELD, POSTER_FIELD, Category
from frontporch.server.feed.posts.views import PostView
from frontporch.server.feed.rules import AuthorView
from frontporch.server.kit.schemas import NO_NUL, SINGLE_LINE, Strict

PRINTABLE_ASCII = r"^[\x21-\x7e]+$"
TITLE = Field(
    min_length=1, max_length=120, pattern=SINGLE_LINE, description="One line, ≤ 120 characters."
)
BODY = Field("", max_length=5000, pattern=NO_NUL, description="The text, ≤ 5000 characters.")


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
    with a clip, `poster`: protocol.py)."""

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
