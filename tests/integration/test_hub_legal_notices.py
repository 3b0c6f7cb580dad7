"""The hub checks a legal notice against the transparency log, and shows it either way.

A real in-memory log (entries, Merkle tree, signed checkpoints) is served through the
injectable `fetch` of `translog.client` (tests/hub_requests_tools.py); the desk keeps
its monitor state on disk next to the footage-request desk's and stores into a real
HubStore; the page is the hub's real web app. A notice the log does not back is kept
and shown as "not confirmed by the log", with the reason.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fakes import (
    OWNER_PASSWORD,
    FakeRuntime,
    camera_status,
    cheap_password_hashing,
    sign_in,
)
from frontporch.hub.community.link import ServerLink
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.notices.service import NoticeDesk
from frontporch.hub.requests.service import RequestDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.app import create_hub_app
from frontporch.hub.web.passwords import set_owner_password
from frontporch.protocol import MessageKind
from frontporch.translog.entries import LegalDemand, OwnerNotice, PolicyChanged, encode_entry
from hub_requests_tools import FILED, SERVER, MemoryLog, moment, register, sha

DAY = 86_400.0
ACCOUNT = "a1" * 16
OTHER_ACCOUNT = "b2" * 16
AUTHORITY = "County Court, Division 3"
RECEIVED = FILED - 31 * DAY
DELAY_END = FILED - DAY


def config_at(root: Path) -> HubConfig:
    return parse_config(
        {
            "storage": {"path": str(root)},
            "cameras": {"front": {"inputs": [{"url": "rtsp://cam.test/1"}]}},
        }
    )


def link() -> ServerLink:
    return ServerLink(SERVER, "hub-1", "home-1", "Home", "secret-credential")


@pytest.fixture
def log() -> MemoryLog:
    memory = MemoryLog()
    register(memory, "Records desk")  # the log has history before the demand
    return memory


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "index.sqlite3") as store:
        yield store


@pytest.fixture
def desk(tmp_path: Path, store: HubStore, log: MemoryLog) -> NoticeDesk:
    return NoticeDesk(
        config_at(tmp_path), store, tmp_path, link, clock=lambda: FILED, fetch=log.fetch
    )


def demand_and_notice(
    log: MemoryLog,
    *,
    delayed_until: float | None = DELAY_END,
    notice_at: float = DELAY_END,
    notice_account: str = ACCOUNT,
    log_notice: bool = True,
    **changes: Any,
) -> dict[str, Any]:
    """A warrant and its owner notice logged (unless log_notice=False), and the
    LEGAL_NOTICE body the server sends for them."""
    demand = str(uuid.uuid4())
    index = log.append(
        LegalDemand(
            at=moment(RECEIVED + 3600),
            demand=demand,
            kind="warrant",
            authority=AUTHORITY,
            account=ACCOUNT,
            notice_delayed_until=None if delayed_until is None else moment(delayed_until),
        )
    )
    notice = OwnerNotice(at=moment(notice_at), demand=demand, account=notice_account)
    notice_index = log.append(notice) if log_notice else index + 1
    log.publish()
    body: dict[str, Any] = {
        "demand": demand,
        "kind": "warrant",
        "authority": AUTHORITY,
        "received_on": moment(RECEIVED)[:10],
        "scope": "Subscriber records and any video of 12 Elm St, 1-30 May.",
        "log_index": index,
        "notice_index": notice_index,
        "delayed_until": None if delayed_until is None else moment(delayed_until),
        "server_answer": "Account metadata; footage is held only on the owner's hub.",
    }
    body.update(changes)
    return body


def wait_for_threads(name: str) -> None:
    deadline = time.monotonic() + 10
    for thread in threading.enumerate():
        if thread.name == name:
            thread.join(max(0.0, deadline - time.monotonic()))


def test_a_logged_notice_from_the_link_is_confirmed_and_shown_with_its_entries(
    tmp_path: Path, store: HubStore, log: MemoryLog, desk: NoticeDesk, monkeypatch: Any
) -> None:
    body = demand_and_notice(log)
    desk.on_legal_notice({"kind": MessageKind.LEGAL_NOTICE.value, "body": body})
    wait_for_threads("hub-notice")
    (record,) = desk.notices()
    assert record.confirmed, record.problem
    assert record.delayed_until == DELAY_END
    assert (tmp_path / "log-monitor.json").exists()

    cheap_password_hashing(monkeypatch)
    set_owner_password(store, OWNER_PASSWORD, now=FILED - 60)
    runtime = FakeRuntime({"front": camera_status("front")})
    app = create_hub_app(config_at(tmp_path), store, runtime, clock=lambda: FILED, notice_desk=desk)
    client = TestClient(app)
    token = sign_in(client)
    text = " ".join(client.get("/notices").text.split())
    assert "Confirmed by the server's transparency log." in text
    assert "Not confirmed" not in text
    for index in (body["log_index"], body["notice_index"]):
        assert f'href="{SERVER}/transparency/entries/{index}">index {index}</a>' in text
    assert "Notices (1)" in text
    client.post(f"/notices/{record.demand}/read", data={"csrf_token": token})
    assert desk.unread_count() == 0


def _authority(log: MemoryLog) -> dict[str, Any]:
    return demand_and_notice(log, authority="Another court")


def _other_account(log: MemoryLog) -> dict[str, Any]:
    return demand_and_notice(log, notice_account=OTHER_ACCOUNT)


def _delay_hidden(log: MemoryLog) -> dict[str, Any]:
    return demand_and_notice(log, delayed_until=DELAY_END) | {"delayed_until": None}


def _delay_shortened(log: MemoryLog) -> dict[str, Any]:
    return demand_and_notice(log) | {"delayed_until": moment(DELAY_END - DAY)}


def _sent_before_the_delay_ended(log: MemoryLog) -> dict[str, Any]:
    return demand_and_notice(log, notice_at=DELAY_END - 3600)


def _not_in_the_log(log: MemoryLog) -> dict[str, Any]:
    return demand_and_notice(log, log_notice=False)


def _another_kind(log: MemoryLog) -> dict[str, Any]:
    return demand_and_notice(log, kind="subpoena")


def _another_entry(log: MemoryLog) -> dict[str, Any]:
    return demand_and_notice(log) | {"log_index": 0}


def _another_demand(log: MemoryLog) -> dict[str, Any]:
    first = demand_and_notice(log)
    return demand_and_notice(log) | {"notice_index": first["notice_index"]}


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_authority, "the authority differs from the logged one (County Court, Division 3)"),
        (_another_kind, "the kind of demand differs from the logged one (warrant)"),
        (_other_account, "is a notice to another account than the demand named"),
        (_delay_hidden, "the message does not say so"),
        (_delay_shortened, "the message's delay ends before the logged one"),
        (_sent_before_the_delay_ended, "before its delay ended"),
        (_not_in_the_log, "not proven to be in the server's log"),
        (_another_entry, "is not a legal demand"),
        (_another_demand, "is not logged after the demand's"),
    ],
)
def test_a_notice_the_log_does_not_back_is_kept_as_not_confirmed(
    log: MemoryLog,
    desk: NoticeDesk,
    make: Callable[[MemoryLog], dict[str, Any]],
    reason: str,
) -> None:
    record = desk.receive(make(log))
    assert not record.confirmed
    assert reason in (record.problem or ""), record.problem
    assert desk.notices() == [record]
    assert desk.unread_count() == 1


def test_a_notice_of_another_demand_in_a_later_entry_is_not_confirmed(
    log: MemoryLog, desk: NoticeDesk
) -> None:
    first = demand_and_notice(log)
    second = demand_and_notice(log)
    body = first | {"notice_index": second["notice_index"]}
    record = desk.receive(body)
    assert not record.confirmed
    assert "is the notice of another demand" in (record.problem or "")


def test_delivered_again_a_notice_is_checked_again_until_the_log_confirms_it(
    log: MemoryLog, desk: NoticeDesk
) -> None:
    body = demand_and_notice(log, log_notice=False, delayed_until=None)
    first = desk.receive(body)
    assert not first.confirmed
    desk.mark_read(first.demand)
    # The server logs the notice after all; the message comes again.
    log.append(OwnerNotice(at=moment(FILED), demand=body["demand"], account=ACCOUNT))
    log.publish()
    again = desk.receive(body)
    assert again.confirmed, again.problem
    assert again.read_at is not None  # the owner's read mark is kept
    assert again.received_at == first.received_at
    # A later message the log does not back does not replace the confirmed notice.
    forged = desk.receive(body | {"notice_index": body["notice_index"] + 50})
    assert forged == again
    assert desk.notices() == [again]


def test_an_inconsistent_log_puts_the_hub_in_that_state_and_confirms_nothing(
    tmp_path: Path, store: HubStore, log: MemoryLog, desk: NoticeDesk
) -> None:
    assert desk.receive(demand_and_notice(log)).confirmed
    # The operator rewrites history the hub already verified.
    log.data[0] = encode_entry(
        PolicyChanged(at=moment(FILED), policy_sha256=sha("x"), summary="rewritten")
    )
    record = desk.receive(demand_and_notice(log))
    assert not record.confirmed
    assert "inconsistent" in (record.problem or "")
    requests = RequestDesk(config_at(tmp_path), store, tmp_path, link, fetch=log.fetch)
    assert not requests.log_health().ok  # the footage-request desk stops too
    # While the state lasts, no notice is checked, and none is lost.
    fresh = MemoryLog()
    desk._fetch = fresh.fetch
    later = desk.receive(demand_and_notice(fresh))
    assert not later.confirmed
    assert "inconsistent" in (later.problem or "")
    assert len(desk.notices()) == 3
