"""Checking a legal notice against the transparency log (DESIGN.md main flow 4).

A LEGAL_NOTICE message is only the server's claim that a legal demand named this
hub's owner. `check_notice` believes it only as far as the log proves it, with the
same monitor state as footage requests (`hub.community.log_audit.LogAuditor`: the log's
latest checkpoint consistent with the last one this hub verified):

1. the `legal_demand` entry at `log_index` and the `owner_notice` entry at
   `notice_index` are proven into that checkpoint, the notice logged after the demand;
2. the demand entry is of this demand, of the kind and from the authority the message
   names; the notice entry is of this demand and of the same account pseudonym (the
   hub cannot compute its owner's pseudonym, but both entries must name one account);
3. a delay the log records (`notice_delayed_until`) is not hidden or shortened by the
   message, and a delayed notice was not logged before its delay ended.

A notice that fails is still kept, marked not confirmed with the reason in words: it
may be the only way the owner hears of the demand. What the server says it gave
(`server_answer`) and the scope text are the operator's words; the log holds neither,
so the page shows them as the server's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from frontporch.hub.community.log_audit import LogAuditor, Unproven, parse_time
from frontporch.hub.notices.records import LegalNoticeRecord
from frontporch.translog.entries import LegalDemand, OwnerNotice

_Id = Annotated[
    str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
_Moment = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]


class NoticeMessage(BaseModel):
    """The LEGAL_NOTICE body (contract of issue 12)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    demand: _Id
    kind: Literal["warrant", "subpoena", "court_order", "emergency", "other"]
    authority: Annotated[str, Field(min_length=1, max_length=1000)]
    received_on: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    scope: Annotated[str, Field(max_length=10_000)]
    log_index: Annotated[int, Field(ge=0)]
    notice_index: Annotated[int, Field(ge=0)]
    delayed_until: _Moment | None = None
    server_answer: Annotated[str, Field(min_length=1, max_length=4000)]


class MalformedNotice(ValueError):
    """A LEGAL_NOTICE body that does not follow the contract; the message names the field."""


def parse_notice_message(body: object, now: float) -> LegalNoticeRecord:
    """The notice in a LEGAL_NOTICE body, not yet confirmed.

    Raises `MalformedNotice` naming the field for a body that does not match the
    contract: there is nothing trustworthy to show, so nothing is stored.
    """
    if not isinstance(body, dict):
        raise MalformedNotice("the legal notice message has no body")
    try:
        message = NoticeMessage.model_validate(body)
        date.fromisoformat(message.received_on)
        delayed = None if message.delayed_until is None else parse_time(message.delayed_until)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise MalformedNotice(
            f"the legal notice message is malformed: field {where!r}: {problem['msg']}"
        ) from None
    except ValueError as exc:
        raise MalformedNotice(f"the legal notice message has an impossible date: {exc}") from None
    return LegalNoticeRecord(
        demand=message.demand,
        kind=message.kind,
        authority=message.authority,
        received_on=message.received_on,
        scope=message.scope,
        log_index=message.log_index,
        notice_index=message.notice_index,
        delayed_until=delayed,
        server_answer=message.server_answer,
        received_at=now,
    )


@dataclass(frozen=True, slots=True)
class NoticeOutcome:
    """The checked notice (confirmed or not) and, if the log failed consistency, why."""

    record: LegalNoticeRecord
    log_inconsistent: str | None = None


def check_notice(record: LegalNoticeRecord, auditor: LogAuditor) -> NoticeOutcome:
    """Check a notice against the log (module docstring); never raises for a bad log."""

    def unconfirmed(reason: str, inconsistent: str | None = None) -> NoticeOutcome:
        return NoticeOutcome(replace(record, confirmed=False, problem=reason), inconsistent)

    if record.notice_index <= record.log_index:
        return unconfirmed("the notice's log entry is not logged after the demand's")
    entries = auditor.prove_entries([record.log_index, record.notice_index], "notice")
    if isinstance(entries, Unproven):
        return unconfirmed(entries.reason, entries.inconsistent)
    demand, notice = entries[record.log_index], entries[record.notice_index]
    problem = _entry_problem(record, demand, notice)
    if problem is not None:
        return unconfirmed(problem)
    return NoticeOutcome(replace(record, confirmed=True, problem=None))


def _entry_problem(record: LegalNoticeRecord, demand: object, notice: object) -> str | None:
    index, notice_index = record.log_index, record.notice_index
    if not isinstance(demand, LegalDemand):
        return f"log entry {index} is not a legal demand"
    if demand.demand != record.demand:
        return f"log entry {index} is another demand ({demand.demand})"
    if demand.kind != record.kind:
        return f"the kind of demand differs from the logged one ({demand.kind})"
    if demand.authority != record.authority:
        return f"the authority differs from the logged one ({demand.authority})"
    if not isinstance(notice, OwnerNotice):
        return f"log entry {notice_index} is not an owner notice"
    if notice.demand != record.demand:
        return f"log entry {notice_index} is the notice of another demand ({notice.demand})"
    if notice.account != demand.account:
        return f"log entry {notice_index} is a notice to another account than the demand named"
    if demand.notice_delayed_until is not None:
        logged_delay = parse_time(demand.notice_delayed_until)
        if record.delayed_until is None:
            return (
                f"the log says the notice was delayed until {demand.notice_delayed_until}; "
                "the message does not say so"
            )
        if record.delayed_until < logged_delay:
            return f"the message's delay ends before the logged one ({demand.notice_delayed_until})"
    if record.delayed_until is not None and parse_time(notice.at) < record.delayed_until:
        return f"the log shows the notice sent at {notice.at}, before its delay ended"
    return None
