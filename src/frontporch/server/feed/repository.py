"""All SQL of the feed area.

Reads that serve a caller take a `rules.Viewer` and return only what it may read
(`rules.can_read`), so a handler cannot forget access control; a post the caller may
not read is simply not found. Moderation reads serve operators only and say so.

**The feed query** (`visible_page`): one statement per page on PostgreSQL (LATERAL over
the area's cells), merged per-cell arms on SQLite; `pagequery` has it, with the plans
and measurements. A reader's own hidden posts (`own_hidden`) are merged in by
`reader_page`, or per request over a cached page. `reader_state` is what every feed
request reads first: the reader's home, the change counter the page cache is checked
against, and whether the reader has hidden posts of their own.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, exists, func, select, update
from sqlalchemy.orm import Session

from frontporch.server.feed import pagequery, rules
from frontporch.server.feed.models import (
    Agency,
    Comment,
    FeedCounter,
    ModerationAction,
    Notification,
    Post,
    PostReport,
)
from frontporch.server.feed.pagequery import FeedPost
from frontporch.server.homes.models import Home
from frontporch.server.homes.repository import READABLE_HOME

POSTS_COUNTER = "posts"
CHANGES_COUNTER = "changes"  # raised by triggers on every write to posts (migration 0006)


@dataclass(frozen=True, slots=True)
class ReaderState:
    """What a feed request needs before it reads a page: the home's cell, the feed's
    change counter, and whether the reader has hidden posts of their own."""

    cell: int
    changes: int
    has_hidden_posts: bool


# Built once (parameters `home_id` and `user_id`): every feed request runs it.
_READER_STATE = select(
    Home.cell,
    select(FeedCounter.value).where(FeedCounter.name == CHANGES_COUNTER).scalar_subquery(),
    exists().where(Post.author_id == bindparam("user_id"), Post.hidden_at.is_not(None)),
).where(*READABLE_HOME)


class CounterMissing(RuntimeError):
    """The `feed_counters` row that numbers posts is missing (the 0003 migration adds it)."""


_OWN_HIDDEN = (
    select(*(Post.__table__.c[name] for name in pagequery.FEED_POST_COLUMNS))
    .where(
        Post.author_id == bindparam("author_id"),
        Post.hidden_at.is_not(None),
        Post.seq < bindparam("before"),
    )
    .order_by(Post.seq.desc())
)
_OWN_HIDDEN_IN_CATEGORY = _OWN_HIDDEN.where(Post.category == bindparam("category"))


class PostRepository:
    """Posts."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def next_seq(self) -> int:
        """The next post number. The counter row stays locked until the caller's
        transaction ends, so numbers become visible in the order they were handed out."""
        value = self.db.scalar(
            update(FeedCounter)
            .where(FeedCounter.name == POSTS_COUNTER)
            .values(value=FeedCounter.value + 1)
            .returning(FeedCounter.value)
        )
        if value is None:
            raise CounterMissing("feed_counters has no 'posts' row; run the migrations")
        return int(value)

    def add(self, post: Post) -> Post:
        """Insert a post."""
        self.db.add(post)
        self.db.flush()
        return post

    def get_readable(self, viewer: rules.Viewer, post_id: uuid.UUID) -> Post | None:
        """A post the viewer may read, or None (missing and unreadable look alike)."""
        post = self.db.get(Post, post_id)
        if post is None:
            return None
        hidden = post.hidden_at is not None
        if not rules.can_read(viewer, post.author_id, post.cell, hidden, post.agency_id):
            return None
        return post

    def get_for_moderation(self, post_id: uuid.UUID) -> Post | None:
        """Any post, hidden or not (operators' moderation only)."""
        return self.db.get(Post, post_id)

    def find_by_hub_ref(self, hub_id: uuid.UUID, client_ref: str) -> Post | None:
        """The post a hub already uploaded under its own reference, if any."""
        return self.db.scalars(
            select(Post).where(Post.hub_id == hub_id, Post.client_ref == client_ref)
        ).one_or_none()

    def visible_page(
        self, cells: Sequence[int], before: int | None, category: str | None, limit: int
    ) -> list[FeedPost]:
        """Up to `limit` visible posts in `cells` numbered below `before`, newest first:
        what every reader of the area sees (the plans are in `pagequery`)."""
        return pagequery.visible_page(self.db, cells, before, category, limit)

    def reader_page(
        self,
        reader_id: uuid.UUID,
        cells: Sequence[int],
        before: int | None,
        category: str | None,
        limit: int,
    ) -> list[FeedPost]:
        """`visible_page` as one reader sees it: with the reader's own hidden posts in
        `cells` (authors keep seeing what moderators hid), the `limit` newest of both."""
        found = self.visible_page(cells, before, category, limit)
        found += self.own_hidden(reader_id, cells, before, category, limit)
        return heapq.nlargest(limit, found, key=lambda post: post.seq)

    def reader_state(self, reader_id: uuid.UUID, home_id: uuid.UUID) -> ReaderState | None:
        """The reader's home (None unless they belong to it), with the change counter
        and whether they have hidden posts, in one statement."""
        row = (
            self.db.connection()
            .execute(_READER_STATE, {"home_id": home_id, "user_id": reader_id})
            .one_or_none()
        )
        if row is None:
            return None
        if row[1] is None:
            raise CounterMissing("feed_counters has no 'changes' row; run the migrations")
        return ReaderState(int(row[0]), int(row[1]), bool(row[2]))

    def own_hidden(
        self,
        author_id: uuid.UUID,
        cells: Sequence[int],
        before: int | None,
        category: str | None,
        limit: int,
    ) -> list[FeedPost]:
        """The author's own hidden posts in `cells` below `before`, newest first: authors
        keep seeing what moderators hid, marked as hidden."""
        # An author has few hidden posts (`ix_posts_hidden_author` holds only those): read
        # them newest first and keep the ones in the area, rather than bind every cell.
        values = {
            "author_id": author_id,
            "before": before if before is not None else pagequery.NO_UPPER_BOUND,
        }
        statement = _OWN_HIDDEN
        if category is not None:
            statement, values["category"] = _OWN_HIDDEN_IN_CATEGORY, category
        area = set(cells)
        found = []
        for row in self.db.connection().execute(statement, values):
            post = FeedPost(*row)
            if post.cell in area:
                found.append(post)
                if len(found) == limit:
                    break
        return found

    def delete(self, post: Post) -> None:
        """Delete a post; comments, reports, notifications and history go with it."""
        self.db.execute(delete(Post).where(Post.id == post.id))
        self.db.expunge(post)

    def change_comment_count(self, post_id: uuid.UUID, by: int) -> None:
        """Add `by` to a post's comment count, atomically."""
        self.db.execute(
            update(Post).where(Post.id == post_id).values(comment_count=Post.comment_count + by)
        )

    def agency_names(self, agency_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
        """The names of the given agencies."""
        wanted = {agency_id for agency_id in agency_ids if agency_id is not None}
        if not wanted:
            return {}
        rows = self.db.execute(select(Agency.id, Agency.name).where(Agency.id.in_(wanted)))
        return {row[0]: row[1] for row in rows}


class CommentRepository:
    """Comments."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, comment: Comment) -> Comment:
        """Insert a comment."""
        self.db.add(comment)
        self.db.flush()
        return comment

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


@dataclass(frozen=True)
class QueueEntry:
    """A post in the moderation queue: how many open reports, and since when."""

    post_id: uuid.UUID
    reports: int
    first_reported_at: datetime
    last_reported_at: datetime


class ReportRepository:
    """Reports and the moderation queue."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def has_open(self, post_id: uuid.UUID, reporter_id: uuid.UUID) -> bool:
        """Whether this person already has an open report on this post."""
        found = self.db.scalar(
            select(PostReport.id).where(
                PostReport.post_id == post_id,
                PostReport.reporter_id == reporter_id,
                PostReport.resolved_at.is_(None),
            )
        )
        return found is not None

    def add(self, report: PostReport) -> PostReport:
        """Insert a report."""
        self.db.add(report)
        self.db.flush()
        return report

    def resolve_open(self, post_id: uuid.UUID, now: datetime) -> int:
        """Mark a post's open reports resolved; how many there were."""
        result = self.db.execute(
            update(PostReport)
            .where(PostReport.post_id == post_id, PostReport.resolved_at.is_(None))
            .values(resolved_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def queue_for_operators(self, limit: int, offset: int) -> list[QueueEntry]:
        """Posts with open reports, most reported first, then longest waiting."""
        count = func.count(PostReport.id)
        first = func.min(PostReport.created_at)
        statement = (
            select(PostReport.post_id, count, first, func.max(PostReport.created_at))
            .where(PostReport.resolved_at.is_(None))
            .group_by(PostReport.post_id)
            .order_by(count.desc(), first, PostReport.post_id)
            .limit(limit)
            .offset(offset)
        )
        return [
            QueueEntry(post_id, int(reports), first_at, last_at)
            for post_id, reports, first_at, last_at in self.db.execute(statement)
        ]

    def open_reasons_for_operators(
        self, post_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str, int]]]:
        """Each post's open report reasons with how often each was given (no reporters)."""
        if not post_ids:
            return {}
        count = func.count(PostReport.id)
        rows = self.db.execute(
            select(PostReport.post_id, PostReport.reason, count)
            .where(PostReport.post_id.in_(post_ids), PostReport.resolved_at.is_(None))
            .group_by(PostReport.post_id, PostReport.reason)
            .order_by(PostReport.post_id, count.desc(), PostReport.reason)
        )
        reasons: dict[uuid.UUID, list[tuple[str, int]]] = {}
        for post_id, reason, times in rows:
            reasons.setdefault(post_id, []).append((reason, int(times)))
        return reasons


class ModerationRepository:
    """The moderation history of posts."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, action: ModerationAction) -> ModerationAction:
        """Record an action."""
        self.db.add(action)
        self.db.flush()
        return action

    def history_for_operators(self, post_id: uuid.UUID) -> list[ModerationAction]:
        """Every action on a post, oldest first."""
        return list(
            self.db.scalars(
                select(ModerationAction)
                .where(ModerationAction.post_id == post_id)
                .order_by(ModerationAction.id)
            )
        )


class NotificationRepository:
    """Notifications, read by their owner only."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, notification: Notification) -> None:
        """Insert a notification."""
        self.db.add(notification)
        self.db.flush()

    def inbox(self, user_id: uuid.UUID, before: int | None, limit: int) -> list[Notification]:
        """A person's notifications, newest first, numbered below `before`."""
        statement = select(Notification).where(Notification.user_id == user_id)
        if before is not None:
            statement = statement.where(Notification.id < before)
        return list(self.db.scalars(statement.order_by(Notification.id.desc()).limit(limit)))

    def unread_count(self, user_id: uuid.UUID) -> int:
        """How many of a person's notifications are unread."""
        return int(
            self.db.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            )
            or 0
        )

    def mark_read(self, user_id: uuid.UUID, up_to: int, now: datetime) -> None:
        """Mark a person's unread notifications numbered `up_to` or lower read."""
        self.db.execute(
            update(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.id <= up_to,
                Notification.read_at.is_(None),
            )
            .values(read_at=now)
        )
