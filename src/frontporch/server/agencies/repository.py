"""All SQL of the agency portal.

Reads take the caller as the feed's `rules.Viewer`, whose `agency_id` is set only for a
member of a verified agency, so no one reads another agency's list.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from frontporch.server.feed import rules
from frontporch.server.feed.models import Post


class AgencyPostRepository:
    """The posts an agency made."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def page_for(self, viewer: rules.Viewer, before: int | None, limit: int) -> list[Post]:
        """The newest posts of the viewer's agency numbered below `before`: every
        member's visible ones, and the viewer's own also when hidden (the same rule as
        `rules.can_read`). None without a verified agency."""
        if viewer.agency_id is None:
            return []
        statement = (
            select(Post)
            .where(
                Post.agency_id == viewer.agency_id,
                or_(Post.hidden_at.is_(None), Post.author_id == viewer.user_id),
            )
            .order_by(Post.seq.desc())
            .limit(limit)
        )
        if before is not None:
            statement = statement.where(Post.seq < before)
        return list(self.db.scalars(statement))
