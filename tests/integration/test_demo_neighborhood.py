"""`make demo`'s neighborhood: seeded once through the server's services, the printed
logins work, the porch home's feed shows what lies within its radius, the agency is
registered in the log with the keys on disk, and a second run adds nothing but new
passwords."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from frontporch import demo_neighborhood as hood
from frontporch.crypto.keys import (
    AGENCY_AGE_KEY_FILE,
    AGENCY_SIGNING_KEY_FILE,
    AgencyIdentity,
    fingerprint,
)
from frontporch.server.agencies.models import Agency, AgencyRegistration, AgencyStatus
from frontporch.server.app import create_app
from frontporch.server.feed.models import Post
from frontporch.server.homes.models import Home
from frontporch.server.serve import prepare_database


def _sign_in(client: TestClient, login: hood.Login) -> None:
    response = client.post(
        "/api/auth/sign-in", json={"email": login.email, "password": login.password}
    )
    assert response.status_code == 200, response.text


def _entry(client: TestClient, index: int) -> dict[str, Any]:
    response = client.get("/api/log/entries", params={"start": index, "end": index + 1})
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()["entries"][0]["entry"]
    return entry


def test_seeded_neighborhood_reads_like_a_real_one(tmp_path: Path) -> None:
    settings = hood.server_settings(tmp_path / "server", 5081)
    prepare_database(settings)
    app = create_app(settings)
    context = app.state.server
    first = hood.seed(context, tmp_path / "agency")
    again = hood.seed(context, tmp_path / "agency")

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

        assert _entry(client, 0)["type"] == "policy_changed"

    operator = next(login for login in again.logins if login.email.startswith("operator@"))
    assert "recovery code" in operator.extra
    app.state.server.engine.dispose()


def test_demo_agency_is_registered_with_the_keys_it_keeps(tmp_path: Path) -> None:
    settings = hood.server_settings(tmp_path / "server", 5081)
    prepare_database(settings)
    app = create_app(settings)
    context = app.state.server
    folder = tmp_path / "agency"
    first = hood.seed(context, folder)

    # The keys were made once into the agency's folder, private to this user.
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in (AGENCY_SIGNING_KEY_FILE, AGENCY_AGE_KEY_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert first.agency.age_identity_file == folder / AGENCY_AGE_KEY_FILE
    identity = AgencyIdentity.load(folder)
    assert first.agency.signing_key_fingerprint == fingerprint(identity.public_key)
    assert first.agency.age_recipient_fingerprint == fingerprint(identity.age_recipient)
    key_files = {
        name: (folder / name).read_bytes() for name in sorted(p.name for p in folder.iterdir())
    }

    # Registered as an operator registers an application: verified, one logged
    # registration holding exactly the keys on disk, the member acting for it.
    with context.sessions() as db:
        agency = db.get(Agency, first.agency.id)
        assert agency is not None
        assert agency.status == AgencyStatus.VERIFIED.value
        assert agency.jurisdiction == hood.AGENCY_JURISDICTION
        assert agency.contact == hood.AGENCY_CONTACT
        registrations = list(
            db.scalars(select(AgencyRegistration).where(AgencyRegistration.agency_id == agency.id))
        )
    assert [r.log_index for r in registrations] == [first.agency.registration_index]
    assert registrations[0].registered_by is not None  # the operator
    with TestClient(app) as client:
        logged = _entry(client, first.agency.registration_index)
    assert logged["type"] == "agency_registered"
    assert logged["agency"] == str(first.agency.id)
    assert logged["name"] == hood.AGENCY_NAME
    assert logged["signing_key"] == identity.public_key
    assert logged["age_recipient"] == identity.age_recipient

    # A second run reuses the keys and the registration: nothing new is logged.
    again = hood.seed(context, folder)
    assert again.agency == first.agency
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == key_files
    with context.sessions() as db:
        assert db.scalar(select(func.count()).select_from(AgencyRegistration)) == 1

    # Keys made anew (the folder deleted) are registered by rotation, superseding.
    for path in folder.iterdir():
        path.unlink()
    rotated = hood.seed(context, folder)
    assert rotated.agency.id == first.agency.id
    assert rotated.agency.registration_index > first.agency.registration_index
    assert rotated.agency.signing_key_fingerprint != first.agency.signing_key_fingerprint
    with TestClient(app) as client:
        superseding = _entry(client, rotated.agency.registration_index)
    assert superseding["supersedes"] == first.agency.registration_index
    assert superseding["signing_key"] == AgencyIdentity.load(folder).public_key
    app.state.server.engine.dispose()
