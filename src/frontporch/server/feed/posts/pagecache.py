"""Feed pages, and the pages kept in memory while nothing in their area has changed.

A feed is read far more often than it is written: every reader in a cell asks for the
same first page each time they open it, and nothing in it moves until someone in its
area posts, comments, hides or deletes. So a process keeps the pages it read, keyed by
what decides their content — the home's cell (the area and the distances), the radius,
the category, the one hexagon asked for if any, the cursor and the page size — and
serves one again only while the change counters of its area read what they read when
the page was read (`PageTag`). The JSON API and the feed page read through the same
pages (posts/reading.py).

The counters (`feed_cell_changes`, one per cell, and per resolution-6 parent for wide
areas) are raised by triggers on every write to `posts` and `agencies` (migration
0016), inside the writer's transaction, so a change made by any process, by cascades or
by hand reaches them; a post in one neighborhood leaves the pages of the others kept.
Each request reads their sum over its area in the statement that finds the reader's
home, *before* the page is read: a page can then be newer than its tag (read again at
the next request) but never older, on SQLite and on PostgreSQL's READ COMMITTED alike.
The server-wide counter (`feed_counters` row 'changes', raised by TRUNCATE only) drops
every page at once.

What differs between readers of one page is kept out of it and added per request: a
kept page holds visible posts only, and a reader with hidden posts of their own (shown
to them, marked hidden) gets those merged in (`FeedPage.merged`); `mine` is set per
reader. Each post's JSON is rendered once per process, in two pieces around the value of
its `mine` field, and kept while the post reads the same (`FeedPageCache.entry`): a page
read again after a change renders only the posts that changed.

The cache is the feed's, one per app (`app.state.feed_pages`, built by `create_app`),
reached through the `FeedPages` dependency.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic_core import to_json

from frontporch import geo
from frontporch.protocol import Category
from frontporch.server.feed import rules
from frontporch.server.feed.posts.schemas import post_url
from frontporch.server.feed.posts.views import FeedPost, PostView


@dataclass(frozen=True, slots=True)
class PageKey:
    """Everything a shared page's content depends on."""

    cell: int
    radius_mi: float
    category: str | None
    only_cell: int | None  # one hexagon of the area, or None for all of it
    before: int | None
    limit: int


MINE = b',"mine":'


@dataclass(frozen=True, slots=True)
class PageEntry:
    """A post of a feed page as every reader from one home sees it, and its JSON, kept
    in two pieces around the value of its `mine` field, which each reader gets filled in
    for themselves."""

    post: FeedPost
    author: rules.AuthorView
    head: bytes  # up to and including `"mine":`
    tail: bytes  # after the value

    def json_for(self, reader_id: uuid.UUID) -> bytes:
        """The post's JSON as `reader_id` sees it."""
        return self.head + (b"true" if self.post.author_id == reader_id else b"false") + self.tail

    def view_for(self, reader_id: uuid.UUID, moderator: bool) -> PostView:
        """The post as `reader_id` (an operator if `moderator`) sees it."""
        mine = self.post.author_id == reader_id
        return PostView(post=self.post, author=self.author, mine=mine, moderator=moderator)


def page_entry(view: PostView) -> PageEntry:
    """A post of a page (read as a `FeedPost`), its JSON rendered once."""
    if not isinstance(view.post, FeedPost):
        raise TypeError("a feed page lists FeedPost rows")
    text = post_json(view)
    # `"mine"` is a top-level field; the quotes inside string values are escaped, so
    # this sequence occurs exactly once, where the field is.
    at = text.index(MINE) + len(MINE)
    value = b"true" if view.mine else b"false"
    if not text.startswith(value, at) or text.count(MINE) != 1:
        raise ValueError("a post's JSON must hold one top-level 'mine' field")
    return PageEntry(view.post, view.author, text[:at], text[at + len(value) :])


def post_json(view: PostView) -> bytes:
    """A post's JSON exactly as `PostOut.of(view).model_dump_json()` writes it.

    A page that is not kept renders twenty of these per request, and building and
    validating the models took most of a cache miss (about 35 µs a post of 45 for the
    whole render, measured on the bench's posts). The values go through pydantic's own
    JSON writer (`to_json`), as plain values in the model's field order, so strings,
    UUIDs, times and numbers are written as the model writes them; a unit test holds the
    two byte for byte (tests/unit/server/test_feed_pagecache.py).
    """
    post, author = view.post, view.author
    category = Category(post.category)
    media: dict[str, Any] | None = None
    if post.media_type is not None:
        media = {
            "url": f"/api/posts/{post.id}/media",
            "content_type": post.media_type,
            "size": int(post.media_size or 0),
        }
        if post.poster_key:
            media["poster"] = f"/api/posts/{post.id}/poster"
    author_out: dict[str, Any] = {
        "kind": "agency" if author.kind == "agency" else "neighbor",
        "label": author.label,
    }
    if author.distance_mi is not None:
        author_out["distance_mi"] = float(author.distance_mi)
    return to_json(
        {
            "id": post.id,
            "url": post_url(post.id),
            "category": category.value,
            "category_label": category.label,
            "title": post.title,
            "body": post.body,
            "created_at": post.created_at,
            "area": geo.int_to_cell(post.cell),
            "author": author_out,
            "mine": view.mine,
            "comment_count": int(post.comment_count),
            "media": media,
            "hidden": post.hidden_at is not None,
            "hidden_reason": post.hidden_reason if view.shows_moderation else None,
        }
    )


@dataclass(frozen=True, slots=True)
class FeedPage:
    """A page of a home's feed, newest first, and whether more follow."""

    entries: tuple[PageEntry, ...]
    more: bool

    @property
    def all_visible(self) -> bool:
        """Whether the page holds no hidden post (only such pages are shared)."""
        return not any(entry.post.hidden_at is not None for entry in self.entries)

    @property
    def next_cursor(self) -> str | None:
        """The `before` cursor of the next page, None at the end."""
        if not (self.more and self.entries):
            return None
        return rules.encode_post_cursor(self.entries[-1].post.seq)

    def merged(self, others: Sequence[PageEntry], limit: int) -> FeedPage:
        """This page with `others` (newest first, at most `limit` + 1 of them, from the
        same area and below the same cursor) merged in: the `limit` newest of both."""
        together = sorted([*self.entries, *others], key=lambda one: one.post.seq, reverse=True)
        return FeedPage(tuple(together[:limit]), self.more or len(together) > limit)

    def views_for(self, reader_id: uuid.UUID, moderator: bool) -> list[PostView]:
        """The page's posts as `reader_id` (an operator if `moderator`) sees them."""
        return [entry.view_for(reader_id, moderator) for entry in self.entries]

    def json_for(self, reader_id: uuid.UUID) -> bytes:
        """The page's JSON (`FeedOut`) as `reader_id` sees it."""
        parts = b",".join(entry.json_for(reader_id) for entry in self.entries)
        cursor = json.dumps(self.next_cursor).encode()
        return b'{"posts":[' + parts + b'],"next":' + cursor + b"}"


RENDERED_POSTS = 4_096  # rendered posts kept per process: about 1.5 KB each


@dataclass(frozen=True, slots=True)
class PageTag:
    """The change counters a page was read after: the server-wide one (`everything`,
    raised only by what touches every area: TRUNCATE on PostgreSQL) and the sum of the
    per-cell counters of the page's area (`area`). Counters only grow, so an unchanged
    sum means no cell of the area changed."""

    everything: int
    area: int


class FeedPageCache:
    """The `capacity` most recently used pages of one process (0: keep none), and the
    cell each home was last read at (what the next request of that home reads the area's
    counters for, in the statement that finds the home).

    Safe to share between the request threads. A page is served while its area's tag
    reads what it read when the page was read; once a request reads a newer server-wide
    counter than any before it, every page kept is stale and all are dropped.
    """

    HOMES_KEPT = 65_536  # home → cell guesses (about 10 MB at most); forgotten at once past it

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[PageKey, tuple[PageTag, FeedPage]] = OrderedDict()
        self._newest = -1
        self._lock = threading.Lock()
        self._home_cells: dict[uuid.UUID, int] = {}
        self._rendered: dict[tuple[FeedPost, rules.AuthorView, bool], PageEntry] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: PageKey, tag: PageTag) -> FeedPage | None:
        """The page kept for `key`, if it was read at this `tag`."""
        if self.capacity == 0:
            return None
        with self._lock:
            if tag.everything > self._newest:
                self._pages.clear()
                self._newest = tag.everything
            found = self._pages.get(key)
            if found is None or found[0] != tag:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(self, key: PageKey, tag: PageTag, page: FeedPage) -> None:
        """Keep `page`, read after its area's counters read `tag`."""
        if self.capacity == 0 or not page.all_visible:
            return
        with self._lock:
            if tag.everything < self._newest:
                return  # already stale
            if tag.everything > self._newest:
                self._pages.clear()
                self._newest = tag.everything
            self._pages[key] = (tag, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.capacity:
                self._pages.popitem(last=False)

    def entry(self, view: PostView) -> PageEntry:
        """A post of a page, its JSON rendered once per process while the post reads the
        same: a page read again after a change lists mostly posts it listed before, and
        rendering them again was most of a cache miss. Kept whatever `capacity` is (a
        page not kept is still made of posts already rendered); `RENDERED_POSTS` at most,
        all forgotten at once past it."""
        if not isinstance(view.post, FeedPost):
            raise TypeError("a feed page lists FeedPost rows")
        key = (view.post, view.author, view.shows_moderation)
        found = self._rendered.get(key)
        if found is None:
            found = page_entry(view)
            if len(self._rendered) >= RENDERED_POSTS:
                self._rendered.clear()
            self._rendered[key] = found
        return found

    def home_cell(self, home_id: uuid.UUID) -> int | None:
        """The cell `home_id` was last read at, if this process has read it."""
        return self._home_cells.get(home_id)

    def remember_home(self, home_id: uuid.UUID, cell: int) -> None:
        """Note the cell a request read `home_id` at (a guess for the next request,
        checked by it)."""
        if len(self._home_cells) >= self.HOMES_KEPT:
            self._home_cells.clear()
        self._home_cells[home_id] = cell

    def __len__(self) -> int:
        return len(self._pages)


def page_cache_of(request: Request) -> FeedPageCache:
    """The page cache of the app serving this request."""
    pages: FeedPageCache = request.app.state.feed_pages
    return pages


async def feed_pages(request: Request) -> FeedPageCache:
    """The `FeedPages` dependency (`async`: no I/O, called inline)."""
    return page_cache_of(request)


FeedPages = Annotated[FeedPageCache, Depends(feed_pages)]
