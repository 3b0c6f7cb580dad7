"""Posts as readers see them: the read models the schemas and the pages render.

Pure: rows and names in, views out. Who wrote a post is never more than "Neighbor"
with a rounded distance, or a verified agency's name (`rules.author_view`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from frontporch.server.feed import rules
from frontporch.server.feed.models import Post


@dataclass(frozen=True, slots=True)
class FeedPost:
    """A post as a feed page lists it: the columns a reader is shown or that decide how,
    read as plain rows (a page is twenty posts on every request, and ORM objects cost
    more than the query). Never where the author lives: no `home_id`."""

    id: uuid.UUID
    seq: int
    author_id: uuid.UUID
    agency_id: uuid.UUID | None
    cell: int
    category: str
    title: str
    body: str
    created_at: datetime
    media_type: str | None
    media_size: int | None
    poster_key: str | None
    hidden_at: datetime | None
    hidden_reason: str | None
    comment_count: int


@dataclass(frozen=True)
class PostView:
    """A post as one reader sees it (a feed page reads its posts as `FeedPost` rows)."""

    post: Post | FeedPost
    author: rules.AuthorView
    mine: bool
    moderator: bool  # the reader moderates: hidden posts and reasons are shown

    @property
    def shows_moderation(self) -> bool:
        """Whether the reader may see why the post was hidden (its author, operators)."""
        return self.mine or self.moderator


@dataclass(frozen=True)
class PostList:
    """Some posts as one reader sees them, newest first, and the cursor of the next."""

    posts: list[PostView]
    next_cursor: str | None


@dataclass(frozen=True)
class MediaRef:
    """Where a post's media (or its poster frame) is kept and what it is."""

    key: str
    content_type: str
    size: int | None  # None: ask the store (a poster's size is not kept)


def post_views(
    viewer: rules.Viewer,
    posts: Sequence[Post | FeedPost],
    viewer_cell: int | None,
    agency_names: Mapping[uuid.UUID, str],
) -> list[PostView]:
    """How `viewer`, reading from the home in `viewer_cell` (None: from its nearest
    home), sees `posts`, whose agencies are named in `agency_names`."""
    # Neighbors by the post's cell: posts of a busy cell share one (H3 distances).
    neighbors: dict[int, rules.AuthorView] = {}
    views = []
    for post in posts:
        name = agency_names.get(post.agency_id) if post.agency_id else None
        if name is None and viewer_cell is not None:
            author = neighbors.get(post.cell) or rules.author_view(None, viewer_cell, post.cell)
            neighbors[post.cell] = author
        else:
            cell = viewer_cell if viewer_cell is not None else rules.nearest_home(viewer, post.cell)
            author = rules.author_view(name, cell, post.cell)
        views.append(
            PostView(
                post=post,
                author=author,
                mine=post.author_id == viewer.user_id,
                moderator=viewer.is_operator,
            )
        )
    return views
