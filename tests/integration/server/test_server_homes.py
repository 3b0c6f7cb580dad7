"""Homes: only a coarse cell is stored, households are isolated from each other, members
join by emailed invitation, and `homes_in_area` matches homes to an area by cell."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

import h3
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect, text

from frontporch import geo
from frontporch.server.accounts.models import Role
from frontporch.server.homes.repository import homes_in_area
from homes_tools import CHICAGO, add_home, pairing_code
from server_harness import ServerHarness


def _all_values(app: FastAPI) -> list[tuple[str, str, Any]]:
    """Every (table, column, value) in the database."""
    values = []
    engine = app.state.server.engine
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).mappings()
            for row in rows:
                values += [(table, column, value) for column, value in row.items()]
    return values


def _looks_like(value: Any, coordinate: float) -> bool:
    if isinstance(value, float) and abs(value - coordinate) < 0.05:
        return True
    digits = f"{abs(coordinate):.3f}"  # e.g. "41.878" or "87.630"
    return digits[:-1] in str(value)


def test_adding_a_home_stores_only_its_cell(
    server: ServerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    account = server.account()
    caplog.set_level(logging.DEBUG)
    home = add_home(account, "Maple St", CHICAGO)
    assert home["cell"] == h3.latlng_to_cell(*CHICAGO, 8)
    assert home["resolution"] == 8
    assert home["role"] == "owner"
    assert set(home) == {"id", "name", "cell", "resolution", "cell_area_km2", "role", "created_at"}

    stored = _all_values(server.app)
    for coordinate in CHICAGO:
        suspicious = [(t, c, v) for t, c, v in stored if _looks_like(v, coordinate)]
        assert not suspicious, suspicious
        assert f"{abs(coordinate):.4f}" not in caplog.text
        assert str(coordinate) not in caplog.text
    assert not [v for _, _, v in stored if isinstance(v, float)]
    cells = [v for t, c, v in stored if (t, c) == ("homes", "cell")]
    assert cells == [geo.cell_to_int(home["cell"])]


def test_a_cell_is_accepted_instead_of_coordinates_and_coarsened(server: ServerHarness) -> None:
    account = server.account()
    fine = h3.latlng_to_cell(*CHICAGO, 11)
    made = account.client.post("/api/homes", json={"name": "By cell", "cell": fine})
    assert made.status_code == 201
    assert made.json()["cell"] == geo.home_cell(*CHICAGO)
    coarse = account.client.post(
        "/api/homes", json={"name": "x", "cell": h3.latlng_to_cell(*CHICAGO, 6)}
    )
    assert coarse.status_code == 400
    assert coarse.json()["field"] == "cell"
    both = account.client.post(
        "/api/homes", json={"name": "x", "cell": fine, "latitude": 1.0, "longitude": 2.0}
    )
    assert both.status_code == 422
    assert "not both" in both.json()["detail"]
    neither = account.client.post("/api/homes", json={"name": "x", "latitude": 1.0})
    assert neither.status_code == 422
    off_earth = account.client.post(
        "/api/homes", json={"name": "x", "latitude": 95.0, "longitude": 0.0}
    )
    assert off_earth.status_code == 422
    assert off_earth.json()["field"] == "latitude"
    assert "95" not in off_earth.text
    blank = account.client.post("/api/homes", json={"name": "  ", "cell": fine})
    assert blank.status_code == 400
    assert blank.json()["field"] == "name"


def test_a_resident_cannot_see_or_touch_another_households_home(server: ServerHarness) -> None:
    owner, stranger = server.account(), server.account()
    home = add_home(owner)
    home_id = home["id"]
    add_home(stranger, "Elm St", (41.9, -87.65))
    assert [h["name"] for h in stranger.client.get("/api/homes").json()] == ["Elm St"]
    attempts = [
        ("GET", f"/api/homes/{home_id}", None),
        ("DELETE", f"/api/homes/{home_id}", None),
        ("GET", f"/api/homes/{home_id}/members", None),
        ("POST", f"/api/homes/{home_id}/invitations", {"email": "x@example.org"}),
        ("GET", f"/api/homes/{home_id}/hubs", None),
        ("POST", f"/api/homes/{home_id}/pairing-code", None),
        ("DELETE", f"/api/homes/{home_id}/members/{uuid.uuid4()}", None),
        ("GET", f"/homes/{home_id}", None),
        ("POST", f"/homes/{home_id}/delete", None),
        ("POST", f"/homes/{home_id}/pairing-code", None),
    ]
    for method, path, body in attempts:
        response = stranger.client.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    unknown = stranger.client.get(f"/api/homes/{uuid.uuid4()}")
    assert unknown.json() == stranger.client.get(f"/api/homes/{home_id}").json()
    assert owner.client.get(f"/api/homes/{home_id}").status_code == 200


def test_agency_accounts_cannot_have_homes(server: ServerHarness) -> None:
    agency = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    response = agency.client.post(
        "/api/homes", json={"name": "x", "latitude": CHICAGO[0], "longitude": CHICAGO[1]}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "residents only"


def test_invitations_by_email_members_and_deletion(server: ServerHarness) -> None:
    owner, invitee, other = server.account(), server.account(), server.account()
    home_id = add_home(owner)["id"]
    invited = owner.client.post(
        f"/api/homes/{home_id}/invitations", json={"email": invitee.email.upper()}
    )
    assert invited.status_code == 202
    token = server.mailbox.last_link(invitee.email, "/invitations/accept")
    mail = server.mailbox.to(invitee.email)[-1]
    assert "Maple St" in mail.get_body(("plain",)).get_content()

    wrong = other.client.post("/api/invitations/accept", json={"token": token})
    assert wrong.status_code == 403
    assert "n***@example.org" in wrong.json()["detail"]
    joined = invitee.client.post("/api/invitations/accept", json={"token": token})
    assert joined.status_code == 200
    assert joined.json()["role"] == "member"
    again = invitee.client.post("/api/invitations/accept", json={"token": token})
    assert again.status_code == 400
    assert again.json()["field"] == "token"

    members = owner.client.get(f"/api/homes/{home_id}/members").json()
    assert [(m["email"], m["role"]) for m in members] == [
        (owner.email, "owner"),
        (invitee.email, "member"),
    ]
    assert invitee.client.get(f"/api/homes/{home_id}").json()["role"] == "member"
    for method, path, body in [
        ("POST", f"/api/homes/{home_id}/invitations", {"email": "z@example.org"}),
        ("DELETE", f"/api/homes/{home_id}", None),
        ("POST", f"/api/homes/{home_id}/pairing-code", None),
        ("DELETE", f"/api/homes/{home_id}/members/{members[0]['user_id']}", None),
    ]:
        refused = invitee.client.request(method, path, json=body)
        assert refused.status_code in (400, 403), (method, path, refused.text)
    assert invitee.client.get(f"/api/homes/{home_id}/hubs").status_code == 200

    member_id = members[1]["user_id"]
    assert owner.client.delete(f"/api/homes/{home_id}/members/{member_id}").status_code == 204
    assert invitee.client.get(f"/api/homes/{home_id}").status_code == 404
    assert owner.client.delete(f"/api/homes/{home_id}").status_code == 204
    assert owner.client.get(f"/api/homes/{home_id}").status_code == 404


def test_a_member_can_leave(server: ServerHarness) -> None:
    owner, invitee = server.account(), server.account()
    home_id = add_home(owner)["id"]
    owner.client.post(f"/api/homes/{home_id}/invitations", json={"email": invitee.email})
    token = server.mailbox.last_link(invitee.email, "/invitations/accept")
    invitee.client.post("/api/invitations/accept", json={"token": token})
    me = invitee.client.get("/api/account").json()["id"]
    assert invitee.client.delete(f"/api/homes/{home_id}/members/{me}").status_code == 204
    assert invitee.client.get("/api/homes").json() == []


def test_homes_in_area_matches_by_cell(server: ServerHarness) -> None:
    account = server.account()
    near = add_home(account, "Near", CHICAGO)
    also_near = add_home(account, "Also near", (CHICAGO[0] + 0.003, CHICAGO[1] + 0.003))
    far = add_home(account, "Far", (CHICAGO[0] + 0.2, CHICAGO[1]))
    area = geo.cells_covering(geo.square_around(CHICAGO, 0.5))
    with server.app.state.server.sessions() as db:
        found = {str(i) for i in homes_in_area(db, area)}
        assert {near["id"], also_near["id"]} <= found
        assert far["id"] not in found
        fine = {h3.latlng_to_cell(*CHICAGO, 11)}
        assert {str(i) for i in homes_in_area(db, fine)} >= {near["id"]}
        assert homes_in_area(db, []) == []


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_pages_add_a_home_on_the_hexagon_map(
    server: ServerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    account = server.account()
    client = account.client
    caplog.set_level(logging.DEBUG)
    page = client.get("/homes/new")
    assert page.status_code == 200
    assert 'for="latitude"' in page.text
    located = client.post(
        "/homes/new",
        data={"latitude": "41.878113", "longitude": "-87.629799", "csrf_token": _csrf(page.text)},
    )
    assert located.status_code == 200
    cell = geo.home_cell(*CHICAGO)
    assert f'data-cell="{cell}"' in located.text
    assert 'role="radio"' in located.text
    assert len(re.findall(r'role="radio"', located.text)) == 37  # three rings
    assert "41.878113" not in located.text
    assert "87.629799" not in located.text
    neighbour = next(c for c in h3.grid_ring(cell, 1))
    added = client.post(
        "/homes",
        data={"name": "Picked", "cell": neighbour, "csrf_token": _csrf(located.text)},
        follow_redirects=False,
    )
    assert added.status_code == 303
    detail = client.get(added.headers["location"])
    assert neighbour in detail.text
    assert "Home added" in detail.text
    home_id = added.headers["location"].split("/")[2].split("?")[0]
    shown = client.post(f"/homes/{home_id}/pairing-code", data={"csrf_token": _csrf(detail.text)})
    code = re.search(r'id="pairing-code"><code>([0-9A-Z]{4}-[0-9A-Z]{4})<', shown.text)
    assert code
    assert code.group(1) not in caplog.text
    assert "41.878" not in caplog.text
    bad = client.post(
        "/homes/new", data={"latitude": "north", "longitude": "1", "csrf_token": _csrf(page.text)}
    )
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text
    assert pairing_code(account, home_id) != code.group(1)


def test_invitation_pages(server: ServerHarness) -> None:
    owner, invitee = server.account(), server.account()
    home_id = add_home(owner, "Oak Ave")["id"]
    detail = owner.client.get(f"/homes/{home_id}")
    owner.client.post(
        f"/homes/{home_id}/invitations",
        data={"email": invitee.email, "csrf_token": _csrf(detail.text)},
    )
    token = server.mailbox.last_link(invitee.email, "/invitations/accept")
    page = invitee.client.get(f"/invitations/accept?token={token}")
    assert "Join “Oak Ave”" in page.text
    assert invitee.client.get("/api/homes").json() == []  # a GET joins nothing
    joined = invitee.client.post(
        "/invitations/accept",
        data={"token": token, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert joined.headers["location"] == f"/homes/{home_id}?done=joined"
    members = owner.client.get(f"/homes/{home_id}")
    assert invitee.email in members.text
