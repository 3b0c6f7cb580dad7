"""What the hub gained from the shared web foundation, over its real SQLite store: the
refusal of cross-origin changes, COOP/CORP on every answer, the start-up route check,
and validation errors that name every field (one called `body` included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    hub_config,
    sign_in,
)
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import GUARDS, create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.web.routing import api_routes, check_routes_guarded

HUB_URL = "http://hub.local:5080"
OPEN_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/login"),
    ("POST", "/login"),
    # the sign-in's TOTP step, passkey sign-in and invite links (before any session)
    ("POST", "/login/code"),
    ("POST", "/api/login/passkey/options"),
    ("POST", "/api/login/passkey"),
    ("GET", "/invite/{token}"),
    ("POST", "/invite/{token}"),
}


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    cheap_password_hashing(monkeypatch)
    clock = FakeClock()
    with HubStore(tmp_path / "hub.db") as store:
        set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
        runtime = FakeRuntime({"front": camera_status("front")})
        yield create_hub_app(hub_config("front"), store, runtime, clock=clock)


@pytest.fixture
def owner(app: FastAPI) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app, base_url=HUB_URL) as client:
        yield client, sign_in(client)


def test_a_change_from_another_site_is_refused_before_it_reaches_the_hub(
    owner: tuple[TestClient, str],
) -> None:
    client, csrf = owner
    new_token = {"name": "evil", "scope": "owner"}
    refused = client.post(
        "/api/tokens",
        json=new_token,
        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
    )
    assert refused.status_code == 403, "the session cookie and its CSRF token do not suffice"
    assert refused.json()["error"] == "cross-site request refused"
    assert client.get("/api/tokens").json() == [], "nothing was created"

    own = client.post(
        "/api/tokens", json={"name": "mine", "scope": "owner"}, headers={"X-CSRF-Token": csrf}
    )
    assert own.status_code == 201, "the hub's own pages (no Origin, or the hub's) still work"
    same_site = client.post(
        "/api/tokens",
        json={"name": "page", "scope": "owner"},
        headers={"X-CSRF-Token": csrf, "Origin": HUB_URL},
    )
    assert same_site.status_code == 201
    assert sorted(t["name"] for t in client.get("/api/tokens").json()) == ["mine", "page"]


def test_a_sign_in_posted_from_another_site_is_refused(app: FastAPI) -> None:
    with TestClient(app, base_url=HUB_URL) as client:
        refused = client.post(
            "/login",
            data={"password": OWNER_PASSWORD, "csrf_token": "x", "next": "/"},
            headers={"Origin": "http://hub.local.evil.example"},
            follow_redirects=False,
        )
        assert (refused.status_code, refused.json()["error"]) == (
            403,
            "cross-site request refused",
        )
        assert "fp_session" not in refused.headers.get("set-cookie", "")


@pytest.mark.parametrize("path", ["/login", "/healthz", "/", "/api/cameras", "/nowhere"])
def test_every_answer_isolates_the_hub_from_other_sites(
    owner: tuple[TestClient, str], path: str
) -> None:
    client, _ = owner
    headers = client.get(path).headers
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["cross-origin-resource-policy"] == "same-origin"
    assert "media-src 'self' blob:" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"


def test_every_hub_route_needs_the_owner_but_healthz_and_login(app: FastAPI) -> None:
    routes = api_routes(app, GUARDS)
    assert {(r.method, r.path) for r in routes if r.access == "public"} == OPEN_ROUTES
    assert {r.access for r in routes if (r.method, r.path) not in OPEN_ROUTES} == {"protected"}


def test_an_unguarded_route_stops_a_hub_app_from_starting(app: FastAPI) -> None:
    check_routes_guarded(app, GUARDS)
    forgotten = APIRouter()

    @forgotten.get("/api/footage-dump")
    def dump() -> str:
        return "every clip"

    app.include_router(forgotten)
    with pytest.raises(RuntimeError, match="GET /api/footage-dump"):
        check_routes_guarded(app, GUARDS)


def test_a_field_called_body_is_named_in_the_validation_error(
    owner: tuple[TestClient, str],
) -> None:
    client, csrf = owner
    answer = client.post(
        "/api/events/e1/publish",
        json={"category": "crime", "title": "Someone at the door", "body": "x" * 100_000},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 422
    assert [problem["field"] for problem in answer.json()["detail"]] == ["body"]
