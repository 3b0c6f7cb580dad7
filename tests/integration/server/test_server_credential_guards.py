"""Credentials over real HTTP: an API token cannot sign its owner's browsers out nor
revoke tokens (a browser session with its CSRF token can); turning two-factor off is no
password oracle (one answer for a wrong password or code, and the sign-in lockout);
every answer that shows a secret (API token, TOTP seed, recovery codes, hub credential or
pairing code) carries `Cache-Control: no-store`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from frontporch.crypto.keys import HubIdentity
from frontporch.server.accounts import mfa
from homes_tools import add_home, pair_body, pairing_code
from server_fixtures import PASSWORD
from server_harness import ServerHarness

pytestmark = pytest.mark.served


@pytest.fixture
def http(live: str) -> Iterator[list[httpx.Client]]:
    opened: list[httpx.Client] = []
    yield opened
    for client in opened:
        client.close()


def _client(live: str, opened: list[httpx.Client], **headers: str) -> httpx.Client:
    client = httpx.Client(base_url=live, headers=headers, follow_redirects=False)
    opened.append(client)
    return client


def browser(
    live: str, opened: list[httpx.Client], email: str, otp: str | None = None
) -> httpx.Client:
    """A browser signed in through the sign-in API; it sends its CSRF token from then on."""
    client = _client(live, opened)
    body = {"email": email, "password": PASSWORD} | ({"otp": otp} if otp else {})
    response = client.post("/api/auth/sign-in", json=body)
    assert response.status_code == 200, response.text
    client.headers["x-csrf-token"] = response.json()["csrf_token"]
    return client


def _form_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


# -- API tokens cannot end sessions or revoke tokens --------------------------------------


def test_an_api_token_cannot_sign_out_sessions_or_revoke_tokens(
    server: ServerHarness, live: str, http: list[httpx.Client]
) -> None:
    email = server.register()
    laptop = browser(live, http, email)
    phone = browser(live, http, email)
    made = [laptop.post("/api/account/tokens", json={"name": n}) for n in ("metrics", "backup")]
    assert [r.status_code for r in made] == [201, 201]
    (leaked_id, leaked), (other_id, other) = ((r.json()["id"], r.json()["token"]) for r in made)
    thief = _client(live, http, authorization=f"Bearer {leaked}")
    assert thief.get("/api/account/sessions").status_code == 200  # reading is allowed

    sessions = [s["id"] for s in laptop.get("/api/account/sessions").json()]
    assert len(sessions) == 2
    refused = [
        thief.delete(f"/api/account/sessions/{sessions[0]}"),
        thief.delete(f"/api/account/sessions/{sessions[1]}"),
        thief.delete(f"/api/account/tokens/{other_id}"),
        thief.delete(f"/api/account/tokens/{leaked_id}"),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "browser sign-in required"
    # The page forms refuse a token just the same.
    for path in (
        f"/account/sessions/{sessions[1]}/revoke",
        f"/account/tokens/{other_id}/revoke",
    ):
        assert thief.post(path).status_code == 403
    # Everything still works: both browsers and the other token.
    assert laptop.get("/api/account").status_code == 200
    assert phone.get("/api/account").status_code == 200
    backup = _client(live, http, authorization=f"Bearer {other}")
    assert backup.get("/api/account").status_code == 200

    # A browser session can do it, with its CSRF token (and only with it).
    without_csrf = _client(live, http)
    without_csrf.cookies = laptop.cookies
    assert without_csrf.delete(f"/api/account/tokens/{leaked_id}").status_code == 403
    assert laptop.delete(f"/api/account/tokens/{leaked_id}").status_code == 204
    assert thief.get("/api/account").status_code == 401
    current = next(s["id"] for s in laptop.get("/api/account/sessions").json() if s["current"])
    phone_session = next(s for s in sessions if s != current)
    assert laptop.delete(f"/api/account/sessions/{phone_session}").status_code == 204
    assert phone.get("/api/account").status_code == 401


# -- turning two-factor off ---------------------------------------------------------------


def _mfa_browser(
    server: ServerHarness, live: str, http: list[httpx.Client]
) -> tuple[httpx.Client, str]:
    """A browser signed in (with its code) to a new account with two-factor; its seed."""
    account = server.account(mfa_on=True)
    assert account.totp_secret is not None
    secret = account.totp_secret
    return browser(live, http, account.email, server.next_code(secret)), secret


def _unused_code(server: ServerHarness, secret: str) -> str:
    """A code the server would take now, without moving the clock past a lock."""
    return mfa.code_at(secret, server.clock() + timedelta(seconds=30))


def _wrong_code(server: ServerHarness, secret: str) -> str:
    now = server.clock()
    valid = {mfa.code_at(secret, now + timedelta(seconds=30 * d)) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def test_turning_two_factor_off_is_no_password_oracle(
    server: ServerHarness, live: str, http: list[httpx.Client]
) -> None:
    stolen, secret = _mfa_browser(server, live, http)
    path = "/api/account/two-factor/disable"
    wrong_password = stolen.post(
        path, json={"password": "guess number one", "code": _unused_code(server, secret)}
    )
    wrong_code = stolen.post(path, json={"password": PASSWORD, "code": _wrong_code(server, secret)})
    assert wrong_password.status_code == wrong_code.status_code == 401
    assert wrong_password.json() == wrong_code.json()
    assert wrong_password.json()["error"] == "wrong password or code"
    # The lockout of changing the password applies: after five wrong passwords (wrong
    # codes count apart, as at sign-in) even the right pair waits.
    for n in range(4):
        guess = stolen.post(path, json={"password": f"guess {n} x", "code": "000001"})
        assert guess.status_code == 401
    right = {"password": PASSWORD, "code": _unused_code(server, secret)}
    locked = stolen.post(path, json=right)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert stolen.get("/api/account").json()["mfa_enabled"] is True
    # Once the lock has passed, the owner turns it off with the right pair.
    server.clock.advance(int(locked.headers["retry-after"]))
    right = {"password": PASSWORD, "code": _unused_code(server, secret)}
    assert stolen.post(path, json=right).status_code == 200
    assert stolen.get("/api/account").json()["mfa_enabled"] is False


# -- no caching of secrets ----------------------------------------------------------------


def _no_store(response: httpx.Response) -> bool:
    return response.headers.get("cache-control") == "no-store"


def test_answers_that_show_secrets_are_not_stored(
    server: ServerHarness, live: str, http: list[httpx.Client]
) -> None:
    email = server.register()
    page = browser(live, http, email)
    shown: dict[str, httpx.Response] = {}
    shown["token (API)"] = page.post("/api/account/tokens", json={"name": "metrics"})
    form = _form_token(page.get("/account"))
    shown["token (page)"] = page.post("/account/tokens", data={"name": "hass", "csrf_token": form})
    assert "fpt_" in shown["token (page)"].text

    shown["QR (page)"] = setup_page = page.get("/account/two-factor")
    seed = re.search(r"<code class=\"secret\"[^>]*>([A-Z2-7]+)</code>", setup_page.text)
    assert seed, setup_page.text
    form = _form_token(setup_page)
    shown["QR again (page, wrong code)"] = page.post(
        "/account/two-factor", data={"code": "000000", "csrf_token": form}
    )
    assert shown["QR again (page, wrong code)"].status_code == 401
    code = mfa.code_at(seed.group(1), server.clock())
    shown["recovery codes (page)"] = page.post(
        "/account/two-factor", data={"code": code, "csrf_token": form}
    )
    assert "Save your recovery codes" in shown["recovery codes (page)"].text

    api = browser(live, http, server.register())
    shown["seed (API)"] = setup = api.post("/api/account/two-factor/setup")
    secret = setup.json()["secret"]
    shown["recovery codes (API)"] = api.post(
        "/api/account/two-factor/confirm", json={"code": server.next_code(secret)}
    )
    shown["new recovery codes (API)"] = api.post(
        "/api/account/two-factor/recovery-codes", json={"code": server.next_code(secret)}
    )

    owner = server.account()
    home = add_home(owner)
    household = browser(live, http, owner.email)
    shown["pairing code (API)"] = household.post(f"/api/homes/{home['id']}/pairing-code")
    form = _form_token(household.get(f"/homes/{home['id']}"))
    shown["pairing code (page)"] = household.post(
        f"/homes/{home['id']}/pairing-code", data={"csrf_token": form}
    )
    hub = _client(live, http)
    body = pair_body(HubIdentity.generate(), live, pairing_code(owner, home["id"]))
    shown["hub credential"] = hub.post("/api/hub/pair", json=body)
    assert "fph_" in shown["hub credential"].text

    assert {k: r.status_code for k, r in shown.items() if r.status_code >= 300} == {
        "QR again (page, wrong code)": 401
    }
    assert [k for k, r in shown.items() if not _no_store(r)] == []
    # Only those: the mark is per request, and ordinary pages are not affected.
    assert not _no_store(page.get("/account"))
    assert not _no_store(api.get("/api/account"))
