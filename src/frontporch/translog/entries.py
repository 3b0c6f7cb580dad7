"""Log entries: versioned, canonical JSON, at most 64 KiB, holding no personal data.

Every entry is a JSON object `{"v": 1, "type": <type>, "at": <UTC second>, ...}` whose
fields are fixed per type (unknown fields are refused, so nothing personal can ride
along in a field nobody reviewed). People appear only as pseudonyms — keyed hashes the
server computes (`account`), or fingerprints of public keys (`hub`) — and case numbers
and descriptions only as SHA-256 digests, which a party holding the original can
match but the public cannot read. Areas are H3 cells at the home resolution, the same
coarse cells the server matches homes with. Agencies are institutions, named in the
clear.

Canonical form (what is hashed into the tree): UTF-8 JSON with keys sorted, no
whitespace, no floats (every number is an integer, so there is no float formatting to
disagree on), strings as `json.dumps(ensure_ascii=False)` writes them. This is the
subset of JSON where RFC 8785 (JSON Canonicalization Scheme) and Python's sorted dump
agree: keys here are ASCII, so sorting by code point and by UTF-16 unit coincide.
`encode_entry` always produces this form; `decode_entry` refuses bytes that are not
in it, so one entry has exactly one byte string and one leaf hash.

The types the footage-request flow writes (DESIGN.md, main flows 3-5), version 1:
`agency_registered`, `request_filed`, `request_closed`, `release`, `legal_demand`,
`legal_response`, `owner_notice`, `policy_changed`. Version 2 added the types that
legal demands, agreements, agency statements and the transparency report need:
`request_reach`, `delay_order`, `emergency_paperwork`, `agreement_published`,
`statement`, `statement_hidden`. A new field or type is a new version `v`; each type
has exactly one version, and old entries keep their meaning forever.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from frontporch.translog.errors import EntryError

MAX_ENTRY_BYTES = 64 * 1024
VERSION: Final = 1
VERSIONS: Final = (1, 2)

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256, hex.")]
Pseudonym = Annotated[
    str, Field(pattern=r"^[0-9a-f]{32}$", description="A keyed hash standing for a person.")
]
Id = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        description="A server-chosen UUID (lowercase).",
    ),
]
Cell = Annotated[str, Field(pattern=r"^8[0-9a-f]{14}$", description="An H3 cell, hex.")]
Moment = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
        description="A UTC time to the second, e.g. 2026-11-29T12:00:00Z.",
    ),
]
Label = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
Word = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    v: Literal[1] = VERSION
    at: Moment


class AgencyRegistered(_Entry):
    """A verified agency and the public keys hubs may encrypt and check signatures with."""

    type: Literal["agency_registered"] = "agency_registered"
    agency: Id
    name: Label
    age_recipient: Annotated[str, Field(pattern=r"^age1[02-9ac-hj-np-z]{58}$")]
    signing_key: Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]{43}=$")]
    supersedes: int | None = Field(
        default=None, ge=0, description="Log index of the registration this one replaces."
    )


class RequestFiled(_Entry):
    """An agency's footage request: what area and window, never which homes."""

    type: Literal["request_filed"] = "request_filed"
    request: Id
    agency: Id
    incident: Word
    case_sha256: Sha256Hex
    description_sha256: Sha256Hex
    cells: Annotated[list[Cell], Field(min_length=1, max_length=512)]
    window_start: Moment
    window_end: Moment


class RequestClosed(_Entry):
    """A request ends: fulfilled, withdrawn by the agency, or expired."""

    type: Literal["request_closed"] = "request_closed"
    request: Id
    reason: Literal["fulfilled", "withdrawn", "expired"]


class Release(_Entry):
    """An owner released footage for a request: which hub (by key fingerprint), what manifest."""

    type: Literal["release"] = "release"
    request: Id
    release: Id
    hub: Sha256Hex
    manifest_sha256: Sha256Hex
    clips: int = Field(ge=1, le=1000)


class LegalDemand(_Entry):
    """A warrant, subpoena, court order or emergency request recorded against an account."""

    type: Literal["legal_demand"] = "legal_demand"
    demand: Id
    kind: Literal["warrant", "subpoena", "court_order", "emergency", "other"]
    authority: Label
    account: Pseudonym
    notice_delayed_until: Moment | None = None


class LegalResponse(_Entry):
    """What the operator gave (by category) in answer to a demand."""

    type: Literal["legal_response"] = "legal_response"
    demand: Id
    outcome: Literal["complied", "partially_complied", "rejected", "no_data"]
    categories: Annotated[list[Word], Field(max_length=32)] = []


class OwnerNotice(_Entry):
    """The account a demand concerned was told about it."""

    type: Literal["owner_notice"] = "owner_notice"
    demand: Id
    account: Pseudonym


class PolicyChanged(_Entry):
    """The server's request policy (area and window limits, retention) changed."""

    type: Literal["policy_changed"] = "policy_changed"
    policy_sha256: Sha256Hex
    summary: Annotated[str, Field(min_length=1, max_length=2000)]


class _EntryV2(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    v: Literal[2] = 2
    at: Moment


class RequestReach(_EntryV2):
    """How many homes a request reached, as the report shows it: the count only at or
    above the operator's k, else null (below k)."""

    type: Literal["request_reach"] = "request_reach"
    request: Id
    homes: int | None = Field(default=None, ge=0)
    k: int = Field(ge=1, le=1000)


class DelayOrder(_EntryV2):
    """A court's order delaying the notice of a demand to one account, until a date."""

    type: Literal["delay_order"] = "delay_order"
    demand: Id
    account: Pseudonym
    until: Moment
    order_sha256: Sha256Hex


class EmergencyPaperwork(_EntryV2):
    """The court paperwork that followed an emergency demand (due within 48 hours)."""

    type: Literal["emergency_paperwork"] = "emergency_paperwork"
    demand: Id
    kind: Literal["warrant", "subpoena", "court_order", "other"]
    document_sha256: Sha256Hex


class AgreementPublished(_EntryV2):
    """An agreement between the operator and an agency, published with its document."""

    type: Literal["agreement_published"] = "agreement_published"
    agreement: Id
    agency: Id
    kind: Literal["mou", "data_sharing", "pilot", "other"]
    title: Label
    starts: Moment
    ends: Moment | None = None
    document_sha256: Sha256Hex


class Statement(_EntryV2):
    """An agency's text as submitted (a feed post or a request's text), by its hash."""

    type: Literal["statement"] = "statement"
    statement: Id
    agency: Id
    kind: Literal["post", "request"]
    sha256: Sha256Hex


class StatementHidden(_EntryV2):
    """An operator hid an agency's statement: the reason's category and the hash of its
    words (the text stays as submitted, never edited)."""

    type: Literal["statement_hidden"] = "statement_hidden"
    statement: Id
    reason: Word
    reason_sha256: Sha256Hex


Entry = (
    AgencyRegistered
    | RequestFiled
    | RequestClosed
    | Release
    | LegalDemand
    | LegalResponse
    | OwnerNotice
    | PolicyChanged
    | RequestReach
    | DelayOrder
    | EmergencyPaperwork
    | AgreementPublished
    | Statement
    | StatementHidden
)
ENTRY_TYPES: tuple[type[_Entry] | type[_EntryV2], ...] = (
    AgencyRegistered,
    RequestFiled,
    RequestClosed,
    Release,
    LegalDemand,
    LegalResponse,
    OwnerNotice,
    PolicyChanged,
    RequestReach,
    DelayOrder,
    EmergencyPaperwork,
    AgreementPublished,
    Statement,
    StatementHidden,
)
_VERSION_OF = {
    cls.model_fields["type"].default: cls.model_fields["v"].default for cls in ENTRY_TYPES
}
_ADAPTER: TypeAdapter[Entry] = TypeAdapter(Annotated[Entry, Field(discriminator="type")])


def moment(when: datetime) -> str:
    """`when` as an entry's time string (UTC, to the second)."""
    if when.tzinfo is None:
        raise EntryError("entry times must be timezone-aware")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON value: sorted keys, no whitespace, UTF-8, no floats."""
    _refuse_floats(value)
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise EntryError("log entries hold no floating-point numbers")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_floats(item)


def encode_entry(entry: Entry) -> bytes:
    """The canonical bytes of `entry`, which is what the log stores and hashes."""
    data = canonical_json(entry.model_dump(mode="json", exclude_none=True))
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError(f"entry is {len(data)} bytes; the limit is {MAX_ENTRY_BYTES}")
    return data


def decode_entry(data: bytes) -> Entry:
    """The entry in `data`; EntryError unless it is valid and already canonical."""
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryError(f"entry is {len(data)} bytes; the limit is {MAX_ENTRY_BYTES}")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EntryError(f"entry is not UTF-8 JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise EntryError("an entry is a JSON object")
    if raw.get("v") not in VERSIONS:
        raise EntryError(
            f"unknown entry version {raw.get('v')!r}; this verifier reads versions "
            f"{', '.join(map(str, VERSIONS))}"
        )
    expected = _VERSION_OF.get(raw.get("type"))
    if expected is not None and raw["v"] != expected:
        raise EntryError(
            f"a {raw['type']} entry is version {expected}, but this one says version {raw['v']}"
        )
    try:
        entry = _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise EntryError(f"invalid entry field {where!r}: {problem['msg']}") from None
    if encode_entry(entry) != data:
        raise EntryError("entry bytes are not in canonical form (sorted keys, no spaces)")
    return entry
