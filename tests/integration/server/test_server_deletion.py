"""Deleting an account deletes everything that belongs to it, in every table that
refers to users (found from the schema, so tables added later are covered too)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import Table, func, select, update

from feed_tools import post
from frontporch.crypto.keys import AgencyIdentity, fingerprint
from frontporch.server.accounts.models import Role, User
from frontporch.server.db import Base
from frontporch.server.models import import_all_models
from homes_tools import add_home
from server_fixtures import PASSWORD, Account
from server_harness import ServerHarness


def _tables_owned_by_users() -> list[Table]:
    """Every table with a foreign key to users.id (directly)."""
    import_all_models()
    return [
        table
        for table in Base.metadata.sorted_tables
        if any(fk.column.table.name == "users" for fk in table.foreign_keys)
    ]


def _rows_of(app: FastAPI, user_id: uuid.UUID) -> dict[str, int]:
    counts = {}
    with app.state.server.sessions() as db:
        users = Base.metadata.tables["users"]
        counts["users"] = db.scalar(select(func.count()).where(users.c.id == user_id))
        for table in _tables_owned_by_users():
            column = next(fk.parent for fk in table.foreign_keys if fk.column.table.name == "users")
            counts[table.name] = db.scalar(
                select(func.count()).select_from(table).where(column == user_id)
            )
    return counts


def _feed_content(
    server: ServerHarness, account: Account, bystander: Account, bystander_home: str
) -> None:
    """A post, a comment, a report, a notification and (as an operator) a moderation action.

    A third neighbour comments on the account's post (for the notification): comments on
    a deleted post go with it, and the bystander's rows must stay as they were.
    """
    own_home = account.client.get("/api/homes").json()[0]["id"]
    mine = post(account, own_home, "mine")
    theirs = post(bystander, bystander_home, "theirs")
    third = server.account()
    add_home(third, "Across the street")
    for who, post_id in ((account, theirs["id"]), (third, mine["id"])):
        made = who.client.post(f"/api/posts/{post_id}/comments", json={"body": "hello"})
        assert made.status_code == 201
    reported = account.client.post(f"/api/posts/{theirs['id']}/reports", json={"reason": "x"})
    assert reported.status_code == 201
    server.set_role(account.email, Role.OPERATOR)
    hidden = account.client.post(
        f"/api/moderation/posts/{theirs['id']}/hide", json={"reason": "test"}
    )
    assert hidden.status_code == 200


def _agency_content(server: ServerHarness, account: Account) -> None:
    """As an operator: register an agency, publish an agreement with it and change the
    request policy; then, as a
    member of that agency, file a footage request. These rows name the account only
    as who acted (set to null on deletion): the log entries they stand for stay."""
    identity = AgencyIdentity.generate()
    applied = server.new_client().post(
        "/api/agency-applications",
        json={
            "name": "County Sheriff",
            "jurisdiction": "Cook County",
            "contact": "records@sheriff.example.gov",
            "signing_key": identity.public_key,
            "age_recipient": identity.age_recipient,
        },
    )
    assert applied.status_code == 201, applied.text
    agency_id = applied.json()["id"]
    registered = account.client.post(
        f"/api/operator/agencies/{agency_id}/register",
        json={
            "signing_key_fingerprint": fingerprint(identity.public_key),
            "age_recipient_fingerprint": fingerprint(identity.age_recipient),
        },
    )
    assert registered.status_code == 200, registered.text
    published = account.client.post(
        "/api/operator/agreements",
        data={
            "title": "Memorandum of understanding",
            "kind": "mou",
            "agency_id": agency_id,
            "parties": "The operator and the County Sheriff",
            "starts": "2026-12-01",
        },
        files={"document": ("mou.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")},
    )
    assert published.status_code == 201, published.text
    changed = account.client.put("/api/operator/requests/policy", json={"k_threshold": 5})
    assert changed.status_code == 200, changed.text
    # A demand the account recorded, naming the account itself (so both of the legal
    # tables' references to users have a row).
    demanded = account.client.post(
        "/api/operator/legal/demands",
        json={
            "kind": "subpoena",
            "authority": "County Court, Division 3",
            "received_on": server.clock().date().isoformat(),
            "accounts": [account.email],
            "scope": "Account metadata.",
            "document_sha256": "ab" * 32,
        },
    )
    assert demanded.status_code == 201, demanded.text
    server.set_role(account.email, Role.AGENCY_MEMBER)
    with server.app.state.server.sessions.begin() as db:
        db.execute(
            update(User).where(User.email == account.email).values(agency_id=uuid.UUID(agency_id))
        )
    now = server.clock()
    filed = account.client.post(
        "/api/agency/requests",
        json={
            "case_number": "2026-CR-0001",
            "incident": "burglary",
            "description": "A break-in on the 100 block.",
            "contact": "Records desk",
            # Far from every home here, so nobody else is notified.
            "area": {"type": "circle", "center": [47.6062, -122.3321], "radius_m": 300},
            "window_start": (now - timedelta(hours=3)).isoformat(),
            "window_end": (now - timedelta(hours=1)).isoformat(),
            "expires_at": (now + timedelta(days=7)).isoformat(),
            "attestation": True,
        },
    )
    assert filed.status_code == 201, filed.text


def test_deleting_an_account_deletes_its_content(server: ServerHarness) -> None:
    account = server.account(mfa_on=True)
    bystander = server.account()
    user_id = uuid.UUID(account.client.get("/api/account").json()["id"])
    bystander_id = uuid.UUID(bystander.client.get("/api/account").json()["id"])
    account.client.post("/api/account/tokens", json={"name": "cleanup"})
    add_home(account)  # owns a home ...
    neighbour_home = add_home(bystander, "Next door")["id"]  # ... and belongs to another
    bystander.client.post(f"/api/homes/{neighbour_home}/invitations", json={"email": account.email})
    invitation = server.mailbox.last_link(account.email, "/invitations/accept")
    assert (
        account.client.post("/api/invitations/accept", json={"token": invitation}).status_code
        == 200
    )
    _feed_content(server, account, bystander, neighbour_home)
    _agency_content(server, account)
    server.new_client().post("/api/auth/password-reset", json={"email": account.email})
    server.sign_in(
        server.new_client(address="203.0.113.3", user_agent="Other/1"),
        account.email,
        otp=server.next_code(account.totp_secret or ""),
    )

    before = _rows_of(server.app, user_id)
    assert all(count > 0 for count in before.values()), before
    bystander_before = _rows_of(server.app, bystander_id)

    assert (
        account.client.post("/api/account/delete", json={"password": "not it at all"}).status_code
        == 401
    )
    needs_code = account.client.post("/api/account/delete", json={"password": PASSWORD})
    assert needs_code.status_code == 401
    assert needs_code.json()["field"] == "otp"
    deleted = account.client.post(
        "/api/account/delete",
        json={"password": PASSWORD, "otp": server.next_code(account.totp_secret or "")},
    )
    assert deleted.status_code == 200

    assert set(_rows_of(server.app, user_id).values()) == {0}
    assert _rows_of(server.app, bystander_id) == bystander_before
    assert bystander.client.get(f"/api/homes/{neighbour_home}/members").json()[1:] == []
    assert account.client.get("/api/account").status_code == 401
    gone = server.new_client().post(
        "/api/auth/sign-in", json={"email": account.email, "password": PASSWORD}
    )
    assert gone.status_code == 401
