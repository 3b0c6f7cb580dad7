"""The agency registry (issue 11, "Agencies"): an agency applies with keys it made
offline; an operator with two-factor registers it only with both fingerprints read
back, which logs `agency_registered` in the same transaction; rotation supersedes,
revocation stops filing, and no key speaks for two agencies. On SQLite and PostgreSQL,
through the real app, log and database."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from feed_tools import user_id
from frontporch.crypto.keys import AgencyIdentity, fingerprint
from frontporch.server.accounts.models import Role, User
from frontporch.server.agencies.errors import AgencyCannotFile
from frontporch.server.agencies.models import Agency, AgencyRegistration
from frontporch.server.agencies.service import APPLICATIONS_PER_HOUR, AgencyService, registration
from frontporch.server.transparency.models import LogEntry, LogStateRow
from frontporch.translog.entries import AgencyRegistered, decode_entry, moment
from server_fixtures import Account
from server_harness import ServerHarness


def application(name: str, identity: AgencyIdentity, **changes: str) -> dict[str, str]:
    """An application body for `identity`'s public keys."""
    body = {
        "name": name,
        "jurisdiction": "City of Springfield",
        "contact": "records@springfield.example.gov",
        "signing_key": identity.public_key,
        "age_recipient": identity.age_recipient,
    }
    body.update(changes)
    return body


def apply(server: ServerHarness, name: str, identity: AgencyIdentity) -> str:
    """Apply from a fresh client; the agency's id."""
    response = server.new_client().post(
        "/api/agency-applications", json=application(name, identity)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def read_back(identity: AgencyIdentity) -> dict[str, str]:
    """Both fingerprints as an agency reads them aloud and an operator types them."""
    return {
        "signing_key_fingerprint": fingerprint(identity.public_key).upper(),
        "age_recipient_fingerprint": fingerprint(identity.age_recipient).replace(" ", ""),
    }


def register(operator: Account, agency_id: str, identity: AgencyIdentity) -> Any:
    response = operator.client.post(
        f"/api/operator/agencies/{agency_id}/register", json=read_back(identity)
    )
    assert response.status_code == 200, response.text
    return response.json()


def rotate_body(identity: AgencyIdentity) -> dict[str, str]:
    return {
        "signing_key": identity.public_key,
        "age_recipient": identity.age_recipient,
        **read_back(identity),
    }


def log_size(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(LogStateRow.size)) or 0)


def registrations(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(AgencyRegistration)) or 0)


def logged(operator: Account, index: int) -> Any:
    """The entry at `index`, decoded from the canonical bytes the log API serves."""
    response = operator.client.get("/api/log/entries", params={"start": index, "end": index + 1})
    assert response.status_code == 200, response.text
    return decode_entry(base64.b64decode(response.json()["entries"][0]["data"]))


def agency_row(server: ServerHarness, agency_id: str) -> Agency:
    sessions: sessionmaker[Session] = server.app.state.server.sessions
    with sessions() as db:
        agency = db.get(Agency, uuid.UUID(agency_id))
        assert agency is not None
        db.expunge(agency)
        return agency


def member_of(server: ServerHarness, operator: Account, agency_id: str) -> Account:
    """An agency member with two-factor on, attached to the agency."""
    member = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    attached = operator.client.put(
        f"/api/operator/users/{user_id(member)}/agency", json={"agency_id": agency_id}
    )
    assert attached.status_code == 200, attached.text
    return member


def filing_agency(server: ServerHarness, member: Account) -> Agency:
    context = server.app.state.server
    with context.sessions() as db:
        user = db.scalars(select(User).where(User.email == member.email)).one()
        return AgencyService(db, context).filing_agency(user)


def form_token(client: Any) -> str:
    client.get("/agencies/apply")
    return str(client.cookies.get("fp_form_csrf"))


# -- applying ----------------------------------------------------------------------------


def test_an_agency_applies_and_sees_the_fingerprints_to_read_back(
    server: ServerHarness,
) -> None:
    identity = AgencyIdentity.generate()
    size = log_size(server)
    answer = server.new_client().post(
        "/api/agency-applications",
        json=application("  Springfield   Police ", identity),
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["name"] == "Springfield Police"
    assert body["status"] == "applied"
    assert body["signing_key_fingerprint"] == fingerprint(identity.public_key)
    assert body["age_recipient_fingerprint"] == fingerprint(identity.age_recipient)
    assert "read both fingerprints" in body["detail"]
    assert log_size(server) == size  # nothing is public before the operator verifies

    operator = server.account(Role.OPERATOR, mfa_on=True)
    listed = operator.client.get("/api/operator/agencies", params={"status": "applied"}).json()
    assert [(a["name"], a["status"], a["verified"]) for a in listed] == [
        ("Springfield Police", "applied", False)
    ]
    assert listed[0]["jurisdiction"] == "City of Springfield"
    assert listed[0]["signing_key_fingerprint"] == fingerprint(identity.public_key)
    assert listed[0]["registration_index"] is None
    assert operator.client.get("/api/operator/agencies", params={"status": "revoked"}).json() == []

    # The same name again is refused, naming the field.
    again = server.new_client().post(
        "/api/agency-applications",
        json=application("Springfield Police", AgencyIdentity.generate()),
    )
    assert again.status_code == 409
    assert again.json()["field"] == "name"


def test_the_application_page_shows_the_fingerprints_after_submitting(
    server: ServerHarness,
) -> None:
    identity = AgencyIdentity.generate()
    client = server.new_client()
    page = client.get("/agencies/apply")
    assert page.status_code == 200
    assert 'action="/agencies/apply"' in page.text
    assert "frontporch agency keygen" in page.text
    done = client.post(
        "/agencies/apply",
        data={**application("Shelbyville Fire", identity), "csrf_token": form_token(client)},
    )
    assert done.status_code == 200, done.text
    assert fingerprint(identity.public_key) in done.text
    assert fingerprint(identity.age_recipient) in done.text
    assert "operator will read them back" in done.text

    bad = client.post(
        "/agencies/apply",
        data={
            **application("Ogdenville Police", identity, age_recipient="age1nope"),
            "csrf_token": form_token(client),
        },
    )
    assert bad.status_code == 400
    assert 'id="age_recipient-error"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert 'value="Ogdenville Police"' in bad.text  # what was typed stays
    blank = client.post(
        "/agencies/apply",
        data={**application("", identity), "csrf_token": form_token(client)},
    )
    assert blank.status_code == 422
    assert 'id="name-error"' in blank.text
    expired = client.post("/agencies/apply", data={**application("X", identity)})
    assert expired.status_code == 403
    with server.app.state.server.sessions() as db:
        assert list(db.scalars(select(Agency.name))) == ["Shelbyville Fire"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("signing_key", "not base64!"),
        ("signing_key", base64.b64encode(b"\x01" * 31).decode()),  # 31 bytes, not 32
        ("age_recipient", "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"),
        ("age_recipient", "ssh-ed25519 AAAA"),
    ],
)
def test_applications_with_bad_keys_are_refused_naming_the_field(
    server: ServerHarness, field: str, value: str
) -> None:
    body = application("Capital City Police", AgencyIdentity.generate(), **{field: value})
    refused = server.new_client().post("/api/agency-applications", json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == field
    assert "frontporch agency keygen" in refused.json()["detail"]
    with server.app.state.server.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Agency)) == 0


def test_applications_are_throttled_per_address(server: ServerHarness) -> None:
    client = server.new_client(address="203.0.113.9")
    for number in range(APPLICATIONS_PER_HOUR):
        made = client.post(
            "/api/agency-applications",
            json=application(f"Agency {number}", AgencyIdentity.generate()),
        )
        assert made.status_code == 201, made.text
    refused = client.post(
        "/api/agency-applications", json=application("One too many", AgencyIdentity.generate())
    )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "agency applications" in refused.json()["detail"]
    other = server.new_client(address="203.0.113.10").post(
        "/api/agency-applications", json=application("Elsewhere", AgencyIdentity.generate())
    )
    assert other.status_code == 201
    server.clock.advance(3601)
    assert (
        client.post(
            "/api/agency-applications", json=application("Next hour", AgencyIdentity.generate())
        ).status_code
        == 201
    )


# -- registering ---------------------------------------------------------------------------


def test_a_wrong_fingerprint_registers_nothing(server: ServerHarness) -> None:
    identity = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", identity)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    size = log_size(server)
    someone_else = AgencyIdentity.generate()
    for field in ("signing_key_fingerprint", "age_recipient_fingerprint"):
        typed = {**read_back(identity), field: read_back(someone_else)[field]}
        refused = operator.client.post(f"/api/operator/agencies/{agency_id}/register", json=typed)
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == field
        assert "Nothing was registered" in refused.json()["detail"]
    assert log_size(server) == size
    assert registrations(server) == 0
    agency = agency_row(server, agency_id)
    assert (agency.status, agency.verified_at, agency.registration_index) == (
        "applied",
        None,
        None,
    )


def test_registering_logs_the_keys_and_verifies_the_agency(server: ServerHarness) -> None:
    identity = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", identity)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    size = log_size(server)

    detail = register(operator, agency_id, identity)

    assert detail["status"] == "verified"
    assert detail["verified"] is True
    index = detail["registration_index"]
    assert index == size
    assert log_size(server) == size + 1
    assert detail["registrations"] == [
        {
            "log_index": index,
            "signing_key": identity.public_key,
            "age_recipient": identity.age_recipient,
            "signing_key_fingerprint": fingerprint(identity.public_key),
            "age_recipient_fingerprint": fingerprint(identity.age_recipient),
            "registered_at": detail["registrations"][0]["registered_at"],
            "supersedes": None,
        }
    ]
    entry = logged(operator, index)
    assert entry == AgencyRegistered(
        at=moment(server.clock()),
        agency=agency_id,
        name="Springfield Police",
        age_recipient=identity.age_recipient,
        signing_key=identity.public_key,
    )
    with server.app.state.server.sessions() as db:
        row = registration(db, index)
        assert row is not None
        assert str(row.agency_id) == agency_id
        assert row.registered_by is not None
        assert registration(db, index + 1) is None
    # Registered once: a second registration is refused and logs nothing.
    again = operator.client.post(
        f"/api/operator/agencies/{agency_id}/register", json=read_back(identity)
    )
    assert again.status_code == 409
    assert log_size(server) == size + 1

    member = member_of(server, operator, agency_id)
    assert str(filing_agency(server, member).id) == agency_id
    portal = member.client.get("/agency")
    assert portal.status_code == 200
    assert fingerprint(identity.public_key) in portal.text
    assert fingerprint(identity.age_recipient) in portal.text
    assert f'href="/transparency/entries/{index}"' in portal.text
    assert re.search(r'id="agency-status-value">verified<', portal.text)
    assert server.new_client().get(f"/transparency/entries/{index}").status_code == 200


def test_a_failed_log_append_registers_nothing(server: ServerHarness) -> None:
    identity = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", identity)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    size = log_size(server)
    # Damage the log's storage: a stray leaf where the next entry goes, so the append's
    # insert fails inside the request's transaction.
    with server.app.state.server.sessions.begin() as db:
        db.add(
            LogEntry(
                idx=size,
                leaf_hash=b"\x00" * 32,
                data=b"{}",
                entry_type="stray",
                appended_at=server.clock(),
            )
        )
    refused = operator.client.post(
        f"/api/operator/agencies/{agency_id}/register", json=read_back(identity)
    )
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "transparency log unavailable"
    assert log_size(server) == size
    assert registrations(server) == 0
    agency = agency_row(server, agency_id)
    assert (agency.status, agency.registration_index) == ("applied", None)


def test_a_failed_registration_write_logs_nothing(server: ServerHarness) -> None:
    identity = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", identity)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    other = operator.client.post("/api/operator/agencies", json={"name": "Feed-only"}).json()
    size = log_size(server)
    # A registration row already holds the index the append will give, so recording
    # the registration fails after the entry was appended in the same transaction.
    with server.app.state.server.sessions.begin() as db:
        db.add(
            AgencyRegistration(
                log_index=size,
                agency_id=uuid.UUID(other["id"]),
                signing_key=AgencyIdentity.generate().public_key,
                age_recipient=AgencyIdentity.generate().age_recipient,
                registered_at=server.clock(),
            )
        )
    with pytest.raises(IntegrityError):
        operator.client.post(
            f"/api/operator/agencies/{agency_id}/register", json=read_back(identity)
        )
    assert log_size(server) == size
    assert agency_row(server, agency_id).status == "applied"


def test_rotation_supersedes_the_registration_in_force(server: ServerHarness) -> None:
    first = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", first)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    old_index = register(operator, agency_id, first)["registration_index"]
    second = AgencyIdentity.generate()
    url = f"/api/operator/agencies/{agency_id}/rotate"

    wrong = operator.client.post(
        url, json={**rotate_body(second), **read_back(AgencyIdentity.generate())}
    )
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "signing_key_fingerprint"
    same = operator.client.post(url, json=rotate_body(first))
    assert same.status_code == 409
    assert agency_row(server, agency_id).registration_index == old_index

    rotated = operator.client.post(url, json=rotate_body(second))
    assert rotated.status_code == 200, rotated.text
    detail = rotated.json()
    new_index = detail["registration_index"]
    assert new_index > old_index
    assert detail["signing_key"] == second.public_key
    assert detail["age_recipient"] == second.age_recipient
    assert [(r["log_index"], r["supersedes"]) for r in detail["registrations"]] == [
        (new_index, old_index),
        (old_index, None),
    ]
    entry = logged(operator, new_index)
    assert isinstance(entry, AgencyRegistered)
    assert (entry.agency, entry.signing_key, entry.age_recipient, entry.supersedes) == (
        agency_id,
        second.public_key,
        second.age_recipient,
        old_index,
    )
    member = member_of(server, operator, agency_id)
    assert filing_agency(server, member).registration_index == new_index


def test_feed_only_agencies_post_but_file_only_once_keys_are_registered(
    server: ServerHarness,
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    made = operator.client.post("/api/operator/agencies", json={"name": "County Fire Rescue"})
    assert made.status_code == 201, made.text
    agency = made.json()
    assert (agency["status"], agency["verified"], agency["signing_key"]) == (
        "verified",
        True,
        None,
    )
    assert agency["signing_key_fingerprint"] is None
    assert agency["registration_index"] is None
    member = member_of(server, operator, agency["id"])
    with pytest.raises(AgencyCannotFile, match="no registered keys"):
        filing_agency(server, member)
    assert "no keys in the transparency log" in member.client.get("/agency").text

    identity = AgencyIdentity.generate()
    first = operator.client.post(
        f"/api/operator/agencies/{agency['id']}/rotate", json=rotate_body(identity)
    )
    assert first.status_code == 200, first.text
    assert first.json()["registrations"][0]["supersedes"] is None
    assert filing_agency(server, member).signing_key == identity.public_key


def test_revoked_agencies_file_and_post_nothing(server: ServerHarness) -> None:
    identity = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", identity)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    register(operator, agency_id, identity)
    member = member_of(server, operator, agency_id)
    assert filing_agency(server, member)

    revoked = operator.client.post(f"/api/operator/agencies/{agency_id}/revoke")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["verified"] is False
    assert revoked.json()["revoked_at"] is not None
    with pytest.raises(AgencyCannotFile, match="agency revoked"):
        filing_agency(server, member)
    post = member.client.post(
        "/api/posts",
        json={"category": "safety", "title": "x", "latitude": 41.88, "longitude": -87.63},
    )
    assert post.status_code == 403
    assert re.search(r'id="agency-status-value">revoked<', member.client.get("/agency").text)
    again = operator.client.post(f"/api/operator/agencies/{agency_id}/revoke")
    assert again.status_code == 409
    rotate = operator.client.post(
        f"/api/operator/agencies/{agency_id}/rotate", json=rotate_body(AgencyIdentity.generate())
    )
    assert rotate.status_code == 409


def test_filing_agency_says_why_a_member_cannot_file(server: ServerHarness) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    loose = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    with pytest.raises(AgencyCannotFile, match="no agency"):
        filing_agency(server, loose)
    identity = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", identity)
    applicant = member_of(server, operator, agency_id)
    with pytest.raises(AgencyCannotFile, match="not verified") as refused:
        filing_agency(server, applicant)
    assert refused.value.status == 403
    assert re.search(r'id="agency-status-value">applied<', applicant.client.get("/agency").text)


def test_a_key_registered_to_one_agency_is_refused_for_another(server: ServerHarness) -> None:
    shared = AgencyIdentity.generate()
    first = apply(server, "Springfield Police", shared)
    # Before anything is registered, two applications may carry the same keys (one of
    # them is an impostor); the operator's read-back decides, and the second is refused.
    second = apply(server, "Springfield Police Department", shared)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    register(operator, first, shared)
    size = log_size(server)
    refused = operator.client.post(
        f"/api/operator/agencies/{second}/register", json=read_back(shared)
    )
    assert refused.status_code == 409
    assert refused.json()["field"] == "signing_key"
    assert agency_row(server, second).status == "applied"

    # An application with registered keys is refused at once; so is reusing one key.
    reused = server.new_client().post(
        "/api/agency-applications", json=application("Impostor", shared)
    )
    assert reused.status_code == 409
    fresh = AgencyIdentity.generate()
    third = apply(server, "Shelbyville Police", fresh)
    register(operator, third, fresh)
    half = AgencyIdentity.generate()
    body = {**rotate_body(half), "age_recipient": shared.age_recipient}
    body["age_recipient_fingerprint"] = fingerprint(shared.age_recipient)
    stolen = operator.client.post(f"/api/operator/agencies/{third}/rotate", json=body)
    assert stolen.status_code == 409
    assert stolen.json()["field"] == "age_recipient"
    assert log_size(server) == size + 1  # only the third agency's own registration


def test_only_operators_with_two_factor_run_the_registry(server: ServerHarness) -> None:
    identity = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", identity)
    resident = server.account()
    member = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    no_mfa = server.account(Role.OPERATOR)
    calls = [
        ("GET", "/api/operator/agencies", None),
        ("GET", f"/api/operator/agencies/{agency_id}", None),
        ("POST", f"/api/operator/agencies/{agency_id}/register", read_back(identity)),
        ("POST", f"/api/operator/agencies/{agency_id}/rotate", rotate_body(identity)),
        ("POST", f"/api/operator/agencies/{agency_id}/revoke", None),
        ("DELETE", f"/api/operator/agencies/{agency_id}", None),
    ]
    for method, path, body in calls:
        for account, error in (
            (resident, "operators only"),
            (member, "operators only"),
            (no_mfa, "two-factor sign-in required"),
        ):
            answer = account.client.request(method, path, json=body)
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.json()["error"] == error, (method, path)
        anonymous = server.new_client().request(method, path, json=body)
        assert anonymous.status_code == 401
    assert agency_row(server, agency_id).status == "applied"
    assert registrations(server) == 0


# -- the operator's pages -------------------------------------------------------------------


def test_operators_verify_rotate_revoke_and_reject_on_the_page(server: ServerHarness) -> None:
    identity = AgencyIdentity.generate()
    agency_id = apply(server, "Springfield Police", identity)
    other_id = apply(server, "Not An Agency", AgencyIdentity.generate())
    operator = server.account(Role.OPERATOR, mfa_on=True)
    page = operator.client.get("/operator/agencies")
    assert page.status_code == 200
    assert fingerprint(identity.public_key) in page.text
    assert f'action="/operator/agencies/{agency_id}/register"' in page.text
    assert 'name="csrf_token"' in page.text
    assert 'href="/operator/agencies"' in page.text  # in the navigation
    # Forms need the session's CSRF token.
    no_token = server.new_client()
    no_token.cookies.update(operator.client.cookies)
    forged = no_token.post(
        f"/operator/agencies/{agency_id}/register",
        data=read_back(identity),
        follow_redirects=False,
    )
    assert forged.status_code == 403

    wrong = operator.client.post(
        f"/operator/agencies/{agency_id}/register",
        data={**read_back(identity), "age_recipient_fingerprint": "0000 1111"},
    )
    assert wrong.status_code == 400
    assert f'id="age_recipient_fingerprint-error-{agency_id}"' in wrong.text
    assert 'value="0000 1111"' in wrong.text
    assert agency_row(server, agency_id).status == "applied"

    done = operator.client.post(
        f"/operator/agencies/{agency_id}/register", data=read_back(identity), follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/operator/agencies?done=registered")
    index = agency_row(server, agency_id).registration_index
    page = operator.client.get("/operator/agencies?done=registered")
    assert "Agency registered" in page.text
    assert f'href="/transparency/entries/{index}"' in page.text

    second = AgencyIdentity.generate()
    rotated = operator.client.post(
        f"/operator/agencies/{agency_id}/rotate", data=rotate_body(second), follow_redirects=False
    )
    assert rotated.status_code == 303
    assert agency_row(server, agency_id).signing_key == second.public_key

    rejected = operator.client.post(f"/operator/agencies/{other_id}/reject", follow_redirects=False)
    assert rejected.status_code == 303
    with server.app.state.server.sessions() as db:
        assert db.get(Agency, uuid.UUID(other_id)) is None
    not_application = operator.client.post(f"/operator/agencies/{agency_id}/reject")
    assert not_application.status_code == 409

    revoked = operator.client.post(f"/operator/agencies/{agency_id}/revoke", follow_redirects=False)
    assert revoked.status_code == 303
    assert agency_row(server, agency_id).status == "revoked"
    assert "No verified agencies." in operator.client.get("/operator/agencies").text
