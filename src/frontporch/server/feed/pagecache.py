"""Feed pages kept in memory while nothing has changed.

A feed is read far more often than it is written: every reader in a cell asks for the
same first page each time they open it, and nothing in it moves until someone posts,
comments, hides or deletes. So a process keeps the pages it rendered, keyed by what
decides their content — the home's cell (the area and the distances), the radius, the
category, the cursor and the page size — and serves one again only while the database's
change counter reads what it read when the page was rendered.

The counter (`feed_counters` row 'changes') is raised by triggers on every write to
`posts` and `agencies` (migration 0006), inside the writer's transaction, so a change
made by any process, by cascades or by hand invalidates every page at once. Each request
reads it in the statement that finds the reader's home, *before* the page is read: a
page can then be newer than its tag (rendered again at the next request) but never
older, on SQLite and on PostgreSQL's READ COMMITTED alike.

What differs between readers of one page is kept out of it and added per request: a
page holds visible posts only, and a reader with hidden posts of their own (shown to
them, marked hidden) gets those merged in (`merged`); `mine` is set per reader.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from frontporch.server.feed import rules

if TYPE_CHECKING:  # schemas import the service, which imports this module
    from frontporch.server.feed.schemas import PostOut


@dataclass(frozen=True, slots=True)
class PageKey:
    """Everything a shared page's content depends on."""

    cell: int
    radius_mi: float
    category: str | None
    before: int | None
    limit: int


@dataclass(frozen=True, slots=True)
class RenderedPost:
    """A post's JSON, rendered once and kept in two pieces around the value of its
    `mine` field, which each reader gets filled in for themselves."""

    seq: int
    author_id: uuid.UUID
    hidden: bool
    head: bytes  # up to and including `"mine":`
    tail: bytes  # after the value

    def json_for(self, reader_id: uuid.UUID) -> bytes:
        """The post's JSON as `reader_id` sees it."""
        return self.head + (b"true" if self.author_id == reader_id else b"false") + self.tail


MINE = b',"mine":'


def rendered(seq: int, author_id: uuid.UUID, model: PostOut) -> RenderedPost:
    """A post rendered to JSON once."""
    text = model.model_dump_json().encode()
    # `"mine"` is a top-level field; the quotes inside string values are escaped, so
    # this sequence occurs exactly once, where the field is.
    at = text.index(MINE) + len(MINE)
    value = b"true" if model.mine else b"false"
    if not text.startswith(value, at) or text.count(MINE) != 1:
        raise ValueError("a post's JSON must hold one top-level 'mine' field")
    return RenderedPost(seq, author_id, model.hidden, text[:at], text[at + len(value) :])


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page of the feed as JSON fragments, newest first, and whether more follow."""

    posts: tuple[RenderedPost, ...]
    more: bool

    @property
    def all_visible(self) -> bool:
        """Whether the page holds no hidden post (only such pages are shared)."""
        return not any(post.hidden for post in self.posts)

    def merged(self, others: Sequence[RenderedPost], limit: int) -> RenderedPage:
        """This page with `others` (newest first, at most `limit` + 1 of them, from the
        same area and below the same cursor) merged in: the `limit` newest of both."""
        together = sorted([*self.posts, *others], key=lambda post: post.seq, reverse=True)
        return RenderedPage(tuple(together[:limit]), self.more or len(together) > limit)

    def json_for(self, reader_id: uuid.UUID) -> bytes:
        """The page's JSON (`FeedOut`) as `reader_id` sees it."""
        parts = b",".join(post.json_for(reader_id) for post in self.posts)
        cursor = rules.encode_post_cursor(self.posts[-1].seq) if self.more and self.posts else None
        return b'{"posts":[' + parts + b'],"next":' + json.dumps(cursor).encode() + b"}"


class FeedPageCache:
    """The `capacity` most recently used pages of one process (0: keep none).

    Safe to share between the request threads. Once a request reads a newer change
    counter than any before it, every page kept is stale and all are dropped.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._pages: OrderedDict[PageKey, tuple[int, RenderedPage]] = OrderedDict()
        self._newest = -1
        self._lock = threading.Lock()

    def get(self, key: PageKey, changes: int) -> RenderedPage | None:
        """The page kept for `key`, if it was rendered at this `changes` count."""
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

    def put(self, key: PageKey, changes: int, page: RenderedPage) -> None:
        """Keep `page`, rendered after the counter read `changes`."""
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
