"""Legal notices on the hub: the store's table, the message's contract, and the page.

Real parts: the hub's SQLite store (migrated to v5) and its web app with a signed-in
owner. The log check itself is tested against an in-memory log in
tests/integration/test_hub_legal_notices.py; here the desk has no server link, so a
notice is kept unconfirmed ("not confirmed by the log") rather than dropped.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeClock,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    hub_config,
    sign_in,
)
from frontporch.hub.community.link import NotPaired, ServerLink
from frontporch.hub.notices.intake import MalformedNotice, parse_notice_message
from frontporch.hub.notices.records import LegalNoticeRecord
from frontporch.hub.notices.service import NoticeDesk, UnknownNotice
from frontporch.hub.store.index import HubStore
from frontporch.hub.store.schema import MIGRATIONS
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password

NOW = FakeClock().now
DAY = 86_400.0
SCOPE = 'Subscriber records & "all video" <script>alert(1)</script>\n  from 1 to 30 May.'
AUTHORITY = "County Court, Division 3"


def notice(demand: str | None = None, **changes: Any) -> LegalNoticeRecord:
    """A notice as the desk stores it after its check."""
    record = LegalNoticeRecord(
        demand=demand or str(uuid.uuid4()),
        kind="warrant",
        authority=AUTHORITY,
        received_on="2024-05-02",
        scope=SCOPE,
        log_index=12,
        notice_index=15,
        delayed_until=NOW - DAY,
        server_answer="Account metadata; footage is held only on the owner's hub.",
        received_at=NOW - 60,
        confirmed=True,
    )
    return replace(record, **changes)


def body(**changes: Any) -> dict[str, Any]:
    """A LEGAL_NOTICE body as the contract describes it."""
    message: dict[str, Any] = {
        "demand": str(uuid.uuid4()),
        "kind": "subpoena",
        "authority": AUTHORITY,
        "received_on": "2024-05-02",
        "scope": SCOPE,
        "log_index": 3,
        "notice_index": 4,
        "delayed_until": None,
        "server_answer": "not yet answered",
    }
    message.update(changes)
    return message


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "hub.db") as store:
        yield store


# --- the store ----------------------------------------------------------------------------


def test_the_store_keeps_notices_newest_first_and_marks_them_read_once(
    store: HubStore, tmp_path: Path
) -> None:
    older = notice(received_at=NOW - 3600, delayed_until=None, confirmed=False, problem="why")
    newer = notice()
    store.save_legal_notice(older)
    store.save_legal_notice(newer)
    assert store.list_legal_notices() == [newer, older]
    assert store.get_legal_notice(older.demand) == older
    assert store.get_legal_notice(str(uuid.uuid4())) is None
    assert store.count_unread_legal_notices() == 2

    assert store.mark_legal_notice_read(older.demand, NOW)
    assert store.mark_legal_notice_read(older.demand, NOW + 99)  # the first time is kept
    assert store.get_legal_notice(older.demand) == replace(older, read_at=NOW)
    assert store.count_unread_legal_notices() == 1
    assert not store.mark_legal_notice_read(str(uuid.uuid4()), NOW)

    # One row per demand: saving again replaces it.
    store.save_legal_notice(replace(newer, server_answer="complied"))
    answers = [n.server_answer for n in store.list_legal_notices()]
    assert answers == ["complied", older.server_answer]
    raw = sqlite3.connect(tmp_path / "hub.db")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    raw.close()


def test_a_v4_database_gains_the_notice_table_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    for script in MIGRATIONS[:4]:
        raw.executescript(script)
    raw.execute("INSERT INTO settings (key, value) VALUES ('kept', 'yes')")
    raw.execute("PRAGMA user_version = 4")
    raw.commit()
    raw.close()
    with HubStore(path) as store:
        assert store.get_setting("kept") == "yes"
        assert store.list_legal_notices() == []
        store.save_legal_notice(notice())
        assert store.count_unread_legal_notices() == 1


# --- the message --------------------------------------------------------------------------


def test_a_well_formed_message_becomes_an_unconfirmed_notice() -> None:
    record = parse_notice_message(body(delayed_until="2024-06-01T00:00:00Z"), NOW)
    assert record.kind == "subpoena"
    assert record.scope == SCOPE
    assert record.delayed_until == 1_717_200_000.0
    assert record.received_at == NOW
    assert not record.confirmed
    assert record.unread


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"authority": ""}, "authority"),
        ({"kind": "letter"}, "kind"),
        ({"demand": "not-a-uuid"}, "demand"),
        ({"log_index": "12"}, "log_index"),
        ({"notice_index": -1}, "notice_index"),
        ({"received_on": "May 2nd"}, "received_on"),
        ({"delayed_until": "2024-06-01"}, "delayed_until"),
        ({"scope": "x" * 10_001}, "scope"),
        ({"account": "a" * 32}, "account"),
    ],
)
def test_a_malformed_message_is_refused_naming_its_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(MalformedNotice, match=f"field '{field}"):
        parse_notice_message(body(**changes), NOW)


def test_impossible_dates_and_missing_bodies_are_refused() -> None:
    with pytest.raises(MalformedNotice, match="impossible date"):
        parse_notice_message(body(received_on="2024-02-30"), NOW)
    with pytest.raises(MalformedNotice, match="no body"):
        parse_notice_message(None, NOW)
    without = body()
    del without["server_answer"]
    with pytest.raises(MalformedNotice, match="server_answer"):
        parse_notice_message(without, NOW)


def test_without_a_server_link_a_notice_is_kept_as_not_confirmed(
    store: HubStore, tmp_path: Path
) -> None:
    def unpaired() -> ServerLink:
        raise NotPaired("this hub is not paired")

    desk = NoticeDesk(hub_config("front"), store, tmp_path, unpaired, clock=lambda: NOW)
    record = desk.receive(body())
    assert not record.confirmed
    assert "no server link" in (record.problem or "")
    assert desk.notices() == [record]
    assert desk.unread_count() == 1
    assert desk.entry_urls([3]) == {}
    with pytest.raises(MalformedNotice):
        desk.receive(body(kind="letter"))
    assert desk.notices() == [record]  # nothing half-written
    with pytest.raises(UnknownNotice):
        desk.mark_read(str(uuid.uuid4()))


# --- the page -----------------------------------------------------------------------------


@pytest.fixture
def app(store: HubStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    cheap_password_hashing(monkeypatch)
    clock = FakeClock()
    set_owner_password(store, OWNER_PASSWORD, now=clock.now - 60)
    runtime = FakeRuntime({"front": camera_status("front")})
    return create_hub_app(hub_config("front"), store, runtime, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    client = TestClient(app)
    client.headers["X-Test-CSRF"] = sign_in(client)
    return client


def test_the_page_lists_each_notice_with_what_the_owner_needs_to_know(
    client: TestClient, store: HubStore
) -> None:
    delayed = notice()
    doubtful = notice(
        kind="emergency",
        delayed_until=None,
        confirmed=False,
        problem="the authority differs from the logged one (Another court)",
        received_at=NOW - 7200,
    )
    store.save_legal_notice(delayed)
    store.save_legal_notice(doubtful)
    page = client.get("/notices")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "A warrant from" in text
    assert "An emergency request from" in text
    assert "County Court, Division 3" in text
    assert "2024-05-02" in text
    assert "Yes, by a court order, until" in text
    assert "Account metadata; footage is held only on the owner&#39;s hub." in text
    assert "index 12" in text
    assert "index 15" in text
    assert "it did not and cannot give any of it" in text
    assert text.count("Confirmed by the server's transparency log.") == 1
    assert "Not confirmed by the log:</strong> the authority differs" in text
    assert 'href="/notices" aria-current="page">Notices (2)' in text
    assert client.get("/").text.count("Notices (2)") == 1


def test_the_scope_is_shown_exactly_as_sent_and_escaped(
    client: TestClient, store: HubStore
) -> None:
    store.save_legal_notice(notice())
    text = client.get("/notices").text
    assert "<script>alert(1)</script>" not in text
    escaped = (
        "Subscriber records &amp; &#34;all video&#34; &lt;script&gt;alert(1)&lt;/script&gt;\n"
        "  from 1 to 30 May."
    )
    assert escaped in text


def test_marking_read_takes_the_session_and_its_csrf_token(
    client: TestClient, store: HubStore
) -> None:
    record = notice()
    store.save_legal_notice(record)
    token = client.headers["X-Test-CSRF"]
    refused = client.post(f"/notices/{record.demand}/read", follow_redirects=False)
    assert refused.status_code == 403
    assert store.count_unread_legal_notices() == 1
    done = client.post(
        f"/notices/{record.demand}/read", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/notices?read=1"
    page = client.get("/notices?read=1").text
    assert "Marked as read." in page
    assert "Mark as read" not in page
    assert re.search(r">Notices</a>", page)
    missing = client.post(f"/notices/{uuid.uuid4()}/read", data={"csrf_token": token})
    assert missing.status_code == 404
    assert "/notices" in missing.text
    anonymous = TestClient(client.app).get("/notices", follow_redirects=False)
    assert anonymous.status_code in (303, 401)


def test_with_no_notice_the_page_says_so(client: TestClient) -> None:
    text = client.get("/notices").text
    assert "No legal notices." in text
    assert ">Notices</a>" in text


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "script" and "src" not in a:
            self.problems.append("inline script")
        if "style" in a:
            self.problems.append(f"style on {tag}")


def test_the_page_has_unique_ids_and_no_inline_script_or_style(
    client: TestClient, store: HubStore
) -> None:
    store.save_legal_notice(notice())
    store.save_legal_notice(notice(read_at=NOW))
    audit = _Audit()
    audit.feed(client.get("/notices").text)
    assert audit.problems == []
    assert len(audit.ids) == len(set(audit.ids))
