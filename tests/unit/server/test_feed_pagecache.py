"""Feed pages and the page cache on their own (feed/posts/pagecache.py): which pages it
keeps, for how long, and how a page is put together for one reader — as JSON and as
the posts a page renders."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime

from frontporch.protocol import Category
from frontporch.server.feed import rules
from frontporch.server.feed.posts.pagecache import (
    FeedPage,
    FeedPageCache,
    PageEntry,
    PageKey,
    PageTag,
    page_entry,
    post_json,
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


def _tag(area: int, everything: int = 0) -> PageTag:
    return PageTag(everything, area)


def test_a_page_is_kept_for_the_area_counters_it_was_read_at() -> None:
    cache = FeedPageCache(8)
    page = _page(3, 2, 1)
    cache.put(_key(), _tag(5), page)
    assert cache.get(_key(), _tag(5)) is page
    assert cache.get(_key(before=3), _tag(5)) is None  # another key
    assert cache.get(_key(only_cell=CELL), _tag(5)) is None  # one hexagon is another page
    assert cache.get(_key(), _tag(4)) is None  # an older read of the counters
    assert cache.get(_key(), _tag(6)) is None  # its area changed
    cache.put(_key(), _tag(6), page)
    assert cache.get(_key(), _tag(6)) is page
    assert (cache.hits, cache.misses) == (2, 4)


def test_other_areas_pages_outlive_a_change_and_a_server_wide_one_drops_them_all() -> None:
    cache = FeedPageCache(8)
    here, there = (
        PageKey(CELL, 2.0, None, None, None, 20),
        PageKey(CELL + 1, 2.0, None, None, None, 20),
    )
    cache.put(here, _tag(5), _page(3))
    cache.put(there, _tag(9), _page(2))
    assert cache.get(here, _tag(6)) is None  # a post in this area
    assert cache.get(there, _tag(9)) is not None  # the other area's page stays
    assert cache.get(there, _tag(9, everything=1)) is None  # TRUNCATE: every page goes
    assert len(cache) == 0
    cache.put(here, _tag(5), _page(3))  # read before that: not kept
    assert len(cache) == 0


def test_the_cache_remembers_where_homes_were_read() -> None:
    cache = FeedPageCache(0)  # kept pages or none, the guesses are kept
    home = uuid.UUID(int=7)
    assert cache.home_cell(home) is None
    cache.remember_home(home, CELL)
    assert cache.home_cell(home) == CELL


def test_the_least_recently_used_pages_go_first_and_hidden_ones_are_never_kept() -> None:
    cache = FeedPageCache(2)
    for before in (1, 2):
        cache.put(_key(before), _tag(0), _page(before))
    assert cache.get(_key(1), _tag(0)) is not None  # now the most recently used
    cache.put(_key(3), _tag(0), _page(3))
    assert [cache.get(_key(b), _tag(0)) is not None for b in (1, 2, 3)] == [True, False, True]
    cache.put(_key(4), _tag(0), FeedPage((_post(4, hidden=True),), False))
    assert cache.get(_key(4), _tag(0)) is None
    off = FeedPageCache(0)
    off.put(_key(), _tag(0), _page(1))
    assert off.get(_key(), _tag(0)) is None


def test_a_post_is_written_as_the_model_writes_it_byte_for_byte() -> None:
    agency = rules.AuthorView("agency", 'County "Sheriff" \\ Office')
    neighbors = [rules.AuthorView("neighbor", "Neighbor", d) for d in (None, 0.0, 1.5, 2)]
    texts = [
        "",
        "plain",
        'quotes " and \\ back',
        "tab\tnew\nline\r\x01\x1f\x7f",
        "é ü 中文 😀 \u2028",
    ]
    for number, text in enumerate(texts):
        for author in [agency, *neighbors]:
            for media in (
                None,
                ("video/mp4", 12_000_000, "posts/p.jpg"),
                ("image/jpeg", None, None),
            ):
                for hidden in (False, True):
                    row = FeedPost(
                        id=uuid.UUID(int=number + 1),
                        seq=number,
                        author_id=AUTHOR,
                        agency_id=None,
                        cell=CELL,
                        category=list(Category)[number % len(Category)].value,
                        title=text or "t",
                        body=text,
                        created_at=datetime(
                            2026, 11, 29, 12, number, 5, number * 1_111, tzinfo=UTC
                        ),
                        media_type=media[0] if media else None,
                        media_size=media[1] if media else None,
                        poster_key=media[2] if media else None,
                        hidden_at=datetime(2026, 11, 30, tzinfo=UTC) if hidden else None,
                        hidden_reason=f"Reason: {text}" if hidden else None,
                        comment_count=number * 3,
                    )
                    for mine, moderator in ((False, False), (True, False), (False, True)):
                        view = PostView(row, author, mine=mine, moderator=moderator)
                        assert post_json(view) == PostOut.of(view).model_dump_json().encode()


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


def test_a_post_is_rendered_once_while_it_reads_the_same() -> None:
    cache = FeedPageCache(0)  # pages kept or not, rendered posts are
    first = cache.entry(_view(1))
    assert cache.entry(_view(1)) is first  # an equal row, read again: not rendered again
    changed = PostView(replace(_row(1), comment_count=7), NEIGHBOR, mine=False, moderator=False)
    again = cache.entry(changed)
    assert again is not first
    assert json.loads(again.json_for(READER))["comment_count"] == 7
    farther = PostView(_row(1), rules.AuthorView("neighbor", "Neighbor", 1.5), False, False)
    assert json.loads(cache.entry(farther).json_for(READER))["author"]["distance_mi"] == 1.5
    # Whether the reader may see why a post was hidden is part of what is kept apart.
    hidden = _row(2, hidden=True)
    for_author = cache.entry(PostView(hidden, NEIGHBOR, mine=True, moderator=False))
    for_others = cache.entry(PostView(hidden, NEIGHBOR, mine=False, moderator=False))
    assert json.loads(for_author.json_for(AUTHOR))["hidden_reason"] == "Names a neighbor"
    assert json.loads(for_others.json_for(READER))["hidden_reason"] is None
