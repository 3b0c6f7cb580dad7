"""Legal demands on a real server (SQLite and PostgreSQL): recording logs `legal_demand`
per named account as a pseudonym (never its id or email) and tells the owner at once
(notification, email, LEGAL_NOTICE to their hubs, `owner_notice`), unless a delay order
holds the notice back; then `send_due_notices` sends it exactly once when the delay
ends, also at start and with several senders racing. Every bad input is a 4xx naming
the field, with nothing written."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from feed_tools import hub_client, resident_at
from frontporch.server.accounts.models import Role
from frontporch.server.legal.models import LegalDemandAccount, LegalDemandRow
from frontporch.server.legal.notices import send_due_notices
from frontporch.server.legal.pseudonyms import account_pseudonym
from frontporch.server.transparency.models import LogEntry
from legal_tools import (
    NOTICE_KEYS,
    ORDER,
    count,
    demand_body,
    hub_messages,
    log_entry,
    record,
    sign_in_again,
    user_uuid,
)
from server_harness import ServerHarness


def test_a_demand_is_logged_by_pseudonym_and_the_owner_told_at_once(
    server: ServerHarness, client: TestClient
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, home_id = resident_at(server)
    hub = hub_client(server, owner, home_id)
    bystander = server.account()
    server.mailbox.clear()

    demand = record(operator, demand_body(server, [owner.email.upper()]))

    [line] = demand["accounts"]
    secret = server.app.state.server.secret_key
    owner_id = user_uuid(owner)
    assert line["pseudonym"] == account_pseudonym(secret, owner_id)
    assert line["email"] == owner.email
    assert line["notice_status"] == "sent"
    raw, entry = log_entry(client, line["demand_index"])
    assert entry["type"] == "legal_demand"
    assert entry["account"] == line["pseudonym"]
    assert entry["authority"] == "County Court, Division 3"
    assert "notice_delayed_until" not in entry
    for personal in (str(owner_id), owner_id.hex, owner.email):
        assert personal.encode() not in raw
    _, notice = log_entry(client, line["notice_index"])
    assert notice == {
        "v": 1, "type": "owner_notice", "at": notice["at"], "demand": demand["id"],
        "account": line["pseudonym"],
    }  # fmt: skip
    checkpoint = client.get("/api/log/checkpoint").text
    assert int(checkpoint.splitlines()[1]) > line["notice_index"]

    # The owner: a notification leading to the notice, the notice itself, an email.
    [note] = owner.client.get("/api/notifications").json()["notifications"]
    assert note["kind"] == "legal_notice"
    assert note["demand_id"] == demand["id"]
    assert note["post_id"] is None
    assert note["url"] == f"/legal/notices/{demand['id']}"
    page = owner.client.get(note["url"])
    assert page.status_code == 200
    assert "County Court, Division 3" in page.text
    assert "not yet answered" in page.text
    listed = owner.client.get("/notifications")
    assert listed.status_code == 200
    assert note["url"] in listed.text
    [mine] = owner.client.get("/api/legal/notices").json()
    assert mine["scope"] == "Account metadata and posts from March."
    [mail] = server.mailbox.to(owner.email)
    plain = mail.get_body(("plain",))
    assert plain is not None
    assert "County Court, Division 3" in plain.get_content()

    # Their hub: LEGAL_NOTICE with exactly the contract's fields.
    [message] = hub_messages(hub)
    assert message["kind"] == "legal_notice"
    assert set(message["body"]) == NOTICE_KEYS
    assert message["body"]["log_index"] == line["demand_index"]
    assert message["body"]["notice_index"] == line["notice_index"]
    assert message["body"]["delayed_until"] is None
    assert message["body"]["server_answer"] == "not yet answered"

    # Nobody else sees it.
    assert bystander.client.get("/api/notifications").json()["notifications"] == []
    other = bystander.client.get(f"/api/legal/notices/{demand['id']}")
    assert other.status_code == 404
    assert owner.client.get("/api/operator/legal/demands").status_code == 403
    assert (
        owner.client.post(
            "/api/operator/legal/demands", json=demand_body(server, [owner.email])
        ).status_code
        == 403
    )
    assert count(server, LegalDemandRow) == 1


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    server: ServerHarness, client: TestClient
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, _ = resident_at(server)
    now = server.clock()
    size = count(server, LogEntry)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"authority": "  "}, 400, "authority"),
        ({"scope": ""}, 400, "scope"),
        ({"accounts": []}, 400, "accounts"),
        ({"accounts": ["nobody@example.org"]}, 404, "accounts"),
        ({"accounts": [owner.email, str(uuid.uuid4())]}, 404, "accounts"),
        ({"document_sha256": "abc"}, 400, "document_sha256"),
        ({"kind": "letter"}, 422, "kind"),
        ({"received_on": (now + timedelta(days=2)).date().isoformat()}, 400, "received_on"),
        ({"delay_order_sha256": ORDER}, 400, "delay_until"),
        (
            {"delay_until": (now + timedelta(days=91)).isoformat(), "delay_order_sha256": ORDER},
            400,
            "delay_until",
        ),
        (
            {"delay_until": (now - timedelta(days=1)).isoformat(), "delay_order_sha256": ORDER},
            400,
            "delay_until",
        ),
        ({"delay_until": (now + timedelta(days=5)).isoformat()}, 400, "delay_order_sha256"),
    ]
    for changes, status, field in cases:
        body = demand_body(server, [owner.email])
        body.update(changes)
        got = operator.client.post("/api/operator/legal/demands", json=body)
        assert got.status_code == status, (changes, got.text)
        assert got.json()["field"] == field, (changes, got.text)
    missing = demand_body(server, [owner.email])
    del missing["authority"]
    got = operator.client.post("/api/operator/legal/demands", json=missing)
    assert got.status_code == 422
    assert "authority" in got.text
    assert count(server, LegalDemandRow) == 0
    assert count(server, LegalDemandAccount) == 0
    assert count(server, LogEntry) == size
    assert owner.client.get("/api/notifications").json()["notifications"] == []
    # Attaching is off without an operator recipient.
    demand = record(operator, demand_body(server, [owner.email]))
    refused = operator.client.put(
        f"/api/operator/legal/demands/{demand['id']}/document", content=b"the warrant as served"
    )
    assert refused.status_code == 409
    assert refused.json()["field"] == "document"


def test_a_delayed_notice_goes_out_once_when_the_delay_ends(
    server: ServerHarness, client: TestClient
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, home_id = resident_at(server)
    hub = hub_client(server, owner, home_id)
    context = server.app.state.server
    keys = server.app.state.log_keys
    until = server.clock() + timedelta(days=30)

    demand = record(
        operator,
        demand_body(server, [owner.email], delay_until=until.isoformat(), delay_order_sha256=ORDER),
    )
    [line] = demand["accounts"]
    assert line["notice_status"] == "pending"
    _, entry = log_entry(client, line["demand_index"])
    assert entry["notice_delayed_until"] == until.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert owner.client.get("/api/notifications").json()["notifications"] == []
    assert hub_messages(hub) == []
    assert owner.client.get(f"/api/legal/notices/{demand['id']}").status_code == 404
    assert send_due_notices(context, keys) == 0

    server.clock.advance(timedelta(days=30, seconds=1).total_seconds())
    assert send_due_notices(context, keys) == 1
    assert send_due_notices(context, keys) == 0
    sign_in_again(server, owner)
    sign_in_again(server, operator)

    [note] = owner.client.get("/api/notifications").json()["notifications"]
    assert note["kind"] == "legal_notice"
    [message] = hub_messages(hub)
    assert message["body"]["delayed_until"] == entry["notice_delayed_until"]
    shown = operator.client.get(f"/api/operator/legal/demands/{demand['id']}").json()
    [sent] = shown["accounts"]
    assert sent["notice_status"] == "sent"
    _, notice = log_entry(client, sent["notice_index"])
    assert notice["type"] == "owner_notice"
    notices = [m for m in server.mailbox.to(owner.email) if "legal demand" in m["subject"]]
    assert len(notices) == 1


def test_extension_rules(server: ServerHarness, client: TestClient) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, _ = resident_at(server)
    now = server.clock()
    demand = record(
        operator,
        demand_body(
            server,
            [owner.email],
            delay_until=(now + timedelta(days=30)).isoformat(),
            delay_order_sha256=ORDER,
        ),
    )
    url = f"/api/operator/legal/demands/{demand['id']}/delay"
    size = count(server, LogEntry)
    for body, field in (
        ({"delay_until": (now + timedelta(days=20)).isoformat(), "delay_order_sha256": ORDER},
         "delay_until"),
        ({"delay_until": (now + timedelta(days=95)).isoformat(), "delay_order_sha256": ORDER},
         "delay_until"),
        ({"delay_order_sha256": ORDER}, "delay_until"),
        ({"delay_until": (now + timedelta(days=60)).isoformat(), "delay_order_sha256": "x"},
         "delay_order_sha256"),
    ):  # fmt: skip
        got = operator.client.post(url, json=body)
        assert got.status_code == 400, (body, got.text)
        assert got.json()["field"] == field
    assert count(server, LogEntry) == size

    # Ten days on, a new order may reach 90 days from then (100 from the first).
    server.clock.advance(timedelta(days=10).total_seconds())
    later = server.clock() + timedelta(days=90)
    got = operator.client.post(
        url, json={"delay_until": later.isoformat(), "delay_order_sha256": ORDER}
    )
    assert got.status_code == 200, got.text
    [line] = got.json()["accounts"]
    [index] = line["delay_indexes"]
    _, entry = log_entry(client, index)
    assert entry["type"] == "delay_order"
    assert entry["v"] == 2
    assert entry["account"] == line["pseudonym"]
    assert entry["until"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")

    # The first end passes: nothing goes out; the new one passes: the notice does.
    context, keys = server.app.state.server, server.app.state.log_keys
    server.clock.advance(timedelta(days=25).total_seconds())
    assert send_due_notices(context, keys) == 0
    server.clock.advance(timedelta(days=66).total_seconds())
    assert send_due_notices(context, keys) == 1
    sign_in_again(server, operator)
    after = operator.client.post(
        url,
        json={
            "delay_until": (server.clock() + timedelta(days=5)).isoformat(),
            "delay_order_sha256": ORDER,
        },
    )
    assert after.status_code == 409


def test_emergency_paperwork_is_due_within_48_hours(
    server: ServerHarness, client: TestClient
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, _ = resident_at(server)
    late = record(operator, demand_body(server, [owner.email], kind="emergency"))
    on_time = record(operator, demand_body(server, [owner.email], kind="emergency"))
    warrant = record(operator, demand_body(server, [owner.email]))
    assert late["paperwork_overdue"] is False

    server.clock.advance(timedelta(hours=20).total_seconds())
    paper = hashlib.sha256(b"the court order").hexdigest()
    got = operator.client.post(
        f"/api/operator/legal/demands/{on_time['id']}/paperwork",
        json={"kind": "court_order", "document_sha256": paper},
    )
    assert got.status_code == 200, got.text
    _, entry = log_entry(client, got.json()["paperwork_index"])
    assert entry == {
        "v": 2, "type": "emergency_paperwork", "at": entry["at"], "demand": on_time["id"],
        "kind": "court_order", "document_sha256": paper,
    }  # fmt: skip
    again = operator.client.post(
        f"/api/operator/legal/demands/{on_time['id']}/paperwork",
        json={"kind": "court_order", "document_sha256": paper},
    )
    assert again.status_code == 409
    not_emergency = operator.client.post(
        f"/api/operator/legal/demands/{warrant['id']}/paperwork",
        json={"kind": "court_order", "document_sha256": paper},
    )
    assert not_emergency.status_code == 409

    server.clock.advance(timedelta(hours=29).total_seconds())
    shown = {d["id"]: d for d in operator.client.get("/api/operator/legal/demands").json()}
    assert shown[late["id"]]["paperwork_overdue"] is True
    assert shown[on_time["id"]]["paperwork_overdue"] is False
    assert shown[warrant["id"]]["paperwork_due_at"] is None
    page = operator.client.get("/operator/legal")
    assert page.status_code == 200
    assert "paperwork overdue" in page.text
    assert owner.email in page.text
