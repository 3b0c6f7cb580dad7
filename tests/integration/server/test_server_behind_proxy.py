"""Behind a reverse proxy: rate limits and the new-device email key on the forwarded
client when (and only when) the peer is a trusted proxy; nobody else can pick their
address with X-Forwarded-For, and no header decides whether cookies are Secure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from frontporch.server.app import create_app
from server_fixtures import PASSWORD, FakeClock, SmtpServer, make_settings
from server_harness import ServerHarness

PROXY = "10.0.0.2"
OUTSIDER = "198.51.100.9"


@pytest.fixture
def proxied(
    database_url: str, tmp_path: Path, smtp: SmtpServer, clock: FakeClock
) -> Iterator[ServerHarness]:
    """A server that trusts the proxies in 10.0.0.0/8."""
    app = create_app(
        make_settings(database_url, tmp_path, smtp, trusted_proxies=["10.0.0.0/8"]), clock=clock
    )
    smtp.mailbox.clear()
    harness = ServerHarness(app, smtp.mailbox, clock)
    yield harness
    harness.close()
    app.state.server.engine.dispose()


def _via(server: ServerHarness, peer: str, forwarded_for: str) -> TestClient:
    client = server.new_client(address=peer)
    client.headers["x-forwarded-for"] = forwarded_for
    return client


def _attempt(client: TestClient, email: str, password: str = "leaked password 1") -> int:
    return client.post("/api/auth/sign-in", json={"email": email, "password": password}).status_code


def _stuff(client: TestClient, count: int) -> list[int]:
    """Credential stuffing: one failure on each of `count` different accounts."""
    return [_attempt(client, f"user{n}@example.org") for n in range(count)]


def test_the_limit_keys_on_the_forwarded_client(proxied: ServerHarness) -> None:
    victim = proxied.register()
    stuffer = _via(proxied, PROXY, "203.0.113.66")
    statuses = _stuff(stuffer, 25)
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    # Another client behind the same proxy is not locked out with the stuffer...
    assert _attempt(_via(proxied, PROXY, "192.0.2.20"), victim, PASSWORD) == 200
    # ...and the stuffer stays locked through another of our proxies.
    assert _attempt(_via(proxied, "10.9.9.9", "203.0.113.66"), victim, PASSWORD) == 429


def test_a_chain_of_proxies_is_walked_from_the_right(proxied: ServerHarness) -> None:
    victim = proxied.register()
    # The stuffer prepends a fresh fake address each time; our edge proxy (10.1.1.1)
    # appends the real one, and the proxy in front of the server is the peer.
    statuses = [
        _attempt(_via(proxied, PROXY, f"192.0.2.{n}, 203.0.113.77, 10.1.1.1"), f"u{n}@ex.org")
        for n in range(25)
    ]
    assert set(statuses[20:]) == {429}
    assert _attempt(_via(proxied, PROXY, "203.0.113.77"), victim, PASSWORD) == 429
    assert _attempt(_via(proxied, PROXY, "203.0.113.78"), victim, PASSWORD) == 200


def test_an_untrusted_peer_cannot_choose_its_address(proxied: ServerHarness) -> None:
    victim = proxied.register()
    statuses = [
        _attempt(_via(proxied, OUTSIDER, f"203.0.113.{n}"), f"u{n}@ex.org") for n in range(25)
    ]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}, "the rotating header did not spread the failures"
    assert _attempt(_via(proxied, OUTSIDER, "192.0.2.20"), victim, PASSWORD) == 429


def test_without_trusted_proxies_the_header_is_ignored(server: ServerHarness) -> None:
    victim = server.register()
    statuses = [_attempt(_via(server, PROXY, f"203.0.113.{n}"), f"u{n}@ex.org") for n in range(25)]
    assert set(statuses[20:]) == {429}
    assert _attempt(_via(server, PROXY, "192.0.2.20"), victim, PASSWORD) == 429


def test_garbage_from_a_trusted_proxy_counts_against_the_proxy(proxied: ServerHarness) -> None:
    client = proxied.new_client(address=PROXY)
    for header in (b"unknown", b"203.0.113.5, <script>", b"\xff\xfe" * 300, b", , ,"):
        response = client.post(
            "/api/auth/sign-in",
            json={"email": "ghost@example.org", "password": "whatever pw 1"},
            headers=[(b"x-forwarded-for", header)],
        )
        assert response.status_code == 401, response.text
    victim = proxied.register()
    _stuff(_via(proxied, PROXY, "not an address"), 20)
    assert _attempt(_via(proxied, PROXY, "also garbage"), victim, PASSWORD) == 429
    assert _attempt(_via(proxied, PROXY, "203.0.113.5"), victim, PASSWORD) == 200


def test_the_new_device_email_names_the_forwarded_network(proxied: ServerHarness) -> None:
    email = proxied.register()
    proxied.sign_in(_via(proxied, PROXY, "192.0.2.44"), email)  # the first device: no email
    phone = _via(proxied, PROXY, "203.0.113.9")
    phone.headers["user-agent"] = "Phone/9"
    proxied.sign_in(phone, email)
    alerts = [m for m in proxied.mailbox.to(email) if "New sign-in" in m["Subject"]]
    assert len(alerts) == 1
    body = alerts[0].get_body(("plain",)).get_content()
    assert "203.0.113.0/24" in body
    assert "10.0.0." not in body


@pytest.mark.parametrize(
    ("base_url", "forwarded_proto", "secure"),
    [("https://porch.example", "http", True), ("http://testserver", "https", False)],
)
def test_secure_cookies_follow_base_url_not_headers(
    database_url: str,
    tmp_path: Path,
    smtp: SmtpServer,
    clock: FakeClock,
    base_url: str,
    forwarded_proto: str,
    secure: bool,
) -> None:
    settings = make_settings(
        database_url, tmp_path, smtp, base_url=base_url, trusted_proxies=[PROXY]
    )
    app = create_app(settings, clock=clock)
    harness = ServerHarness(app, smtp.mailbox, clock)
    try:
        email = harness.register()
        client = _via(harness, PROXY, "203.0.113.5")
        client.headers["x-forwarded-proto"] = forwarded_proto
        response = client.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("fp_session="))
        assert ("; secure" in session.lower()) is secure
    finally:
        harness.close()
        app.state.server.engine.dispose()
