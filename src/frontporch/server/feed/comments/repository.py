"""All SQL about comments. A thread is read for a post the caller may read (the caller
found it through `PostRepository.get_readable`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select

from frontporch.server.feed.models import Comment, Post
from frontporch.server.kit.repository import Repository


class CommentRepository(Repository[Comment]):
    """Comments."""

    def thread(
        self, post: Post, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[Comment]:
        """Comments of a post the caller may read, oldest first, after a cursor."""
        statement = select(Comment).where(Comment.post_id == post.id)
        if after is not None:
            moment, comment_id = after
            statement = statement.where(
                (Comment.created_at > moment)
                | ((Comment.created_at == moment) & (Comment.id > comment_id))
            )
        statement = statement.order_by(Comment.created_at, Comment.id).limit(limit)
        return list(self.db.scalars(statement))

    def get(self, comment_id: uuid.UUID) -> Comment | None:
        """A comment by id; the caller checks it may read the comment's post."""
        return self.db.get(Comment, comment_id)

    def delete(self, comment: Comment) -> None:
        """Delete a comment."""
        self.db.execute(delete(Comment).where(Comment.id == comment.id))
        self.db.expunge(comment)

    def counts_by_post_of_author(self, author_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """How many comments an author left on each post (account deletion)."""
        rows = self.db.execute(
            select(Comment.post_id, func.count(Comment.id))
            .where(Comment.author_id == author_id)
            .group_by(Comment.post_id)
        )
        return {post_id: int(count) for post_id, count in rows}
