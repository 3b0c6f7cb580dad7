"""The feed query: a page of a home's feed on PostgreSQL and on SQLite (the SQL behind
`PostRepository.visible_page`).

A page is the `limit` newest visible posts whose cell is one of the home's area cells
(39 at 2 miles, 269 at 5), numbered below the cursor. The plain query, `cell IN (…)
ORDER BY seq DESC LIMIT n`, has a bad case on both databases whichever plan the planner
picks: through `(cell, seq)` it reads and sorts *every* post of the area (a busy area at
5 miles); walking `seq` backwards and filtering by cell (what both planners choose with
statistics) reads the *whole table* when the area is quiet. Measured with 100k posts
over 10k homes (bench scratch runs, median ms, busy / edge / empty area): plain IN on
PostgreSQL 2-3 / 3-7 / 7-14, growing with the table; on SQLite with ANALYZE statistics
0.6-1 / 0.8-27 / 27-28.

So the feed asks each cell for *its* newest visible posts below the cursor — one seek
into `ix_posts_feed (cell, seq) WHERE hidden_at IS NULL` (or `ix_posts_feed_category
(cell, category, seq)`) — and keeps the `limit` newest of those. The work is bounded by
cells × limit, never by the size of the table.

- PostgreSQL: one statement, a LATERAL subquery over `unnest(:cells)` (EXPLAIN: Nested
  Loop → Function Scan on unnest → Limit → Index Only Scan Backward using ix_posts_feed,
  Index Cond: cell = area.cell; 2-5 / 1.5-3.5 / 1.2-2.5 ms).
- SQLite has no LATERAL: one arm per cell, `SELECT seq … WHERE cell = ? … UNION ALL …
  ORDER BY 1 DESC LIMIT n`. SQLite merges such a compound (EXPLAIN QUERY PLAN: MERGE
  (UNION ALL) over SEARCH posts USING INDEX ix_posts_feed (cell=? AND seq<?)), each arm
  read backwards from the index, so it stops after the page's `limit` entries plus one
  seek per cell. Median over the bench's readers (100k posts): 0.06-0.09 ms at 2 miles
  against 0.41 ms for one statement per cell sent from Python. A wider area (5 miles,
  269 cells) binds its cells as one JSON array instead (`_wide_statement`): 0.23 ms,
  against 0.44 ms in statements of `MERGE_ARMS` arms, 2.5 ms per cell and 1.4 ms for one
  statement of all 269 arms.

The page's posts are read as `FeedPost` rows, in the same statement. A reader's own
hidden posts (shown to them, marked hidden) are not part of it: the feed's one read
path merges them in (posts/reading.py), so that pages without them can be shared
(posts/pagecache.py). Both
paths are covered by every feed test, which runs on both databases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    bindparam,
    func,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from frontporch.server.feed.models import Post
from frontporch.server.feed.posts.views import FeedPost

NO_UPPER_BOUND = 2**62
# SQLite: the most cells read as a compound of arms (wider areas: one JSON array).
MERGE_ARMS = 64
POSTS = Post.__table__


FEED_POST_COLUMNS = tuple(field.name for field in fields(FeedPost))


def visible_page(
    db: Session, cells: Sequence[int], before: int | None, category: str | None, limit: int
) -> list[FeedPost]:
    """Up to `limit` visible posts in `cells` numbered below `before`, newest first, as
    plain rows: the page every reader of the area shares."""
    if not cells or limit <= 0:
        return []
    bound = before if before is not None else NO_UPPER_BOUND
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        params: dict[str, Any] = {"cells": list(cells), "before": bound, "limit": limit}
        if category is not None:
            params["category"] = category
        statement = _lateral_feed_posts(category is not None)
        return [FeedPost(*row) for row in connection.execute(statement, params)]
    if len(cells) <= MERGE_ARMS:  # the whole page in one statement
        sql, values = _newest_statement(cells, bound, category, limit)
    else:
        sql, values = _wide_statement(cells, bound, category, limit)
    raw_rows = _sqlite_rows(connection, _feed_posts_sql(sql), values)
    conversions = _conversions(connection.dialect)
    found = []
    for row in raw_rows:
        post = _READ_ROWS.get(row)
        if post is None:
            post = _feed_post(row, conversions)
            if len(_READ_ROWS) >= READ_ROWS_KEPT:
                _READ_ROWS.clear()
            _READ_ROWS[row] = post
        found.append(post)
    return found


# -- PostgreSQL --------------------------------------------------------------------------
# Statements are built once: building one costs more than running it on a warm database.


@cache
def _lateral_feed_posts(in_category: bool) -> Select[tuple[Any, ...]]:
    """PostgreSQL's page as `FeedPost` columns; parameters cells, before, limit (,
    category)."""
    cells = bindparam("cells", type_=ARRAY(BigInteger))
    before, limit = bindparam("before", type_=BigInteger), bindparam("limit", type_=Integer)
    in_area: list[ColumnElement[bool]] = [POSTS.c.seq < before]
    if in_category:
        in_area.append(POSTS.c.category == bindparam("category", type_=String))
    area = func.unnest(cells).table_valued("cell").render_derived(name="area")
    newest_in_cell = (
        select(POSTS.c.seq)
        .where(POSTS.c.cell == area.c.cell, POSTS.c.hidden_at.is_(None), *in_area)
        .order_by(POSTS.c.seq.desc())
        .limit(limit)
        .lateral("newest")
    )
    candidates = (
        select(newest_in_cell.c.seq).select_from(area).join(newest_in_cell, true())
    ).subquery("found")
    page = select(candidates.c.seq).order_by(candidates.c.seq.desc()).limit(limit)
    columns = [POSTS.c[name] for name in FEED_POST_COLUMNS]
    return (
        select(*columns).where(POSTS.c.seq.in_(page.scalar_subquery())).order_by(POSTS.c.seq.desc())
    )


# -- SQLite --------------------------------------------------------------------------------
# Through the driver's cursor, on the session's connection: in-process, SQLAlchemy's
# own execute would cost more than the statement.

# One cell's visible posts, newest first, straight from the index (`INDEXED BY`: a
# planner holding statistics may prefer to walk `seq` and filter, which reads the whole
# table when the area is quiet).
CELL_ARM = (
    "SELECT seq FROM posts INDEXED BY ix_posts_feed "
    "WHERE cell = ? AND hidden_at IS NULL AND seq < ?"
)
CELL_ARM_IN_CATEGORY = (
    "SELECT seq FROM posts INDEXED BY ix_posts_feed_category "
    "WHERE cell = ? AND category = ? AND hidden_at IS NULL AND seq < ?"
)


def _newest_statement(
    cells: Sequence[int], bound: int, category: str | None, limit: int
) -> tuple[str, list[Any]]:
    """The `limit` newest seqs of `cells` as one merged compound statement, and its
    parameters."""
    in_category = category is not None
    arms = [CELL_ARM_IN_CATEGORY if in_category else CELL_ARM] * len(cells)
    values: list[Any] = []
    for cell in cells:
        values += (cell, category, bound) if in_category else (cell, bound)
    values.append(limit)
    return " UNION ALL ".join(arms) + " ORDER BY 1 DESC LIMIT ?", values


# A wide area (more than MERGE_ARMS cells): the cells as one JSON array, `cell IN
# (json_each)` through the same index, newest first with a LIMIT. SQLite plans it as one
# seek per cell (EXPLAIN QUERY PLAN: SEARCH posts USING INDEX ix_posts_feed (cell=? AND
# seq<?), LIST SUBQUERY over json_each, TEMP B-TREE FOR ORDER BY) and, with the LIMIT,
# stops reading a cell once its entries can no longer make the page: the bounded work of
# the arms in one statement. Checked against the arms on 1,600 pages of the bench's
# database (2 and 5 miles, cursors, categories): the same seqs; at 5 miles 0.23 ms a
# page against 0.45 ms for five statements of 64 arms (0.71 ms at worst).
AREA_SEQS = (
    "SELECT seq FROM posts INDEXED BY ix_posts_feed "
    "WHERE cell IN (SELECT value FROM json_each(?)) AND hidden_at IS NULL AND seq < ? "
    "ORDER BY seq DESC LIMIT ?"
)
AREA_SEQS_IN_CATEGORY = (
    "SELECT seq FROM posts INDEXED BY ix_posts_feed_category "
    "WHERE cell IN (SELECT value FROM json_each(?)) AND category = ? AND hidden_at IS NULL "
    "AND seq < ? ORDER BY seq DESC LIMIT ?"
)


def _wide_statement(
    cells: Sequence[int], bound: int, category: str | None, limit: int
) -> tuple[str, list[Any]]:
    """The `limit` newest seqs of a wide area as one statement, and its parameters."""
    listed = _json_cells(tuple(cells))
    if category is not None:
        return AREA_SEQS_IN_CATEGORY, [listed, category, bound, limit]
    return AREA_SEQS, [listed, bound, limit]


@lru_cache(maxsize=1024)  # areas repeat: the same few homes and radii
def _json_cells(cells: tuple[int, ...]) -> str:
    return "[" + ",".join(map(str, cells)) + "]"


def _feed_posts_sql(seqs: str) -> str:
    return (  # fixed fragments only; every value is bound
        f"SELECT {', '.join(FEED_POST_COLUMNS)} FROM posts "  # noqa: S608
        f"WHERE seq IN ({seqs}) ORDER BY seq DESC"
    )


def _sqlite_rows(connection: Connection, sql: str, values: Sequence[Any]) -> list[Any]:
    cursor = connection.connection.cursor()
    try:
        rows: list[Any] = cursor.execute(sql, values).fetchall()
        return rows
    finally:
        cursor.close()


Conversions = tuple[tuple[int, Callable[[Any], Any]], ...]


@lru_cache(maxsize=8)
def _conversions(dialect: Dialect) -> Conversions:
    # What SQLAlchemy does to a column's raw value (UUIDs from hex, timestamps parsed and
    # made UTC), for the columns where it does anything, so that rows read through the
    # driver come out as SQLAlchemy would return them.
    found = []
    for index, name in enumerate(FEED_POST_COLUMNS):
        process = POSTS.c[name].type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            found.append((index, process))
    return tuple(found)


# SQLite's rows as the driver returns them (text UUIDs and times), and the `FeedPost`
# each reads as: converting a page's twenty rows cost about a quarter of a cache miss,
# and a page read again after a change lists mostly rows read before. The raw row is the
# key, so a row that changed in any column is a new key. At most READ_ROWS_KEPT, all
# forgotten at once past it.
READ_ROWS_KEPT = 4_096
_READ_ROWS: dict[tuple[Any, ...], FeedPost] = {}


def _feed_post(row: Sequence[Any], conversions: Conversions) -> FeedPost:
    values = list(row)
    for index, process in conversions:
        if values[index] is not None:
            values[index] = process(values[index])
    return FeedPost(*values)
