"""Footage requests on a real server (SQLite and PostgreSQL): filing logs `request_filed`
and a checkpoint, then reaches the area's hubs, owners and feed; withdrawal and expiry
log `request_closed` and tell the hubs; the policy's limits refuse with the field named
and store nothing; the agency sees aggregates only, never a home, hub, owner or a cell
outside its request."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from feed_tools import hub_client, resident_at
from frontporch import geo
from frontporch.server.accounts.models import Role, User
from frontporch.server.agencies.models import Agency, AgencyStatus
from frontporch.server.hubs.models import Hub
from frontporch.server.requests.jobs import expire_requests
from frontporch.server.requests.models import FootageRequest
from frontporch.server.transparency.models import LogEntry
from homes_tools import CHICAGO
from release_tools import AgencySetup as RegisteredAgency
from release_tools import register_agency as registered_agency
from server_harness import ServerHarness

FAR_AWAY = (47.6062, -122.3321)  # Seattle
CONTRACT_KEYS = {
    "request", "log_index", "agency", "agency_name", "agency_registration_index",
    "case_number", "incident", "description", "contact", "area", "cells",
    "window_start", "window_end", "expires_at", "filed_at",
}  # fmt: skip


def filing(server: ServerHarness, **changes: Any) -> dict[str, Any]:
    now = server.clock()
    body: dict[str, Any] = {
        "case_number": "  2026-CR-0042 ",
        "incident": "burglary",
        "description": "\nA break-in on the 100 block; a grey van seen leaving.  ",
        "contact": "Records desk, +1 312 555 0100",
        "area": {"type": "circle", "center": list(CHICAGO), "radius_m": 300},
        "window_start": (now - timedelta(hours=5)).isoformat(),
        "window_end": (now - timedelta(hours=1)).isoformat(),
        "expires_at": (now + timedelta(days=7)).isoformat(),
        "attestation": True,
    }
    body.update(changes)
    return body


def file(agency: RegisteredAgency, body: dict[str, Any]) -> Any:
    response = agency.member.client.post("/api/agency/requests", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def log_entry(client: TestClient, index: int) -> dict[str, Any]:
    got = client.get("/api/log/entries", params={"start": index, "end": index + 1})
    assert got.status_code == 200, got.text
    data = got.json()["entries"][0]
    return dict(json.loads(base64.b64decode(data["data"])))


def messages(hub: TestClient) -> list[dict[str, Any]]:
    got = hub.get("/api/hub/messages", params={"after": 0})
    assert got.status_code == 200, got.text
    return list(got.json()["messages"])


def count_requests(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(FootageRequest)) or 0)


def test_filing_logs_then_reaches_the_area_and_shows_the_agency_aggregates(
    server: ServerHarness, client: TestClient
) -> None:
    agency = registered_agency(server, "Chicago Police Department")
    owner, home_id = resident_at(server, CHICAGO, "Near")
    hub = hub_client(server, owner, home_id)
    far_owner, far_home = resident_at(server, FAR_AWAY, "Far")
    far_hub = hub_client(server, far_owner, far_home)
    server.mailbox.clear()

    filed = file(agency, filing(server))

    # Stored stripped, nothing else; the log holds the digests of exactly those strings.
    assert filed["case_number"] == "2026-CR-0042"
    assert filed["description"] == "A break-in on the 100 block; a grey van seen leaving."
    entry = log_entry(client, filed["filed_index"])
    assert entry["type"] == "request_filed"
    assert entry["request"] == filed["id"]
    assert entry["agency"] == str(agency.agency_id)
    assert entry["case_sha256"] == hashlib.sha256(b"2026-CR-0042").hexdigest()
    assert entry["description_sha256"] == hashlib.sha256(filed["description"].encode()).hexdigest()
    assert entry["cells"] == sorted(entry["cells"]) == filed["cells"]
    assert geo.home_cell(*CHICAGO) in entry["cells"]
    assert filed["registration_index"] == agency.registration_index
    # A checkpoint covering the entry was signed in the same transaction.
    checkpoint = client.get("/api/log/checkpoint").text
    assert int(checkpoint.splitlines()[1]) > filed["filed_index"]

    # The near hub got the request with exactly the contract's fields; the far one nothing.
    [message] = messages(hub)
    assert message["kind"] == "footage_request"
    body = message["body"] if isinstance(message["body"], dict) else json.loads(message["body"])
    assert set(body) == CONTRACT_KEYS
    assert body["request"] == filed["id"]
    assert body["log_index"] == filed["filed_index"]
    assert body["case_number"] == "2026-CR-0042"
    assert body["area"] == {"type": "circle", "center": list(CHICAGO), "radius_m": 300}
    assert body["agency_name"] == "Chicago Police Department"
    assert messages(far_hub) == []

    # The owner: a notification pointing at the request's post, and one neutral email.
    notes = owner.client.get("/api/notifications").json()["notifications"]
    assert [n["kind"] for n in notes] == ["footage_request_nearby"]
    assert notes[0]["post_url"] == filed["post_url"]
    [mail] = server.mailbox.to(owner.email)
    plain = mail.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "An agency asked for footage near your home; review it on your hub" in text
    assert "never" in text
    assert "reported" in text
    assert server.mailbox.to(far_owner.email) == []
    assert far_owner.client.get("/api/notifications").json()["notifications"] == []

    # The feed: the agency's post, linked to the log entry; never the case number.
    feed = owner.client.get("/api/feed", params={"home_id": home_id}).json()["posts"]
    [post] = [p for p in feed if p["title"].startswith("Footage request")]
    assert f"/transparency/entries/{filed['filed_index']}" in post["body"]
    assert "2026-CR-0042" not in post["body"]

    # The agency: one home notified, below k, so "fewer than 10".
    assert filed["homes_notified"] is None
    assert filed["homes_notified_below"] == 10
    listed = agency.member.client.get("/api/agency/requests").json()
    assert [r["id"] for r in listed] == [filed["id"]]
    detail = agency.member.client.get(f"/api/agency/requests/{filed['id']}").json()
    assert detail["release_list"] == []
    assert detail["evidence_url"] == f"/agency/requests/{filed['id']}/evidence.zip"


def test_homes_notified_is_shown_from_k_on(server: ServerHarness) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    changed = operator.client.put("/api/operator/requests/policy", json={"k_threshold": 5})
    assert changed.status_code == 200, changed.text
    agency = registered_agency(server)
    for n in range(4):
        resident_at(server, CHICAGO, f"Home {n}")
    assert file(agency, filing(server))["homes_notified"] is None  # 4 < k
    resident_at(server, CHICAGO, "Home 4")
    second = file(agency, filing(server, case_number="2026-CR-0043"))
    assert second["homes_notified"] == 5
    assert second["homes_notified_below"] is None


def test_withdrawal_logs_request_closed_and_tells_the_hubs(
    server: ServerHarness, client: TestClient
) -> None:
    agency = registered_agency(server)
    owner, home_id = resident_at(server, CHICAGO)
    hub = hub_client(server, owner, home_id)
    filed = file(agency, filing(server))

    other = registered_agency(server)
    assert (
        other.member.client.post(f"/api/agency/requests/{filed['id']}/withdraw").status_code == 404
    )
    assert other.member.client.get(f"/api/agency/requests/{filed['id']}").status_code == 404

    withdrawn = agency.member.client.post(f"/api/agency/requests/{filed['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    closed = withdrawn.json()
    assert closed["status"] == "withdrawn"
    entry = log_entry(client, closed["closed_index"])
    assert entry == {
        **entry,
        "type": "request_closed",
        "request": filed["id"],
        "reason": "withdrawn",
    }
    kinds = [(m["kind"], m["body"]) for m in messages(hub)]
    assert kinds[-1][0] == "request_closed"
    body = kinds[-1][1] if isinstance(kinds[-1][1], dict) else json.loads(kinds[-1][1])
    assert body == {
        "request": filed["id"],
        "reason": "withdrawn",
        "log_index": closed["closed_index"],
    }

    again = agency.member.client.post(f"/api/agency/requests/{filed['id']}/withdraw")
    assert again.status_code == 409


def test_expiry_closes_requests_past_their_expiry(
    server: ServerHarness, client: TestClient
) -> None:
    agency = registered_agency(server)
    owner, home_id = resident_at(server, CHICAGO)
    hub = hub_client(server, owner, home_id)
    now = server.clock()
    filed = file(agency, filing(server, expires_at=(now + timedelta(hours=1)).isoformat()))
    context = server.app.state.server
    keys = server.app.state.log_keys
    assert expire_requests(context, keys) == 0
    server.clock.advance(3600)
    assert expire_requests(context, keys) == 1
    assert expire_requests(context, keys) == 0
    got = agency.member.client.get(f"/api/agency/requests/{filed['id']}").json()
    assert got["status"] == "expired"
    assert log_entry(client, got["closed_index"])["reason"] == "expired"
    assert [m["kind"] for m in messages(hub)][-1] == "request_closed"


def test_policy_limits_refuse_with_the_field_and_store_nothing(
    server: ServerHarness, client: TestClient
) -> None:
    agency = registered_agency(server)
    now = server.clock()
    size_before = log_entry_count(server)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"attestation": False}, "attestation"),
        ({"incident": "protest"}, "incident"),
        ({"case_number": "   "}, "case_number"),
        ({"window_start": (now - timedelta(hours=13)).isoformat(), "window_end": now.isoformat()},
         "window_end"),
        ({"window_end": (now + timedelta(seconds=1)).isoformat()}, "window_end"),
        ({"window_start": (now - timedelta(days=30, seconds=1)).isoformat(),
          "window_end": (now - timedelta(days=29, hours=23)).isoformat()}, "window_start"),
        ({"expires_at": (now + timedelta(days=30, seconds=1)).isoformat()}, "expires_at"),
        ({"area": {"type": "circle", "center": list(CHICAGO), "radius_m": 643}}, "area"),
        ({"area": {"type": "polygon", "points": [[41.8, -87.6], [41.81, -87.6]]}}, "area.points"),
    ]  # fmt: skip
    for changes, field in cases:
        refused = agency.member.client.post("/api/agency/requests", json=filing(server, **changes))
        assert refused.status_code in (400, 422), (changes, refused.text)
        assert refused.json()["field"] == field, (changes, refused.json())
    # At the limits themselves, it files.
    file(
        agency,
        filing(
            server,
            area={"type": "circle", "center": list(CHICAGO), "radius_m": 642},
            window_start=(now - timedelta(hours=12)).isoformat(),
            window_end=now.isoformat(),
            expires_at=(now + timedelta(days=30)).isoformat(),
        ),
    )
    assert count_requests(server) == 1
    # request_filed, the request text's statement and its request_reach (issue 12)
    assert log_entry_count(server) == size_before + 3


def log_entry_count(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(LogEntry)) or 0)


def test_open_requests_are_limited_per_agency(server: ServerHarness) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    assert (
        operator.client.put(
            "/api/operator/requests/policy", json={"max_open_requests": 2}
        ).status_code
        == 200
    )
    agency = registered_agency(server)
    first = file(agency, filing(server))
    file(agency, filing(server))
    third = agency.member.client.post("/api/agency/requests", json=filing(server))
    assert third.status_code == 400
    assert "at most 2 may be open" in third.json()["detail"]
    agency.member.client.post(f"/api/agency/requests/{first['id']}/withdraw")
    file(agency, filing(server))  # one withdrawn: room again


def test_the_operator_s_policy_change_is_logged_and_bounded(
    server: ServerHarness, client: TestClient
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    default = operator.client.get("/api/operator/requests/policy").json()
    assert default["max_area_sq_mi"] == 0.5
    assert default["log_index"] is None
    assert default["hard_limits"]["k_threshold"]["minimum"] == 5
    changed = operator.client.put(
        "/api/operator/requests/policy", json={"max_area_sq_mi": 0.25, "max_window_hours": 6}
    ).json()
    entry = log_entry(client, changed["log_index"])
    assert entry["type"] == "policy_changed"
    assert entry["policy_sha256"] == changed["policy_sha256"] != default["policy_sha256"]
    assert "0.25 sq mi" in entry["summary"]
    for body, field in (
        ({"k_threshold": 4}, "k_threshold"),
        ({"max_area_sq_mi": 2.001}, "max_area_sq_mi"),
        ({"max_window_hours": 25}, "max_window_hours"),
        ({"max_expiry_days": 31}, "max_expiry_days"),
    ):
        refused = operator.client.put("/api/operator/requests/policy", json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == field
    assert (
        operator.client.get("/api/operator/requests/policy").json()["log_index"]
        == (changed["log_index"])
    )
    agency = registered_agency(server)
    too_big = agency.member.client.post(
        "/api/agency/requests",
        json=filing(server, area={"type": "circle", "center": list(CHICAGO), "radius_m": 500}),
    )
    assert too_big.status_code == 400
    assert too_big.json()["field"] == "area"
    assert "0.25" in too_big.json()["detail"]


def test_a_revoked_agency_or_one_without_keys_files_nothing(server: ServerHarness) -> None:
    agency = registered_agency(server)
    with server.app.state.server.sessions.begin() as db:
        db.execute(
            update(Agency)
            .where(Agency.id == agency.agency_id)
            .values(status=AgencyStatus.REVOKED.value, revoked_at=server.clock())
        )
    refused = agency.member.client.post("/api/agency/requests", json=filing(server))
    assert refused.status_code == 403
    assert "revoked" in refused.json()["detail"]
    unattached = server.account(Role.AGENCY_MEMBER, mfa_on=True)
    assert unattached.client.post("/api/agency/requests", json=filing(server)).status_code == 403
    assert count_requests(server) == 0


def test_no_agency_answer_names_a_home_hub_owner_or_cell_outside_the_request(
    server: ServerHarness,
) -> None:
    agency = registered_agency(server)
    owner, home_id = resident_at(server, CHICAGO)
    hub_client(server, owner, home_id)
    neighbor_at = (CHICAGO[0] + 0.004, CHICAGO[1] + 0.004)
    _neighbor, neighbor_home = resident_at(server, neighbor_at)
    _far_owner, far_home = resident_at(server, FAR_AWAY)
    filed = file(agency, filing(server))
    agency.member.client.post(f"/api/agency/requests/{file(agency, filing(server))['id']}/withdraw")
    with server.app.state.server.sessions() as db:
        secrets = [str(h) for h in db.scalars(select(Hub.id))]
        users = list(db.execute(select(User.id, User.email)).all())
    secrets += [home_id, neighbor_home, far_home]
    secrets += [str(u[0]) for u in users if u[1] != agency.member.email]
    secrets += [u[1] for u in users if u[1] != agency.member.email]
    answers = [
        agency.member.client.get("/api/agency/requests").text,
        agency.member.client.get(f"/api/agency/requests/{filed['id']}").text,
        agency.member.client.get("/agency/requests").text,
        agency.member.client.get(f"/agency/requests/{filed['id']}").text,
        json.dumps(filed),
    ]
    for answer in answers:
        for secret in secrets:
            assert secret not in answer
    logged = set(filed["cells"])
    for answer in answers[:2] + answers[4:]:
        for cell in set(_cells_in(answer)):
            assert cell in logged, cell
    assert geo.home_cell(*FAR_AWAY) not in "".join(answers)


def _cells_in(text: str) -> list[str]:
    return re.findall(r"\b8[0-9a-f]{14}\b", text)
