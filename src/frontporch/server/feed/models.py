"""Tables of the Neighbors feed: posts, comments, reports, moderation actions,
notifications and the post counter. (Agencies, whose names sign their members' posts,
are the agencies area's: `server/agencies/models.py`.)

A post's area is `posts.cell`, the 64-bit H3 index at the home resolution (as
`homes.cell`): for a resident the cell of the home posted from, for an agency the cell
of the coordinates given (the coordinates themselves are never stored).

Every post also gets `seq`, a number taken from `feed_counters` by an atomic
`UPDATE … RETURNING` inside the posting transaction. The counter row stays locked until
that transaction commits, so numbers are handed out in commit order: a reader that has
seen post N and asks for "posts after N" can never miss one that committed later with
a smaller number. The feed pages on it (newest first, `seq DESC`) and a live feed can
resume from it.

Why these indexes (the feed query is in posts/pagequery.py): the feed asks, for each cell
of a home's area (39 cells at 2 miles, 269 at 5), for that cell's newest visible posts
before a cursor, and merges them. `ix_posts_feed (cell, seq) WHERE hidden_at IS NULL`
answers each cell with one index seek and at most `limit` index entries, on SQLite and
PostgreSQL alike, whether the area holds ten posts or ten thousand;
`ix_posts_feed_category (cell, category, seq)` does the same with a category filter.
Both are partial, so hidden posts cost nothing and never need a table lookup to skip.
A reader's feed also shows the reader's own hidden posts; `ix_posts_hidden_author
(author_id, seq) WHERE hidden_at IS NOT NULL` holds hidden posts only, so asking for
them is one probe that finds nothing for almost every reader (0005).

Deleting an account deletes its posts, comments, reports and notifications (cascades;
media and poster blobs are removed by `feed/cleanup.py`). Deleting a post deletes its comments,
reports, notifications and moderation history. Deleting a home keeps its posts (the
author still exists) with `home_id` cleared.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

# Posts and comments name their agency: its table must be known wherever these are.
from frontporch.server.agencies import models as agencies  # noqa: F401
from frontporch.server.db import Base, UTCDateTime

_CATEGORY_CHECK = (
    "category IN ('crime', 'safety', 'suspicious_activity', 'lost_and_found_pets', "
    "'unexpected_activity', 'community')"
)
_MEDIA_CHECK = "media_type IS NULL OR media_type IN ('video/mp4', 'image/jpeg')"
_VISIBLE = text("hidden_at IS NULL")
_HIDDEN = text("hidden_at IS NOT NULL")
_OPEN = text("resolved_at IS NULL")
# An integer that autoincrements on both databases (SQLite only does it for INTEGER).
AutoId = BigInteger().with_variant(Integer(), "sqlite")


def _user_fk(ondelete: str = "CASCADE", nullable: bool = False) -> Mapped[uuid.UUID]:
    return mapped_column(
        Uuid, ForeignKey("users.id", ondelete=ondelete), index=True, nullable=nullable
    )


def _post_fk(index: bool = False) -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, ForeignKey("posts.id", ondelete="CASCADE"), index=index)


class FeedCounter(Base):
    """Named counters (one row, 'posts'): numbers handed out in commit order."""

    __tablename__ = "feed_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class FeedCellChange(Base):
    """How often the posts of one cell have changed, at the home resolution and at
    resolution 6 (a wide area is checked by the parents that cover it): raised by
    triggers on every write to `posts` for the post's cell and its parent (both cells
    when a post moves) and for the cells of an agency's posts when the agency is renamed
    or removed (migration 0016). Feed pages are kept per area while these counters stay
    put (feed/posts/pagecache.py). Rows are never deleted: counters only grow."""

    __tablename__ = "feed_cell_changes"

    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


class Post(Base):
    """A post in the Neighbors feed: category, text, area, optional media, moderation."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint(_CATEGORY_CHECK, name="category"),
        CheckConstraint(_MEDIA_CHECK, name="media_type"),
        UniqueConstraint("hub_id", "client_ref", name="uq_posts_hub_client_ref"),
        Index("ix_posts_feed", "cell", "seq", sqlite_where=_VISIBLE, postgresql_where=_VISIBLE),
        Index(
            "ix_posts_feed_category",
            "cell",
            "category",
            "seq",
            sqlite_where=_VISIBLE,
            postgresql_where=_VISIBLE,
        ),
        Index(
            "ix_posts_hidden_author",
            "author_id",
            "seq",
            sqlite_where=_HIDDEN,
            postgresql_where=_HIDDEN,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    author_id: Mapped[uuid.UUID] = _user_fk()
    home_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("homes.id", ondelete="SET NULL"), index=True, nullable=True
    )
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agencies.id", ondelete="CASCADE"), index=True, nullable=True
    )
    cell: Mapped[int] = mapped_column(BigInteger)
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    media_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    media_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The still a clip shows until played (0007); a blob beside the media, gone with it.
    poster_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    hub_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("hubs.id", ondelete="SET NULL"), nullable=True
    )
    client_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hidden_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)


class Comment(Base):
    """A comment on a post; signed like posts ("Neighbor", or the agency's name)."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_thread", "post_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    post_id: Mapped[uuid.UUID] = _post_fk()
    author_id: Mapped[uuid.UUID] = _user_fk()
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agencies.id", ondelete="CASCADE"), index=True, nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PostReport(Base):
    """Someone asked the moderators to look at a post; open until a moderator acts."""

    __tablename__ = "post_reports"
    __table_args__ = (
        # One open report per person and post (a resolved one does not block a new one).
        Index(
            "uq_post_reports_open",
            "post_id",
            "reporter_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    post_id: Mapped[uuid.UUID] = _post_fk(index=True)
    reporter_id: Mapped[uuid.UUID] = _user_fk()
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ModerationAction(Base):
    """An operator hid, restored or dismissed the reports of a post, and why (the post's
    history)."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint("action IN ('hide', 'restore', 'dismiss')", name="action"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    post_id: Mapped[uuid.UUID] = _post_fk(index=True)
    # The history outlives the operator's account; only who acted is forgotten.
    operator_id: Mapped[uuid.UUID | None] = _user_fk("SET NULL", nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """Something a person should hear about; `id` only grows, so "everything after N"
    is a complete answer for a live stream to resume from."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('comment_on_your_post', 'your_post_hidden', 'your_post_restored', "
            "'footage_request_nearby', 'legal_notice')",
            name="kind",
        ),
        Index("ix_notifications_inbox", "user_id", "id"),
        # Without AUTOINCREMENT, SQLite would hand the number of a deleted newest row out
        # again, and a stream resuming "after N" would miss the new N.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # The post it is about; NULL only for `legal_notice`, which is about `demand_id` (a
    # legal demand that named the reader's account: the legal area's page shows it).
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("posts.id", ondelete="CASCADE"), index=True, nullable=True
    )
    demand_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
