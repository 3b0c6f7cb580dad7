"""The hub checks a footage request against the transparency log and its owner's policy.

A real in-memory log (entries, Merkle tree, signed checkpoints) is served through the
injectable `fetch` of `translog.client` — the server's public log API, not our code —
and the desk stores into a real HubStore. Covers the trust-model refusals: a request
absent from the log, outside the policy, whose agency key differs from the logged
registration, whose case number does not match its hash, and a log inconsistent
with its last checkpoint (after which the hub refuses everything until reset).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from frontporch.hub.community.link import ServerLink
from frontporch.hub.community.log_audit import MONITOR_FILE
from frontporch.hub.config import HubConfig, parse_config
from frontporch.hub.requests.consent import NotOpen, WrongPassword, confirm_consent
from frontporch.hub.requests.records import ClipPick, RequestState
from frontporch.hub.requests.service import LogNotTrusted, RequestDesk
from frontporch.hub.store.index import HubStore
from frontporch.hub.web.passwords import set_owner_password
from frontporch.translog.entries import (
    PolicyChanged,
    encode_entry,
)
from frontporch.translog.note import Signer
from hub_requests_tools import (
    FILED,
    ORIGIN,
    PASSWORD,
    SERVER,
    MemoryLog,
    file_request,
    moment,
    register,
    sha,
)


@pytest.fixture
def log() -> MemoryLog:
    return MemoryLog()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HubStore]:
    with HubStore(tmp_path / "index.sqlite3") as store:
        set_owner_password(store, PASSWORD)
        yield store


def desk_for(
    tmp_path: Path, store: HubStore, log: MemoryLog, requests: dict[str, Any] | None = None
) -> RequestDesk:
    config: HubConfig = parse_config(
        {
            "storage": {"path": str(tmp_path)},
            "cameras": {"front": {"inputs": [{"url": "rtsp://cam.test/1"}]}},
            "requests": requests or {},
        }
    )
    link = ServerLink(SERVER, "hub-1", "home-1", "Home", "secret-credential")
    return RequestDesk(
        config, store, tmp_path, link_loader=lambda: link, clock=lambda: FILED + 60, fetch=log.fetch
    )


def test_a_logged_request_within_policy_is_open_with_the_logged_recipient(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    body = file_request(log, agency)
    desk = desk_for(tmp_path, store, log)
    record = desk.receive(body)
    assert record.state is RequestState.OPEN, record.refusal
    assert record.recipient == agency.identity.age_recipient
    assert record.agency_key == agency.identity.public_key
    assert desk.open_count() == 1
    assert [r.id for r in desk.inbox()] == [body["request"]]
    assert desk.log_health().ok
    assert (tmp_path / MONITOR_FILE).exists()  # the verified checkpoint is kept


def test_a_request_absent_from_the_log_is_refused(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    body = file_request(log, agency, log_it=False)
    record = desk_for(tmp_path, store, log).receive(body)
    assert record.state is RequestState.REFUSED
    assert "not proven to be in the server's log" in (record.refusal or "")
    assert not record.answerable


def test_a_message_that_differs_from_the_logged_entry_is_refused(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    body = file_request(log, agency, window_start=moment(FILED - 3 * 86400))
    record = desk_for(tmp_path, store, log).receive(body)
    assert record.state is RequestState.REFUSED
    assert record.refusal == "the window differs from the logged one"


def test_a_request_outside_the_hub_ceiling_is_refused(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    body = file_request(log, agency, hours=25)
    record = desk_for(tmp_path, store, log).receive(body)
    assert record.state is RequestState.REFUSED
    assert (record.refusal or "").startswith("outside this hub's policy: the window is 25.00 hours")


def test_the_owner_policy_tightens_the_limits(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    tight = {"max_window_hours": 1, "incidents": ["hit_and_run"]}
    desk = desk_for(tmp_path, store, log, tight)
    record = desk.receive(file_request(log, agency, hours=1))
    assert "does not answer requests about 'burglary'" in (record.refusal or "")
    record = desk.receive(file_request(log, agency, hours=2, incident="hit_and_run"))
    assert "the window is 2.00 hours" in (record.refusal or "")
    record = desk.receive(file_request(log, agency, hours=1, incident="hit_and_run"))
    assert record.state is RequestState.OPEN, record.refusal


def test_a_request_whose_agency_key_differs_from_the_logged_registration_is_refused(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    other = register(log, "Shelbyville Police Department")
    # The message points at another agency's registration (another key, another recipient).
    body = file_request(log, agency, registration=other)
    record = desk_for(tmp_path, store, log).receive(body)
    assert record.state is RequestState.REFUSED
    assert "the agency's key is not the one logged for it" in (record.refusal or "")
    assert record.recipient == ""  # nothing of the other registration was taken


def test_a_case_number_that_does_not_match_its_hash_is_refused(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    body = file_request(log, agency)
    body["case_number"] = "2026-000124"
    record = desk_for(tmp_path, store, log).receive(body)
    assert record.state is RequestState.REFUSED
    assert record.refusal == "the case number does not match the hash in the log"
    body = file_request(log, agency)
    body["description"] += " "
    record = desk_for(tmp_path, store, log).receive(body)
    assert record.refusal == "the description does not match the hash in the log"


def test_a_log_inconsistent_with_its_last_checkpoint_stops_every_request(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    desk = desk_for(tmp_path, store, log)
    first = desk.receive(file_request(log, agency))
    assert first.state is RequestState.OPEN
    # The operator rewrites history: an entry the hub already verified changes.
    log.data[0] = encode_entry(
        PolicyChanged(at=moment(FILED), policy_sha256=sha("x"), summary="rewritten")
    )
    agency_again = register(log, "Springfield Police Department")
    record = desk.receive(file_request(log, agency_again))
    assert record.state is RequestState.REFUSED
    assert "inconsistent" in (record.refusal or "")
    health = desk.log_health()
    assert not health.ok
    assert "frontporch hub log-reset" in health.message
    # Persistent: even a well-formed request on a log that now checks out is refused.
    fresh = MemoryLog()
    clean = register(fresh, "Springfield Police Department")
    desk._fetch = fresh.fetch
    record = desk.receive(file_request(fresh, clean))
    assert record.state is RequestState.REFUSED
    # And nothing is released for the request that was open before.
    consent = confirm_consent(store, PASSWORD, first.id, FILED + 60)
    with pytest.raises(LogNotTrusted):
        desk.release(consent, [ClipPick("front", FILED - 7200, FILED - 7000)])
    assert desk.releases() == []
    # The owner investigated: reset, the old state is kept aside, the new log trusted.
    assert desk.reset_log()
    assert desk.log_health().ok
    assert list(tmp_path.glob(f"{MONITOR_FILE}.inconsistent-*"))
    record = desk.receive(file_request(fresh, clean))
    assert record.state is RequestState.OPEN, record.refusal


def test_a_pinned_key_refuses_a_log_signed_by_another(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    pinned = Signer.generate(ORIGIN).verifier.key_string
    desk = desk_for(tmp_path, store, log, {"log_key": pinned})
    record = desk.receive(file_request(log, agency))
    assert record.state is RequestState.REFUSED
    assert "could not be checked" in (record.refusal or "")


def test_a_malformed_message_is_not_stored(tmp_path: Path, store: HubStore, log: MemoryLog) -> None:
    desk = desk_for(tmp_path, store, log)
    with pytest.raises(Exception, match="field 'log_index'"):
        desk.receive({"request": str(uuid.uuid4()), "log_index": "x"})
    assert store.list_footage_requests() == []


def test_consent_needs_the_owner_password_on_an_open_request(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    desk = desk_for(tmp_path, store, log)
    record = desk.receive(file_request(log, agency))
    with pytest.raises(WrongPassword):
        confirm_consent(store, "not the password", record.id, FILED + 60)
    with pytest.raises(NotOpen):
        confirm_consent(store, PASSWORD, str(uuid.uuid4()), FILED + 60)
    with pytest.raises(NotOpen):  # expired on the hub's clock
        confirm_consent(store, PASSWORD, record.id, record.expires_at)
    consent = confirm_consent(store, PASSWORD, record.id, FILED + 60)
    assert consent.request_id == record.id
    with pytest.raises(Exception, match="only by confirm_consent"):
        type(consent)(request_id=record.id, confirmed_at=0.0, _mint=object())


def test_decline_close_and_expiry_are_local_states(
    tmp_path: Path, store: HubStore, log: MemoryLog
) -> None:
    agency = register(log, "Springfield Police Department")
    desk = desk_for(tmp_path, store, log)
    declined = desk.receive(file_request(log, agency))
    closed = desk.receive(file_request(log, agency))
    expiring = desk.receive(file_request(log, agency))
    assert desk.decline(declined.id).state is RequestState.DECLINED
    with pytest.raises(NotOpen):
        confirm_consent(store, PASSWORD, declined.id, FILED + 60)
    desk.on_request_closed(
        {
            "kind": "request_closed",
            "body": {"request": closed.id, "reason": "withdrawn", "log_index": 9},
        }
    )
    got = desk.get(closed.id)
    assert got is not None
    assert got.state is RequestState.CLOSED
    assert got.closed_reason == "withdrawn"
    assert desk.expire(expiring.expires_at) == 1
    got = desk.get(expiring.id)
    assert got is not None
    assert got.state is RequestState.EXPIRED
    assert desk.open_count() == 0
