"""Every route of the app, called by every kind of caller, answers as this table says.

The table is written by hand: a new route without a row fails `test_every_route_has_a_row`,
so no endpoint can appear without someone deciding who may call it.

Callers: anonymous; a resident; an agency member before two-factor; an agency member
with two-factor; an operator with two-factor; a paired hub (its hub credential as a
bearer token — a separate kind of principal). Expected outcomes:
- "ok": let through to the handler (which may still refuse the harmless sample input:
  a made-up id is a 404, a wrong sample password a 401 "wrong email or password");
- "auth": refused for lack of sign-in (401 "sign-in required", or a redirect to /sign-in);
- "mfa": refused until two-factor is set up (403, or a redirect to the setup page);
- "role": refused for the role (403 "operators only", "residents only", "agency
  members only");
- "hub": refused for lack of a hub credential (401 "hub credential required").
Anything 5xx fails the test whatever the row says.
"""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from frontporch.crypto.keys import HubIdentity
from frontporch.server.accounts.models import Role
from frontporch.server.routing import api_routes
from homes_tools import add_home, pair_body, pairing_code
from server_fixtures import Account
from server_harness import ServerHarness

CALLERS = ("anonymous", "resident", "agency_no_mfa", "agency_mfa", "operator_mfa", "paired_hub")

PUBLIC = ("ok", "ok", "ok", "ok", "ok", "ok")
SIGNED_IN_ANY = ("auth", "ok", "ok", "ok", "ok", "auth")
SIGNED_IN = ("auth", "ok", "mfa", "ok", "ok", "auth")
OPERATOR = ("auth", "role", "mfa", "role", "ok", "auth")
HOUSEHOLD = ("auth", "ok", "mfa", "role", "ok", "auth")
HUB = ("hub", "hub", "hub", "hub", "hub", "ok")
AGENCY = ("auth", "role", "mfa", "ok", "role", "auth")

EXPECTED: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/static/{name}"): PUBLIC,
    ("POST", "/api/auth/sign-up"): PUBLIC,
    ("POST", "/api/auth/verify-email"): PUBLIC,
    ("POST", "/api/auth/verify-email/resend"): PUBLIC,
    ("POST", "/api/auth/sign-in"): PUBLIC,
    ("POST", "/api/auth/password-reset"): PUBLIC,
    ("POST", "/api/auth/password-reset/confirm"): PUBLIC,
    ("GET", "/api/account"): SIGNED_IN_ANY,
    ("POST", "/api/account/sign-out"): SIGNED_IN_ANY,
    ("POST", "/api/account/two-factor/setup"): SIGNED_IN_ANY,
    ("POST", "/api/account/two-factor/confirm"): SIGNED_IN_ANY,
    ("GET", "/api/account/sessions"): SIGNED_IN,
    ("DELETE", "/api/account/sessions/{session_id}"): SIGNED_IN,
    ("GET", "/api/account/tokens"): SIGNED_IN,
    ("DELETE", "/api/account/tokens/{token_id}"): SIGNED_IN,
    ("POST", "/api/account/tokens"): SIGNED_IN,
    ("PUT", "/api/account/password"): SIGNED_IN,
    ("POST", "/api/account/two-factor/recovery-codes"): SIGNED_IN,
    ("POST", "/api/account/two-factor/disable"): SIGNED_IN,
    ("POST", "/api/account/delete"): SIGNED_IN,
    ("PUT", "/api/operator/users/{user_id}/role"): OPERATOR,
    ("GET", "/"): PUBLIC,
    ("GET", "/sign-up"): PUBLIC,
    ("POST", "/sign-up"): PUBLIC,
    ("GET", "/sign-in"): PUBLIC,
    ("POST", "/sign-in"): PUBLIC,
    ("POST", "/verify-email/resend"): PUBLIC,
    ("GET", "/verify-email"): PUBLIC,
    ("POST", "/verify-email"): PUBLIC,
    ("GET", "/forgot-password"): PUBLIC,
    ("POST", "/forgot-password"): PUBLIC,
    ("GET", "/reset-password"): PUBLIC,
    ("POST", "/reset-password"): PUBLIC,
    ("GET", "/sign-in/two-factor"): SIGNED_IN_ANY,
    ("POST", "/sign-in/two-factor"): SIGNED_IN_ANY,
    ("POST", "/sign-out"): SIGNED_IN_ANY,
    ("GET", "/account/two-factor"): SIGNED_IN_ANY,
    ("POST", "/account/two-factor"): SIGNED_IN_ANY,
    ("GET", "/account"): SIGNED_IN,
    ("POST", "/account/sessions/{session_id}/revoke"): SIGNED_IN,
    ("POST", "/account/tokens/{token_id}/revoke"): SIGNED_IN,
    ("POST", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/account/delete"): SIGNED_IN,
    ("POST", "/api/homes"): HOUSEHOLD,
    ("GET", "/api/homes"): HOUSEHOLD,
    ("GET", "/api/homes/{home_id}"): HOUSEHOLD,
    ("DELETE", "/api/homes/{home_id}"): HOUSEHOLD,
    ("GET", "/api/homes/{home_id}/members"): HOUSEHOLD,
    ("DELETE", "/api/homes/{home_id}/members/{user_id}"): HOUSEHOLD,
    ("POST", "/api/homes/{home_id}/invitations"): HOUSEHOLD,
    ("POST", "/api/invitations/accept"): HOUSEHOLD,
    ("GET", "/api/homes/{home_id}/hubs"): HOUSEHOLD,
    ("POST", "/api/homes/{home_id}/pairing-code"): HOUSEHOLD,
    ("DELETE", "/api/homes/{home_id}/hubs/{hub_id}"): HOUSEHOLD,
    ("POST", "/api/homes/{home_id}/hubs/{hub_id}/ping"): HOUSEHOLD,
    ("POST", "/api/hub/pair"): PUBLIC,
    ("GET", "/api/hub/messages"): HUB,
    ("DELETE", "/api/hub/pairing"): HUB,
    ("GET", "/homes"): HOUSEHOLD,
    ("GET", "/homes/new"): HOUSEHOLD,
    ("POST", "/homes/new"): HOUSEHOLD,
    ("POST", "/homes"): HOUSEHOLD,
    ("GET", "/homes/{home_id}"): HOUSEHOLD,
    ("POST", "/homes/{home_id}/invitations"): HOUSEHOLD,
    ("POST", "/homes/{home_id}/members/{user_id}/remove"): HOUSEHOLD,
    ("POST", "/homes/{home_id}/delete"): HOUSEHOLD,
    ("POST", "/homes/{home_id}/pairing-code"): HOUSEHOLD,
    ("POST", "/homes/{home_id}/hubs/{hub_id}/revoke"): HOUSEHOLD,
    ("POST", "/homes/{home_id}/hubs/{hub_id}/ping"): HOUSEHOLD,
    ("GET", "/invitations/accept"): HOUSEHOLD,
    ("POST", "/invitations/accept"): HOUSEHOLD,
    # Each role's own start page: the agency portal for agency members
    # (server/agencies/pages.py), the home-churn list for operators (server/homes/churn.py).
    ("GET", "/agency"): AGENCY,
    ("GET", "/operator/homes"): OPERATOR,
    # The Neighbors feed: reading a home's feed is for households; a post, its media,
    # comments and reports for anyone signed in (the service checks the post's area);
    # moderation and agencies for operators; uploads for hubs.
    ("GET", "/api/feed"): HOUSEHOLD,
    ("POST", "/api/posts"): SIGNED_IN,
    ("GET", "/api/posts/{post_id}"): SIGNED_IN,
    ("DELETE", "/api/posts/{post_id}"): SIGNED_IN,
    ("GET", "/api/posts/{post_id}/media"): SIGNED_IN,
    ("GET", "/api/posts/{post_id}/poster"): SIGNED_IN,
    ("GET", "/api/posts/{post_id}/comments"): SIGNED_IN,
    ("POST", "/api/posts/{post_id}/comments"): SIGNED_IN,
    ("DELETE", "/api/comments/{comment_id}"): SIGNED_IN,
    ("POST", "/api/posts/{post_id}/reports"): SIGNED_IN,
    ("GET", "/api/notifications"): SIGNED_IN,
    ("POST", "/api/notifications/read"): SIGNED_IN,
    ("GET", "/api/moderation/queue"): OPERATOR,
    ("POST", "/api/moderation/posts/{post_id}/hide"): OPERATOR,
    ("POST", "/api/moderation/posts/{post_id}/restore"): OPERATOR,
    ("POST", "/api/moderation/posts/{post_id}/dismiss"): OPERATOR,
    ("GET", "/api/moderation/posts/{post_id}/history"): OPERATOR,
    ("POST", "/api/operator/agencies"): OPERATOR,
    ("GET", "/api/operator/agencies"): OPERATOR,
    ("PUT", "/api/operator/users/{user_id}/agency"): OPERATOR,
    # Agencies (server/agencies/): anyone may apply (throttled); the registry and its
    # actions, JSON and pages, are the operator's.
    ("POST", "/api/agency-applications"): PUBLIC,
    ("GET", "/api/operator/agencies/{agency_id}"): OPERATOR,
    ("DELETE", "/api/operator/agencies/{agency_id}"): OPERATOR,
    ("POST", "/api/operator/agencies/{agency_id}/register"): OPERATOR,
    ("POST", "/api/operator/agencies/{agency_id}/rotate"): OPERATOR,
    ("POST", "/api/operator/agencies/{agency_id}/revoke"): OPERATOR,
    ("GET", "/agencies/apply"): PUBLIC,
    ("POST", "/agencies/apply"): PUBLIC,
    ("GET", "/operator/agencies"): OPERATOR,
    ("POST", "/operator/agencies/{agency_id}/register"): OPERATOR,
    ("POST", "/operator/agencies/{agency_id}/rotate"): OPERATOR,
    ("POST", "/operator/agencies/{agency_id}/revoke"): OPERATOR,
    ("POST", "/operator/agencies/{agency_id}/reject"): OPERATOR,
    ("POST", "/api/hub/posts"): HUB,
    # Releases and evidence (server/evidence/): hubs release footage for a request; an
    # agency's members download its requests' evidence packages.
    ("POST", "/api/hub/releases"): HUB,
    ("GET", "/api/hub/releases/{release_id}"): HUB,
    ("PUT", "/api/hub/releases/{release_id}/clips/{file}"): HUB,
    ("GET", "/api/agency/requests/{request_id}/evidence"): AGENCY,
    ("GET", "/agency/requests/{request_id}/evidence.zip"): AGENCY,
    # Footage requests (server/requests/): an agency's members file, list, read and
    # withdraw its requests; operators set the request policy.
    ("POST", "/api/agency/requests"): AGENCY,
    ("GET", "/api/agency/requests"): AGENCY,
    ("GET", "/api/agency/requests/{request_id}"): AGENCY,
    ("POST", "/api/agency/requests/{request_id}/withdraw"): AGENCY,
    ("GET", "/api/operator/requests/policy"): OPERATOR,
    ("PUT", "/api/operator/requests/policy"): OPERATOR,
    ("GET", "/agency/requests"): AGENCY,
    ("GET", "/agency/requests/new"): AGENCY,
    ("POST", "/agency/requests/new"): AGENCY,
    ("GET", "/agency/requests/{request_id}"): AGENCY,
    ("POST", "/agency/requests/{request_id}/withdraw"): AGENCY,
    ("GET", "/operator/requests/policy"): OPERATOR,
    ("POST", "/operator/requests/policy"): OPERATOR,
    ("GET", "/api/operator/legal/demands"): OPERATOR,
    ("POST", "/api/operator/legal/demands"): OPERATOR,
    ("GET", "/api/operator/legal/demands/{demand_id}"): OPERATOR,
    ("PUT", "/api/operator/legal/demands/{demand_id}/document"): OPERATOR,
    ("POST", "/api/operator/legal/demands/{demand_id}/delay"): OPERATOR,
    ("POST", "/api/operator/legal/demands/{demand_id}/paperwork"): OPERATOR,
    ("POST", "/api/operator/legal/demands/{demand_id}/response"): OPERATOR,
    ("GET", "/api/operator/legal/demands/{demand_id}/package"): OPERATOR,
    ("GET", "/api/legal/notices"): SIGNED_IN,
    ("GET", "/api/legal/notices/{demand_id}"): SIGNED_IN,
    ("GET", "/operator/legal"): OPERATOR,
    ("POST", "/operator/legal"): OPERATOR,
    ("GET", "/operator/legal/{demand_id}"): OPERATOR,
    ("POST", "/operator/legal/{demand_id}/response"): OPERATOR,
    ("POST", "/operator/legal/{demand_id}/delay"): OPERATOR,
    ("POST", "/operator/legal/{demand_id}/paperwork"): OPERATOR,
    ("GET", "/legal/notices/{demand_id}"): SIGNED_IN,
    # Feed pages and live updates (the pages.py of each area in server/feed/, posts'
    # post_page.py, live.py): a home's feed and its stream for households; writing, a
    # post's page and its forms, notifications and their stream for anyone signed in;
    # moderation for operators.
    ("GET", "/feed"): HOUSEHOLD,
    ("GET", "/posts/new"): SIGNED_IN,
    ("POST", "/posts/new"): SIGNED_IN,
    ("GET", "/posts/{post_id}"): SIGNED_IN,
    ("POST", "/posts/{post_id}/comments"): SIGNED_IN,
    ("POST", "/comments/{comment_id}/delete"): SIGNED_IN,
    ("POST", "/posts/{post_id}/report"): SIGNED_IN,
    ("POST", "/posts/{post_id}/delete"): SIGNED_IN,
    ("GET", "/moderation"): OPERATOR,
    ("POST", "/moderation/posts/{post_id}/{action}"): OPERATOR,
    ("GET", "/notifications"): SIGNED_IN,
    ("POST", "/notifications/read"): SIGNED_IN,
    ("GET", "/api/feed/events"): HOUSEHOLD,
    ("GET", "/api/notifications/events"): SIGNED_IN,
    # The transparency log: public by design (server/transparency/endpoints.py).
    ("GET", "/api/log/checkpoint"): PUBLIC,
    ("GET", "/api/log/key"): PUBLIC,
    ("GET", "/api/log/entries"): PUBLIC,
    ("GET", "/api/log/proof/inclusion"): PUBLIC,
    ("GET", "/api/log/proof/consistency"): PUBLIC,
    ("GET", "/api/log/checkpoints"): PUBLIC,
    ("GET", "/log/checkpoint"): PUBLIC,
    ("GET", "/log/tile/entries/{path:path}"): PUBLIC,
    ("GET", "/log/tile/{level}/{path:path}"): PUBLIC,
    ("GET", "/transparency"): PUBLIC,
    ("GET", "/transparency/entries/{index}"): PUBLIC,
    # The transparency report (server/report/): public, like the log it is computed from.
    ("GET", "/api/transparency/report"): PUBLIC,
    ("GET", "/api/transparency/report.json"): PUBLIC,
    ("GET", "/api/transparency/report.csv"): PUBLIC,
    ("GET", "/transparency/report"): PUBLIC,
    # Agreements in the open (server/agreements/): public list, page and documents;
    # publishing and partners for operators; an agency post's statement for its readers.
    ("GET", "/api/agreements"): PUBLIC,
    ("GET", "/api/agreements/{agreement_id}"): PUBLIC,
    ("GET", "/agreements"): PUBLIC,
    ("GET", "/api/agreements/{agreement_id}/document"): PUBLIC,
    ("POST", "/api/operator/agreements"): OPERATOR,
    ("PUT", "/api/operator/agencies/{agency_id}/partner"): OPERATOR,
    ("GET", "/operator/agreements"): OPERATOR,
    ("POST", "/operator/agreements"): OPERATOR,
    ("POST", "/operator/agencies/{agency_id}/partner"): OPERATOR,
    ("GET", "/api/posts/{post_id}/statement"): SIGNED_IN,
    ("GET", "/posts/{post_id}/statement"): SIGNED_IN,
    # Backups on the server (server/backups/): the hub API for paired hubs only (each
    # confined to its own home); quotas for operators.
    ("PUT", "/api/hub/backup/objects/{key}"): HUB,
    ("GET", "/api/hub/backup/objects/{key}"): HUB,
    ("DELETE", "/api/hub/backup/objects/{key}"): HUB,
    ("GET", "/api/hub/backup/objects"): HUB,
    ("GET", "/api/hub/backup/quota"): HUB,
    ("GET", "/api/operator/backups"): OPERATOR,
    ("PUT", "/api/operator/backups/homes/{home_id}/quota"): OPERATOR,
    ("GET", "/operator/backups"): OPERATOR,
    ("POST", "/operator/backups"): OPERATOR,
}

# Bodies that are well-formed but harmless: wrong passwords, made-up tokens and codes.
SAMPLE_JSON: dict[str, dict[str, object]] = {
    "/api/auth/sign-up": {"email": "matrix@example.org", "password": "x"},
    "/api/auth/verify-email": {"token": "made-up"},
    "/api/auth/verify-email/resend": {"email": "matrix@example.org"},
    "/api/auth/sign-in": {"email": "matrix@example.org", "password": "x"},
    "/api/auth/password-reset": {"email": "matrix@example.org"},
    "/api/auth/password-reset/confirm": {"token": "made-up", "new_password": "x"},
    "/api/account/two-factor/confirm": {"code": "000000"},
    "/api/account/tokens": {"name": "matrix"},
    "/api/account/password": {"current_password": "wrong", "new_password": "x"},
    "/api/account/two-factor/recovery-codes": {"code": "000000"},
    "/api/account/two-factor/disable": {"password": "wrong", "code": "000000"},
    "/api/account/delete": {"password": "wrong"},
    "/api/operator/users/{user_id}/role": {"role": "resident"},
    "/api/homes": {"name": "matrix", "latitude": 41.9, "longitude": -87.6},
    "/api/homes/{home_id}/invitations": {"email": "matrix@example.org"},
    "/api/invitations/accept": {"token": "made-up"},
    "/api/hub/pair": {
        "code": "AAAA-AAAA",
        "name": "matrix",
        "public_key": "made-up",
        "age_recipient": "age1made-up",
        "signature": "made-up",
    },
    "/api/posts": {
        "home_id": "00000000-0000-0000-0000-000000000000",
        "category": "community",
        "title": "matrix",
    },
    "/api/posts/{post_id}/comments": {"body": "matrix"},
    "/api/posts/{post_id}/reports": {"reason": "matrix"},
    "/api/notifications/read": {"up_to": 0},
    "/api/moderation/posts/{post_id}/hide": {"reason": "matrix"},
    "/api/moderation/posts/{post_id}/restore": {"reason": "matrix"},
    "/api/moderation/posts/{post_id}/dismiss": {"reason": "matrix"},
    "/api/operator/agencies": {"name": "Matrix Agency"},
    "/api/operator/users/{user_id}/agency": {"agency_id": None},
    "/api/operator/agencies/{agency_id}/partner": {"partner": False},
    "/api/operator/backups/homes/{home_id}/quota": {"limit_bytes": None},
    "/api/agency-applications": {
        "name": "Matrix Agency",
        "jurisdiction": "Matrix",
        "contact": "matrix@example.org",
        "signing_key": "made-up",
        "age_recipient": "age1made-up",
    },
    "/api/operator/agencies/{agency_id}/register": {
        "signing_key_fingerprint": "0000",
        "age_recipient_fingerprint": "0000",
    },
}
SAMPLE_FORM = {"password": "wrong", "code": "000000", "name": "matrix", "email": "m@example.org"}
# Calls that end the caller's session; the caller signs in again after each.
ENDS_SESSION = {"/api/account/sign-out", "/sign-out"}
# The call that unpairs the calling hub; the hub pairs again after it.
ENDS_PAIRING = "/api/hub/pairing"


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted((route.method, route.path) for route in api_routes(app))


def test_every_route_has_a_row(app: FastAPI) -> None:
    assert set(_routes(app)) == set(EXPECTED), "add the new route to EXPECTED"


def _outcome(status: int, location: str, body: dict[str, object]) -> str:
    """Classify an answer: refused for sign-in, for two-factor, for the role, or not."""
    if status >= 500:
        return f"server error {status}"
    if status in (301, 302, 303, 307):
        if location.startswith("/sign-in?next="):
            return "auth"
        if location.startswith("/account/two-factor"):
            return "mfa"
        return "ok"
    return {
        "sign-in required": "auth",
        "two-factor sign-in required": "mfa",
        "operators only": "role",
        "residents only": "role",
        "agency members only": "role",
        "hub credential required": "hub",
        "CSRF token missing or wrong": "csrf",
    }.get(str(body.get("error", "")), "ok")


def _paired_hub(server: ServerHarness, owner: Account, client: TestClient) -> None:
    """Pair a new hub identity with the owner's first home; `client` sends its credential."""
    home_id = owner.client.get("/api/homes").json()[0]["id"]
    code = pairing_code(owner, home_id)
    body = pair_body(HubIdentity.generate(), "http://testserver", code)
    paired = server.new_client().post("/api/hub/pair", json=body)
    assert paired.status_code == 201, paired.text
    client.headers["authorization"] = f"Bearer {paired.json()['credential']}"


@pytest.fixture
def callers(server: ServerHarness) -> dict[str, Account | TestClient]:
    resident = server.account()
    add_home(resident)
    hub = server.new_client()
    _paired_hub(server, resident, hub)
    return {
        "anonymous": server.new_client(),
        "resident": resident,
        "agency_no_mfa": server.account(Role.AGENCY_MEMBER),
        "agency_mfa": server.account(Role.AGENCY_MEMBER, mfa_on=True),
        "operator_mfa": server.account(Role.OPERATOR, mfa_on=True),
        "paired_hub": hub,
    }


def _sign_in_again(server: ServerHarness, account: Account) -> None:
    otp = server.next_code(account.totp_secret) if account.totp_secret else None
    server.sign_in(account.client, account.email, otp=otp)


def _call(client: TestClient, method: str, path: str) -> tuple[int, str, dict[str, object]]:
    concrete = re.sub(r"\{\w+\}", str(uuid.uuid4()), path)
    if path.startswith("/api/") and method != "GET":
        response = client.request(
            method, concrete, json=SAMPLE_JSON.get(path), follow_redirects=False
        )
    elif method == "POST":
        # Signed-in forms are checked against the X-CSRF-Token header the client sends;
        # forms shown before sign-in against the double-submit cookie.
        client.get("/sign-in", follow_redirects=False)
        form_csrf = client.cookies.get("fp_form_csrf") or ""
        response = client.post(
            concrete, data={**SAMPLE_FORM, "csrf_token": form_csrf}, follow_redirects=False
        )
    else:
        response = client.request(method, concrete, follow_redirects=False)
    is_json = response.headers.get("content-type", "").startswith("application/json")
    body = response.json() if is_json else {}
    page_error = re.search(r'<h1 id="error-title">([^<]+)</h1>', response.text)
    if not is_json and page_error:  # an error page: classify by its message, as for JSON
        body = {"error": page_error.group(1).strip().lower()}
    return (
        response.status_code,
        response.headers.get("location", ""),
        body if isinstance(body, dict) else {},
    )


def test_every_route_for_every_caller(
    server: ServerHarness, callers: dict[str, Account | TestClient]
) -> None:
    problems = []
    for method, path in sorted(EXPECTED):
        for index, caller in enumerate(CALLERS):
            who = callers[caller]
            client = who.client if isinstance(who, Account) else who
            expected = EXPECTED[(method, path)][index]
            status, location, body = _call(client, method, path)
            if isinstance(who, Account) and path in ENDS_SESSION:
                _sign_in_again(server, who)
            if caller == "paired_hub" and path == ENDS_PAIRING and status == 204:
                owner = callers["resident"]
                assert isinstance(owner, Account)
                assert isinstance(who, TestClient)
                _paired_hub(server, owner, who)
            got = _outcome(status, location, body)
            if got != expected:
                problems.append(
                    f"{method} {path} as {caller}: {status} {location} {body}: "
                    f"{got}, want {expected}"
                )
    assert not problems, "\n".join(problems)
