"""The second factor cannot be guessed, over real HTTP: wrong codes lock the account at
the same count on the sign-in pages and in the JSON API, whichever addresses they come
from, and a correct password in between does not reset that count; the owner is told by
email when their password was used with a wrong code; a page sign-in that still owes
its code ends after a few minutes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from frontporch.server.accounts import mfa
from frontporch.server.settings import ServerSettings
from server_fixtures import PASSWORD, Account, SmtpServer, make_settings
from server_harness import ServerHarness

pytestmark = pytest.mark.served

THRESHOLD = 5  # signin_account_threshold's default
ALERT_SUBJECT = "wrong two-factor code"


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer, port: int) -> ServerSettings:
    """Served at its port, behind a trusted proxy on 127.0.0.1, so each test client can
    come from an address of its own (X-Forwarded-For) over real HTTP."""
    return make_settings(
        database_url,
        tmp_path / "server",
        smtp,
        base_url=f"http://127.0.0.1:{port}",
        trusted_proxies=["127.0.0.1/32"],
    )


@pytest.fixture
def browsers(live: str) -> Iterator[list[httpx.Client]]:
    opened: list[httpx.Client] = []
    yield opened
    for client in opened:
        client.close()


class Attacker:
    """Opens a fresh HTTP client (its own cookies) from a given address."""

    def __init__(self, live: str, opened: list[httpx.Client]) -> None:
        self.live = live
        self.opened = opened

    def client(self, address: str) -> httpx.Client:
        client = httpx.Client(
            base_url=self.live,
            headers={"x-forwarded-for": address, "user-agent": f"Guesser/{address}"},
            follow_redirects=False,
        )
        self.opened.append(client)
        return client


@pytest.fixture
def attacker(live: str, browsers: list[httpx.Client]) -> Attacker:
    return Attacker(live, browsers)


def _form_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def page_password(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    """The sign-in page's first step, as a browser submits it."""
    token = _form_token(client.get("/sign-in"))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def page_code(client: httpx.Client, code: str) -> httpx.Response:
    """The sign-in page's two-factor step (the client holds a pending session)."""
    page = client.get("/sign-in/two-factor")
    assert page.status_code == 200, page.text
    return client.post(
        "/sign-in/two-factor",
        data={"code": code, "next": "/account", "csrf_token": _form_token(page)},
    )


def api_sign_in(client: httpx.Client, email: str, otp: str) -> httpx.Response:
    return client.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD, "otp": otp})


def wrong_code(server: ServerHarness, secret: str) -> str:
    """A six-digit code the server will not accept now (none of the steps it allows)."""
    now = server.clock()
    valid = {mfa.code_at(secret, now + timedelta(seconds=30 * d)) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def unused_code(server: ServerHarness, secret: str) -> str:
    """A code the server would accept now (the next step's, within the allowed drift)
    without moving the clock, so a lock in force is not waited out."""
    return mfa.code_at(secret, server.clock() + timedelta(seconds=30))


def mfa_account(server: ServerHarness) -> tuple[Account, str]:
    account = server.account(mfa_on=True)
    assert account.totp_secret is not None
    return account, account.totp_secret


def _alerts(server: ServerHarness, email: str) -> list[str]:
    return [str(m["Subject"]) for m in server.mailbox.to(email) if ALERT_SUBJECT in m["Subject"]]


def test_page_and_api_lock_at_the_same_count_across_addresses(
    server: ServerHarness, attacker: Attacker
) -> None:
    # The pages: each round a correct password from a new address, then one wrong code.
    paged, paged_secret = mfa_account(server)
    page_statuses = []
    for n in range(THRESHOLD + 2):
        client = attacker.client(f"203.0.113.{n + 1}")
        first = page_password(client, paged.email)
        if first.status_code == 429:
            page_statuses.append(429)
            continue
        assert first.status_code == 303, first.text
        assert first.headers["location"].startswith("/sign-in/two-factor")
        page_statuses.append(page_code(client, wrong_code(server, paged_secret)).status_code)
    assert page_statuses == [401] * THRESHOLD + [429, 429]
    # Locked means locked: the right code is refused too, on both paths.
    right = unused_code(server, paged_secret)
    assert api_sign_in(attacker.client("192.0.2.200"), paged.email, right).status_code == 429
    assert page_password(attacker.client("192.0.2.201"), paged.email).status_code == 429

    # The API: password and a wrong code together, each from a new address.
    api_account, api_secret = mfa_account(server)
    api_statuses = [
        api_sign_in(
            attacker.client(f"198.51.100.{n + 1}"),
            api_account.email,
            wrong_code(server, api_secret),
        ).status_code
        for n in range(THRESHOLD + 2)
    ]
    assert api_statuses == page_statuses
    right = unused_code(server, api_secret)
    assert api_sign_in(attacker.client("192.0.2.202"), api_account.email, right).status_code == 429
    assert page_password(attacker.client("192.0.2.203"), api_account.email).status_code == 429


def test_a_correct_password_does_not_reset_the_code_count(
    server: ServerHarness, attacker: Attacker
) -> None:
    account, secret = mfa_account(server)
    # Four wrong codes through the API, from four addresses...
    for n in range(THRESHOLD - 1):
        client = attacker.client(f"203.0.113.{n + 10}")
        assert api_sign_in(client, account.email, wrong_code(server, secret)).status_code == 401
    # ...then the correct password on the page (a pending sign-in), and one wrong code.
    client = attacker.client("203.0.113.50")
    assert page_password(client, account.email).status_code == 303
    assert page_code(client, wrong_code(server, secret)).status_code == 401
    # That was the fifth: the account is locked for codes, whatever the address.
    again = attacker.client("203.0.113.51")
    assert page_password(again, account.email).status_code == 429
    assert api_sign_in(again, account.email, unused_code(server, secret)).status_code == 429


def test_a_complete_sign_in_clears_the_count(server: ServerHarness, attacker: Attacker) -> None:
    account, secret = mfa_account(server)
    client = attacker.client("192.0.2.60")
    for _ in range(THRESHOLD - 1):
        assert api_sign_in(client, account.email, wrong_code(server, secret)).status_code == 401
    assert api_sign_in(client, account.email, server.next_code(secret)).status_code == 200
    for _ in range(THRESHOLD - 1):
        assert api_sign_in(client, account.email, wrong_code(server, secret)).status_code == 401
    assert page_password(attacker.client("192.0.2.61"), account.email).status_code == 303


def test_the_owner_is_emailed_when_the_password_was_right_and_the_code_wrong(
    server: ServerHarness, attacker: Attacker
) -> None:
    account, secret = mfa_account(server)
    server.mailbox.clear()
    # A wrong password says nothing about the code: no such email.
    wrong_password = attacker.client("203.0.113.70")
    assert page_password(wrong_password, account.email, "not the password").status_code == 401
    assert _alerts(server, account.email) == []
    # The right password and a wrong code: the owner hears of it, with the network.
    client = attacker.client("203.0.113.71")
    assert page_password(client, account.email).status_code == 303
    assert page_code(client, wrong_code(server, secret)).status_code == 401
    alerts = [m for m in server.mailbox.to(account.email) if ALERT_SUBJECT in m["Subject"]]
    assert len(alerts) == 1
    body = alerts[0].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "203.0.113.0/24" in text
    assert "Guesser/203.0.113.71" in text
    # At most one an hour, so guessing cannot flood the mailbox...
    assert api_sign_in(client, account.email, wrong_code(server, secret)).status_code == 401
    assert len(_alerts(server, account.email)) == 1
    # ...and the API path sends it too, an hour later.
    server.clock.advance(3601)
    assert api_sign_in(client, account.email, wrong_code(server, secret)).status_code == 401
    assert len(_alerts(server, account.email)) == 2


def test_a_pending_sign_in_expires_after_minutes(server: ServerHarness, attacker: Attacker) -> None:
    account, secret = mfa_account(server)
    # Within the time, the code finishes the sign-in.
    prompt = attacker.client("192.0.2.80")
    assert page_password(prompt, account.email).status_code == 303
    server.clock.advance(4 * 60)
    done = page_code(prompt, server.next_code(secret))
    assert done.status_code == 303
    assert done.headers["location"] == "/account"
    assert prompt.get("/account").status_code == 200
    # Left waiting past five minutes, the pending session is gone: even the right code
    # does not sign in, and the code step sends the browser back to the password.
    late = attacker.client("192.0.2.81")
    assert page_password(late, account.email).status_code == 303
    server.clock.advance(5 * 60 + 1)
    step = late.get("/sign-in/two-factor")
    assert step.status_code == 303
    assert step.headers["location"].startswith("/sign-in")
    code = server.next_code(secret)
    late_post = late.post("/sign-in/two-factor", data={"code": code, "next": "/account"})
    assert late_post.status_code in (303, 401, 403)
    assert late.get("/account").status_code == 303
    assert late.get("/api/account").status_code == 401
