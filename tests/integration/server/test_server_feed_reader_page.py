"""The feed page as one reader reads it (`FeedReader.page`, the one read path: the visible
page of feed/posts/pagequery.py with the reader's own hidden posts merged in): the same
pages as a plain reading of the rules — visible posts, plus the reader's own hidden
ones — at every radius (one statement, and the 5-mile area's several on SQLite), with
and without a category, page after page, from the cache and without one; and each row
as the ORM reads the post."""

from __future__ import annotations

import dataclasses
import random
import uuid

from feed_tools import resident_at, user_id
from frontporch import geo
from frontporch.protocol import Category
from frontporch.server.accounts.models import User
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.feed import rules
from frontporch.server.feed.models import Post
from frontporch.server.feed.posts.pagecache import FeedPageCache
from frontporch.server.feed.posts.reading import FeedReader
from frontporch.server.feed.posts.repository import PostRepository
from homes_tools import CHICAGO
from server_harness import ServerHarness

PAGE = 7


def test_a_readers_pages_are_the_visible_posts_and_their_own_hidden_ones(
    server: ServerHarness,
) -> None:
    account, home_id = resident_at(server, CHICAGO)
    reader = uuid.UUID(user_id(account))
    neighbor = uuid.UUID(user_id(server.account()))
    home = geo.cell_to_int(geo.home_cell(*CHICAGO))
    area = rules.area_cells(home, 5)
    chance = random.Random(11)
    now = server.clock()
    made = []
    context = server.app.state.server
    with context.sessions.begin() as db:
        posts = PostRepository(db)
        for number in range(90):
            hidden = chance.random() < 0.25
            made.append(
                posts.add(
                    Post(
                        seq=posts.next_seq(),
                        author_id=chance.choice([reader, neighbor]),
                        cell=chance.choice(area[:12] + area),  # some cells busier
                        category=chance.choice(["crime", "safety", "community"]),
                        title=f"post {number}",
                        body="",
                        created_at=now,
                        media_type="video/mp4" if number % 5 == 0 else None,
                        media_size=1000 * number if number % 5 == 0 else None,
                        hidden_at=now if hidden else None,
                        hidden_reason="Names a neighbor" if hidden else None,
                        comment_count=number % 3,
                    )
                )
            )
    by_seq = {post.seq: post for post in made}
    kept = FeedPageCache(64)
    for radius in (1, 2, 5):
        cells = rules.area_cells(home, radius)
        for category in (None, Category.SAFETY):
            expected = sorted(
                (
                    p.seq
                    for p in made
                    if p.cell in cells
                    and (p.hidden_at is None or p.author_id == reader)
                    and (category is None or p.category == category.value)
                ),
                reverse=True,
            )
            for cache in (FeedPageCache(0), kept, kept):  # kept: read, then from memory
                got = []
                before = None
                with context.sessions() as db:
                    user = db.get(User, reader)
                    assert user is not None
                    subject = AuthSubject(user=user)
                    read = FeedReader(db, context, cache)
                    while True:
                        page = read.page(
                            subject, uuid.UUID(home_id), radius, category, before, PAGE
                        )
                        got += [entry.post for entry in page.entries]
                        before = page.next_cursor
                        if before is None:
                            break
                assert [row.seq for row in got] == expected, (radius, category)
                for row in got:
                    post = by_seq[row.seq]
                    for field in dataclasses.fields(row):
                        assert getattr(row, field.name) == getattr(post, field.name), field.name
