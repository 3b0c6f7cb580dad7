"""The feed's handler takes its caller from the route's guard (`GuardedSubject`) rather
than declaring the guard a second time: the guard still decides every request — a
revoked API token is refused on the very next request, an agency account is refused
by the households-only guard — and without a guard that authenticated there is no
caller to take."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import Request

from feed_tools import agency_member, post, resident_at
from frontporch.server.accounts.auth import guarded_subject
from frontporch.server.accounts.models import Role
from frontporch.server.errors import NotAuthenticated
from server_harness import ServerHarness


def test_a_revoked_token_is_refused_on_the_next_feed_request(server: ServerHarness) -> None:
    resident, home = resident_at(server)
    post(resident, home, title="Bike taken from yard")
    made = resident.client.post("/api/account/tokens", json={"name": "feed reader"})
    assert made.status_code == 201, made.text
    token_id, secret = made.json()["id"], made.json()["token"]
    program = server.new_client()
    bearer = {"Authorization": f"Bearer {secret}"}

    first = program.get("/api/feed", params={"home_id": home}, headers=bearer)
    assert first.status_code == 200, first.text
    assert [p["title"] for p in first.json()["posts"]] == ["Bike taken from yard"]
    assert first.json()["posts"][0]["mine"] is True  # the caller is the token's owner

    assert resident.client.delete(f"/api/account/tokens/{token_id}").status_code == 204
    refused = program.get("/api/feed", params={"home_id": home}, headers=bearer)
    assert refused.status_code == 401
    assert program.get("/api/feed", params={"home_id": home}).status_code == 401


def test_the_households_guard_still_refuses_agency_accounts(server: ServerHarness) -> None:
    _, home = resident_at(server)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    member = agency_member(server, operator, "Lakeview Police District")
    refused = member.client.get("/api/feed", params={"home_id": home})
    assert refused.status_code == 403, refused.text


def test_without_an_authenticating_guard_there_is_no_caller() -> None:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "state": {}}
    with pytest.raises(NotAuthenticated):
        asyncio.run(guarded_subject(Request(scope)))
