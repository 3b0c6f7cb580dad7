"""The feed's page cache on its own (feed/pagecache.py): which pages it keeps, for how
long, and how a page is put together for one reader."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from frontporch.server.feed import rules
from frontporch.server.feed.pagecache import (
    FeedPageCache,
    PageKey,
    RenderedPage,
    RenderedPost,
    rendered,
)
from frontporch.server.feed.schemas import AuthorOut, FeedOut, PostOut
from frontporch.sharing_protocol import Category

CELL = 0x882664C1E1FFFFF
AUTHOR = uuid.UUID(int=1)
READER = uuid.UUID(int=2)


def _post(seq: int, *, author: uuid.UUID = AUTHOR, mine: bool = False,
          hidden: bool = False) -> RenderedPost:  # fmt: skip
    return rendered(seq, author, _model(seq, mine=mine, hidden=hidden))


def _model(seq: int, *, mine: bool = False, hidden: bool = False) -> PostOut:
    return PostOut(
        id=uuid.UUID(int=1000 + seq),
        url=f"/posts/{seq}",
        category=Category.COMMUNITY,
        category_label=Category.COMMUNITY.label,
        title=f'Post «{seq}», a title with "mine":true,"mine":false in it',
        body="Ünïcode and\nnew lines",
        created_at=datetime(2026, 11, 29, 12, seq % 60, tzinfo=UTC),
        area=f"{CELL:x}",
        author=AuthorOut(kind="neighbor", label="Neighbor", distance_mi=0.5),
        mine=mine,
        comment_count=seq,
        media=None,
        hidden=hidden,
        hidden_reason="Names a neighbor" if hidden else None,
    )


def _page(*seqs: int, more: bool = False) -> RenderedPage:
    return RenderedPage(tuple(_post(seq) for seq in seqs), more)


def _key(before: int | None = None) -> PageKey:
    return PageKey(CELL, 2.0, None, before, 20)


def test_a_page_is_kept_for_the_change_count_it_was_read_at() -> None:
    cache = FeedPageCache(8)
    page = _page(3, 2, 1)
    cache.put(_key(), 5, page)
    assert cache.get(_key(), 5) is page
    assert cache.get(_key(before=3), 5) is None  # another key
    assert cache.get(_key(), 4) is None  # an older read of the counter
    assert cache.get(_key(), 6) is None  # something changed: every page goes
    assert len(cache) == 0
    cache.put(_key(), 5, page)  # rendered before the change: not kept
    assert cache.get(_key(), 6) is None
    assert len(cache) == 0


def test_the_least_recently_used_pages_go_first_and_hidden_ones_are_never_kept() -> None:
    cache = FeedPageCache(2)
    for before in (1, 2):
        cache.put(_key(before), 0, _page(before))
    assert cache.get(_key(1), 0) is not None  # now the most recently used
    cache.put(_key(3), 0, _page(3))
    assert [cache.get(_key(b), 0) is not None for b in (1, 2, 3)] == [True, False, True]
    cache.put(_key(4), 0, RenderedPage((_post(4, hidden=True),), False))
    assert cache.get(_key(4), 0) is None
    off = FeedPageCache(0)
    off.put(_key(), 0, _page(1))
    assert off.get(_key(), 0) is None


def test_a_page_reads_as_the_models_json_with_mine_set_per_reader() -> None:
    page = RenderedPage((_post(3), rendered(2, READER, _model(2, mine=True)), _post(1)), more=True)
    for reader, mine in ((READER, [False, True, False]), (AUTHOR, [True, False, True])):
        models = [
            _model(seq).model_copy(update={"mine": m})
            for seq, m in zip((3, 2, 1), mine, strict=True)
        ]
        expected = FeedOut(posts=models, next=rules.encode_post_cursor(1))
        assert page.json_for(reader) == expected.model_dump_json().encode()
    titles = [item["title"] for item in json.loads(page.json_for(READER))["posts"]]
    assert titles[0] == 'Post «3», a title with "mine":true,"mine":false in it'
    assert json.loads(RenderedPage((), False).json_for(READER)) == {"posts": [], "next": None}


def test_own_hidden_posts_merge_into_a_shared_page_newest_first() -> None:
    shared = _page(9, 7, 5, more=True)
    hidden = [_post(8, author=READER, mine=True, hidden=True)]
    merged = shared.merged(hidden, 3)
    assert [post.seq for post in merged.posts] == [9, 8, 7]
    assert merged.more
    # The shared page had no more, but a hidden post falls beyond the page: more follow.
    last = _page(9, 7).merged([_post(3, author=READER, hidden=True)], 2)
    assert ([post.seq for post in last.posts], last.more) == ([9, 7], True)
    end = _page(9).merged([_post(3, author=READER, hidden=True)], 2)
    assert ([post.seq for post in end.posts], end.more) == ([9, 3], False)
