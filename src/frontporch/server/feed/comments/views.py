"""Comments as readers see them: the read models the schemas and the post page render.

Commenters are shown like posters — "Neighbor", or a verified agency's name — without
a distance: a comment does not say where its writer lives.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from frontporch.server.feed import rules
from frontporch.server.feed.models import Comment


@dataclass(frozen=True)
class CommentView:
    """A comment as one reader sees it."""

    comment: Comment
    author: rules.AuthorView
    mine: bool
    by_post_author: bool


@dataclass(frozen=True)
class Thread:
    """A page of a post's comments and the cursor of the next, if any."""

    comments: list[CommentView]
    next_cursor: str | None


def comment_views(
    reader_id: uuid.UUID,
    post_author_id: uuid.UUID,
    comments: Sequence[Comment],
    agency_names: Mapping[uuid.UUID, str],
) -> list[CommentView]:
    """How `reader_id` sees comments on a post by `post_author_id`."""
    return [
        CommentView(
            comment=comment,
            author=rules.author_view(
                agency_names.get(comment.agency_id) if comment.agency_id else None, None, None
            ),
            mine=comment.author_id == reader_id,
            by_post_author=comment.author_id == post_author_id,
        )
        for comment in comments
    ]
