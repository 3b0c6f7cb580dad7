"""Legal demands, the rest: delayed notices sent exactly once by several senders racing
and caught up at start; a deleted account's notice marked undeliverable; the response
logged and its package built from what the server holds; documents attached encrypted
to the operator's recipient, capped in size."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyrage
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from feed_tools import post, resident_at
from frontporch.server.accounts.models import Role
from frontporch.server.app import create_app
from frontporch.server.feed.models import Notification
from frontporch.server.legal.models import LegalDemandAccount
from frontporch.server.legal.notices import send_due_notices
from frontporch.server.settings import ServerSettings
from frontporch.server.transparency.models import LogEntry
from frontporch.translog.entries import decode_entry
from legal_tools import DOC, ORDER, count, demand_body, log_entry, record, sign_in_again
from server_fixtures import PASSWORD, FakeClock, SmtpServer, make_settings
from server_harness import ServerHarness

IDENTITY = pyrage.x25519.Identity.generate()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> ServerSettings:
    return make_settings(database_url, tmp_path, smtp).model_copy(
        update={
            "legal_document_recipient": str(IDENTITY.to_public()),
            "legal_document_max_bytes": 4096,
        }
    )


def delayed(server: ServerHarness, operator: Any, email: str, days: int = 30) -> dict[str, Any]:
    until = server.clock() + timedelta(days=days)
    return record(
        operator,
        demand_body(server, [email], delay_until=until.isoformat(), delay_order_sha256=ORDER),
    )


def test_concurrent_senders_send_each_notice_exactly_once(server: ServerHarness) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owners = [resident_at(server)[0] for _ in range(3)]
    for owner in owners:
        for _ in range(2):
            delayed(server, operator, owner.email)
    context, keys = server.app.state.server, server.app.state.log_keys
    entries_before = count(server, LogEntry)
    server.mailbox.clear()
    server.clock.advance(timedelta(days=31).total_seconds())

    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def sender() -> None:
        try:
            start.wait()
            results.append(send_due_notices(context, keys))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(results) == 6
    assert count(server, LogEntry) == entries_before + 6
    with context.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Notification)) == 6
        statuses = db.scalars(select(LegalDemandAccount.notice_status)).all()
    assert sorted(statuses) == ["sent"] * 6
    for owner in owners:
        notices = [m for m in server.mailbox.to(owner.email) if "legal demand" in m["subject"]]
        assert len(notices) == 2
    assert send_due_notices(context, keys) == 0


def test_notices_that_fell_due_while_down_go_out_at_start(
    server: ServerHarness, settings: ServerSettings, clock: FakeClock
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, _ = resident_at(server)
    demand = delayed(server, operator, owner.email, days=3)
    clock.advance(timedelta(days=4).total_seconds())

    # A second process starting now catches up before anyone calls it.
    restarted = create_app(settings, clock=clock)
    try:
        with TestClient(restarted):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with restarted.state.server.sessions() as db:
                    status = db.scalar(select(LegalDemandAccount.notice_status))
                if status == "sent":
                    break
                time.sleep(0.1)
    finally:
        restarted.state.server.engine.dispose()
    assert status == "sent"
    notes = owner.client.get("/api/notifications").json()["notifications"]
    assert [n["demand_id"] for n in notes] == [demand["id"]]


def test_a_deleted_accounts_notice_is_undeliverable_and_not_logged(
    server: ServerHarness,
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, _ = resident_at(server)
    demand = delayed(server, operator, owner.email)
    gone = owner.client.post("/api/account/delete", json={"password": PASSWORD})
    assert gone.status_code == 200, gone.text
    size = count(server, LogEntry)
    server.clock.advance(timedelta(days=31).total_seconds())
    assert send_due_notices(server.app.state.server, server.app.state.log_keys) == 0
    assert count(server, LogEntry) == size
    sign_in_again(server, operator)
    [line] = operator.client.get(f"/api/operator/legal/demands/{demand['id']}").json()["accounts"]
    assert line["notice_status"] == "undeliverable"
    assert line["email"] is None
    page = operator.client.get(f"/operator/legal/{demand['id']}")
    assert "undeliverable" in page.text


def test_the_response_is_logged_and_its_package_holds_what_the_server_has(
    server: ServerHarness, client: TestClient
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, home_id = resident_at(server)
    post(owner, home_id, title="Lost cat on Maple")
    demand = record(operator, demand_body(server, [owner.email]))
    url = f"/api/operator/legal/demands/{demand['id']}"

    early = operator.client.get(f"{url}/package")
    assert early.status_code == 409
    for body, field in (
        ({"outcome": "complied", "categories": []}, "categories"),
        ({"outcome": "complied", "categories": ["footage"]}, "categories"),
        ({"outcome": "rejected", "categories": ["posts"]}, "categories"),
    ):
        got = operator.client.post(f"{url}/response", json=body)
        assert got.status_code == 400, got.text
        assert got.json()["field"] == field
    got = operator.client.post(
        f"{url}/response",
        json={"outcome": "partially_complied", "categories": ["posts", "account_metadata", "log"]},
    )
    assert got.status_code == 200, got.text
    answered = got.json()
    _, entry = log_entry(client, answered["response_index"])
    assert entry["type"] == "legal_response"
    assert entry["outcome"] == "partially_complied"
    assert entry["categories"] == ["account_metadata", "log", "posts"]
    again = operator.client.post(f"{url}/response", json={"outcome": "rejected"})
    assert again.status_code == 409

    package = operator.client.get(f"{url}/package")
    assert package.status_code == 200, package.text
    assert package.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(package.content))
    names = set(archive.namelist())
    [line] = answered["accounts"]
    base = f"accounts/{line['pseudonym']}"
    assert {"README.txt", "demand.json", "log/checkpoint.txt", "log/key.json"} <= names
    assert json.loads(archive.read(f"{base}/account.json"))["email"] == owner.email
    [listed] = json.loads(archive.read(f"{base}/posts.json"))
    assert listed["title"] == "Lost cat on Maple"
    for index in (line["demand_index"], line["notice_index"], answered["response_index"]):
        data = archive.read(f"log/entries/{index}.json")
        assert decode_entry(data)
        assert json.loads(archive.read(f"log/proofs/{index}.json"))["index"] == index
    assert "held only on the owner's hub" in archive.read("README.txt").decode()
    assert not any("releases/" in name for name in names)
    assert owner.client.get(f"{url}/package").status_code == 403
    # The owner's notice page now says what was given.
    [mine] = owner.client.get("/api/legal/notices").json()
    assert "partially complied" in mine["server_answer"]


def test_a_document_is_stored_encrypted_and_capped(server: ServerHarness) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, _ = resident_at(server)
    demand = record(operator, demand_body(server, [owner.email]))
    url = f"/api/operator/legal/demands/{demand['id']}/document"
    wrong = operator.client.put(url, content=b"some other file")
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "document"
    too_big = operator.client.put(url, content=b"x" * 5000)
    assert too_big.status_code == 413
    assert too_big.json()["field"] == "document"
    got = operator.client.put(url, content=b"the warrant as served")
    assert got.status_code == 200, got.text
    assert got.json()["document_attached"] is True
    blobs = server.app.state.server.blobs
    sealed = blobs.get(f"legal/documents/{demand['id']}.age")
    assert b"the warrant as served" not in sealed
    assert pyrage.decrypt(sealed, [IDENTITY]) == b"the warrant as served"
    assert hashlib.sha256(b"the warrant as served").hexdigest() == DOC


def test_the_operator_records_a_demand_with_its_document_from_the_page(
    server: ServerHarness,
) -> None:
    operator = server.account(Role.OPERATOR, mfa_on=True)
    owner, _ = resident_at(server)
    form = {
        "csrf_token": operator.csrf,
        "kind": "subpoena",
        "authority": "County Court, Division 3",
        "received_on": server.clock().date().isoformat(),
        "accounts": owner.email,
        "scope": "Account metadata.",
    }
    page = operator.client.post(
        "/operator/legal",
        data=form,
        files={"document": ("subpoena.pdf", b"%PDF the subpoena", "application/pdf")},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    shown = operator.client.get(page.headers["location"])
    assert shown.status_code == 200
    assert hashlib.sha256(b"%PDF the subpoena").hexdigest() in shown.text
    bad = operator.client.post(
        "/operator/legal",
        data={**form, "accounts": "nobody@example.org", "document_sha256": DOC},
    )
    assert bad.status_code == 404, bad.text[-2000:]
    assert "Nothing was recorded" in bad.text, bad.text
