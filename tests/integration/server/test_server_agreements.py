"""Agreements in the open: an operator publishes an agreement with a registered agency
(its PDF stored and hashed, `agreement_published` logged with the row); anyone lists
them and downloads the document; an agency is a partner only with one; nothing edits or
deletes a published agreement. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from feed_tools import agency_member
from frontporch.server.accounts.models import Role
from frontporch.server.agencies.models import Agency, AgencyStatus
from frontporch.server.agreements.models import Agreement
from frontporch.server.settings import ServerSettings
from frontporch.server.transparency.models import LogStateRow
from server_fixtures import Account, SmtpServer, make_settings
from server_harness import ServerHarness

MAX_DOCUMENT = 4096
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n" + bytes(range(256))


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> ServerSettings:
    return make_settings(database_url, tmp_path, smtp, agreement_max_document_bytes=MAX_DOCUMENT)


def new_agency(server: ServerHarness, operator: Account, name: str = "County Sheriff") -> str:
    """A registered (verified) agency, through the operator's API; its id."""
    made = operator.client.post("/api/operator/agencies", json={"name": name})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def fields(agency: str, **changes: Any) -> dict[str, str]:
    values = {
        "title": "Data-sharing agreement on footage requests",
        "kind": "data_sharing",
        "agency_id": agency,
        "parties": "The operator and the County Sheriff, Records desk",
        "starts": "2026-12-01",
        "ends": "2027-11-30",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def publish(client: TestClient, data: dict[str, str], document: bytes = PDF) -> Any:
    return client.post(
        "/api/operator/agreements",
        data=data,
        files={"document": ("agreement.pdf", document, "application/pdf")},
    )


def log_size(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(LogStateRow.size)) or 0)


def agreement_rows(server: ServerHarness) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(Agreement)) or 0)


def stored_documents(server: ServerHarness) -> list[str]:
    return [info.key for info in server.app.state.server.blobs.list("agreements/")]


@pytest.fixture
def operator(server: ServerHarness) -> Account:
    return server.account(Role.OPERATOR, mfa_on=True)


def test_publish_logs_the_document_hash_and_anyone_reads_it(
    server: ServerHarness, operator: Account
) -> None:
    agency_id = new_agency(server, operator)
    before = log_size(server)
    response = publish(operator.client, fields(agency_id))
    assert response.status_code == 201, response.text
    out = response.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert out["document_sha256"] == digest
    assert out["document_size"] == len(PDF)
    assert out["log_index"] == before
    assert (out["starts"], out["ends"]) == ("2026-12-01", "2027-11-30")

    public = server.new_client()  # nobody signed in
    entries = public.get(
        "/api/log/entries", params={"start": out["log_index"], "end": out["log_index"] + 1}
    )
    entry = entries.json()["entries"][0]["entry"]
    assert entry == {
        "v": 2,
        "type": "agreement_published",
        "at": entry["at"],
        "agreement": out["id"],
        "agency": agency_id,
        "kind": "data_sharing",
        "title": "Data-sharing agreement on footage requests",
        "starts": "2026-12-01T00:00:00Z",
        "ends": "2027-11-30T00:00:00Z",
        "document_sha256": digest,
    }
    # The checkpoint was signed with it: the public sees the entry at once.
    assert public.get("/api/log/checkpoint").text.splitlines()[1] == str(before + 1)

    listed = public.get("/api/agreements").json()
    assert [a["id"] for a in listed["agreements"]] == [out["id"]]
    assert listed["agreements"][0]["agency"] == "County Sheriff"
    document = public.get(out["document_url"])
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(document.content).hexdigest() == digest

    page = public.get("/agreements")
    assert page.status_code == 200
    for shown in (
        "Data-sharing agreement on footage requests",
        "The operator and the County Sheriff, Records desk",
        digest,
        f'href="/transparency/entries/{out["log_index"]}"',
        f'href="{out["document_url"]}"',
    ):
        assert shown in page.text
    assert public.get(f"/api/agreements/{out['id']}").json()["title"] == out["title"]


def test_an_open_ended_agreement(server: ServerHarness, operator: Account) -> None:
    agency_id = new_agency(server, operator)
    response = publish(operator.client, fields(agency_id, ends=None, kind="pilot"))
    assert response.status_code == 201, response.text
    assert response.json()["ends"] is None


@pytest.mark.parametrize(
    ("changes", "document", "status", "field"),
    [
        ({"title": None}, PDF, 422, "title"),
        ({"title": "line\nbreak"}, PDF, 422, "title"),
        ({"kind": "handshake"}, PDF, 422, "kind"),
        ({"agency_id": "not-an-id"}, PDF, 422, "agency_id"),
        ({"agency_id": str(uuid.uuid4())}, PDF, 404, "agency_id"),
        ({"parties": ""}, PDF, 422, "parties"),
        ({"starts": "2026-13-01"}, PDF, 422, "starts"),
        ({"starts": None}, PDF, 422, "starts"),
        ({"ends": "2026-11-30"}, PDF, 400, "ends"),
        ({}, b"<html>not a pdf</html>", 400, "document"),
        ({}, b"", 400, "document"),
        ({}, PDF + b"x" * MAX_DOCUMENT, 413, "document"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    server: ServerHarness,
    operator: Account,
    changes: dict[str, Any],
    document: bytes,
    status: int,
    field: str,
) -> None:
    agency_id = new_agency(server, operator)
    before = log_size(server)
    response = publish(operator.client, fields(agency_id, **changes), document)
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("field") == field or field in str(body), body
    assert (log_size(server), agreement_rows(server), stored_documents(server)) == (before, 0, [])


def test_missing_document_and_not_multipart(server: ServerHarness, operator: Account) -> None:
    agency_id = new_agency(server, operator)
    no_file = operator.client.post("/api/operator/agreements", data=fields(agency_id))
    assert no_file.status_code == 400
    assert no_file.json()["field"] == "document"
    as_json = operator.client.post("/api/operator/agreements", json=fields(agency_id))
    assert as_json.status_code == 400
    assert "multipart" in as_json.json()["error"]


def test_an_oversized_body_is_refused_by_its_length(
    server: ServerHarness, operator: Account
) -> None:
    agency_id = new_agency(server, operator)
    big = PDF + b"x" * (MAX_DOCUMENT * 40)
    response = publish(operator.client, fields(agency_id), big)
    assert response.status_code == 413
    assert response.json()["field"] == "document"
    assert stored_documents(server) == []


def test_only_registered_agencies(server: ServerHarness, operator: Account) -> None:
    agency_id = uuid.uuid4()
    with server.app.state.server.sessions.begin() as db:
        db.add(
            Agency(
                id=agency_id,
                name="Harbor Police",
                status=AgencyStatus.APPLIED.value,
                created_at=server.clock(),
            )
        )
    response = publish(operator.client, fields(str(agency_id)))
    assert response.status_code == 400
    assert response.json()["field"] == "agency_id"
    assert "applied" in response.json()["detail"]


def test_only_operators_publish(server: ServerHarness, operator: Account) -> None:
    agency_id = new_agency(server, operator)
    resident = server.account()
    assert publish(resident.client, fields(agency_id)).status_code == 403
    member = agency_member(server, operator, "Fire District")
    assert publish(member.client, fields(agency_id)).status_code == 403
    assert publish(server.new_client(), fields(agency_id)).status_code == 401
    assert agreement_rows(server) == 0


def test_partner_only_with_an_agreement(server: ServerHarness, operator: Account) -> None:
    agency_id = new_agency(server, operator)
    refused = operator.client.put(
        f"/api/operator/agencies/{agency_id}/partner", json={"partner": True}
    )
    assert refused.status_code == 409
    assert refused.json()["field"] == "partner"
    assert "no published agreement" in refused.json()["error"]
    # Not by a raw write either.
    with server.app.state.server.engine.begin() as connection, pytest.raises(DBAPIError):
        connection.execute(
            text("UPDATE agencies SET partner = :yes WHERE name = 'County Sheriff'"),
            {"yes": True},
        )
    assert server.new_client().get("/api/agreements").json()["partners"] == []

    assert publish(operator.client, fields(agency_id)).status_code == 201
    marked = operator.client.put(
        f"/api/operator/agencies/{agency_id}/partner", json={"partner": True}
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["partner"] is True
    partners = server.new_client().get("/api/agreements").json()["partners"]
    assert partners == [{"agency_id": agency_id, "name": "County Sheriff", "agreements": 1}]
    assert "County Sheriff" in server.new_client().get("/agreements").text
    unknown = operator.client.put(
        f"/api/operator/agencies/{uuid.uuid4()}/partner", json={"partner": True}
    )
    assert unknown.status_code == 404


def test_a_published_agreement_is_never_edited_or_deleted(
    server: ServerHarness, operator: Account
) -> None:
    agency_id = new_agency(server, operator)
    out = publish(operator.client, fields(agency_id)).json()
    for method in ("PUT", "PATCH", "DELETE"):
        answer = operator.client.request(method, f"/api/operator/agreements/{out['id']}")
        assert answer.status_code in (404, 405)
    engine = server.app.state.server.engine
    for statement in (
        "UPDATE agreements SET title = 'Something else'",
        "UPDATE agreements SET document_sha256 = '" + "0" * 64 + "'",
        "DELETE FROM agreements",
    ):
        with engine.begin() as connection, pytest.raises(DBAPIError):
            connection.execute(text(statement))
    listed = server.new_client().get("/api/agreements").json()["agreements"]
    assert listed[0]["title"] == out["title"]
    assert listed[0]["document_sha256"] == out["document_sha256"]
    # A new agreement supersedes it; both stay listed.
    second = publish(operator.client, fields(agency_id, title="Amended agreement"))
    assert second.status_code == 201
    titles = [a["title"] for a in server.new_client().get("/api/agreements").json()["agreements"]]
    assert titles == ["Amended agreement", out["title"]]


def test_the_operator_page_publishes_and_shows_errors(
    server: ServerHarness, operator: Account
) -> None:
    agency_id = new_agency(server, operator)
    page = operator.client.get("/operator/agreements")
    assert page.status_code == 200
    assert "County Sheriff" in page.text
    client = operator.client
    csrf = client.headers.pop("x-csrf-token")  # as a browser's form: the token in the form
    try:
        bad = client.post(
            "/operator/agreements",
            data={**fields(agency_id), "csrf_token": csrf},
            files={"document": ("a.pdf", b"GIF89a", "application/pdf")},
        )
        assert bad.status_code == 400
        assert "Nothing was published" in bad.text
        assert 'id="document-error"' in bad.text
        assert "Data-sharing agreement on footage requests" in bad.text  # typed values kept
        done = client.post(
            "/operator/agreements",
            data={**fields(agency_id), "csrf_token": csrf},
            files={"document": ("a.pdf", PDF, "application/pdf")},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        partner = client.post(
            f"/operator/agencies/{agency_id}/partner",
            data={"csrf_token": csrf, "partner": "yes"},
            follow_redirects=False,
        )
        assert partner.status_code == 303
    finally:
        client.headers["x-csrf-token"] = csrf
    assert agreement_rows(server) == 1
    assert server.new_client().get("/api/agreements").json()["partners"][0]["name"] == (
        "County Sheriff"
    )
