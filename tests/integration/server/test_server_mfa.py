"""Two-factor sign-in: setup, codes at sign-in, replay, recovery codes, and the rule that
agency and operator accounts cannot act before two-factor is on."""

from __future__ import annotations

from datetime import timedelta

from frontporch.server.accounts import mfa
from frontporch.server.accounts.models import Role
from server_fixtures import PASSWORD
from server_harness import ServerHarness


def test_setup_then_sign_in_needs_the_code(server: ServerHarness) -> None:
    account = server.account()
    setup = account.client.post("/api/account/two-factor/setup").json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/Frontporch:")
    assert setup["qr_svg"].startswith("<svg")
    wrong = account.client.post("/api/account/two-factor/confirm", json={"code": "000000"})
    assert wrong.status_code == 401
    assert wrong.json()["field"] == "code"
    codes = account.client.post(
        "/api/account/two-factor/confirm", json={"code": server.next_code(setup["secret"])}
    ).json()["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert account.client.get("/api/account").json()["mfa_enabled"] is True

    browser = server.new_client()
    needs = browser.post("/api/auth/sign-in", json={"email": account.email, "password": PASSWORD})
    assert needs.status_code == 401
    assert needs.json() == {
        "error": "two-factor code required",
        "detail": needs.json()["detail"],
        "field": "otp",
    }
    code = server.next_code(setup["secret"])
    server.sign_in(browser, account.email, otp=code)
    # The same code cannot be used twice (replay).
    replay = server.new_client().post(
        "/api/auth/sign-in", json={"email": account.email, "password": PASSWORD, "otp": code}
    )
    assert replay.status_code == 401
    assert replay.json()["field"] == "otp"


def test_recovery_codes_work_once(server: ServerHarness) -> None:
    account = server.account(mfa_on=True)
    recovery = account.recovery_codes[0]
    first = server.new_client()
    server.sign_in(first, account.email, otp=recovery.upper().replace("-", " "))
    again = server.new_client().post(
        "/api/auth/sign-in", json={"email": account.email, "password": PASSWORD, "otp": recovery}
    )
    assert again.status_code == 401


def test_wrong_codes_count_towards_the_lockout(server: ServerHarness) -> None:
    account = server.account(mfa_on=True)
    client = server.new_client()
    body = {"email": account.email, "password": PASSWORD, "otp": "123456"}
    statuses = [client.post("/api/auth/sign-in", json=body).status_code for _ in range(6)]
    assert statuses[-1] == 429


def test_agency_member_cannot_act_before_two_factor(server: ServerHarness) -> None:
    agent = server.account(Role.AGENCY_MEMBER)
    refused = agent.client.get("/api/account/sessions")
    assert refused.status_code == 403
    assert refused.json()["error"] == "two-factor sign-in required"
    assert agent.client.post("/api/account/tokens", json={"name": "x"}).status_code == 403
    # It can see its account and set two-factor up, nothing else.
    assert agent.client.get("/api/account").json()["mfa_required"] is True
    server.enable_mfa(agent)
    assert agent.client.get("/api/account/sessions").status_code == 200


def test_operator_cannot_act_before_two_factor_nor_turn_it_off(server: ServerHarness) -> None:
    resident = server.account()
    operator = server.account(Role.OPERATOR)
    target = resident.client.get("/api/account").json()["id"]
    path = f"/api/operator/users/{target}/role"
    assert operator.client.put(path, json={"role": "agency_member"}).status_code == 403
    server.enable_mfa(operator)
    changed = operator.client.put(path, json={"role": "agency_member"})
    assert changed.status_code == 200
    assert changed.json()["role"] == "agency_member"
    # The raised account is now held to the two-factor rule.
    assert resident.client.get("/api/account/sessions").status_code == 403
    assert operator.client.put(path, json={"role": "resident"}).status_code == 200

    assert operator.totp_secret is not None
    off = operator.client.post(
        "/api/account/two-factor/disable",
        json={"password": PASSWORD, "code": server.next_code(operator.totp_secret)},
    )
    assert off.status_code == 403
    assert resident.client.put(path, json={"role": "operator"}).status_code == 403


def test_resident_can_turn_two_factor_off_and_renew_codes(server: ServerHarness) -> None:
    account = server.account(mfa_on=True)
    assert account.totp_secret is not None
    renewed = account.client.post(
        "/api/account/two-factor/recovery-codes",
        json={"code": server.next_code(account.totp_secret)},
    )
    assert renewed.status_code == 200
    assert set(renewed.json()["recovery_codes"]).isdisjoint(account.recovery_codes)
    off = account.client.post(
        "/api/account/two-factor/disable",
        json={"password": PASSWORD, "code": server.next_code(account.totp_secret)},
    )
    assert off.status_code == 200
    server.sign_in(server.new_client(), account.email)


def test_codes_within_one_step_of_drift_are_accepted(server: ServerHarness) -> None:
    account = server.account(mfa_on=True)
    assert account.totp_secret is not None
    server.clock.advance(60)
    behind = mfa.code_at(account.totp_secret, server.clock() - timedelta(seconds=30))
    server.sign_in(server.new_client(), account.email, otp=behind)
