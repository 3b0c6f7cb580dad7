"""The Neighbors feed: posts by area and radius, newest first with a cursor that neither
repeats nor skips while posts keep arriving, category filter, pseudonymous authors
("Neighbor" and a distance; agencies by their verified name), who may open a post,
deleting, and the 4xx answers for what a person can get wrong."""

from __future__ import annotations

import json
import logging
import random
import uuid

import pytest
from sqlalchemy import text

from feed_tools import (
    agency_member,
    all_user_emails,
    cell_miles,
    feed,
    feed_titles,
    miles_from,
    post,
    resident_at,
    user_id,
)
from frontporch import geo
from frontporch.server.accounts.models import Role
from frontporch.server.feed import rules
from frontporch.server.feed.models import Post
from frontporch.server.feed.posts.repository import PostRepository
from homes_tools import CHICAGO
from server_harness import ServerHarness

ONE_MILE_NORTH = miles_from(CHICAGO, 1.0, 0)
FOUR_MILES_ON = miles_from(ONE_MILE_NORTH, 4.0, 0)  # four miles further north
FAR_AWAY = miles_from(CHICAGO, 12.0, 90)


def test_a_home_sees_posts_within_its_radius(server: ServerHarness) -> None:
    # Preconditions on the cells themselves: the feed measures cell centre to centre.
    assert cell_miles(ONE_MILE_NORTH, CHICAGO) < 1.6
    assert 3.0 < cell_miles(ONE_MILE_NORTH, FOUR_MILES_ON) < 4.8
    poster, poster_home = resident_at(server, CHICAGO)
    far_poster, far_home = resident_at(server, FOUR_MILES_ON)
    reader, reader_home = resident_at(server, ONE_MILE_NORTH)
    near = post(poster, poster_home, "Near: loose dog on Elm")
    post(far_poster, far_home, "Far: road closed")

    assert feed_titles(reader, reader_home) == ["Near: loose dog on Elm"]  # radius 2 default
    assert feed_titles(reader, reader_home, radius_mi=2) == ["Near: loose dog on Elm"]
    assert feed_titles(reader, reader_home, radius_mi=5) == [
        "Far: road closed",
        "Near: loose dog on Elm",
    ]
    assert feed_titles(poster, poster_home, radius_mi=1) == ["Near: loose dog on Elm"]

    shown = feed(reader, reader_home)["posts"][0]
    assert shown["id"] == near["id"]
    assert shown["area"] == geo.home_cell(*CHICAGO)
    assert shown["author"] == {
        "kind": "neighbor",
        "label": "Neighbor",
        "distance_mi": round(cell_miles(ONE_MILE_NORTH, CHICAGO) * 2) / 2,
    }
    assert shown["mine"] is False
    assert near["mine"] is True
    assert near["author"]["distance_mi"] == 0.0
    assert near["category"] == "crime"
    assert near["category_label"] == "Crime"
    assert near["url"] == f"/posts/{near['id']}"
    assert near["hidden"] is False


def test_pages_neither_repeat_nor_skip_while_posts_arrive(server: ServerHarness) -> None:
    poster, home = resident_at(server)
    reader, reader_home = resident_at(server, ONE_MILE_NORTH)
    for number in range(1, 8):
        post(poster, home, f"post {number}")
        server.clock.advance(1)

    first = feed(reader, reader_home, limit=3)
    assert [p["title"] for p in first["posts"]] == ["post 7", "post 6", "post 5"]
    post(poster, home, "post 8")  # arrives between pages, at the same second as post 7
    post(poster, home, "post 9")
    second = feed(reader, reader_home, limit=3, before=first["next"])
    assert [p["title"] for p in second["posts"]] == ["post 4", "post 3", "post 2"]
    third = feed(reader, reader_home, limit=3, before=second["next"])
    assert [p["title"] for p in third["posts"]] == ["post 1"]
    assert third["next"] is None
    assert feed_titles(reader, reader_home, limit=3) == ["post 9", "post 8", "post 7"]


def test_category_filter(server: ServerHarness) -> None:
    poster, home = resident_at(server)
    post(poster, home, "Cat missing", category="lost_and_found_pets")
    post(poster, home, "Porch theft", category="crime")
    post(poster, home, "Block party", category="community")
    assert feed_titles(poster, home, category="lost_and_found_pets") == ["Cat missing"]
    assert feed_titles(poster, home, category="community") == ["Block party"]
    assert feed_titles(poster, home, category="safety") == []
    assert len(feed_titles(poster, home)) == 3


def test_authors_are_never_identified(server: ServerHarness) -> None:
    poster, home = resident_at(server)
    reader, reader_home = resident_at(server, ONE_MILE_NORTH)
    made = post(poster, home, "Car alarm at night")
    comment = reader.client.post(f"/api/posts/{made['id']}/comments", json={"body": "Heard it"})
    assert comment.status_code == 201
    answers = [
        reader.client.get("/api/feed", params={"home_id": reader_home}).text,
        reader.client.get(f"/api/posts/{made['id']}").text,
        poster.client.get(f"/api/posts/{made['id']}/comments").text,
    ]
    for answer in answers:
        for email in all_user_emails(server):
            assert email not in answer
        for key in ("author_id", "email", "user_id", "home_id"):
            assert f'"{key}"' not in answer
    thread = json.loads(answers[2])["comments"]
    assert thread[0]["author"] == {"kind": "neighbor", "label": "Neighbor"}
    assert thread[0]["mine"] is False
    assert thread[0]["by_post_author"] is False


def test_agencies_post_under_their_verified_name(
    server: ServerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    member = agency_member(server, operator, "Lakeview Police District")
    reader, reader_home = resident_at(server, ONE_MILE_NORTH)
    at = miles_from(CHICAGO, 0.3, 45)
    made = member.client.post(
        "/api/posts",
        json={
            "category": "safety",
            "title": "Water main break",
            "body": "Avoid Clark St.",
            "latitude": at[0],
            "longitude": at[1],
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["author"] == {"kind": "agency", "label": "Lakeview Police District"}
    assert made.json()["area"] == geo.home_cell(*at)
    assert made.json()["mine"] is True
    # The point became a cell and was dropped: not stored, not logged, not echoed.
    with server.app.state.server.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM posts")).mappings().one()
    assert not [v for v in row.values() if isinstance(v, float)]
    for coordinate in at:
        assert f"{coordinate:.4f}" not in caplog.text
        assert f"{coordinate:.4f}" not in made.text
    shown = feed(reader, reader_home)["posts"][0]
    assert shown["author"]["label"] == "Lakeview Police District"
    assert shown["author"]["kind"] == "agency"
    # The author reads its own post; the feed itself is for households.
    assert member.client.get(f"/api/posts/{shown['id']}").status_code == 200
    assert member.client.get("/api/feed", params={"home_id": reader_home}).status_code == 403

    by_home = member.client.post(
        "/api/posts",
        json={"category": "safety", "title": "x", "home_id": reader_home},
    )
    assert by_home.status_code == 400
    assert by_home.json()["field"] == "home_id"
    no_agency = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    refused = no_agency.client.post(
        "/api/posts",
        json={"category": "safety", "title": "x", "latitude": at[0], "longitude": at[1]},
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "agency not set"
    assert "operator" in refused.json()["detail"]


def test_only_nearby_households_may_open_a_post(server: ServerHarness) -> None:
    poster, home = resident_at(server)
    neighbour, _ = resident_at(server, ONE_MILE_NORTH)
    stranger, stranger_home = resident_at(server, FAR_AWAY)
    homeless = server.account()
    operator = server.account(Role.OPERATOR, mfa_on=True)
    made = post(poster, home)
    url = f"/api/posts/{made['id']}"
    assert neighbour.client.get(url).status_code == 200
    assert operator.client.get(url).status_code == 200
    for outsider in (stranger, homeless):
        refused = outsider.client.get(url)
        assert refused.status_code == 404
        assert refused.json()["error"] == "post not found"
        assert outsider.client.get(f"{url}/comments").status_code == 404
        assert outsider.client.post(f"{url}/comments", json={"body": "hi"}).status_code == 404
        assert outsider.client.post(f"{url}/reports", json={"reason": "x"}).status_code == 404
    assert feed_titles(stranger, stranger_home, radius_mi=5) == []


def test_mistakes_are_4xx_naming_the_field(server: ServerHarness) -> None:
    account, home = resident_at(server)
    _other, other_home = resident_at(server)

    def create(**body: object) -> tuple[int, dict[str, object]]:
        response = account.client.post("/api/posts", json=body)
        return response.status_code, response.json()

    base = {"home_id": home, "category": "crime", "title": "t", "body": "b"}
    cases = [
        ({**base, "category": "gossip"}, 422, "category"),
        ({**base, "title": "x" * 121}, 422, "title"),
        ({**base, "title": "two\nlines"}, 422, "title"),
        ({**base, "body": "x" * 5001}, 422, "body"),
        ({**base, "title": "   "}, 400, "title"),
        ({**base, "home_id": other_home}, 404, "home_id"),
        ({k: v for k, v in base.items() if k != "home_id"}, 400, "home_id"),
        ({**base, "latitude": 41.9, "longitude": -87.6}, 400, "latitude"),
        ({**base, "latitude": 41.9}, 422, None),
        ({**base, "colour": "red"}, 422, "colour"),
    ]
    for body, status, field in cases:
        got, answer = create(**body)
        assert got == status, (body, answer)
        assert answer.get("field") == field, (body, answer)
        assert answer["detail"]

    for params, field in (
        ({"radius_mi": 6}, "radius_mi"),
        ({"radius_mi": 0.5}, "radius_mi"),
        ({"category": "gossip"}, "category"),
        ({"limit": 0}, "limit"),
        ({"before": "bm90LWEtY3Vyc29y"}, "before"),
        ({"before": "!!"}, "before"),
    ):
        answer = account.client.get("/api/feed", params={"home_id": home, **params})
        assert answer.status_code in (400, 422), (params, answer.text)
        assert answer.json()["field"] == field
    foreign = account.client.get("/api/feed", params={"home_id": other_home})
    assert foreign.status_code == 404
    assert foreign.json()["field"] == "home_id"


def test_authors_and_operators_delete_posts(server: ServerHarness) -> None:
    poster, home = resident_at(server)
    neighbour, neighbour_home = resident_at(server, ONE_MILE_NORTH)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    first = post(poster, home, "first")
    second = post(poster, home, "second")

    refused = neighbour.client.delete(f"/api/posts/{first['id']}")
    assert refused.status_code == 403
    assert refused.json()["error"] == "not yours"
    assert poster.client.delete(f"/api/posts/{first['id']}").status_code == 204
    assert operator.client.delete(f"/api/posts/{second['id']}").status_code == 204
    assert feed_titles(neighbour, neighbour_home) == []
    assert poster.client.get(f"/api/posts/{first['id']}").status_code == 404
    assert poster.client.delete(f"/api/posts/{first['id']}").status_code == 404


def test_the_feed_query_matches_a_plain_reading_of_the_rules(server: ServerHarness) -> None:
    # Straight through the repository, with posts spread over a 5-mile area: each page
    # is what filtering every post by the rules would give, on either query path.
    author = uuid.UUID(user_id(server.account()))
    home = geo.cell_to_int(geo.home_cell(*CHICAGO))
    area = rules.area_cells(home, 5)
    chance = random.Random(8)
    now = server.clock()
    made = []
    with server.app.state.server.sessions.begin() as db:
        posts = PostRepository(db)
        for _ in range(80):
            made.append(
                posts.add(
                    Post(
                        seq=posts.next_seq(),
                        author_id=author,
                        cell=chance.choice(area[:12] + area),  # some cells busier
                        category=chance.choice(["crime", "safety", "community"]),
                        title="t",
                        body="",
                        created_at=now,
                        hidden_at=now if chance.random() < 0.1 else None,
                        comment_count=0,
                    )
                )
            )
    for radius in (1, 2, 5):
        cells = rules.area_cells(home, radius)
        for category in (None, "safety"):
            expected = sorted(
                (
                    p.seq
                    for p in made
                    if p.cell in cells and p.hidden_at is None and category in (None, p.category)
                ),
                reverse=True,
            )
            got: list[int] = []
            before = None
            with server.app.state.server.sessions() as db:
                while True:
                    page = PostRepository(db).visible_page(cells, before, category, 7)
                    got += [p.seq for p in page]
                    if len(page) < 7:
                        break
                    before = page[-1].seq
            assert got == expected, (radius, category)


def test_operators_register_agencies_and_attach_members(server: ServerHarness) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    member = agency_member(server, operator, "County Fire Rescue")
    resident = server.account()
    agencies = operator.client.get("/api/operator/agencies").json()
    assert [(a["name"], a["verified"]) for a in agencies] == [("County Fire Rescue", True)]
    agency_id = agencies[0]["id"]

    duplicate = operator.client.post("/api/operator/agencies", json={"name": "County Fire Rescue"})
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "name"
    not_member = operator.client.put(
        f"/api/operator/users/{user_id(resident)}/agency", json={"agency_id": agency_id}
    )
    assert not_member.status_code == 400
    assert not_member.json()["field"] == "user_id"
    unknown_agency = operator.client.put(
        f"/api/operator/users/{user_id(member)}/agency", json={"agency_id": str(uuid.uuid4())}
    )
    assert unknown_agency.status_code == 404
    assert unknown_agency.json()["field"] == "agency_id"
    unknown_user = operator.client.put(
        f"/api/operator/users/{uuid.uuid4()}/agency", json={"agency_id": agency_id}
    )
    assert unknown_user.status_code == 404

    detached = operator.client.put(
        f"/api/operator/users/{user_id(member)}/agency", json={"agency_id": None}
    )
    assert detached.json() == {"user_id": user_id(member), "agency": None}
    refused = member.client.post(
        "/api/posts",
        json={"category": "safety", "title": "x", "latitude": 41.9, "longitude": -87.6},
    )
    assert refused.status_code == 403
    assert resident.client.post("/api/operator/agencies", json={"name": "x"}).status_code == 403
