"""The query and path parameters the feed's endpoints, pages and live streams share, so
that each is checked the same way wherever it is taken."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path as PathParam
from fastapi import Query

from frontporch.protocol import Category
from frontporch.server.feed import rules

PostId = Annotated[uuid.UUID, PathParam(description="The post's id.")]
CommentId = Annotated[uuid.UUID, PathParam(description="The comment's id.")]
Limit = Annotated[int, Query(ge=1, le=50, description="At most this many.")]
# A home's feed: the page of posts and its live stream.
FeedHome = Annotated[uuid.UUID, Query(description="One of your homes.")]
Radius = Annotated[
    float, Query(ge=rules.MIN_RADIUS_MI, le=rules.MAX_RADIUS_MI, description="Miles.")
]
CategoryFilter = Annotated[Category | None, Query(description="Only this category.")]
Cursor = Annotated[str | None, Query(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]
