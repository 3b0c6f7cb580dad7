"""The (route × role) matrix over the hub's real web app and SQLite store: the owner,
a household member, a member with each allowance, and API tokens of a member and of the
owner, each against every route the app has (other areas' routes included, so a new
route is checked the day it appears: deny by default)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    hub_config,
    sign_in,
)
from frontporch.hub.people.access import Allowance, member_may
from frontporch.hub.people.service import add_member
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import hash_password, set_owner_password
from member_tools import MEMBER_PASSWORD, sign_in_as

OPEN = {"/healthz", "/login", "/login/code", "/api/login/passkey/options", "/api/login/passkey"}
OPEN_PREFIXES = ("/invite/",)
SAMPLE = {"name": "front", "camera": "front", "event_id": "e1"}
# What a plain member must never reach, whatever the route table says.
NEVER_FOR_MEMBERS = {
    ("POST", "/events/{event_id}/publish"),
    ("POST", "/api/events/{event_id}/publish"),
    ("POST", "/events/{event_id}/delete"),
    ("POST", "/requests/{request_id}/release"),
    ("GET", "/settings/members"),
    ("POST", "/settings/members"),
    ("POST", "/settings/members/{user_id}/remove"),
    ("GET", "/api/members"),
    ("GET", "/api/tokens"),
    ("POST", "/api/tokens"),
    ("POST", "/backup/run"),
}
# What a plain member must reach: watching and reviewing, and their own account.
ALWAYS_FOR_MEMBERS = {
    ("GET", "/"),
    ("GET", "/events"),
    ("GET", "/events/{event_id}"),
    ("GET", "/api/events"),
    ("GET", "/api/events/{event_id}/clip.mp4"),
    ("GET", "/api/cameras/{name}/latest.jpg"),
    ("GET", "/account"),
}


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    cheap_password_hashing(monkeypatch)
    clock = FakeClock()
    with HubStore(tmp_path / "hub.db") as store:
        set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
        start = clock.now - 3600
        store.upsert_event(
            "e1", camera="front", labels=["person"], top_score=0.9, start=start, end=start + 10
        )
        for name, allowances in [("plain", []), *[(a.value, [a.value]) for a in Allowance]]:
            add_member(
                store, name, "member", allowances, hash_password(MEMBER_PASSWORD), clock.now - 30
            )
        runtime = FakeRuntime({"front": camera_status("front")}, frame=b"\xff\xd8x\xff\xd9")
        clip = tmp_path / "e1.mp4"
        clip.write_bytes(b"\x00" * 512)
        runtime.clips["e1"] = clip
        yield create_hub_app(hub_config("front"), store, runtime, clock=clock)


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        assert route.path is not None
        if isinstance(route.original_route, Mount) or route.path in OPEN:
            continue
        if route.path.startswith(OPEN_PREFIXES):
            continue
        found += [(m, route.path) for m in sorted((route.methods or set()) - {"HEAD"})]
    return found


def _call(client: TestClient, method: str, path: str) -> int:
    concrete = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE.get(m.group(1), "x"), path)
    if path.endswith(("live.mjpeg", "live.mp4")):
        with client.stream(method, concrete) as response:
            return response.status_code
    kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH", "DELETE"} else {}
    return client.request(method, concrete, follow_redirects=False, **kwargs).status_code


def _member(app: FastAPI, name: str) -> TestClient:
    client = TestClient(app)
    client.headers["X-CSRF-Token"] = sign_in_as(client, name, MEMBER_PASSWORD)
    return client


@pytest.mark.parametrize("who", ["plain", *[a.value for a in Allowance]])
def test_a_member_reaches_exactly_their_routes(app: FastAPI, who: str) -> None:
    client = _member(app, who)
    allowances = frozenset() if who == "plain" else frozenset({who})
    routes = _routes(app)
    assert len(routes) >= 40, routes
    assert set(routes) >= ALWAYS_FOR_MEMBERS
    checked = {"allowed": 0, "refused": 0}
    for method, path in routes:
        if path in {"/logout"} or path.endswith("/revoke") or path.endswith("/remove"):
            continue  # these end the session or remove things the walk needs; tested apart
        status = _call(client, method, path)
        if member_may(allowances, method, path):
            assert status not in (401, 403), (who, method, path, status)
            checked["allowed"] += 1
        else:
            assert status == 403, (who, method, path, status)
            checked["refused"] += 1
    assert checked["allowed"] >= 15, checked
    assert checked["refused"] >= 10, checked
    if who == "plain":
        for method, path in NEVER_FOR_MEMBERS:
            assert not member_may(allowances, method, path), (method, path)
        for method, path in ALWAYS_FOR_MEMBERS:
            assert member_may(allowances, method, path), (method, path)


def test_the_owner_reaches_every_route(app: FastAPI) -> None:
    client = TestClient(app)
    client.headers["X-CSRF-Token"] = sign_in(client)
    for method, path in _routes(app):
        if path in {"/logout"} or path.endswith(("/revoke", "/remove")):
            continue
        status = _call(client, method, path)
        assert status not in (401, 403), (method, path, status)


def test_a_members_token_reaches_no_more_than_the_member(app: FastAPI) -> None:
    member = _member(app, "plain")
    page = member.post(
        "/account/token",
        data={"csrf_token": member.headers["X-CSRF-Token"], "name": "kiosk", "scope": "owner"},
    )
    secret = re.search(r'id="api-token" type="text" readonly value="([^"]+)"', page.text)
    assert secret is not None, page.text[-2000:]
    script = TestClient(app, headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert script.get("/api/events").status_code == 200
    assert script.get("/api/requests").status_code == 403, "owner scope, but a member's token"
    assert "household members" in script.get("/api/requests").json()["error"]
    owner = TestClient(app)
    owner.headers["X-CSRF-Token"] = sign_in(owner)
    assert owner.get("/api/requests").status_code == 200
    listed = owner.get("/api/members").json()
    plain = next(m for m in listed if m["name"] == "plain")
    assert plain["tokens"] == 1
    assert plain["sessions"] == 1
    assert plain["role"] == "member"
