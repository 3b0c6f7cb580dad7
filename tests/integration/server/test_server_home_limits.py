"""Homes over real HTTP: what stops an account from crawling every area with made-up
homes (issue 9, item 4), invitation mail that carries no one's paragraphs and a cap per
inviting account (item 8), and the add-a-home map that saves nothing by default."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from feed_tools import jpeg_bytes, miles_from, upload, user_id
from frontporch import geo
from frontporch.server.accounts.models import Role
from frontporch.server.homes.models import Home
from frontporch.server.settings import ServerSettings
from homes_tools import CHICAGO, add_home
from http_tools import HttpClients, error_title, form_csrf, form_field, http_clients
from server_harness import ServerHarness

pytestmark = pytest.mark.served
DAY_S = 86400


@pytest.fixture
def settings(settings: ServerSettings) -> ServerSettings:
    """The production wait for media, a small invitation cap, and a town centre."""
    return settings.model_copy(
        update={"home_media_delay_h": 24.0, "home_invitations_per_day": 3, "map_center": CHICAGO}
    )


@pytest.fixture
def http(server: ServerHarness, live: str) -> Iterator[HttpClients]:
    with http_clients(server, live) as clients:
        yield clients


def test_adding_homes_is_limited_per_account_deleted_ones_included(
    server: ServerHarness, http: HttpClients
) -> None:
    crawler = http.signed_in(server.account())
    for step in range(3):
        home = add_home(crawler, f"Home {step}", miles_from(CHICAGO, 5.0 * step, 90))
        assert crawler.client.delete(f"/api/homes/{home['id']}").status_code == 204
    refused = crawler.client.post(
        "/api/homes", json={"name": "One more", "latitude": 40.7, "longitude": -74.0}
    )
    assert refused.status_code == 429
    assert refused.json()["error"] == "too many homes added"
    assert "30 days" in refused.json()["detail"]
    assert 29 * DAY_S < int(refused.headers["retry-after"]) <= 30 * DAY_S
    other = http.signed_in(server.account())
    add_home(other)  # the limit is the account's own
    server.clock.advance(30 * DAY_S + 1)
    crawler = http.signed_in(crawler)  # sessions last 14 days
    add_home(crawler, "A month later")


def test_a_new_home_reads_posts_at_once_and_their_media_after_a_wait(
    server: ServerHarness, http: HttpClients
) -> None:
    owner = http.signed_in(server.account())
    owner_home = add_home(owner, "Porch house")["id"]
    hub = http.paired_hub(owner, owner_home)
    shared = upload(hub, jpeg_bytes(), "image/jpeg", title="Someone at the gate")
    assert shared.status_code == 201, shared.text
    post_id = shared.json()["id"]
    # The author reads their own media whatever their home's age.
    assert owner.client.get(f"/api/posts/{post_id}/media").status_code == 200

    newcomer = http.signed_in(server.account())
    home_id = add_home(newcomer, "Just moved in", miles_from(CHICAGO, 0.5, 0))["id"]
    page = newcomer.client.get("/api/feed", params={"home_id": home_id}).json()
    assert [p["title"] for p in page["posts"]] == ["Someone at the gate"]
    refused = newcomer.client.get(f"/api/posts/{post_id}/media")
    assert refused.status_code == 403
    assert refused.json()["error"] == "media not yet available"
    opens = (server.clock() + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M UTC")
    assert f"Access begins at {opens}" in refused.json()["detail"]
    server.clock.advance(24 * 3600)
    media = newcomer.client.get(f"/api/posts/{post_id}/media")
    assert media.status_code == 200
    assert media.content == jpeg_bytes()


def test_operators_see_who_adds_and_deletes_homes_often(
    server: ServerHarness, http: HttpClients, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="frontporch.server.homes")
    churner = http.signed_in(server.account())
    for step in range(2):
        home = add_home(churner, f"Stop {step}", miles_from(CHICAGO, 3.0 * step, 0))
        assert churner.client.delete(f"/api/homes/{home['id']}").status_code == 204
    settled = http.signed_in(server.account())
    add_home(settled)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    browser, _ = http.browser(operator)
    page = browser.get("/operator/homes")
    assert page.status_code == 200
    assert user_id(churner) in page.text
    assert user_id(settled) not in page.text
    assert geo.home_cell(*CHICAGO) not in page.text  # ids and counts, never where
    refused = churner.client.get("/operator/homes")
    assert (refused.status_code, error_title(refused.text)) == (403, "Operators only")
    lines = [r.getMessage() for r in caplog.records if "account" in r.getMessage()]
    assert sum(f"added by account {user_id(churner)}" in line for line in lines) == 2
    assert sum(f"deleted by account {user_id(churner)}" in line for line in lines) == 2
    assert not any(geo.home_cell(*CHICAGO) in line or "Stop" in line for line in lines)


def test_invitation_mail_has_the_home_name_on_one_line(
    server: ServerHarness, http: HttpClients
) -> None:
    owner = http.signed_in(server.account())
    refused = owner.client.post(
        "/api/homes",
        json={
            "name": "Maple\n\nYour account is locked: http://x.example",
            "latitude": CHICAGO[0],
            "longitude": CHICAGO[1],
        },
    )
    assert refused.status_code == 400
    assert (refused.json()["error"], refused.json()["field"]) == ("name not one line", "name")
    home_id = add_home(owner, "Maple St")["id"]
    # A name stored before names were checked still reaches the mail as one line.
    with server.app.state.server.sessions.begin() as db:
        db.execute(
            update(Home)
            .where(Home.id == uuid.UUID(home_id))
            .values(name="Maple St\r\n\r\nYour account is locked.\tCall us")
        )
    sent = owner.client.post(f"/api/homes/{home_id}/invitations", json={"email": "a@example.org"})
    assert sent.status_code == 202, sent.text
    body = server.mailbox.to("a@example.org")[-1].get_body(("plain",)).get_content()
    assert '"Maple St Your account is locked. Call us"' in " ".join(body.split())
    lines = [line.strip() for line in body.splitlines()]
    assert not any(line.startswith("Your account is locked") for line in lines)
    assert "\t" not in body


def test_invitations_are_capped_per_inviting_account_across_homes(
    server: ServerHarness, http: HttpClients
) -> None:
    owner = http.signed_in(server.account())
    home_id = add_home(owner, "First")["id"]
    for number in range(3):
        sent = owner.client.post(
            f"/api/homes/{home_id}/invitations", json={"email": f"friend{number}@example.org"}
        )
        assert sent.status_code == 202, sent.text
    # Deleting the home and adding another must not start the count again.
    assert owner.client.delete(f"/api/homes/{home_id}").status_code == 204
    home_id = add_home(owner, "Second")["id"]
    refused = owner.client.post(
        f"/api/homes/{home_id}/invitations", json={"email": "friend9@example.org"}
    )
    assert refused.status_code == 429
    assert refused.json()["error"] == "too many invitations"
    assert server.mailbox.to("friend9@example.org") == []
    server.clock.advance(DAY_S + 1)
    again = owner.client.post(
        f"/api/homes/{home_id}/invitations", json={"email": "friend9@example.org"}
    )
    assert again.status_code == 202


def test_the_map_preselects_no_cell_and_asks_for_one(
    server: ServerHarness, http: HttpClients
) -> None:
    account = server.account()
    browser, _ = http.browser(account)
    page = browser.get("/homes/new")
    assert page.status_code == 200
    assert 'role="radiogroup"' in page.text  # the map starts at the town centre
    assert 'aria-checked="true"' not in page.text
    assert form_field(page.text, "cell") == ""
    refused = browser.post(
        "/homes", data={"name": "Maple St", "cell": "", "csrf_token": form_csrf(page.text)}
    )
    assert refused.status_code == 400
    assert 'id="cell-error"' in refused.text
    assert 'aria-invalid="true" aria-describedby="cell-error"' in refused.text
    assert "Choose the hexagon your home is in" in refused.text
    assert browser.get("/api/homes").json() == []
    # Typed coordinates are a choice: their cell is selected.
    located = browser.post(
        "/homes/new",
        data={
            "name": "Maple St",
            "latitude": str(CHICAGO[0]),
            "longitude": str(CHICAGO[1]),
            "csrf_token": form_csrf(page.text),
        },
    )
    assert form_field(located.text, "cell") == geo.home_cell(*CHICAGO)
    assert located.text.count('aria-checked="true"') == 1


def test_the_test_connection_button_is_named_by_its_text(
    server: ServerHarness, http: HttpClients
) -> None:
    owner = http.signed_in(server.account())
    home_id = add_home(owner)["id"]
    http.paired_hub(owner, home_id)
    page = owner.client.get(f"/homes/{home_id}")
    button = re.search(r'aria-label="([^"]+)">Test connection</button>', page.text)
    assert button, "no Test connection button"
    assert button.group(1).startswith("Test connection")
