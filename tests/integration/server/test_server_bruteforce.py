"""Brute force and credential stuffing are stopped: per-account and per-address lockout
with exponential back-off, kept in the database so every server process enforces it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from frontporch.server.app import create_app
from server_fixtures import PASSWORD, SmtpServer, make_settings
from server_harness import ServerHarness


def _attempt(client: TestClient, email: str, password: str) -> int:
    return client.post("/api/auth/sign-in", json={"email": email, "password": password}).status_code


def test_guessing_a_password_is_stopped(server: ServerHarness) -> None:
    email = server.register()
    attacker = server.new_client(address="203.0.113.66")
    guesses = [f"guess number {n:04d}" for n in range(200)]
    statuses = [_attempt(attacker, email, guess) for guess in guesses[:50]]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}, "after 5 failures every attempt is refused"
    # Even the right password is refused while locked: a guess that hits tells nothing.
    locked = attacker.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert locked.json()["error"] == "too many attempts"
    # From another address too: the lock is on the account.
    owner = server.new_client(address="192.0.2.10")
    assert _attempt(owner, email, PASSWORD) == 429
    server.clock.advance(61)
    assert _attempt(owner, email, PASSWORD) == 200


def test_lockout_doubles_with_each_further_failure(server: ServerHarness) -> None:
    email = server.register()
    client = server.new_client()
    for _ in range(5):
        assert _attempt(client, email, "wrong password x") == 401
    waits = []
    for _ in range(4):
        response = client.post("/api/auth/sign-in", json={"email": email, "password": "wrong!"})
        assert response.status_code == 429
        wait = int(response.headers["retry-after"])
        waits.append(wait)
        server.clock.advance(wait)
        assert _attempt(client, email, "wrong password y") == 401  # counted: locks longer
    assert waits == [60, 120, 240, 480]


def test_credential_stuffing_from_one_address_is_stopped(server: ServerHarness) -> None:
    victim = server.register()
    stuffer = server.new_client(address="203.0.113.77")
    # Many different accounts, one failure each: no account lock, but the address locks.
    statuses = [_attempt(stuffer, f"user{n}@example.org", "leaked password 1") for n in range(25)]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    assert _attempt(stuffer, victim, PASSWORD) == 429
    # The victim, elsewhere, is unaffected.
    assert _attempt(server.new_client(address="192.0.2.20"), victim, PASSWORD) == 200


def test_unknown_accounts_lock_like_real_ones(server: ServerHarness) -> None:
    client = server.new_client()
    statuses = [_attempt(client, "ghost@example.org", f"attempt {n} pass") for n in range(7)]
    assert statuses == [401] * 5 + [429] * 2


def test_lockout_is_shared_by_every_server_process(
    server: ServerHarness, database_url: str, tmp_path: Path, smtp: SmtpServer
) -> None:
    email = server.register()
    first = server.new_client()
    for _ in range(5):
        assert _attempt(first, email, "wrong password z") == 401
    second_app = create_app(make_settings(database_url, tmp_path, smtp), clock=server.clock)
    try:
        with TestClient(second_app, client=("192.0.2.30", 1)) as second:
            assert _attempt(second, email, PASSWORD) == 429
    finally:
        second_app.state.server.engine.dispose()


def test_a_successful_sign_in_resets_the_count(server: ServerHarness) -> None:
    email = server.register()
    client = server.new_client()
    for _ in range(4):
        assert _attempt(client, email, "wrong password w") == 401
    assert _attempt(client, email, PASSWORD) == 200
    for _ in range(4):
        assert _attempt(client, email, "wrong password w") == 401
    assert _attempt(client, email, PASSWORD) == 200
