"""Comments: whoever may read a post may read and write its comments (oldest first);
its author and operators may delete one. The post's author learns of each comment by
someone else through a notification.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import ServerContext
from frontporch.server.feed import rules
from frontporch.server.feed.comments.repository import CommentRepository
from frontporch.server.feed.comments.views import CommentView, Thread, comment_views
from frontporch.server.feed.errors import CommentNotFound, NotYours, PostHidden
from frontporch.server.feed.models import Comment, Post
from frontporch.server.feed.notifications.service import notify
from frontporch.server.feed.notifications.views import NotificationKind
from frontporch.server.feed.posts.service import PostService
from frontporch.server.kit.quotas import quotas_of

log = logging.getLogger(__name__)


class CommentService:
    """Comments of one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.posts = PostService(db, context)
        self.comments = CommentRepository(db)

    def _views(
        self, reader: rules.Viewer, post: Post, comments: list[Comment]
    ) -> list[CommentView]:
        names = self.posts.agencies.names(comment.agency_id for comment in comments)
        return comment_views(reader.user_id, post.author_id, comments, names)

    def thread(
        self, subject: AuthSubject, post_id: uuid.UUID, after: str | None, limit: int
    ) -> Thread:
        """Comments of a post the caller may read, oldest first, after the `after` cursor."""
        viewer, post = self.posts.readable(subject, post_id)
        position = rules.decode_comment_cursor(after) if after else None
        found = self.comments.thread(post, position, limit + 1)
        page = found[:limit]
        next_cursor = None
        if len(found) > limit and page:
            next_cursor = rules.encode_comment_cursor(page[-1].created_at, page[-1].id)
        return Thread(self._views(viewer, post, page), next_cursor)

    def add(self, subject: AuthSubject, post_id: uuid.UUID, body: str) -> CommentView:
        """Comment on a post the caller may read (not on a hidden one)."""
        quotas_of(self.context).spend(
            "feed-comment",
            str(subject.user_id),
            self.context.settings.feed_comments_per_hour,
            "comments from this account",
        )
        text = rules.clean_text(body, "body")
        viewer, post = self.posts.readable(subject, post_id)
        if post.hidden_at is not None:
            raise PostHidden()
        agency = self.posts.verified_agency(subject)
        now = self.context.clock()
        comment = self.comments.add(
            Comment(
                post_id=post.id,
                author_id=subject.user_id,
                agency_id=agency.id if agency else None,
                body=text,
                created_at=now,
            )
        )
        self.posts.posts.change_comment_count(post.id, +1)
        if post.author_id != subject.user_id:
            notify(self.db, post.author_id, NotificationKind.COMMENT_ON_YOUR_POST, post.id, now)
        log.info("comment %s on post %s", comment.id, post.id)
        return self._views(viewer, post, [comment])[0]

    def delete(self, subject: AuthSubject, comment_id: uuid.UUID) -> uuid.UUID:
        """Delete a comment (its author or an operator); the id of its post."""
        comment = self.comments.get(comment_id)
        if comment is None:
            raise CommentNotFound()
        viewer = self.posts.viewer(subject)
        post = self.posts.posts.get_readable(viewer, comment.post_id)
        if post is None:
            raise CommentNotFound()
        if comment.author_id != viewer.user_id and not viewer.is_operator:
            raise NotYours("delete this comment")
        self.comments.delete(comment)
        self.posts.posts.change_comment_count(post.id, -1)
        log.info("comment %s deleted", comment_id)
        return post.id
