"""Roles over real HTTP: an account promoted to agency member keeps nothing of its
households (issue 9, item 2), and each role lands on a page that fits it, with a
navigation that fits it, on error pages too (issue 9, "the agency role is a dead end")."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from feed_tools import jpeg_bytes, miles_from, post, upload, user_id
from frontporch.server.accounts.models import Role
from frontporch.server.homes.models import Home
from frontporch.server.serve import grant_role
from frontporch.server.settings import ServerSettings
from homes_tools import CHICAGO, add_home
from http_tools import HttpClients, error_title, http_clients
from server_fixtures import Account
from server_harness import ServerHarness

pytestmark = pytest.mark.served


@pytest.fixture
def http(server: ServerHarness, live: str) -> Iterator[HttpClients]:
    with http_clients(server, live) as clients:
        yield clients


def _nav(html: str) -> list[str]:
    """The links of the page's main navigation."""
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]
    return re.findall(r'<a href="([^"]+)"', nav)


def _promote(operator: Account, account: Account, role: str = "agency_member") -> None:
    changed = operator.client.put(
        f"/api/operator/users/{user_id(account)}/role", json={"role": role}
    )
    assert changed.status_code == 200, changed.text


def test_a_resident_made_agency_member_keeps_no_resident_access(
    server: ServerHarness, http: HttpClients
) -> None:
    operator = http.signed_in(server.account(Role.OPERATOR, mfa_on=True))
    neighbor = http.signed_in(server.account())
    neighbor_home = add_home(neighbor, "Next door", miles_from(CHICAGO, 0.4, 90))["id"]
    hub = http.paired_hub(neighbor, neighbor_home)
    shared = upload(hub, jpeg_bytes(), "image/jpeg", title="Someone at the side gate")
    assert shared.status_code == 201, shared.text
    clip_post = shared.json()["id"]
    text_post = post(neighbor, neighbor_home, title="Van parked all night")["id"]

    resident = server.account()
    server.enable_mfa(resident)  # so that the later role is usable at all
    promoted = http.signed_in(resident)
    own_home = add_home(promoted, "Maple St")["id"]
    own_hub = http.paired_hub(promoted, own_home)
    shared_home = add_home(promoted, "Shared house", miles_from(CHICAGO, 0.2, 0))["id"]
    housemate = http.signed_in(server.account())
    invite = promoted.client.post(
        f"/api/homes/{shared_home}/invitations", json={"email": housemate.email}
    )
    assert invite.status_code == 202, invite.text
    token = server.mailbox.last_link(housemate.email, "/invitations/accept")
    assert housemate.client.post("/api/invitations/accept", json={"token": token}).is_success
    invite = neighbor.client.post(
        f"/api/homes/{neighbor_home}/invitations", json={"email": promoted.email}
    )
    assert invite.status_code == 202, invite.text
    token = server.mailbox.last_link(promoted.email, "/invitations/accept")
    assert promoted.client.post("/api/invitations/accept", json={"token": token}).is_success
    # As a resident, everything near the homes is readable.
    for path in (f"/api/posts/{text_post}", f"/api/posts/{clip_post}/media"):
        assert promoted.client.get(path).status_code == 200, path

    _promote(operator, promoted)

    for path in (
        f"/api/posts/{text_post}",
        f"/api/posts/{clip_post}",
        f"/api/posts/{clip_post}/media",
        f"/api/posts/{text_post}/comments",
    ):
        answer = promoted.client.get(path)
        assert answer.status_code == 404, (path, answer.text)
    comment = promoted.client.post(f"/api/posts/{text_post}/comments", json={"body": "Hi!"})
    assert comment.status_code == 404
    # Its homes let it go: the one it owned alone is gone, the shared one passed to the
    # housemate, it left the neighbor's, and the hub it paired no longer gets in.
    assert promoted.client.get("/api/homes").json()["error"] == "residents only"
    assert own_hub.get("/api/hub/messages").status_code == 401
    assert [(h["id"], h["role"]) for h in housemate.client.get("/api/homes").json()] == [
        (shared_home, "owner")
    ]
    members = neighbor.client.get(f"/api/homes/{neighbor_home}/members").json()
    assert promoted.email not in [m["email"] for m in members]
    assert hub.get("/api/hub/messages").status_code == 200  # the neighbor's hub is theirs


def test_reads_are_refused_by_role_even_where_home_rows_remain(
    server: ServerHarness, http: HttpClients
) -> None:
    neighbor = http.signed_in(server.account())
    neighbor_home = add_home(neighbor, "Next door")["id"]
    text_post = post(neighbor, neighbor_home)["id"]
    account = server.account()
    server.enable_mfa(account)
    reader = http.signed_in(account)
    add_home(reader, "Maple St", miles_from(CHICAGO, 0.3, 180))
    assert reader.client.get(f"/api/posts/{text_post}").status_code == 200
    # The role set behind the service's back (a script, an old grant-role): the home
    # row is still there, and still gives the agency member nothing.
    server.set_role(account.email, Role.AGENCY_MEMBER)
    reader = http.signed_in(account)
    assert reader.client.get(f"/api/posts/{text_post}").status_code == 404
    commented = reader.client.post(f"/api/posts/{text_post}/comments", json={"body": "Hello"})
    assert commented.status_code == 404


def test_grant_role_from_the_command_line_lets_homes_go(
    server: ServerHarness, http: HttpClients, settings: ServerSettings
) -> None:
    resident = http.signed_in(server.account())
    home_id = add_home(resident)["id"]
    hub = http.paired_hub(resident, home_id)
    grant_role(settings, resident.email, Role.AGENCY_MEMBER)
    assert hub.get("/api/hub/messages").status_code == 401
    with server.app.state.server.sessions() as db:
        assert db.scalars(select(Home).where(Home.id == uuid.UUID(home_id))).first() is None


def test_agency_members_land_on_their_agency_page_and_read_its_posts(
    server: ServerHarness, http: HttpClients
) -> None:
    operator = http.signed_in(server.account(Role.OPERATOR, mfa_on=True))
    agency = operator.client.post("/api/operator/agencies", json={"name": "Lakeside PD"})
    assert agency.status_code == 201, agency.text
    members = []
    for _ in range(2):
        member = server.account(Role.AGENCY_MEMBER, mfa_on=True)
        attached = operator.client.put(
            f"/api/operator/users/{user_id(member)}/agency",
            json={"agency_id": agency.json()["id"]},
        )
        assert attached.status_code == 200, attached.text
        members.append(member)
    writer = http.signed_in(members[0])
    made = writer.client.post(
        "/api/posts",
        json={
            "category": "safety",
            "title": "Road closed on Elm",
            "body": "Until 6 pm.",
            "latitude": CHICAGO[0],
            "longitude": CHICAGO[1],
        },
    )
    assert made.status_code == 201, made.text

    browser, landed = http.browser(members[1])
    assert landed.status_code == 200
    assert landed.url.path == "/agency"
    assert "Road closed on Elm" in landed.text  # a colleague's post
    assert 'href="/posts/new"' in landed.text
    links = _nav(landed.text)
    assert "/agency" in links
    assert "/homes" not in links
    assert "/feed" not in links
    opened = browser.get(f"/posts/{made.json()['id']}")
    assert opened.status_code == 200
    assert "Road closed on Elm" in opened.text


def test_each_role_lands_on_its_own_page(server: ServerHarness, http: HttpClients) -> None:
    resident = server.account()
    _, landed = http.browser(resident)
    assert (landed.status_code, landed.url.path) == (200, "/feed")
    assert {"/feed", "/homes"} <= set(_nav(landed.text))

    operator = server.account(Role.OPERATOR, mfa_on=True)
    browser, landed = http.browser(operator)
    assert (landed.status_code, landed.url.path) == (200, "/moderation")
    links = _nav(landed.text)
    assert "/moderation" in links
    assert "/operator/homes" in links
    assert "/homes" not in links  # an operator without a home has no household links
    missing = browser.get("/no-such-page")
    assert missing.status_code == 404
    assert "/homes" not in _nav(missing.text)  # error pages read the same header
    signed = http.signed_in(operator)
    add_home(signed)
    assert "/homes" in _nav(browser.get("/moderation").text)
    assert "/homes" in _nav(browser.get("/no-such-page").text)


def test_error_pages_show_the_signed_in_header(server: ServerHarness, http: HttpClients) -> None:
    agency = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    browser, _ = http.browser(agency)
    refused = browser.get("/homes")
    assert refused.status_code == 403
    assert error_title(refused.text) == "Residents only"
    missing = browser.get("/no-such-page")
    assert missing.status_code == 404
    for page in (refused, missing):
        assert 'action="/sign-out"' in page.text
        assert 'href="/sign-in"' not in page.text
        assert "/agency" in _nav(page.text)
    anonymous = http.client().get("/no-such-page")
    assert 'href="/sign-in"' in anonymous.text
