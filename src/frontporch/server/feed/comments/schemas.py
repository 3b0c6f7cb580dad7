"""Request and response bodies of comments. A commenter is `author` ("Neighbor", or a
verified agency's name, never with a distance) and `mine`."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from frontporch.server.feed.comments.views import CommentView
from frontporch.server.feed.posts.schemas import AuthorOut
from frontporch.server.kit.schemas import NO_NUL, Strict


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
