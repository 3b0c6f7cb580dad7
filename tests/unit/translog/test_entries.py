"""Log entries: one canonical byte string per entry, fixed fields, no floats, 64 KiB."""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontporch.crypto.keys import HubIdentity
from frontporch.translog.entries import (
    ENTRY_TYPES,
    MAX_ENTRY_BYTES,
    AgencyRegistered,
    LegalDemand,
    PolicyChanged,
    RequestFiled,
    RequestReach,
    StatementHidden,
    canonical_json,
    decode_entry,
    encode_entry,
    moment,
)
from frontporch.translog.errors import EntryError

AT = "2026-11-29T12:00:00Z"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _request() -> RequestFiled:
    return RequestFiled(
        at=AT,
        request=str(uuid.uuid4()),
        agency=str(uuid.uuid4()),
        incident="package_theft",
        case_sha256=_digest("case 2026-1234"),
        description_sha256=_digest("a parcel taken from a porch"),
        cells=["882a1072b9fffff", "882a1072bbfffff"],
        window_start="2026-11-28T18:00:00Z",
        window_end="2026-11-28T22:00:00Z",
    )


def test_encoding_is_sorted_compact_and_round_trips() -> None:
    entry = _request()
    data = encode_entry(entry)
    assert b" " not in data
    keys = list(json.loads(data))
    assert keys == sorted(keys)
    assert json.loads(data)["v"] == 1
    assert decode_entry(data) == entry


def test_every_type_is_tagged_and_decodes_to_itself() -> None:
    identity = HubIdentity.generate()
    agency = AgencyRegistered(
        at=AT,
        agency=str(uuid.uuid4()),
        name="Springfield Police Department",
        age_recipient=identity.age_recipient,
        signing_key=identity.public_key,
    )
    demand = LegalDemand(
        at=AT,
        demand=str(uuid.uuid4()),
        kind="subpoena",
        authority="County Court, Division 3",
        account="0123456789abcdef0123456789abcdef",
    )
    policy = PolicyChanged(at=AT, policy_sha256=_digest("policy v2"), summary="12 h windows")
    for entry in (agency, demand, policy, _request()):
        assert decode_entry(encode_entry(entry)) == entry
    assert {cls.model_fields["type"].default for cls in ENTRY_TYPES} == {
        "agency_registered",
        "request_filed",
        "request_closed",
        "release",
        "legal_demand",
        "legal_response",
        "owner_notice",
        "policy_changed",
        "request_reach",
        "delay_order",
        "emergency_paperwork",
        "agreement_published",
        "statement",
        "statement_hidden",
    }


def test_each_type_has_one_version_and_version_2_types_decode() -> None:
    reach = RequestReach(at=AT, request=str(uuid.uuid4()), homes=None, k=10)
    hidden = StatementHidden(
        at=AT, statement=str(uuid.uuid4()), reason="personal_data", reason_sha256=_digest("r")
    )
    for entry in (reach, hidden):
        data = encode_entry(entry)
        assert json.loads(data)["v"] == 2
        assert decode_entry(data) == entry
        with pytest.raises(EntryError, match="version 2, but this one says version 1"):
            decode_entry(canonical_json({**json.loads(data), "v": 1}))
    with pytest.raises(EntryError, match="version 1, but this one says version 2"):
        decode_entry(canonical_json({**json.loads(encode_entry(_request())), "v": 2}))


def test_non_canonical_bytes_are_refused_so_each_entry_has_one_hash() -> None:
    data = encode_entry(_request())
    spaced = json.dumps(json.loads(data), indent=1).encode()
    unsorted = json.dumps(dict(reversed(list(json.loads(data).items()))), separators=(",", ":"))
    for other in (spaced, unsorted.encode(), data + b"\n"):
        with pytest.raises(EntryError, match="canonical"):
            decode_entry(other)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "someone@example.org"}, "email"),
        ({"cells": []}, "cells"),
        ({"case_sha256": "case 2026-1234"}, "case_sha256"),
        ({"at": "2026-11-29 12:00"}, "at"),
        ({"type": "gossip"}, "type"),
    ],
)
def test_unknown_fields_and_personal_text_are_refused(
    change: dict[str, object], message: str
) -> None:
    raw = {**json.loads(encode_entry(_request())), **change}
    with pytest.raises(EntryError, match=message):
        decode_entry(json.dumps(raw, sort_keys=True, separators=(",", ":")).encode())


def test_other_versions_floats_and_oversized_entries_are_refused() -> None:
    raw = json.loads(encode_entry(_request()))
    with pytest.raises(EntryError, match="version"):
        decode_entry(canonical_json({**raw, "v": 2}))
    with pytest.raises(EntryError, match="floating"):
        canonical_json({"a": [1, 2.5]})
    with pytest.raises(EntryError, match="limit"):
        decode_entry(b"{" + b" " * MAX_ENTRY_BYTES + b"}")
    with pytest.raises(EntryError, match="UTF-8 JSON"):
        decode_entry(b"\xff\xfe")


def test_moments_are_utc_seconds() -> None:
    east = timezone(timedelta(hours=2))
    assert moment(datetime(2026, 11, 29, 14, 0, 5, 999, tzinfo=east)) == "2026-11-29T12:00:05Z"
    assert moment(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00Z"
    with pytest.raises(EntryError):
        moment(datetime(2026, 1, 2))


@given(st.binary(max_size=300))
def test_decoding_arbitrary_bytes_raises_only_entry_errors(data: bytes) -> None:
    with contextlib.suppress(EntryError):
        decode_entry(data)
