"""Checking a footage request before the owner ever sees it (DESIGN.md trust model 3).

A FOOTAGE_REQUEST message is only a claim by the server. `check_request` believes it
only as far as the transparency log proves it:

1. the log's latest checkpoint is consistent with the last one this hub verified
   (`translog.verify.Monitor.update`; the state lives in `<storage>/log-monitor.json`,
   trusting the server's key on first use unless the owner pinned one);
2. the `request_filed` entry at the message's `log_index` and the `agency_registered`
   entry at its `agency_registration_index` are proven into that checkpoint;
3. the request entry says what the message says (id, agency, incident, window, cells)
   and the plaintext case number and description hash to its logged digests;
4. the registration is of the same agency, logged before the request; the recipient
   the clips will be encrypted to and the agency's signing key come ONLY from it;
5. the request is within the owner's policy (`policy.py`).

Anything failing makes the request `refused`, with the reason in words. A log that
contradicts itself or a checkpoint already verified (`LogInconsistency`) is more: the
outcome carries it, and the desk puts the hub in the "server log inconsistent" state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontporch.hub.community.log_audit import LogAuditor, Unproven, as_moment, parse_time
from frontporch.hub.requests.policy import RequestPolicy, policy_problem
from frontporch.hub.requests.records import FootageRequestRecord, RequestState
from frontporch.translog.entries import AgencyRegistered, RequestFiled

_Id = Annotated[
    str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
_Moment = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
_Text = Annotated[str, Field(max_length=10_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Polygon(_Strict):
    type: Literal["polygon"]
    points: Annotated[list[tuple[float, float]], Field(min_length=3, max_length=1000)]


class _Circle(_Strict):
    type: Literal["circle"]
    center: tuple[float, float]
    radius_m: Annotated[int, Field(gt=0, le=100_000)]


class RequestMessage(_Strict):
    """The FOOTAGE_REQUEST body (contract: "Server → hub message bodies")."""

    request: _Id
    log_index: Annotated[int, Field(ge=0)]
    agency: _Id
    agency_name: Annotated[str, Field(min_length=1, max_length=200)]
    agency_registration_index: Annotated[int, Field(ge=0)]
    case_number: Annotated[str, Field(min_length=1, max_length=200)]
    incident: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")]
    description: _Text
    contact: Annotated[str, Field(max_length=1000)]
    area: Annotated[_Polygon | _Circle, Field(discriminator="type")]
    cells: Annotated[
        list[Annotated[str, Field(pattern=r"^8[0-9a-f]{14}$")]], Field(min_length=1, max_length=512)
    ]
    window_start: _Moment
    window_end: _Moment
    expires_at: _Moment
    filed_at: _Moment


def parse_request_message(
    body: object, now: float
) -> tuple[FootageRequestRecord | None, str | None]:
    """The request in a FOOTAGE_REQUEST body, still `verifying`; or why it is unreadable.

    A body that does not match the contract gives (None, reason): there is nothing the
    owner could answer, so nothing is stored.
    """
    if not isinstance(body, dict):
        return None, "the footage request message has no body"
    try:
        message = RequestMessage.model_validate(_lists_to_tuples(body))
        times = [
            parse_time(getattr(message, name))
            for name in ("window_start", "window_end", "expires_at", "filed_at")
        ]
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        return None, f"the footage request message is malformed: field {where!r}: {problem['msg']}"
    except ValueError as exc:
        return None, f"the footage request message has an impossible time: {exc}"
    area = message.area.model_dump(mode="json")
    record = FootageRequestRecord(
        id=message.request,
        log_index=message.log_index,
        agency=message.agency,
        agency_name=message.agency_name,
        agency_registration_index=message.agency_registration_index,
        recipient="",
        agency_key="",
        case_number=message.case_number,
        incident=message.incident,
        description=message.description,
        contact=message.contact,
        area=area,
        cells=tuple(message.cells),
        window_start=times[0],
        window_end=times[1],
        expires_at=times[2],
        filed_at=times[3],
        received_at=now,
        state=RequestState.VERIFYING,
    )
    return record, None


def _lists_to_tuples(body: dict[str, Any]) -> dict[str, Any]:
    # Strict pydantic wants tuples for fixed-size pairs; JSON has only lists.
    data = dict(body)
    area = data.get("area")
    if isinstance(area, dict):
        area = dict(area)
        if isinstance(area.get("points"), list):
            area["points"] = [tuple(p) if isinstance(p, list) else p for p in area["points"]]
        if isinstance(area.get("center"), list):
            area["center"] = tuple(area["center"])
        data["area"] = area
    return data


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """The checked request (open or refused) and, if the log failed consistency, why."""

    record: FootageRequestRecord
    log_inconsistent: str | None = None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_request(
    record: FootageRequestRecord, auditor: LogAuditor, policy: RequestPolicy, now: float
) -> IntakeOutcome:
    """Check a `verifying` request against the log and the policy (module docstring)."""

    def refused(reason: str, inconsistent: str | None = None) -> IntakeOutcome:
        return IntakeOutcome(
            replace(record, state=RequestState.REFUSED, refusal=reason), inconsistent
        )

    if record.agency_registration_index >= record.log_index:
        return refused("the agency's registration is not logged before its request")
    entries = auditor.prove_entries([record.log_index, record.agency_registration_index], "request")
    if isinstance(entries, Unproven):
        return refused(entries.reason, entries.inconsistent)
    filed, registered = entries[record.log_index], entries[record.agency_registration_index]
    problem = _entry_problem(record, filed, registered)
    if problem is not None:
        return refused(problem)
    assert isinstance(registered, AgencyRegistered)
    problem = policy_problem(
        policy,
        area=record.area,
        incident=record.incident,
        window_start=record.window_start,
        window_end=record.window_end,
        filed_at=record.filed_at,
        expires_at=record.expires_at,
        now=now,
    )
    if problem is not None:
        return refused(f"outside this hub's policy: {problem}")
    return IntakeOutcome(
        replace(
            record,
            state=RequestState.OPEN,
            recipient=registered.age_recipient,
            agency_key=registered.signing_key,
            refusal=None,
        )
    )


def _entry_problem(record: FootageRequestRecord, filed: object, registered: object) -> str | None:
    index = record.log_index
    if not isinstance(filed, RequestFiled):
        return f"log entry {index} is not a filed request"
    if filed.request != record.id:
        return f"log entry {index} is another request ({filed.request})"
    if filed.agency != record.agency:
        return f"log entry {index} names another agency than the message"
    if filed.incident != record.incident:
        return f"the incident differs from the logged one ({filed.incident})"
    if (filed.window_start, filed.window_end) != (
        as_moment(record.window_start),
        as_moment(record.window_end),
    ):
        return "the window differs from the logged one"
    if sorted(filed.cells) != sorted(record.cells):
        return "the area's cells differ from the logged ones"
    if _sha256(record.case_number) != filed.case_sha256:
        return "the case number does not match the hash in the log"
    if _sha256(record.description) != filed.description_sha256:
        return "the description does not match the hash in the log"
    reg = record.agency_registration_index
    if not isinstance(registered, AgencyRegistered):
        return f"log entry {reg} is not an agency registration"
    if registered.agency != record.agency:
        return (
            f"the agency's key is not the one logged for it: registration entry {reg} is "
            "of another agency"
        )
    if registered.name != record.agency_name:
        return f"the agency's name differs from its logged registration ({registered.name})"
    return None
