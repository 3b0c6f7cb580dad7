"""API tokens of the hub: scopes walked over every route, listing, revoking, /healthz
and the caching headers of what shows tokens or footage."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from fakes import (
    OWNER_PASSWORD,
    FakeRuntime,
    WebHarness,
    camera_status,
    cheap_password_hashing,
    hub_config,
    make_event,
    sign_in,
    web_harness,
)
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.schema import MIGRATIONS
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.hub.web.sessions import SESSION_COOKIE, SESSION_TTL_S, hash_token

SAMPLE_PARAMS = {"name": "front", "event_id": "e1", "token_id": "nope"}
DAY = 24 * 3600.0
# The routes a token may reach, written out here independently of scopes.py: a new
# route (or a widened scope) fails these tests until someone decides about it.
METRICS_ALLOWED = {
    ("GET", "/metrics"),
    ("GET", "/healthz"),
    ("GET", "/api/cameras"),
    ("GET", "/api/cameras/{name}"),
    ("GET", "/api/cameras/{name}/stats"),
}
OWNER_ALLOWED = METRICS_ALLOWED | {
    ("GET", "/api/openapi.json"),
    ("GET", "/api/events"),
    ("GET", "/api/events/{event_id}"),
    ("GET", "/api/events/{event_id}/snapshot.jpg"),
    ("GET", "/api/events/{event_id}/public-snapshot.jpg"),
    ("GET", "/api/events/{event_id}/clip.mp4"),
    ("GET", "/api/recordings/{name}"),
    ("GET", "/api/timeline/{camera}"),
    ("GET", "/api/playback/{camera}/segments/{segment_id}.mp4"),
    ("GET", "/api/exports"),
    ("GET", "/api/exports/{export_id}"),
    ("GET", "/api/exports/{export_id}/file.mp4"),
    ("GET", "/api/review"),
    ("GET", "/api/review/{item_id}"),
    ("GET", "/api/cameras/{name}/latest.jpg"),
    ("GET", "/api/cameras/{name}/live.mjpeg"),
    ("GET", "/api/cameras/{name}/live.mp4"),
    ("GET", "/api/requests"),
    ("GET", "/api/requests/{request_id}"),
    ("GET", "/api/alerts"),
    ("GET", "/api/alerts/rules"),
    ("GET", "/api/alerts/rules/{camera}"),
    ("GET", "/api/switches"),
}
OPEN_PATHS = {
    "/login",
    "/static",
    "/login/code",
    "/api/login/passkey/options",
    "/api/login/passkey",
    "/invite/{token}",
}
FOOTAGE = [
    "/api/events/e1/clip.mp4",
    "/api/events/e1/snapshot.jpg",
    "/api/events/e1/public-snapshot.jpg",
    "/api/cameras/front/latest.jpg",
    "/api/cameras/front/live.mjpeg",
    "/api/cameras/front/live.mp4",
]


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def harness(tmp_path: Path) -> WebHarness:
    web = web_harness()
    web.store.add_event(make_event("e1", start=web.clock.now - 3600, snapshot="s"))
    clip = tmp_path / "e1.mp4"
    clip.write_bytes(b"\x00" * 4096)
    snapshot = tmp_path / "e1.jpg"
    snapshot.write_bytes(b"\xff\xd8snapshot\xff\xd9")
    web.runtime.clips["e1"] = clip
    web.runtime.snapshots["e1"] = snapshot
    return web


@pytest.fixture
def owner(harness: WebHarness) -> TestClient:
    client = harness.client()
    client.headers["X-CSRF-Token"] = sign_in(client)
    return client


def make_token(owner: TestClient, scope: str, name: str = "script") -> str:
    """A token made through the account page form, as an owner would."""
    page = owner.post(
        "/account/token",
        data={"csrf_token": owner.headers["X-CSRF-Token"], "name": name, "scope": scope},
    )
    assert page.status_code == 200, page.text
    match = re.search(r'id="api-token" type="text" readonly value="([^"]+)"', page.text)
    assert match is not None, page.text
    return match.group(1)


def bearer(harness: WebHarness, token: str) -> TestClient:
    return harness.client(headers={"Authorization": f"Bearer {token}"})


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "x"), path)


def _routes(harness: WebHarness) -> list[tuple[str, str]]:
    """Every (method, route template) of the app, except the open sign-in and static."""
    found = []
    for route in iter_route_contexts(harness.app.routes):
        assert route.path is not None
        if isinstance(route.original_route, Mount) or route.path in OPEN_PATHS:
            continue
        found += [(method, route.path) for method in sorted((route.methods or set()) - {"HEAD"})]
    return found


def _call(client: TestClient, method: str, path: str):
    concrete = _concrete(path)
    if path.endswith(("live.mjpeg", "live.mp4")):  # endless: read the head only
        with client.stream(method, concrete) as response:
            return response
    body = {"category": "crime", "title": "t", "body": "", "media": "snapshot"}
    json = body if path.endswith("/publish") else {"name": "x", "scope": "owner"}
    kwargs = {"json": json} if method in {"POST", "PUT", "PATCH"} else {}
    return client.request(method, concrete, follow_redirects=False, **kwargs)


@pytest.mark.parametrize(
    ("scope", "allowed"), [("metrics", METRICS_ALLOWED), ("owner", OWNER_ALLOWED)]
)
def test_a_token_reaches_only_what_its_scope_lists(
    harness: WebHarness, owner: TestClient, scope: str, allowed: set[tuple[str, str]]
) -> None:
    harness.runtime.statuses["front"] = camera_status("front", live_codec="avc1.64001f")
    client = bearer(harness, make_token(owner, scope))
    routes = _routes(harness)
    assert len(routes) >= 25, routes
    assert allowed <= set(routes), allowed - set(routes)
    for method, path in routes:
        response = _call(client, method, path)
        if (method, path) in allowed:
            assert response.status_code not in (401, 403), (method, path, response.status_code)
        else:
            assert response.status_code == 403, (method, path, response.status_code)
    assert "e1" in harness.store.events, "a refused request must not have deleted anything"
    assert not harness.store.publications
    assert len(harness.store.api_tokens) == 1, "a token cannot make or revoke tokens"


def test_footage_never_leaves_through_a_metrics_token(
    harness: WebHarness, owner: TestClient
) -> None:
    harness.runtime.statuses["front"] = camera_status("front", live_codec="avc1.64001f")
    metrics = bearer(harness, make_token(owner, "metrics", "Prometheus"))
    assert metrics.get("/metrics").status_code == 200
    for path in FOOTAGE:
        response = metrics.get(path)
        assert response.status_code == 403, path
        assert "metrics" in response.json()["detail"]
        assert b"\xff\xd8" not in response.content
    reader = bearer(harness, make_token(owner, "owner", "backup"))
    assert reader.get("/api/events/e1/snapshot.jpg").content == b"\xff\xd8snapshot\xff\xd9"
    assert reader.get("/api/events/e1/clip.mp4").status_code == 200


def test_publishing_and_deleting_need_the_browser(harness: WebHarness, owner: TestClient) -> None:
    reader = bearer(harness, make_token(owner, "owner"))
    refused = reader.delete("/api/events/e1")
    assert refused.status_code == 403
    assert "browser" in refused.json()["detail"]
    assert reader.post("/events/e1/delete").status_code == 403
    assert reader.post("/api/events/e1/publish", json={}).status_code == 403
    assert "e1" in harness.store.events
    assert owner.delete("/api/events/e1").json() == {"deleted": "e1"}


def test_a_session_cookie_is_no_bearer_token(harness: WebHarness, owner: TestClient) -> None:
    session = owner.cookies[SESSION_COOKIE]
    assert bearer(harness, session).get("/api/cameras").status_code == 401


def test_tokens_are_listed_with_last_use_and_revoked_one_at_a_time(
    harness: WebHarness, owner: TestClient
) -> None:
    made = owner.post("/api/tokens", json={"name": "Prometheus", "scope": "metrics"})
    assert made.status_code == 201
    assert "no-store" in made.headers["cache-control"]
    prometheus = made.json()
    backup_secret = make_token(owner, "owner", "Nightly backup")
    assert prometheus["token"].startswith("fph_")
    assert prometheus["token"] not in str(harness.store.api_tokens), "only hashes are stored"

    harness.clock.advance(120)
    assert bearer(harness, prometheus["token"]).get("/metrics").status_code == 200
    listed = {t["name"]: t for t in owner.get("/api/tokens").json()}
    assert set(listed) == {"Prometheus", "Nightly backup"}
    assert listed["Prometheus"]["scope"] == "metrics"
    assert listed["Prometheus"]["last_used"] is not None
    assert listed["Nightly backup"]["last_used"] is None
    assert "token" not in listed["Prometheus"], "a secret is shown once only"

    page = owner.get("/account")
    assert "no-store" in page.headers["cache-control"]
    assert "Prometheus" in page.text
    assert "Nightly backup" in page.text
    assert page.text.count('aria-label="Revoke ') == 2
    assert "never used" in page.text

    assert owner.delete(f"/api/tokens/{prometheus['id']}").json() == {"revoked": prometheus["id"]}
    assert bearer(harness, prometheus["token"]).get("/metrics").status_code == 401
    assert bearer(harness, backup_secret).get("/metrics").status_code == 200
    assert owner.delete(f"/api/tokens/{prometheus['id']}").status_code == 404

    (backup,) = owner.get("/api/tokens").json()
    revoked = owner.post(
        f"/account/tokens/{backup['id']}/revoke",
        data={"csrf_token": owner.headers["X-CSRF-Token"]},
    )
    assert revoked.status_code == 200
    assert "Token revoked" in revoked.text
    assert bearer(harness, backup_secret).get("/metrics").status_code == 401
    assert owner.get("/api/tokens").json() == []


def test_managing_tokens_needs_the_csrf_token(harness: WebHarness, owner: TestClient) -> None:
    secret = make_token(owner, "metrics")
    (token,) = owner.get("/api/tokens").json()
    plain = harness.client(cookies={SESSION_COOKIE: owner.cookies[SESSION_COOKIE]})
    assert plain.post("/api/tokens", json={"name": "x", "scope": "owner"}).status_code == 403
    assert plain.delete(f"/api/tokens/{token['id']}").status_code == 403
    assert plain.post(f"/account/tokens/{token['id']}/revoke").status_code == 403
    assert bearer(harness, secret).get("/metrics").status_code == 200


def test_bad_token_requests_say_what_to_fix(harness: WebHarness, owner: TestClient) -> None:
    nameless = owner.post(
        "/account/token", data={"csrf_token": owner.headers["X-CSRF-Token"], "name": "  "}
    )
    assert nameless.status_code == 400
    assert "give the token a name" in nameless.text
    wrong_scope = owner.post(
        "/account/token",
        data={"csrf_token": owner.headers["X-CSRF-Token"], "name": "x", "scope": "admin"},
    )
    assert wrong_scope.status_code == 400
    assert "one of: metrics, owner" in wrong_scope.text
    bad_json = owner.post("/api/tokens", json={"name": "x", "scope": "manage"})
    assert bad_json.status_code == 422
    assert bad_json.json()["detail"][0]["field"] == "scope"
    assert not harness.store.api_tokens


def test_tokens_stop_after_a_password_change_or_a_month_unused(
    harness: WebHarness, owner: TestClient
) -> None:
    idle = bearer(harness, make_token(owner, "metrics", "idle"))
    busy = bearer(harness, make_token(owner, "metrics", "busy"))
    for _ in range(3):
        harness.clock.advance(20 * DAY)
        assert busy.get("/metrics").status_code == 200
        assert owner.get("/api/cameras").status_code == 200
    assert idle.get("/metrics").status_code == 401
    assert [t["name"] for t in owner.get("/api/tokens").json()] == ["busy"]

    harness.clock.advance(1)
    new = "a much better passphrase"
    changed = owner.post(
        "/account/password",
        data={
            "csrf_token": owner.headers["X-CSRF-Token"],
            "current": OWNER_PASSWORD,
            "new": new,
            "confirm": new,
        },
    )
    assert changed.status_code == 200
    assert busy.get("/metrics").status_code == 401
    assert "No API tokens" in changed.text


def test_healthz_tells_camera_names_only_to_the_owner(
    harness: WebHarness, owner: TestClient
) -> None:
    cameras = {"front": True, "back": False}
    assert harness.client().get("/healthz").json() == {"status": "ok"}
    assert bearer(harness, "fph_forged").get("/healthz").json() == {"status": "ok"}
    assert owner.get("/healthz").json() == {"status": "ok", "cameras": cameras}
    metrics = bearer(harness, make_token(owner, "metrics"))
    assert metrics.get("/healthz").json() == {"status": "ok", "cameras": cameras}


def test_nothing_private_is_cacheable(harness: WebHarness, owner: TestClient) -> None:
    for path in ("/", "/account", "/events", "/events/e1", "/api/tokens", "/healthz", "/metrics"):
        response = owner.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers["cache-control"], path
    for path in ("/api/events/e1/clip.mp4", "/api/events/e1/snapshot.jpg"):
        assert owner.get(path).headers["cache-control"] == "private, no-store", path
    assert "no-store" not in owner.get("/static/hub.css").headers.get("cache-control", "")


def test_tokens_from_before_scopes_keep_reading_as_owner_tokens(tmp_path: Path) -> None:
    # A hub database at schema v2, where a token was a session named 'api token'.
    db = tmp_path / "hub.db"
    raw = sqlite3.connect(db)
    for script in MIGRATIONS[:2]:
        raw.executescript(script)
    now = 1_717_400_000.0
    old_secret = "legacy-token-made-on-the-account-page"
    raw.executemany(
        "INSERT INTO sessions VALUES (?, ?, ?, ?)",
        [
            (hash_token(old_secret), now - 10 * DAY, now - 2 * DAY + SESSION_TTL_S, "api token"),
            (hash_token("a-browser"), now - DAY, now + SESSION_TTL_S, "Firefox"),
        ],
    )
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()

    with HubStore(db) as store:
        set_owner_password(store, OWNER_PASSWORD, now=now - 30 * DAY)
        (token,) = store.list_api_tokens()
        assert token.scope == "owner"
        assert token.last_used == pytest.approx(now - 2 * DAY)
        assert store.get_session(hash_token(old_secret), now=now) is None
        assert store.get_session(hash_token("a-browser"), now=now) is not None
        runtime = FakeRuntime({"front": camera_status("front")})
        app = create_hub_app(hub_config("front"), store, runtime, clock=lambda: now)
        legacy = TestClient(app, headers={"Authorization": f"Bearer {old_secret}"})
        assert legacy.get("/api/events").status_code == 200
        assert legacy.delete("/api/events/x").status_code == 403
