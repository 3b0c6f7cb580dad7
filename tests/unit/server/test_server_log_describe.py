"""server/transparency/describe.py: one readable line per entry type, from real entries."""

from __future__ import annotations

import json

import pytest

from frontporch.server.transparency.describe import MAX_TEXT, describe
from frontporch.translog.entries import (
    AgencyRegistered,
    Entry,
    LegalDemand,
    LegalResponse,
    OwnerNotice,
    PolicyChanged,
    Release,
    RequestClosed,
    RequestFiled,
    encode_entry,
)

AT = "2026-12-01T12:00:00Z"
ID = "0123abcd-0000-4000-8000-000000000001"
AGENCY = "feedbeef-0000-4000-8000-000000000002"
SHA = "ab" * 32


def _decoded(entry: Entry) -> dict[str, object]:
    value = json.loads(encode_entry(entry))
    assert isinstance(value, dict)
    return value


@pytest.mark.parametrize(
    ("entry", "name", "text"),
    [
        (
            AgencyRegistered(
                at=AT, agency=AGENCY, name="Springfield PD", age_recipient="age1" + "q" * 58,
                signing_key="A" * 43 + "=", supersedes=3,
            ),
            "Agency registered",
            "“Springfield PD” (agency feedbeef) published its keys. Replaces the registration "
            "in entry 3.",
        ),
        (
            RequestFiled(
                at=AT, request=ID, agency=AGENCY, incident="package_theft", case_sha256=SHA,
                description_sha256=SHA, cells=["8828308281fffff", "8828308283fffff"],
                window_start="2026-11-30T20:00:00Z", window_end="2026-11-30T23:00:00Z",
            ),
            "Footage request",
            "Agency feedbeef asked for footage about a package theft: 2 area cells, "
            "2026-11-30T20:00:00Z to 2026-11-30T23:00:00Z (request 0123abcd).",
        ),
        (
            RequestClosed(at=AT, request=ID, reason="withdrawn"),
            "Request closed",
            "Request 0123abcd closed: withdrawn.",
        ),
        (
            Release(at=AT, request=ID, release=ID, hub=SHA, manifest_sha256=SHA, clips=1),
            "Footage released",
            "A hub (abababab…) released 1 clip for request 0123abcd.",
        ),
        (
            LegalDemand(
                at=AT, demand=ID, kind="court_order", authority="Cook County Court",
                account="c" * 32, notice_delayed_until="2027-01-01T00:00:00Z",
            ),
            "Legal demand",
            "A court order from Cook County Court about one account (demand 0123abcd). "
            "Owner notice delayed until 2027-01-01T00:00:00Z.",
        ),
        (
            LegalResponse(at=AT, demand=ID, outcome="partially_complied",
                          categories=["account_metadata"]),
            "Legal response",
            "Answer to demand 0123abcd: partially complied; gave: account metadata.",
        ),
        (
            OwnerNotice(at=AT, demand=ID, account="c" * 32),
            "Owner notified",
            "The account concerned by demand 0123abcd was told about it.",
        ),
        (
            PolicyChanged(at=AT, policy_sha256=SHA, summary="Windows now at most 12 hours."),
            "Policy changed",
            "Windows now at most 12 hours.",
        ),
    ],
)  # fmt: skip
def test_every_entry_type_reads_as_one_line(entry: Entry, name: str, text: str) -> None:
    summary = describe(_decoded(entry))
    assert (summary.type_name, summary.at, summary.text) == (name, AT, text)


def test_odd_entries_still_get_a_line() -> None:
    assert describe(None).type_name == "Unreadable entry"
    assert describe({"type": "future_thing", "at": AT}).text == "An entry of type “future_thing”."
    broken = describe({"type": "release", "at": AT})
    assert broken.text == "An entry of type “release” with unexpected fields."
    long = describe({"type": "policy_changed", "summary": "x" * 500})
    assert len(long.text) == MAX_TEXT
    assert long.at is None
