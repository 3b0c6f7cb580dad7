"""Feed pages and the page cache on their own (feed/posts/pagecache.py): which pages it
keeps, for how long, and how a page is put together for one reader — as JSON and as
the posts a page renders."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from frontporch.protocol import Category
from frontporch.server.feed import rules
from frontporch.server.feed.posts.pagecache import (
    FeedPage,
    FeedPageCache,
    PageEntry,
    PageKey,
    page_entry,
)
from frontporch.server.feed.posts.schemas import FeedOut, PostOut
from frontporch.server.feed.posts.views import FeedPost, PostView

CELL = 0x882664C1E1FFFFF
AUTHOR = uuid.UUID(int=1)
READER = uuid.UUID(int=2)
NEIGHBOR = rules.AuthorView("neighbor", "Neighbor", 0.5)


def _row(seq: int, *, author: uuid.UUID = AUTHOR, hidden: bool = False) -> FeedPost:
    return FeedPost(
        id=uuid.UUID(int=1000 + seq),
        seq=seq,
        author_id=author,
        agency_id=None,
        cell=CELL,
        category=Category.COMMUNITY.value,
        title=f'Post «{seq}», a title with "mine":true,"mine":false in it',
        body="Ünïcode and\nnew lines",
        created_at=datetime(2026, 11, 29, 12, seq % 60, tzinfo=UTC),
        media_type=None,
        media_size=None,
        poster_key=None,
        hidden_at=datetime(2026, 11, 30, tzinfo=UTC) if hidden else None,
        hidden_reason="Names a neighbor" if hidden else None,
        comment_count=seq,
    )


def _view(seq: int, *, reader: uuid.UUID = READER, author: uuid.UUID = AUTHOR,
          hidden: bool = False, moderator: bool = False) -> PostView:  # fmt: skip
    row = _row(seq, author=author, hidden=hidden)
    return PostView(row, NEIGHBOR, mine=author == reader, moderator=moderator)


def _post(seq: int, *, author: uuid.UUID = AUTHOR, hidden: bool = False) -> PageEntry:
    return page_entry(_view(seq, reader=author, author=author, hidden=hidden))


def _page(*seqs: int, more: bool = False) -> FeedPage:
    return FeedPage(tuple(_post(seq) for seq in seqs), more)


def _key(before: int | None = None, only_cell: int | None = None) -> PageKey:
    return PageKey(CELL, 2.0, None, only_cell, before, 20)


def test_a_page_is_kept_for_the_change_count_it_was_read_at() -> None:
    cache = FeedPageCache(8)
    page = _page(3, 2, 1)
    cache.put(_key(), 5, page)
    assert cache.get(_key(), 5) is page
    assert cache.get(_key(before=3), 5) is None  # another key
    assert cache.get(_key(only_cell=CELL), 5) is None  # one hexagon is another page
    assert cache.get(_key(), 4) is None  # an older read of the counter
    assert cache.get(_key(), 6) is None  # something changed: every page goes
    assert len(cache) == 0
    cache.put(_key(), 5, page)  # read before the change: not kept
    assert cache.get(_key(), 6) is None
    assert len(cache) == 0


def test_the_least_recently_used_pages_go_first_and_hidden_ones_are_never_kept() -> None:
    cache = FeedPageCache(2)
    for before in (1, 2):
        cache.put(_key(before), 0, _page(before))
    assert cache.get(_key(1), 0) is not None  # now the most recently used
    cache.put(_key(3), 0, _page(3))
    assert [cache.get(_key(b), 0) is not None for b in (1, 2, 3)] == [True, False, True]
    cache.put(_key(4), 0, FeedPage((_post(4, hidden=True),), False))
    assert cache.get(_key(4), 0) is None
    off = FeedPageCache(0)
    off.put(_key(), 0, _page(1))
    assert off.get(_key(), 0) is None


def test_a_page_reads_as_the_models_json_with_mine_set_per_reader() -> None:
    page = FeedPage((_post(3), _post(2, author=READER), _post(1)), more=True)
    for reader, mine in ((READER, [False, True, False]), (AUTHOR, [True, False, True])):
        authors = (AUTHOR, READER, AUTHOR)
        models = [
            PostOut.of(_view(seq, author=author)).model_copy(update={"mine": m})
            for seq, author, m in zip((3, 2, 1), authors, mine, strict=True)
        ]
        expected = FeedOut(posts=models, next=rules.encode_post_cursor(1))
        assert page.json_for(reader) == expected.model_dump_json().encode()
    titles = [item["title"] for item in json.loads(page.json_for(READER))["posts"]]
    assert titles[0] == 'Post «3», a title with "mine":true,"mine":false in it'
    assert json.loads(FeedPage((), False).json_for(READER)) == {"posts": [], "next": None}


def test_a_page_reads_as_the_posts_one_reader_sees() -> None:
    page = FeedPage((_post(3), _post(2, author=READER)), more=False)
    views = page.views_for(READER, moderator=False)
    assert [(view.post.seq, view.mine, view.moderator) for view in views] == [
        (3, False, False),
        (2, True, False),
    ]
    assert all(view.author == NEIGHBOR for view in views)
    assert [view.mine for view in page.views_for(AUTHOR, moderator=True)] == [True, False]
    assert all(view.moderator for view in page.views_for(AUTHOR, moderator=True))
    assert page.next_cursor is None


def test_own_hidden_posts_merge_into_a_shared_page_newest_first() -> None:
    shared = _page(9, 7, 5, more=True)
    hidden = [_post(8, author=READER, hidden=True)]
    merged = shared.merged(hidden, 3)
    assert [one.post.seq for one in merged.entries] == [9, 8, 7]
    assert merged.more
    assert merged.next_cursor == rules.encode_post_cursor(7)
    # The shared page had no more, but a hidden post falls beyond the page: more follow.
    last = _page(9, 7).merged([_post(3, author=READER, hidden=True)], 2)
    assert ([one.post.seq for one in last.entries], last.more) == ([9, 7], True)
    end = _page(9).merged([_post(3, author=READER, hidden=True)], 2)
    assert ([one.post.seq for one in end.entries], end.more) == ([9, 3], False)
    # The author sees why it was hidden; the JSON says so.
    mine = json.loads(end.json_for(READER))["posts"][1]
    assert (mine["mine"], mine["hidden"], mine["hidden_reason"]) == (True, True, "Names a neighbor")
