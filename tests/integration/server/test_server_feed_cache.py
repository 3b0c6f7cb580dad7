"""Feed pages kept in memory (feed/posts/pagecache.py): a kept page is served again only while
the change counters of its area's cells have not moved, and every kind of change moves
the counter of the cells it touches — a post, a comment, hiding, restoring, deleting, a
deleted account's cascade, an agency renamed, a post moved to another cell (both cells),
and a write by another connection (another process) the app never hears of — while
pages of other areas stay kept and are served from memory. What is served from memory
is byte for byte what the models render, `mine` set per reader and the reader's own
hidden posts merged in. The feed page reads the same kept pages."""

from __future__ import annotations

import json
import uuid
from typing import Any

from alembic import command
from sqlalchemy import inspect, text

from feed_tools import agency_member, feed, miles_from, post, resident_at, user_id
from frontporch import geo
from frontporch.server.accounts.models import Role, User
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.db import make_engine
from frontporch.server.feed.posts.pagecache import FeedPageCache
from frontporch.server.feed.posts.reading import FeedReader
from frontporch.server.feed.posts.schemas import FeedOut, PostOut
from frontporch.server.migrations import alembic_config, upgrade_to_head
from homes_tools import CHICAGO, add_home
from server_harness import ServerHarness

NEARBY = miles_from(CHICAGO, 0.5, 45)
FAR = miles_from(CHICAGO, 20, 200)  # its 5-mile area's parent cells miss CHICAGO's too
CHANGES = "SELECT value FROM feed_counters WHERE name = 'changes'"
CELL_CHANGES = "SELECT coalesce(sum(value), 0) FROM feed_cell_changes WHERE cell = :cell"


def _cell(point: tuple[float, float]) -> int:
    return geo.cell_to_int(geo.home_cell(*point))


def _changes(server: ServerHarness, point: tuple[float, float] = NEARBY) -> int:
    """The change counter of the cell of `point`."""
    with server.app.state.server.engine.connect() as connection:
        value = connection.execute(text(CELL_CHANGES), {"cell": _cell(point)}).scalar_one()
    return int(value)


def _reads(server: ServerHarness) -> tuple[int, int]:
    """How many feed requests were served from memory and how many read their page."""
    pages: FeedPageCache = server.app.state.feed_pages
    return pages.hits, pages.misses


def _kept(server: ServerHarness) -> int:
    return len(server.app.state.feed_pages)


def _titles(page: Any) -> list[str]:
    return [item["title"] for item in page["posts"]]


def test_a_kept_page_is_served_until_anything_in_it_changes(server: ServerHarness) -> None:
    poster, poster_home = resident_at(server, NEARBY)
    reader, reader_home = resident_at(server)
    first = post(poster, poster_home, "Ladder left against a fence")
    post(poster, poster_home, "Porch light out")

    page = feed(reader, reader_home)
    assert _titles(page) == ["Porch light out", "Ladder left against a fence"]
    assert _kept(server) == 1
    assert feed(reader, reader_home) == page  # from memory, the same answer

    def moved(step: str, before: int) -> int:
        after = _changes(server)
        assert after > before, step
        return after

    count = _changes(server)
    post(poster, poster_home, "Found keys by the mailbox")
    count = moved("a new post", count)
    assert _titles(feed(reader, reader_home))[0] == "Found keys by the mailbox"

    comment = reader.client.post(f"/api/posts/{first['id']}/comments", json={"body": "Mine!"})
    assert comment.status_code == 201
    count = moved("a comment", count)
    counts = {item["title"]: item["comment_count"] for item in feed(reader, reader_home)["posts"]}
    assert counts["Ladder left against a fence"] == 1

    operator = server.account(Role.OPERATOR, mfa_on=True)
    moderation = f"/api/moderation/posts/{first['id']}"
    hidden = operator.client.post(f"{moderation}/hide", json={"reason": "Shows a face"})
    assert hidden.status_code == 200
    count = moved("hiding", count)
    assert "Ladder left against a fence" not in _titles(feed(reader, reader_home))

    assert operator.client.post(f"{moderation}/restore", json={"reason": "Blurred"}).is_success
    count = moved("restoring", count)
    assert "Ladder left against a fence" in _titles(feed(reader, reader_home))

    assert poster.client.delete(f"/api/posts/{first['id']}").status_code == 204
    count = moved("deleting", count)
    assert "Ladder left against a fence" not in _titles(feed(reader, reader_home))

    # Another process writes: this app hears nothing of it but the counter.
    with server.app.state.server.engine.begin() as connection:
        connection.execute(text("UPDATE posts SET title = 'Porch light fixed'"))
    count = moved("a write by another connection", count)
    assert "Porch light fixed" in _titles(feed(reader, reader_home))


def test_a_deleted_account_and_a_renamed_agency_reach_kept_pages(server: ServerHarness) -> None:
    reader, reader_home = resident_at(server)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    officer = agency_member(server, operator, "Lakeview Police District")
    made = officer.client.post(
        "/api/posts",
        json={
            "category": "safety",
            "title": "Road closed for repairs",
            "body": "Until Friday.",
            "latitude": NEARBY[0],
            "longitude": NEARBY[1],
        },
    )
    assert made.status_code == 201, made.text
    poster, poster_home = resident_at(server, NEARBY)
    post(poster, poster_home, "Lost cat")

    authors = [item["author"]["label"] for item in feed(reader, reader_home)["posts"]]
    assert authors == ["Neighbor", "Lakeview Police District"]
    with server.app.state.server.engine.begin() as connection:
        connection.execute(text("UPDATE agencies SET name = 'Lakeview District (CPD)'"))
    authors = [item["author"]["label"] for item in feed(reader, reader_home)["posts"]]
    assert authors == ["Neighbor", "Lakeview District (CPD)"]

    with server.app.state.server.engine.begin() as connection:  # cascades to their posts
        connection.execute(
            text("DELETE FROM users WHERE id = :id"),
            {"id": uuid.UUID(user_id(poster)).hex if _is_sqlite(server) else user_id(poster)},
        )
    assert _titles(feed(reader, reader_home)) == ["Road closed for repairs"]


def test_a_change_in_one_area_leaves_other_areas_pages_kept(server: ServerHarness) -> None:
    poster, poster_home = resident_at(server, NEARBY)
    reader, reader_home = resident_at(server)  # NEARBY is in this reader's area
    far_poster, far_poster_home = resident_at(server, FAR)
    far_reader, far_reader_home = resident_at(server, miles_from(FAR, 0.5, 90))
    first = post(poster, poster_home, "Ladder left against a fence")
    post(far_poster, far_poster_home, "Hose left running")
    assert _titles(feed(reader, reader_home)) == ["Ladder left against a fence"]
    far_page = feed(far_reader, far_reader_home)
    wide_far_page = feed(far_reader, far_reader_home, radius_mi=5)
    assert _titles(far_page) == _titles(wide_far_page) == ["Hose left running"]
    assert _kept(server) == 3

    def far_page_kept(step: str) -> None:
        hits, misses = _reads(server)
        assert feed(far_reader, far_reader_home) == far_page, step
        assert feed(far_reader, far_reader_home, radius_mi=5) == wide_far_page, step
        assert _reads(server) == (hits + 2, misses), f"{step}: a far page was read again"

    def near_page_read(step: str) -> Any:
        hits, misses = _reads(server)
        page = feed(reader, reader_home)
        assert _reads(server) == (hits, misses + 1), f"{step}: the near page was kept"
        far_page_kept(step)
        return page

    far_page_kept("nothing changed")
    post(poster, poster_home, "Found keys by the mailbox")
    assert _titles(near_page_read("a new post"))[0] == "Found keys by the mailbox"

    comment = reader.client.post(f"/api/posts/{first['id']}/comments", json={"body": "Mine!"})
    assert comment.status_code == 201
    counts = {p["title"]: p["comment_count"] for p in near_page_read("a comment")["posts"]}
    assert counts["Ladder left against a fence"] == 1

    operator = server.account(Role.OPERATOR, mfa_on=True)
    moderation = f"/api/moderation/posts/{first['id']}"
    assert operator.client.post(f"{moderation}/hide", json={"reason": "A face"}).is_success
    assert "Ladder left against a fence" not in _titles(near_page_read("hiding"))
    assert operator.client.post(f"{moderation}/restore", json={"reason": "Blurred"}).is_success
    assert "Ladder left against a fence" in _titles(near_page_read("restoring"))

    with server.app.state.server.engine.begin() as connection:  # another process, by hand
        connection.execute(
            text(
                "UPDATE posts SET title = 'Ladder taken in' "
                "WHERE cell = :cell AND title = 'Ladder left against a fence'"
            ),
            {"cell": _cell(NEARBY)},
        )
    assert "Ladder taken in" in _titles(near_page_read("a write by another connection"))

    assert poster.client.delete(f"/api/posts/{first['id']}").status_code == 204
    assert "Ladder taken in" not in _titles(near_page_read("deleting"))

    # A post moved to another cell (by hand): both areas' pages are read again.
    with server.app.state.server.engine.begin() as connection:
        connection.execute(
            text("UPDATE posts SET cell = :far WHERE title = 'Found keys by the mailbox'"),
            {"far": _cell(FAR)},
        )
    hits, misses = _reads(server)
    assert "Found keys by the mailbox" not in _titles(feed(reader, reader_home))
    assert _titles(feed(far_reader, far_reader_home))[0] == "Found keys by the mailbox"
    wide = feed(far_reader, far_reader_home, radius_mi=5)
    assert _titles(wide)[0] == "Found keys by the mailbox"
    assert _reads(server) == (hits, misses + 3)


def _is_sqlite(server: ServerHarness) -> bool:
    return bool(server.app.state.server.engine.dialect.name == "sqlite")


def test_readers_of_one_cell_share_a_page_with_their_own_view_of_it(
    server: ServerHarness,
) -> None:
    author, author_home = resident_at(server)
    neighbor = server.account()
    neighbor_home = str(add_home(neighbor, "Next door", CHICAGO)["id"])
    post(author, author_home, "Block party Saturday", category="community")
    made = post(author, author_home, "Flyer names a neighbor", category="community")
    post(neighbor, neighbor_home, "Tools to lend", category="community")
    operator = server.account(Role.OPERATOR, mfa_on=True)
    hide = f"/api/moderation/posts/{made['id']}/hide"
    assert operator.client.post(hide, json={"reason": "Names a neighbor"}).status_code == 200

    seen_by_neighbor = feed(neighbor, neighbor_home)
    assert _titles(seen_by_neighbor) == ["Tools to lend", "Block party Saturday"]
    assert [item["mine"] for item in seen_by_neighbor["posts"]] == [True, False]
    assert _kept(server) == 1

    # The author reads the same kept page, with their hidden post merged in for them.
    seen_by_author = feed(author, author_home)
    assert _kept(server) == 1
    assert [
        (p["title"], p["mine"], p["hidden"], p["hidden_reason"]) for p in seen_by_author["posts"]
    ] == [
        ("Tools to lend", False, False, None),
        ("Flyer names a neighbor", True, True, "Names a neighbor"),
        ("Block party Saturday", True, False, None),
    ]

    # Byte for byte what the models render for each reader, page after page.
    for account, home in ((neighbor, neighbor_home), (author, author_home)):
        cursor = None
        while True:
            params: dict[str, Any] = {"home_id": home, "limit": 1}
            if cursor:
                params["before"] = cursor
            served = account.client.get("/api/feed", params=params)
            assert served.status_code == 200
            assert served.content == _rendered(server, account.client, params)
            cursor = json.loads(served.content)["next"]
            if cursor is None:
                break


def _rendered(server: ServerHarness, client: Any, params: dict[str, Any]) -> bytes:
    """The page as the read path finds it without a cache, rendered by the models."""
    account_id = client.get("/api/account").json()["id"]
    context = server.app.state.server
    with context.sessions() as db:
        user = db.get(User, uuid.UUID(account_id))
        assert user is not None
        subject = AuthSubject(user=user)
        page = FeedReader(db, context, FeedPageCache(0)).page(
            subject, uuid.UUID(params["home_id"]), 2.0, None, params.get("before"), params["limit"]
        )
        views = page.views_for(subject.user_id, subject.is_operator)
        out = FeedOut(posts=[PostOut.of(view) for view in views], next=page.next_cursor)
    return out.model_dump_json().encode()


def test_the_change_counter_migration_goes_down_and_up_again(database_url: str) -> None:
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    try:

        def counters() -> set[str]:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT name FROM feed_counters"))
                return {row[0] for row in rows}

        def counted() -> tuple[int, int]:
            with engine.connect() as connection:
                everything = connection.execute(text(CHANGES)).scalar_one()
                cells = "SELECT coalesce(sum(value), 0) FROM feed_cell_changes"
                return int(everything), int(connection.execute(text(cells)).scalar_one())

        assert counters() == {"posts", "changes"}
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
            connection.commit()
        assert counters() == {"posts"}
        assert "feed_cell_changes" not in inspect(engine).get_table_names()
        upgrade_to_head(engine)
        assert counters() == {"posts", "changes"}
        # Per row on both databases: statements that touch no row leave every counter be.
        before = counted()
        with engine.begin() as connection:
            connection.execute(text("UPDATE posts SET title = title"))  # no rows: no-op
            connection.execute(text("DELETE FROM agencies WHERE name = 'nobody'"))
        assert counted() == before
        if engine.dialect.name == "postgresql":  # TRUNCATE takes every area at once
            with engine.begin() as connection:
                connection.execute(text("TRUNCATE posts CASCADE"))
            assert counted()[0] == before[0] + 1
    finally:
        engine.dispose()


def test_the_feed_page_reads_the_pages_the_api_keeps(server: ServerHarness) -> None:
    poster, poster_home = resident_at(server, NEARBY)
    reader, reader_home = resident_at(server)
    post(poster, poster_home, "Ladder left against a fence")

    page = reader.client.get("/feed")
    assert page.status_code == 200
    assert "Ladder left against a fence" in page.text
    assert _kept(server) == 1
    # The API's first page is the page the feed page read: the same one, kept once.
    assert _titles(feed(reader, reader_home)) == ["Ladder left against a fence"]
    assert _kept(server) == 1
    # One hexagon of the map is a page of its own, kept beside it.
    narrowed = reader.client.get("/feed", params={"cell": geo.home_cell(*NEARBY)})
    assert narrowed.status_code == 200
    assert "Ladder left against a fence" in narrowed.text
    assert _kept(server) == 2
