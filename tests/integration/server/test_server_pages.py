"""The account pages, driven through their forms as a browser would (without scripts):
sign-up, the emailed link, sign-in with the two-factor step, the account page, and the
CSRF protection of every form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from frontporch.server.accounts import mfa
from frontporch.server.accounts.models import Role
from server_fixtures import PASSWORD
from server_harness import ServerHarness


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form has no CSRF field"
    return found.group(1)


def _submit(client: TestClient, page: str, action: str, **fields: str) -> object:
    form = client.get(page)
    assert form.status_code == 200, form.text
    return client.post(
        action, data={**fields, "csrf_token": _csrf(form.text)}, follow_redirects=False
    )


def test_pages_are_labelled_and_landmarked(client: TestClient) -> None:
    for path in ("/", "/sign-up", "/sign-in", "/forgot-password"):
        html = client.get(path).text
        assert '<main id="main"' in html
        assert 'href="#main"' in html  # skip link
        assert '<nav aria-label="Main">' in html
        assert 'name="viewport"' in html
        for field_id in re.findall(r'<input id="([\w-]+)"', html):
            assert f'<label for="{field_id}">' in html, (path, field_id)
        assert "http://" not in html.replace("http://testserver", "")
        assert "https://" not in html


def test_pages_load_the_shared_base_stylesheet_before_their_own(client: TestClient) -> None:
    html = client.get("/sign-in").text
    base, own = html.index('href="/static/web/base.css"'), html.index('href="/static/server.css"')
    assert base < own  # the server's rules come after the base's, and win ties
    for path in ("/static/web/base.css", "/static/server.css", "/static/web/icon.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "--accent:" in client.get("/static/web/base.css").text


def test_sign_up_and_sign_in_through_the_forms(server: ServerHarness, client: TestClient) -> None:
    email = server.new_email()
    response = _submit(
        client, "/sign-up", "/sign-up", email=email, password=PASSWORD, confirm=PASSWORD
    )
    assert response.status_code == 200
    assert "Check your email" in response.text
    token = server.mailbox.last_link(email, "/verify-email")
    page = client.get(f"/verify-email?token={token}")
    assert "Confirm my address" in page.text  # a GET alone confirms nothing
    confirmed = client.post("/verify-email", data={"token": token, "csrf_token": _csrf(page.text)})
    assert "Email confirmed" in confirmed.text

    wrong = _submit(client, "/sign-in", "/sign-in", email=email, password="not the one at all")
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    signed = _submit(
        client, "/sign-in", "/sign-in", email=email, password=PASSWORD, next="/account"
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/account"
    account = client.get("/account")
    assert email in account.text
    assert "this browser" in account.text


def test_forms_without_the_csrf_token_are_refused(
    server: ServerHarness, client: TestClient
) -> None:
    email = server.register()
    response = client.post(
        "/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    _submit(client, "/sign-in", "/sign-in", email=email, password=PASSWORD)
    forged = client.post("/account/tokens", data={"name": "x", "csrf_token": "forged"})
    assert forged.status_code == 403
    page = client.get("/account")
    made = client.post("/account/tokens", data={"name": "ci", "csrf_token": _csrf(page.text)})
    assert made.status_code == 200
    assert re.search(r'id="new-token">fpt_[\w-]+<', made.text)


def test_two_factor_setup_and_the_sign_in_step(server: ServerHarness, client: TestClient) -> None:
    email = server.register()
    server.set_role(email, Role.OPERATOR)
    _submit(client, "/sign-in", "/sign-in", email=email, password=PASSWORD)
    # An operator without two-factor is sent to set it up, whatever it asks for.
    blocked = client.get("/account", follow_redirects=False)
    assert blocked.status_code == 303
    assert blocked.headers["location"] == "/account/two-factor"
    setup = client.get("/account/two-factor")
    assert "<svg" in setup.text
    secret = re.search(r'class="secret">([A-Z2-7]+)<', setup.text)
    assert secret
    server.clock.advance(30)
    codes = client.post(
        "/account/two-factor",
        data={
            "code": mfa.code_at(secret.group(1), server.clock()),
            "csrf_token": _csrf(setup.text),
        },
    )
    assert "Save your recovery codes" in codes.text
    assert len(re.findall(r"<li><code>[a-z0-9-]{19}</code></li>", codes.text)) == 10
    assert client.get("/account").status_code == 200

    browser = server.new_client()
    step = _submit(browser, "/sign-in", "/sign-in", email=email, password=PASSWORD)
    assert step.headers["location"].startswith("/sign-in/two-factor")
    assert (
        browser.get("/account", follow_redirects=False)
        .headers["location"]
        .startswith("/sign-in/two-factor")
    )
    form = browser.get("/sign-in/two-factor")
    bad = browser.post(
        "/sign-in/two-factor", data={"code": "000000", "csrf_token": _csrf(form.text)}
    )
    assert bad.status_code == 401
    server.clock.advance(30)
    good = browser.post(
        "/sign-in/two-factor",
        data={"code": mfa.code_at(secret.group(1), server.clock()), "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert good.headers["location"] == "/account"
    assert browser.get("/account").status_code == 200


def test_password_reset_through_the_forms(server: ServerHarness, client: TestClient) -> None:
    email = server.register()
    sent = _submit(client, "/forgot-password", "/forgot-password", email=email)
    assert "Check your email" in sent.text
    token = server.mailbox.last_link(email, "/reset-password")
    page = client.get(f"/reset-password?token={token}")
    new = "quiet meadow telescope"
    done = client.post(
        "/reset-password",
        data={"token": token, "password": new, "confirm": new, "csrf_token": _csrf(page.text)},
    )
    assert "Password changed" in done.text
    assert _submit(client, "/sign-in", "/sign-in", email=email, password=new).status_code == 303


def test_account_page_revokes_sessions_and_deletes(
    server: ServerHarness, client: TestClient
) -> None:
    email = server.register()
    _submit(client, "/sign-in", "/sign-in", email=email, password=PASSWORD)
    other = server.new_client(user_agent="OtherBrowser/3")
    server.sign_in(other, email)
    page = client.get("/account")
    assert "OtherBrowser/3" in page.text
    after_other = page.text[page.text.index("OtherBrowser/3") :]
    revoke = re.search(r'action="/account/sessions/([0-9a-f-]+)/revoke"', after_other)
    assert revoke
    revoke_target = revoke.group(1)
    client.post(f"/account/sessions/{revoke_target}/revoke", data={"csrf_token": _csrf(page.text)})
    assert other.get("/api/account").status_code == 401

    page = client.get("/account")
    refused = client.post(
        "/account/delete", data={"password": "wrong password!", "csrf_token": _csrf(page.text)}
    )
    assert refused.status_code == 401
    gone = client.post(
        "/account/delete", data={"password": PASSWORD, "csrf_token": _csrf(page.text)}
    )
    assert "Account deleted" in gone.text
    assert client.get("/account", follow_redirects=False).status_code == 303
