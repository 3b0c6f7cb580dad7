"""Sessions, cookies, CSRF, new-device email, password change and reset, API tokens."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from frontporch.server.app import create_app
from server_fixtures import PASSWORD, SmtpServer, make_settings
from server_harness import ServerHarness

NEW_PASSWORD = "violet harbor compass"


def test_session_cookie_flags_and_csrf(server: ServerHarness) -> None:
    email = server.register()
    client = server.new_client()
    response = client.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("fp_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over http in this test
    csrf = response.json()["csrf_token"]

    missing = client.post("/api/account/tokens", json={"name": "x"})
    assert missing.status_code == 403
    assert missing.json()["error"] == "CSRF token missing or wrong"
    wrong = client.post("/api/account/tokens", json={"name": "x"}, headers={"x-csrf-token": "nope"})
    assert wrong.status_code == 403
    ok = client.post("/api/account/tokens", json={"name": "x"}, headers={"x-csrf-token": csrf})
    assert ok.status_code == 201


def test_cookies_are_secure_under_https(
    database_url: str, tmp_path: Path, smtp: SmtpServer, server: ServerHarness
) -> None:
    email = server.register()
    # Its own data dir: the development log key there is named after this origin.
    settings = make_settings(
        database_url, tmp_path / "https", smtp, base_url="https://porch.example"
    )
    app = create_app(settings, clock=server.clock)
    with TestClient(app, base_url="https://porch.example") as client:
        response = client.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200
        assert all("Secure" in c for c in response.headers.get_list("set-cookie"))
        assert "max-age" in response.headers["strict-transport-security"]
    app.state.server.engine.dispose()


def test_cross_site_requests_are_refused(server: ServerHarness) -> None:
    account = server.account()
    response = account.client.post(
        "/api/account/tokens", json={"name": "x"}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "cross-site request refused"


def test_sessions_can_be_listed_and_revoked(server: ServerHarness) -> None:
    account = server.account()
    laptop = server.new_client(address="192.0.2.44", user_agent="Laptop/2.0")
    server.sign_in(laptop, account.email)
    sessions = account.client.get("/api/account/sessions").json()
    assert len(sessions) == 2
    other = next(s for s in sessions if not s["current"])
    assert other["user_agent"] == "Laptop/2.0"
    assert other["network"] == "192.0.2.0/24"

    assert account.client.delete(f"/api/account/sessions/{other['id']}").status_code == 204
    assert laptop.get("/api/account").status_code == 401
    assert len(account.client.get("/api/account/sessions").json()) == 1
    # Another user's session id is simply not found.
    stranger = server.account()
    mine = account.client.get("/api/account/sessions").json()[0]["id"]
    assert stranger.client.delete(f"/api/account/sessions/{mine}").status_code == 404


def test_sign_out_ends_the_session(server: ServerHarness) -> None:
    account = server.account()
    assert account.client.post("/api/account/sign-out").status_code == 200
    assert account.client.get("/api/account").status_code == 401


def test_new_device_sign_in_sends_an_email(server: ServerHarness) -> None:
    account = server.account()  # first sign-in: no email
    assert [m["Subject"] for m in server.mailbox.to(account.email)][-1].startswith("Confirm")
    again = server.new_client()  # same browser kind, same network: a known device
    server.sign_in(again, account.email)
    assert not any("New sign-in" in m["Subject"] for m in server.mailbox.to(account.email))

    phone = server.new_client(address="203.0.113.9", user_agent="Phone/9")
    server.sign_in(phone, account.email)
    alerts = [m for m in server.mailbox.to(account.email) if "New sign-in" in m["Subject"]]
    assert len(alerts) == 1
    body = alerts[0].get_body(("plain",)).get_content()
    assert "Phone/9" in body
    assert "203.0.113.0/24" in body
    # The same phone again (it kept its device cookie): no second email.
    phone.post("/api/account/sign-out")
    server.sign_in(phone, account.email)
    assert len([m for m in server.mailbox.to(account.email) if "New sign-in" in m["Subject"]]) == 1


def test_password_reset_by_email_revokes_sessions_and_tokens(server: ServerHarness) -> None:
    account = server.account()
    token = account.client.post("/api/account/tokens", json={"name": "script"}).json()["token"]
    anonymous = server.new_client()
    assert (
        anonymous.post("/api/auth/password-reset", json={"email": account.email}).status_code == 202
    )
    assert (
        anonymous.post("/api/auth/password-reset", json={"email": "nobody@example.org"}).status_code
        == 202
    )
    link = server.mailbox.last_link(account.email, "/reset-password")

    weak = anonymous.post(
        "/api/auth/password-reset/confirm", json={"token": link, "new_password": "password1234"}
    )
    assert weak.status_code == 400
    assert weak.json()["field"] == "new_password"
    done = anonymous.post(
        "/api/auth/password-reset/confirm", json={"token": link, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 200
    assert account.client.get("/api/account").status_code == 401
    assert (
        anonymous.get("/api/account", headers={"authorization": f"Bearer {token}"}).status_code
        == 401
    )
    reused = anonymous.post(
        "/api/auth/password-reset/confirm", json={"token": link, "new_password": NEW_PASSWORD + "x"}
    )
    assert reused.status_code == 400
    server.sign_in(anonymous, account.email, NEW_PASSWORD)


def test_reset_links_expire_after_an_hour(server: ServerHarness, client: TestClient) -> None:
    email = server.register()
    client.post("/api/auth/password-reset", json={"email": email})
    link = server.mailbox.last_link(email, "/reset-password")
    server.clock.advance(3601)
    response = client.post(
        "/api/auth/password-reset/confirm", json={"token": link, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400


def test_password_change_keeps_this_session_only(server: ServerHarness) -> None:
    account = server.account()
    other = server.new_client()
    server.sign_in(other, account.email)
    wrong = account.client.put(
        "/api/account/password",
        json={"current_password": "not the password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401
    changed = account.client.put(
        "/api/account/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200
    assert account.client.get("/api/account").status_code == 200
    assert other.get("/api/account").status_code == 401


def test_api_tokens_are_shown_once_usable_and_revocable(server: ServerHarness) -> None:
    account = server.account()
    created = account.client.post("/api/account/tokens", json={"name": "home automation"}).json()
    secret = created["token"]
    assert secret.startswith("fpt_")
    listed = account.client.get("/api/account/tokens").json()
    assert [t["name"] for t in listed] == ["home automation"]
    assert "token" not in listed[0]

    program = server.new_client()
    bearer = {"authorization": f"Bearer {secret}"}
    assert program.get("/api/account", headers=bearer).json()["email"] == account.email
    # A token may not manage credentials, even without CSRF concerns.
    refused = program.post("/api/account/tokens", json={"name": "more"}, headers=bearer)
    assert refused.status_code == 403
    assert refused.json()["error"] == "browser sign-in required"
    assert (
        program.post("/api/account/delete", json={"password": PASSWORD}, headers=bearer).status_code
        == 403
    )

    assert account.client.delete(f"/api/account/tokens/{created['id']}").status_code == 204
    assert program.get("/api/account", headers=bearer).status_code == 401
    assert (
        program.get("/api/account", headers={"authorization": "Bearer fpt_forged"}).status_code
        == 401
    )


def test_sessions_expire(server: ServerHarness) -> None:
    account = server.account()
    server.clock.advance(14 * 24 * 3600 + 1)
    assert account.client.get("/api/account").status_code == 401
