"""The feed page as one reader reads it (`PostRepository.reader_page`: the visible page of
feed/pagequery.py with the reader's own hidden posts merged in): the same pages as a
plain reading of the rules — visible posts, plus the reader's own hidden ones — at
every radius (one statement, and the 5-mile area's several on SQLite), with and without
a category, page after page; and each row as the ORM reads the post."""

from __future__ import annotations

import dataclasses
import random
import uuid

from feed_tools import user_id
from frontporch import geo
from frontporch.server.feed import rules
from frontporch.server.feed.models import Post
from frontporch.server.feed.repository import PostRepository
from homes_tools import CHICAGO
from server_harness import ServerHarness

PAGE = 7


def test_a_readers_pages_are_the_visible_posts_and_their_own_hidden_ones(
    server: ServerHarness,
) -> None:
    reader = uuid.UUID(user_id(server.account()))
    neighbor = uuid.UUID(user_id(server.account()))
    home = geo.cell_to_int(geo.home_cell(*CHICAGO))
    area = rules.area_cells(home, 5)
    chance = random.Random(11)
    now = server.clock()
    made = []
    with server.app.state.server.sessions.begin() as db:
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
    for radius in (1, 2, 5):
        cells = rules.area_cells(home, radius)
        for category in (None, "safety"):
            expected = sorted(
                (
                    p.seq
                    for p in made
                    if p.cell in cells
                    and (p.hidden_at is None or p.author_id == reader)
                    and category in (None, p.category)
                ),
                reverse=True,
            )
            got = []
            before = None
            with server.app.state.server.sessions() as db:
                while True:
                    page = PostRepository(db).reader_page(reader, cells, before, category, PAGE)
                    got += page
                    if len(page) < PAGE:
                        break
                    before = page[-1].seq
            assert [row.seq for row in got] == expected, (radius, category)
            for row in got:
                post = by_seq[row.seq]
                for field in dataclasses.fields(row):
                    assert getattr(row, field.name) == getattr(post, field.name), field.name
