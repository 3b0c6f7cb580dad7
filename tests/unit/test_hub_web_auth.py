"""Owner sign-in, sessions, CSRF and the rate limit of the hub's web app."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from fakes import (
    OWNER_PASSWORD,
    FakeStore,
    WebHarness,
    cheap_password_hashing,
    make_event,
    sign_in,
    web_harness,
)
from frontporch.hub.web.passwords import (
    WeakPassword,
    ensure_owner_password,
    set_owner_password,
    verify_owner_password,
)
from frontporch.hub.web.sessions import SESSION_COOKIE, SESSION_TTL_S

# Signing in (password, its TOTP step, passkey) and accepting an invite link happen
# before any session exists.
SIGN_IN_PATHS = {
    "/login/code",
    "/api/login/passkey/options",
    "/api/login/passkey",
    "/invite/{token}",
}
OPEN_PATHS = {"/healthz", "/login"} | SIGN_IN_PATHS
SAMPLE_PARAMS = {"name": "front", "event_id": "e1"}
DAY = 24 * 3600.0


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def harness() -> WebHarness:
    web = web_harness()
    web.store.add_event(make_event("e1"))
    return web


def _login_form_token(client) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match is not None
    return match.group(1)


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "x"), path)


def _assert_refused(path: str, response) -> None:
    if path.startswith(("/api", "/metrics")):
        assert response.status_code == 401, (path, response.status_code)
        assert response.json()["error"] == "sign-in required"
    else:
        assert response.status_code == 303, (path, response.status_code)
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "credentials",
    [{}, {"cookies": {SESSION_COOKIE: "forged"}}, {"headers": {"Authorization": "Bearer nope"}}],
    ids=["none", "forged-cookie", "forged-bearer"],
)
def test_every_route_refuses_without_a_session(harness: WebHarness, credentials) -> None:
    client = harness.client(**credentials)
    open_routes = set()
    checked = 0
    for route in iter_route_contexts(harness.app.routes):
        assert route.path is not None
        assert route.methods or isinstance(route.original_route, Mount), route
        if isinstance(route.original_route, Mount) or route.path in OPEN_PATHS:
            open_routes.add(route.path)
            continue
        path = _concrete(route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            _assert_refused(path, client.request(method, path, follow_redirects=False))
            checked += 1
    assert open_routes == {"/healthz", "/login", "/static", "/static/web"} | SIGN_IN_PATHS
    assert checked >= 20
    assert "e1" in harness.store.events, "a refused request must not have deleted anything"


def test_open_routes_answer_without_a_session(harness: WebHarness) -> None:
    client = harness.client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/login").status_code == 200
    assert client.get("/static/hub.css").status_code == 200
    assert client.get("/static/web/base.css").status_code == 200
    page = client.get("/login").text
    assert page.index('href="/static/web/base.css"') < page.index('href="/static/hub.css"')


def test_sign_in_sets_a_hardened_session_cookie(harness: WebHarness) -> None:
    client = harness.client()
    token = _login_form_token(client)
    response = client.post(
        "/login",
        data={"password": OWNER_PASSWORD, "csrf_token": token, "next": "/events"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/events"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("fp_session"))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert f"Max-Age={int(SESSION_TTL_S)}" in cookie
    assert "Secure" not in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value not in str(harness.store.sessions), "only the token's hash may be stored"
    assert client.get("/events").status_code == 200


def test_secure_cookies_when_asked() -> None:
    harness = web_harness(secure_cookies=True)
    client = harness.client(base_url="https://testserver")
    token = _login_form_token(client)
    response = client.post(
        "/login", data={"password": OWNER_PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


def test_wrong_password_is_refused(harness: WebHarness) -> None:
    client = harness.client()
    token = _login_form_token(client)
    response = client.post("/login", data={"password": "wrong password!", "csrf_token": token})
    assert response.status_code == 401
    assert "Wrong password" in response.text
    assert SESSION_COOKIE not in client.cookies
    assert not harness.store.sessions


def test_sign_in_form_needs_its_csrf_cookie(harness: WebHarness) -> None:
    client = harness.client()
    _login_form_token(client)
    response = client.post(
        "/login", data={"password": OWNER_PASSWORD, "csrf_token": "guessed"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert not harness.store.sessions


def test_next_never_leaves_the_hub(harness: WebHarness) -> None:
    client = harness.client()
    token = _login_form_token(client)
    response = client.post(
        "/login",
        data={"password": OWNER_PASSWORD, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_rate_limit_after_five_failures(harness: WebHarness) -> None:
    client = harness.client()
    for _ in range(5):
        token = _login_form_token(client)
        assert (
            client.post("/login", data={"password": "nope", "csrf_token": token}).status_code == 401
        )
    token = _login_form_token(client)
    blocked = client.post("/login", data={"password": OWNER_PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429, "even the right password waits out the lock"
    assert 1 <= int(blocked.headers["retry-after"]) <= 300
    harness.clock.advance(301)
    token = _login_form_token(client)
    ok = client.post(
        "/login", data={"password": OWNER_PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_sign_out_invalidates_the_session(harness: WebHarness) -> None:
    client = harness.client()
    csrf = sign_in(client)
    token = client.cookies[SESSION_COOKIE]
    assert client.post("/logout", follow_redirects=False).status_code == 403, "CSRF needed"
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert not harness.store.sessions
    replay = harness.client(cookies={SESSION_COOKIE: token})
    assert replay.get("/api/cameras").status_code == 401


def test_sessions_expire_after_thirty_days_idle(harness: WebHarness) -> None:
    client = harness.client()
    sign_in(client)
    harness.clock.advance(SESSION_TTL_S + 1)
    assert client.get("/api/cameras").status_code == 401


def test_sessions_slide_while_in_use(harness: WebHarness) -> None:
    client = harness.client()
    sign_in(client)
    harness.clock.advance(2 * DAY)
    response = client.get("/api/cameras")
    assert response.status_code == 200
    assert any(c.startswith("fp_session=") for c in response.headers.get_list("set-cookie"))
    (session,) = harness.store.sessions.values()
    assert session.expires == pytest.approx(harness.clock.now + SESSION_TTL_S)
    harness.clock.advance(SESSION_TTL_S - DAY)
    assert client.get("/api/cameras").status_code == 200


def test_csrf_required_on_form_posts(harness: WebHarness) -> None:
    client = harness.client()
    csrf = sign_in(client)
    for data in ({}, {"csrf_token": "wrong"}):
        response = client.post("/events/e1/delete", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "e1" in harness.store.events
    response = client.post("/events/e1/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert "e1" not in harness.store.events


def test_json_calls_with_the_cookie_need_the_csrf_header(harness: WebHarness) -> None:
    client = harness.client()
    csrf = sign_in(client)
    refused = client.delete("/api/events/e1")
    assert refused.status_code == 403
    assert refused.json()["error"] == "CSRF token missing or wrong"
    assert client.delete("/api/events/e1", headers={"X-CSRF-Token": csrf}).json() == {
        "deleted": "e1"
    }


def test_bearer_token_reads_without_csrf_but_cannot_delete(harness: WebHarness) -> None:
    client = harness.client()
    csrf = sign_in(client)
    page = client.post(
        "/account/token", data={"csrf_token": csrf, "name": "script", "scope": "owner"}
    )
    match = re.search(r'id="api-token" type="text" readonly value="([^"]+)"', page.text)
    assert match is not None
    api = harness.client(headers={"Authorization": f"Bearer {match.group(1)}"})
    assert api.get("/metrics").status_code == 200
    assert api.get("/api/events/e1").status_code == 200
    assert api.delete("/api/events/e1").status_code == 403
    assert "e1" in harness.store.events


def test_changing_the_password_signs_out_other_sessions(harness: WebHarness) -> None:
    mine, other = harness.client(), harness.client()
    csrf = sign_in(mine)
    sign_in(other)
    new = "a much better passphrase"
    short = mine.post(
        "/account/password",
        data={"csrf_token": csrf, "current": OWNER_PASSWORD, "new": "short", "confirm": "short"},
    )
    assert short.status_code == 400
    assert "at least 12 characters" in short.text
    wrong = mine.post(
        "/account/password",
        data={"csrf_token": csrf, "current": "not it at all", "new": new, "confirm": new},
    )
    assert wrong.status_code == 400
    harness.clock.advance(1)
    changed = mine.post(
        "/account/password",
        data={"csrf_token": csrf, "current": OWNER_PASSWORD, "new": new, "confirm": new},
    )
    assert changed.status_code == 200
    assert "Password changed" in changed.text
    assert mine.get("/api/cameras").status_code == 200
    assert other.get("/api/cameras").status_code == 401
    assert verify_owner_password(harness.store, new)


def test_first_start_generates_a_password_once() -> None:
    store = FakeStore()
    password = ensure_owner_password(store)
    assert password is not None
    assert len(password) >= 12
    owner = store.get_user("owner")
    assert owner is not None
    assert owner.password_hash is not None
    assert owner.password_hash.startswith("$argon2id$")
    assert password not in str(store.settings)
    assert password not in str(owner)
    assert verify_owner_password(store, password)
    assert ensure_owner_password(store) is None


def test_weak_passwords_are_refused() -> None:
    with pytest.raises(WeakPassword, match="at least 12"):
        set_owner_password(FakeStore(), "too short")
