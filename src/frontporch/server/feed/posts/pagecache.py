"""Feed pages, and the pages kept in memory while nothing has changed.

A feed is read far more often than it is written: every reader in a cell asks for the
same first page each time they open it, and nothing in it moves until someone posts,
comments, hides or deletes. So a process keeps the pages it read, keyed by what decides
their content — the home's cell (the area and the distances), the radius, the category,
the one hexagon asked for if any, the cursor and the page size — and serves one again
only while the database's change counter reads what it read when the page was read.
The JSON API and the feed page read through the same pages (posts/reading.py).

The counter (`feed_counters` row 'changes') is raised by triggers on every write to
`posts` and `agencies` (migration 0006), inside the writer's transaction, so a change
made by any process, by cascades or by hand invalidates every page at once. Each request
reads it in the statement that finds the reader's home, *before* the page is read: a
page can then be newer than its tag (read again at the next request) but never older,
on SQLite and on PostgreSQL's READ COMMITTED alike.

What differs between readers of one page is kept out of it and added per request: a
kept page holds visible posts only, and a reader with hidden posts of their own (shown
to them, marked hidden) gets those merged in (`FeedPage.merged`); `mine` is set per
reader. Each post's JSON is rendered once, when the page is read, in two pieces around
the value of its `mine` field.

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
from typing import Annotated

from fastapi import Depends, Request

from frontporch.server.feed import rules
from frontporch.server.feed.posts.schemas import PostOut
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
    model = PostOut.of(view)
    text = model.model_dump_json().encode()
    # `"mine"` is a top-level field; the quotes inside string values are escaped, so
    # this sequence occurs exactly once, where the field is.
    at = text.index(MINE) + len(MINE)
    value = b"true" if model.mine else b"false"
    if not text.startswith(value, at) or text.count(MINE) != 1:
        raise ValueError("a post's JSON must hold one top-level 'mine' field")
    return PageEntry(view.post, view.author, text[:at], text[at + len(value) :])


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


class FeedPageCache:
    """The `capacity` most recently used pages of one process (0: keep none).

    Safe to share between the request threads. Once a request reads a newer change
    counter than any before it, every page kept is stale and all are dropped.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[PageKey, tuple[int, FeedPage]] = OrderedDict()
        self._newest = -1
        self._lock = threading.Lock()

    def get(self, key: PageKey, changes: int) -> FeedPage | None:
        """The page kept for `key`, if it was read at this `changes` count."""
        if self.capacity == 0:
            return None
        with self._lock:
            if changes > self._newest:
                self._pages.clear()
                self._newest = changes
                return None
            found = self._pages.get(key)
            if found is None or found[0] != changes:
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: PageKey, changes: int, page: FeedPage) -> None:
        """Keep `page`, read after the counter read `changes`."""
        if self.capacity == 0 or not page.all_visible:
            return
        with self._lock:
            if changes < self._newest:
                return  # already stale
            if changes > self._newest:
                self._pages.clear()
                self._newest = changes
            self._pages[key] = (changes, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.capacity:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)


async def feed_pages(request: Request) -> FeedPageCache:
    """The page cache of the app serving this request (`async`: no I/O, called inline)."""
    pages: FeedPageCache = request.app.state.feed_pages
    return pages


FeedPages = Annotated[FeedPageCache, Depends(feed_pages)]
