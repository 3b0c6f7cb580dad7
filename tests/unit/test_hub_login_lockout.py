"""The hub's sign-in lockout: a household shares one address, so one member's typos lock
everyone out only briefly; the lock grows only while wrong passwords keep coming, and
the sign-in page says when it ends and how to set a new password."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    WebHarness,
    cheap_password_hashing,
    web_harness,
)
from frontporch.hub.web.sessions import LoginRateLimiter, lockout_message

HOME = "192.0.2.10"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(clock: FakeClock) -> LoginRateLimiter:
    return LoginRateLimiter(clock)


def fail(limiter: LoginRateLimiter, times: int, client: str = HOME) -> None:
    for _ in range(times):
        limiter.record_failure(client)


def test_five_typos_lock_the_address_for_half_a_minute_only(
    limiter: LoginRateLimiter, clock: FakeClock
) -> None:
    fail(limiter, 4)
    assert limiter.retry_after(HOME) is None, "four typos are free"
    fail(limiter, 1)
    assert limiter.retry_after(HOME) == 30
    clock.advance(29.5)
    assert limiter.retry_after(HOME) == 1
    clock.advance(0.5)
    assert limiter.retry_after(HOME) is None


def test_the_lock_grows_only_while_wrong_passwords_continue(
    limiter: LoginRateLimiter, clock: FakeClock
) -> None:
    fail(limiter, 5)
    waits = []
    for _ in range(7):
        wait = limiter.retry_after(HOME)
        assert wait is not None
        waits.append(wait)
        clock.advance(wait)
        fail(limiter, 1)
    assert waits == [30, 60, 120, 240, 480, 900, 900], "doubles, capped at 15 minutes"


def test_waiting_out_a_lock_does_not_lengthen_it(
    limiter: LoginRateLimiter, clock: FakeClock
) -> None:
    fail(limiter, 5)
    for _ in range(10):  # refused attempts during the lock are not failures
        assert limiter.retry_after(HOME) is not None
        clock.advance(2)
    clock.advance(10)
    assert limiter.retry_after(HOME) is None


def test_a_right_password_or_a_quiet_hour_starts_over(
    limiter: LoginRateLimiter, clock: FakeClock
) -> None:
    fail(limiter, 7)
    clock.advance(3600)
    fail(limiter, 4)
    assert limiter.retry_after(HOME) is None, "an hour without failures forgets them"
    fail(limiter, 1)
    assert limiter.retry_after(HOME) == 30
    limiter.reset(HOME)
    fail(limiter, 4)
    assert limiter.retry_after(HOME) is None


def test_other_addresses_are_not_locked(limiter: LoginRateLimiter) -> None:
    fail(limiter, 9)
    assert limiter.retry_after(HOME) is not None
    assert limiter.retry_after("192.0.2.11") is None


@pytest.mark.parametrize(
    ("wait", "says"),
    [(1, "in 1 second:"), (30, "in 30 seconds:"), (60, "in 1 minute:"), (61, "in 2 minutes:")],
)
def test_the_message_says_when_the_lock_ends(wait: int, says: str) -> None:
    assert says in lockout_message(wait)


# -- the sign-in page -----------------------------------------------------------------


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> WebHarness:
    cheap_password_hashing(monkeypatch)
    return web_harness()


def _try(client: TestClient, password: str):
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return client.post(
        "/login",
        data={"password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def test_the_locked_page_says_when_and_how_to_recover(harness: WebHarness) -> None:
    typist, household = harness.client(), harness.client()
    for _ in range(5):
        assert _try(typist, "wrong password").status_code == 401
    locked = _try(household, OWNER_PASSWORD)
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "30"
    assert "Try again in 30 seconds" in locked.text
    assert "frontporch hub set-password" in locked.text
    harness.clock.advance(30)
    assert _try(household, OWNER_PASSWORD).status_code == 303, "the household gets back in"
