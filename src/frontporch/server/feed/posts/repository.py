"""All SQL about posts.

Reads that serve a caller take a `rules.Viewer` and return only what it may read
(`rules.can_read`), so a handler cannot forget access control; a post the caller may
not read is simply not found. Reads for moderation, hubs, the media sweep and account
deletion say whom they serve.

**The feed query** (`visible_page`): one statement per page on PostgreSQL (LATERAL over
the area's cells), merged per-cell arms on SQLite; `pagequery` has it, with the plans
and measurements. A reader's own hidden posts (`own_hidden`) are merged in by the one
read path (posts/reading.py). `reader_state` is what every feed request reads first: the
reader's home, the change counters the page cache is checked against (the server-wide
one and the sum of the area's per-cell ones), and whether the reader has hidden posts of
their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ScalarSelect,
    Select,
    String,
    any_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from frontporch.server.feed import rules
from frontporch.server.feed.models import FeedCellChange, FeedCounter, Post
from frontporch.server.feed.posts import pagequery
from frontporch.server.feed.posts.views import FeedPost
from frontporch.server.homes.models import Home
from frontporch.server.homes.repository import READABLE_HOME
from frontporch.server.kit.repository import Repository

POSTS_COUNTER = "posts"
CHANGES_COUNTER = "changes"  # raised by TRUNCATE (migration 0016; 0006 by every write)


@dataclass(frozen=True, slots=True)
class ReaderState:
    """What a feed request needs before it reads a page: the home's cell, the change
    counters (server-wide, and summed over the area asked about), and whether the reader
    has hidden posts of their own."""

    cell: int
    changes: int
    area_changes: int
    has_hidden_posts: bool


def _area_changes(dialect: str) -> ScalarSelect[Any]:
    """The sum of the change counters of the cells bound as `area` (`counted_cells`): a
    JSON array of integers on SQLite (one parameter, so the statement stays the same for
    every area; `json_each` feeds the primary key's index), an array on PostgreSQL."""
    if dialect == "postgresql":
        in_area = FeedCellChange.cell == any_(bindparam("area", type_=ARRAY(BigInteger)))
    else:
        listed = func.json_each(bindparam("area", type_=String)).table_valued("value")
        in_area = FeedCellChange.cell.in_(select(listed.c.value))
    return select(func.coalesce(func.sum(FeedCellChange.value), 0)).where(in_area).scalar_subquery()


@cache
def _reader_state(dialect: str) -> Select[Any]:
    """Built once per dialect (parameters `home_id`, `user_id` and `area`): every feed
    request runs it."""
    return select(
        Home.cell,
        select(FeedCounter.value).where(FeedCounter.name == CHANGES_COUNTER).scalar_subquery(),
        _area_changes(dialect),
        exists().where(Post.author_id == bindparam("user_id"), Post.hidden_at.is_not(None)),
    ).where(*READABLE_HOME)


@cache
def _area_changes_alone(dialect: str) -> Select[Any]:
    return select(_area_changes(dialect))


# A page's area is checked by the change counters of its own cells while it has at most
# EXACT_AREA_CELLS of them (2 miles: 39), else by those of the resolution-6 parents that
# cover it (5 miles: 269 cells, 10-12 parents): summing 269 rows cost 0.15-0.19 ms a
# request on SQLite, a dozen costs what 39 do. The triggers raise both (migration 0016).
EXACT_AREA_CELLS = 64
CELL_PARENT_RESOLUTION = 6
_RESOLUTION_FIELD = 15 << 52
_LOWER_DIGITS = (1 << 3 * (15 - CELL_PARENT_RESOLUTION)) - 1


def cell_parent(cell: int) -> int:
    """A home-resolution cell's resolution-6 parent: the H3 index with its resolution
    field set and the digits below it all 7 (as the triggers compute it)."""
    return (cell & ~_RESOLUTION_FIELD) | (CELL_PARENT_RESOLUTION << 52) | _LOWER_DIGITS


@lru_cache(maxsize=1024)  # areas repeat: the same few homes and radii
def counted_cells(area: tuple[int, ...]) -> tuple[int, ...]:
    """The cells whose change counters tell whether anything in `area` changed."""
    if len(area) <= EXACT_AREA_CELLS:
        return area
    return tuple(sorted({cell_parent(cell) for cell in area}))


@lru_cache(maxsize=1024)
def _json_cells(area: tuple[int, ...]) -> str:
    return "[" + ",".join(map(str, counted_cells(area))) + "]"


def _area_value(dialect: str, cells: Sequence[int]) -> Any:
    area = tuple(cells)
    return list(counted_cells(area)) if dialect == "postgresql" else _json_cells(area)


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


class PostRepository(Repository[Post]):
    """Posts."""

    # -- writing -------------------------------------------------------------------------

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

    def delete(self, post: Post) -> None:
        """Delete a post; comments, reports, notifications and history go with it."""
        self.db.execute(delete(Post).where(Post.id == post.id))
        self.db.expunge(post)

    def change_comment_count(self, post_id: uuid.UUID, by: int) -> None:
        """Add `by` to a post's comment count, atomically."""
        self.db.execute(
            update(Post).where(Post.id == post_id).values(comment_count=Post.comment_count + by)
        )

    # -- one post ------------------------------------------------------------------------

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

    # -- a home's feed -------------------------------------------------------------------

    def reader_state(
        self, reader_id: uuid.UUID, home_id: uuid.UUID, area: Sequence[int]
    ) -> ReaderState | None:
        """The reader's home (None unless they belong to it), with the change counters —
        the area's summed over `area` — and whether they have hidden posts, in one
        statement. `area` is the caller's guess of the home's area: if the home's cell
        turns out otherwise, `area_changes` must be read again for the right one."""
        connection = self.db.connection()
        dialect = connection.dialect.name
        values = {"home_id": home_id, "user_id": reader_id, "area": _area_value(dialect, area)}
        row = connection.execute(_reader_state(dialect), values).one_or_none()
        if row is None:
            return None
        if row[1] is None:
            raise CounterMissing("feed_counters has no 'changes' row; run the migrations")
        return ReaderState(int(row[0]), int(row[1]), int(row[2]), bool(row[3]))

    def area_changes(self, area: Sequence[int]) -> int:
        """The sum of the per-cell change counters of `area` (cells without a post: 0)."""
        connection = self.db.connection()
        dialect = connection.dialect.name
        values = {"area": _area_value(dialect, area)}
        return int(connection.execute(_area_changes_alone(dialect), values).scalar_one())

    def visible_page(
        self, cells: Sequence[int], before: int | None, category: str | None, limit: int
    ) -> list[FeedPost]:
        """Up to `limit` visible posts in `cells` numbered below `before`, newest first:
        what every reader of the area sees (the plans are in `pagequery`)."""
        return pagequery.visible_page(self.db, cells, before, category, limit)

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

    def visible_after(
        self, cells: Sequence[int], after: int, category: str | None, limit: int
    ) -> list[Post]:
        """Visible posts in `cells` numbered above `after`, oldest first (live streams)."""
        statement = select(Post).where(
            Post.cell.in_(cells), Post.hidden_at.is_(None), Post.seq > after
        )
        if category is not None:
            statement = statement.where(Post.category == category)
        return list(self.db.scalars(statement.order_by(Post.seq).limit(limit)))

    def newest_seq(self) -> int:
        """The highest post number anywhere (0 with no posts)."""
        return int(self.db.scalar(select(func.max(Post.seq))) or 0)

    # -- an agency's posts ---------------------------------------------------------------

    def agency_page(self, viewer: rules.Viewer, before: int | None, limit: int) -> list[Post]:
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

    # -- hubs ------------------------------------------------------------------------------

    def find_by_hub_ref(self, hub_id: uuid.UUID, client_ref: str) -> Post | None:
        """The post a hub already uploaded under its own reference, if any."""
        return self.db.scalars(
            select(Post).where(Post.hub_id == hub_id, Post.client_ref == client_ref)
        ).one_or_none()

    def hub_home(self, home_id: uuid.UUID) -> Home | None:
        """The home a paired hub posts for (its credential names it), if it still exists."""
        return self.db.get(Home, home_id)

    # -- blobs -----------------------------------------------------------------------------

    def blob_keys_named(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` a post names, as its media or its poster frame (the sweep)."""
        media = self.db.scalars(select(Post.media_key).where(Post.media_key.in_(keys)))
        posters = self.db.scalars(select(Post.poster_key).where(Post.poster_key.in_(keys)))
        return {key for key in [*media, *posters] if key is not None}

    def blob_keys_of_author(self, author_id: uuid.UUID) -> list[str]:
        """The media and poster keys of an author's posts (account deletion)."""
        rows = self.db.execute(
            select(Post.media_key, Post.poster_key).where(
                Post.author_id == author_id, Post.media_key.is_not(None)
            )
        ).all()
        return [key for row in rows for key in row if key is not None]
