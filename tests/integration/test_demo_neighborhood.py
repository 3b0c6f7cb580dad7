"""`make demo`'s neighborhood: seeded once through the server's services, the printed
logins work, the porch home's feed shows what lies within its radius, and a second run
adds nothing but new passwords."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from frontporch import demo_neighborhood as hood
from frontporch.server.app import create_app
from frontporch.server.feed.models import Post
from frontporch.server.homes.models import Home
from frontporch.server.serve import prepare_database


def _sign_in(client: TestClient, login: hood.Login) -> None:
    response = client.post(
        "/api/auth/sign-in", json={"email": login.email, "password": login.password}
    )
    assert response.status_code == 200, response.text


def test_seeded_neighborhood_reads_like_a_real_one(tmp_path: Path) -> None:
    settings = hood.server_settings(tmp_path / "server", 5081)
    prepare_database(settings)
    app = create_app(settings)
    context = app.state.server
    first = hood.seed(context)
    again = hood.seed(context)

    with context.sessions.begin() as db:
        posts = db.scalar(select(func.count()).select_from(Post))
    assert posts == len(hood.POSTS) + 1  # the residents' posts and the agency's
    assert first.porch_home == again.porch_home
    assert {login.email for login in first.logins} == {login.email for login in again.logins}
    assert all(a.password != b.password for a, b in zip(first.logins, again.logins, strict=True))
    # Every demo home is past the wait a new home has before it opens clips, so the
    # residents see the clip the demo hub shares.
    with context.sessions() as db:
        added = list(db.scalars(select(Home.created_at)))
    wait = timedelta(hours=settings.home_media_delay_h)
    assert added
    assert all(context.clock() - moment >= wait for moment in added)

    with TestClient(app) as client:
        porch = next(login for login in again.logins if login.email.startswith("porch@"))
        _sign_in(client, porch)
        feed = client.get(
            "/api/feed", params={"home_id": str(again.porch_home), "radius_mi": 2}
        ).json()
        titles = {post["title"] for post in feed["posts"]}
        authors = {post["author"]["label"] for post in feed["posts"]}
        assert "Someone trying car doors on Maple" in titles
        assert "Bike stolen from a garage" not in titles  # Cedar Lane is ~3 miles away
        assert hood.AGENCY_NAME in authors
        assert "Neighbor" in authors
        assert "@" not in str(feed)

        log = client.get("/api/log/entries", params={"start": 0, "end": 1}).json()
        assert log["entries"][0]["entry"]["type"] == "policy_changed"

    operator = next(login for login in again.logins if login.email.startswith("operator@"))
    assert "recovery code" in operator.extra
    app.state.server.engine.dispose()
