"""Household members through the hub's real web app over the in-memory store: roles and
allowances at the door, the members page, sessions listed and revoked one by one,
invite links, and TOTP as a second factor for password sign-ins."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    WebHarness,
    cheap_password_hashing,
    make_event,
    sign_in,
    web_harness,
)
from frontporch.hub.people.service import add_member
from frontporch.hub.web.passwords import hash_password
from member_tools import MEMBER_PASSWORD, sign_in_as


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashing(monkeypatch)


@pytest.fixture
def harness() -> WebHarness:
    web = web_harness()
    web.store.add_event(make_event("e1", start=web.clock.now - 3600, snapshot="s"))
    return web


def _member(harness: WebHarness, name: str = "guest", allowances: tuple[str, ...] = ()) -> str:
    user, _ = add_member(
        harness.store,
        name,
        "member",
        list(allowances),
        hash_password(MEMBER_PASSWORD),
        harness.clock.now - 10,
    )
    return user.id


def _client(harness: WebHarness, name: str | None = None) -> TestClient:
    client = harness.client()
    if name is None:
        client.headers["X-CSRF-Token"] = sign_in(client)
    else:
        client.headers["X-CSRF-Token"] = sign_in_as(client, name, MEMBER_PASSWORD)
    return client


def test_a_member_cannot_share_and_is_told_why(harness: WebHarness) -> None:
    _member(harness)
    member = _client(harness, "guest")
    page = member.get("/events/e1")
    assert page.status_code == 200
    assert "Share with neighbors" not in page.text
    forged = member.post(
        "/events/e1/publish",
        data={"csrf_token": member.headers["X-CSRF-Token"], "category": "crime", "title": "t"},
    )
    assert forged.status_code == 403
    assert "cannot share footage with neighbors" in forged.text
    api = member.post(
        "/api/events/e1/publish",
        json={"category": "crime", "title": "t", "body": "", "media": "snapshot"},
    )
    assert api.status_code == 403
    assert "'share' allowance" in api.json()["detail"]
    assert not harness.store.publications


def test_the_share_allowance_opens_sharing(harness: WebHarness) -> None:
    _member(harness, allowances=("share",))
    member = _client(harness, "guest")
    assert "Share with neighbors" in member.get("/events/e1").text
    answer = member.post(
        "/api/events/e1/publish",
        json={
            "category": "crime",
            "title": "t",
            "body": "",
            "media": "snapshot",
            "password": MEMBER_PASSWORD,  # the member's own password confirms
        },
    )
    assert answer.status_code not in (401, 403), answer.text


def test_a_member_watches_but_does_not_manage(harness: WebHarness) -> None:
    _member(harness)
    member = _client(harness, "guest")
    assert member.get("/api/events").status_code == 200
    assert member.get("/account").status_code == 200
    assert member.get("/settings/members").status_code == 403
    deleted = member.post("/events/e1/delete")
    assert deleted.status_code == 403
    assert "e1" in harness.store.events


def test_a_password_alone_still_signs_in_the_owner(harness: WebHarness) -> None:
    owner = _client(harness)
    account = owner.get("/account")
    assert 'id="account-name">owner<' in account.text
    assert owner.get("/settings/members").status_code == 200


def test_the_owner_adds_a_member_whose_first_password_is_shown_once(harness: WebHarness) -> None:
    owner = _client(harness)
    added = owner.post(
        "/settings/members",
        data={
            "csrf_token": owner.headers["X-CSRF-Token"],
            "name": "teen",
            "role": "member",
            "allowance": ["release"],
            "method": "password",
        },
    )
    assert added.status_code == 201, added.text
    password = re.search(
        r'id="initial-password" type="text" readonly class="mono" value="([^"]+)"', added.text
    )
    assert password is not None
    assert password.group(1) not in owner.get("/settings/members").text, "shown once"
    teen = harness.client()
    sign_in_as(teen, "teen", password.group(1))
    user = harness.store.get_user_by_name("teen")
    assert user is not None
    assert user.allowances == frozenset({"release"})


def test_bad_member_input_gets_a_clear_answer(harness: WebHarness) -> None:
    owner = _client(harness)
    bad = owner.post(
        "/settings/members",
        data={"csrf_token": owner.headers["X-CSRF-Token"], "name": "two words", "role": "member"},
    )
    assert bad.status_code == 400
    assert "1 to 32 letters" in bad.text
    assert 'aria-invalid="true"' in bad.text
    unknown = owner.post(
        "/settings/members",
        data={
            "csrf_token": owner.headers["X-CSRF-Token"],
            "name": "guest",
            "role": "member",
            "allowance": ["fly"],
        },
    )
    assert unknown.status_code == 400
    assert "unknown allowance" in unknown.text
    assert [u.name for u in harness.store.list_users()] == ["owner"]


def test_removing_a_member_signs_them_out_everywhere(harness: WebHarness) -> None:
    user_id = _member(harness)
    member = _client(harness, "guest")
    owner = _client(harness)
    removed = owner.post(
        f"/settings/members/{user_id}/remove",
        data={"csrf_token": owner.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert member.get("/api/events").status_code == 401
    assert (
        owner.post(
            "/settings/members/owner/remove", data={"csrf_token": owner.headers["X-CSRF-Token"]}
        ).status_code
        == 409
    )


def test_sessions_are_listed_and_revoked_one_by_one(harness: WebHarness) -> None:
    _member(harness)
    phone = _client(harness, "guest")
    harness.clock.advance(120)
    laptop = _client(harness, "guest")
    owner = _client(harness)
    mine = phone.get("/account").text
    ids = re.findall(r'action="/account/sessions/([0-9a-f]+)/revoke"', mine)
    assert len(ids) == 2, "a member sees their own two sessions, not the owner's"
    everyone = owner.get("/settings/members").text
    assert len(re.findall(r'action="/settings/members/sessions/([0-9a-f]+)/revoke"', everyone)) == 3
    blocks = re.findall(r"<li>(.*?)</li>", mine.split('id="sessions-title"')[1], re.S)
    other = [
        sid
        for sid, block in zip(ids, blocks, strict=False)
        if "this browser" not in block and f"{sid}/revoke" in block
    ]
    assert len(other) == 1
    ended = phone.post(
        f"/account/sessions/{other[0]}/revoke",
        data={"csrf_token": phone.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert ended.status_code == 303
    survivors = [c for c in (phone, laptop) if c.get("/api/events").status_code == 200]
    assert len(survivors) == 1
    assert owner.get("/api/events").status_code == 200
    forged = phone.post(
        "/account/sessions/0000000000000000/revoke",
        data={"csrf_token": phone.headers["X-CSRF-Token"]},
    )
    assert forged.status_code == 404


def test_an_invite_link_lets_a_member_choose_a_password_once(harness: WebHarness) -> None:
    owner = _client(harness)
    added = owner.post(
        "/settings/members",
        data={
            "csrf_token": owner.headers["X-CSRF-Token"],
            "name": "sitter",
            "role": "member",
            "method": "invite",
        },
    )
    link = re.search(
        r'id="invite-link" type="text" readonly class="mono" value="http://[^/]+(/invite/[^"]+)"',
        added.text,
    )
    assert link is not None
    guest = harness.client()
    form = guest.get(link.group(1))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert form.status_code == 200
    assert csrf is not None
    short = guest.post(
        link.group(1), data={"new": "short", "confirm": "short", "csrf_token": csrf.group(1)}
    )
    assert short.status_code == 400
    assert "at least 12" in short.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', short.text)
    assert csrf is not None
    done = guest.post(
        link.group(1),
        data={"new": MEMBER_PASSWORD, "confirm": MEMBER_PASSWORD, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert guest.get("/api/events").status_code == 200
    assert harness.client().get(link.group(1)).status_code == 404


def _enroll_totp(harness: WebHarness, client: TestClient) -> tuple[str, list[str]]:
    started = client.post(
        "/account/totp/start", data={"csrf_token": client.headers["X-CSRF-Token"]}
    )
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text)
    assert secret is not None
    assert "<svg" in started.text
    wrong = client.post(
        "/account/totp/confirm",
        data={"csrf_token": client.headers["X-CSRF-Token"], "code": "000000"},
    )
    assert wrong.status_code == 400
    assert "does not match" in wrong.text
    code = pyotp.TOTP(secret.group(1)).at(harness.clock.now)
    confirmed = client.post(
        "/account/totp/confirm", data={"csrf_token": client.headers["X-CSRF-Token"], "code": code}
    )
    assert confirmed.status_code == 200
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", confirmed.text)
    assert len(codes) == 10
    assert codes[0] not in client.get("/account").text, "recovery codes are shown once"
    return secret.group(1), codes


def _password_step(harness: WebHarness, client: TestClient) -> str:
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    step = client.post(
        "/login", data={"password": OWNER_PASSWORD, "csrf_token": csrf.group(1), "next": "/events"}
    )
    assert step.status_code == 200
    assert "Enter your code" in step.text
    code_csrf = re.search(r'name="csrf_token" value="([^"]+)"', step.text)
    assert code_csrf is not None
    return code_csrf.group(1)


def test_totp_is_a_second_factor_whose_codes_work_once(harness: WebHarness) -> None:
    owner = _client(harness)
    secret, recovery = _enroll_totp(harness, owner)
    harness.clock.advance(60)
    browser = harness.client()
    csrf = _password_step(harness, browser)
    assert browser.get("/api/events").status_code == 401, "a password alone is not enough"
    code = pyotp.TOTP(secret).at(harness.clock.now)
    done = browser.post(
        "/login/code", data={"code": code, "csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/events"
    assert browser.get("/api/events").status_code == 200
    again = harness.client()
    csrf = _password_step(harness, again)
    replay = again.post("/login/code", data={"code": code, "csrf_token": csrf})
    assert replay.status_code == 401
    assert "used already" in replay.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', replay.text).group(1)  # type: ignore[union-attr]
    by_recovery = again.post(
        "/login/code", data={"code": recovery[0], "csrf_token": csrf}, follow_redirects=False
    )
    assert by_recovery.status_code == 303
    third = harness.client()
    csrf = _password_step(harness, third)
    used = third.post("/login/code", data={"code": recovery[0], "csrf_token": csrf})
    assert used.status_code == 401


def test_wrong_codes_count_in_the_rate_limit(harness: WebHarness) -> None:
    owner = _client(harness)
    _enroll_totp(harness, owner)
    browser = harness.client()
    csrf = _password_step(harness, browser)
    statuses = []
    for _ in range(6):
        answer = browser.post("/login/code", data={"code": "123456", "csrf_token": csrf})
        statuses.append(answer.status_code)
        found = re.search(r'name="csrf_token" value="([^"]+)"', answer.text)
        assert found is not None
        csrf = found.group(1)
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
