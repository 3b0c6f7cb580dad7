"""Sign-up, email verification over real SMTP, and the password policy."""

from __future__ import annotations

from fastapi.testclient import TestClient

from server_fixtures import PASSWORD
from server_harness import ServerHarness


def test_sign_up_verify_then_sign_in(server: ServerHarness, client: TestClient) -> None:
    email = server.new_email()
    response = client.post("/api/auth/sign-up", json={"email": email.upper(), "password": PASSWORD})
    assert response.status_code == 202
    [message] = server.mailbox.to(email)
    assert "Confirm your email" in message["Subject"]

    refused = client.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["error"] == "email not verified"

    token = server.mailbox.last_link(email, "/verify-email")
    assert client.post("/api/auth/verify-email", json={"token": token}).status_code == 200
    again = client.post("/api/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.json()["field"] == "token"

    server.sign_in(client, email)
    me = client.get("/api/account").json()
    assert me["email"] == email
    assert me["role"] == "resident"
    assert me["email_verified"] is True


def test_sign_up_does_not_reveal_existing_accounts(
    server: ServerHarness, client: TestClient
) -> None:
    email = server.register()
    server.mailbox.clear()
    response = client.post(
        "/api/auth/sign-up", json={"email": email, "password": "another fine passphrase"}
    )
    assert response.status_code == 202
    [note] = server.mailbox.to(email)
    assert "tried to sign up" in note["Subject"]
    # The old password still works; nothing about the account changed.
    server.sign_in(client, email)


def test_verification_links_expire(server: ServerHarness, client: TestClient) -> None:
    email = server.new_email()
    client.post("/api/auth/sign-up", json={"email": email, "password": PASSWORD})
    token = server.mailbox.last_link(email, "/verify-email")
    server.clock.advance(49 * 3600)
    assert client.post("/api/auth/verify-email", json={"token": token}).status_code == 400
    client.post("/api/auth/verify-email/resend", json={"email": email})
    fresh = server.mailbox.last_link(email, "/verify-email")
    assert fresh != token
    assert client.post("/api/auth/verify-email", json={"token": fresh}).status_code == 200


def test_weak_passwords_are_refused_naming_the_field(client: TestClient) -> None:
    for password, reason in [
        ("short1!", "at least 12"),
        ("password123456", "commonly used"),
        ("qwertyuiop123", "commonly used"),
        ("Summer2024!!!", "commonly used"),
        ("aaaaaaaaaaaaab", "too few"),
    ]:
        response = client.post(
            "/api/auth/sign-up", json={"email": "weak@example.org", "password": password}
        )
        assert response.status_code == 400, password
        body = response.json()
        assert body["field"] == "password"
        assert reason in body["detail"], (password, body)


def test_invalid_input_is_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/auth/sign-up", json={"email": "x@example.org"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid request"
    assert body["field"] == "password"
    bad_email = client.post(
        "/api/auth/sign-up", json={"email": "not-an-address", "password": PASSWORD}
    )
    assert bad_email.status_code == 400
    assert bad_email.json()["field"] == "email"
    unknown = client.post(
        "/api/auth/sign-up", json={"email": "a@b.org", "password": PASSWORD, "role": "operator"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "role"


def test_sign_ups_are_rate_limited_per_address(server: ServerHarness) -> None:
    client = server.new_client(address="203.0.113.50")
    statuses = [
        client.post(
            "/api/auth/sign-up", json={"email": server.new_email(), "password": PASSWORD}
        ).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [202] * 20
    assert statuses[20] == 429
