"""Legal demands as pages and the JSON API show them: plain values, no session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from frontporch.server.legal.models import LegalDemandAccount, LegalDemandRow, NoticeStatus

KINDS = {
    "warrant": "Warrant",
    "subpoena": "Subpoena",
    "court_order": "Court order",
    "emergency": "Emergency request",
    "other": "Other",
}
PAPERWORK_KINDS = ("warrant", "subpoena", "court_order", "other")
OUTCOMES = {
    "complied": "complied",
    "partially_complied": "partially complied",
    "rejected": "rejected",
    "no_data": "had no data to give",
}
# What the server holds and can answer with; footage is never among them.
CATEGORIES = {
    "account_metadata": "Account metadata (email, when created, homes and their hubs)",
    "posts": "Posts the account published (with their media)",
    "release_ciphertext": "Ciphertext of releases by the account's hubs (the server cannot "
    "open it)",
    "log": "The transparency log's entries about this demand, with inclusion proofs",
}
FOOTAGE_ANSWER = "Footage is held only on the owner's hub; serve the owner."
PAPERWORK_DUE = timedelta(hours=48)
NOT_ANSWERED = "not yet answered"


def server_answer(demand: LegalDemandRow) -> str:
    """What the server gave, in words (what an owner's notice says)."""
    if demand.outcome is None:
        return NOT_ANSWERED
    words = OUTCOMES.get(demand.outcome, demand.outcome)
    given = categories_of(demand)
    if not given:
        return f"The server {words}; it gave nothing."
    return (
        f"The server {words}; it gave: "
        + "; ".join(CATEGORIES.get(c, c).split(" (")[0].lower() for c in given)
        + "."
    )


def categories_of(demand: LegalDemandRow) -> list[str]:
    """The response's categories, as words."""
    return [c for c in (demand.categories or "").split(",") if c]


@dataclass(frozen=True)
class AccountLine:
    """One account a demand names, as the operator sees it."""

    pseudonym: str
    user_id: uuid.UUID | None
    email: str | None  # None: the account was deleted
    demand_index: int
    notice_status: str
    notice_delayed_until: datetime | None
    notice_sent_at: datetime | None
    notice_index: int | None
    delay_indexes: list[int]

    @classmethod
    def of(cls, row: LegalDemandAccount, email: str | None) -> AccountLine:
        return cls(
            pseudonym=row.pseudonym,
            user_id=row.user_id,
            email=email,
            demand_index=row.demand_index,
            notice_status=row.notice_status,
            notice_delayed_until=row.notice_delayed_until,
            notice_sent_at=row.notice_sent_at,
            notice_index=row.notice_index,
            delay_indexes=[int(i) for i in row.delay_indexes.split(",") if i],
        )

    @property
    def status_text(self) -> str:
        """The notice's state in words."""
        if self.notice_status == NoticeStatus.PENDING.value and self.notice_delayed_until:
            return f"notice pending until {self.notice_delayed_until:%Y-%m-%d %H:%M} UTC"
        if self.notice_status == NoticeStatus.UNDELIVERABLE.value:
            return "notice undeliverable: the account was deleted"
        return "notice sent"


@dataclass(frozen=True)
class DemandView:
    """A demand with its accounts, as operators see it."""

    id: uuid.UUID
    kind: str
    authority: str
    received_on: date
    scope: str
    document_sha256: str
    document_attached: bool
    recorded_at: datetime
    paperwork_due_at: datetime | None
    paperwork_kind: str | None
    paperwork_sha256: str | None
    paperwork_at: datetime | None
    paperwork_index: int | None
    paperwork_overdue: bool
    outcome: str | None
    categories: list[str]
    responded_at: datetime | None
    response_index: int | None
    server_answer: str
    accounts: list[AccountLine]

    @classmethod
    def of(cls, demand: LegalDemandRow, accounts: list[AccountLine], now: datetime) -> DemandView:
        due = demand.recorded_at + PAPERWORK_DUE if demand.kind == "emergency" else None
        overdue = due is not None and (
            (demand.paperwork_at is None and now > due)
            or (demand.paperwork_at is not None and demand.paperwork_at > due)
        )
        return cls(
            id=demand.id,
            kind=demand.kind,
            authority=demand.authority,
            received_on=demand.received_on,
            scope=demand.scope,
            document_sha256=demand.document_sha256,
            document_attached=demand.document_key is not None,
            recorded_at=demand.recorded_at,
            paperwork_due_at=due,
            paperwork_kind=demand.paperwork_kind,
            paperwork_sha256=demand.paperwork_sha256,
            paperwork_at=demand.paperwork_at,
            paperwork_index=demand.paperwork_index,
            paperwork_overdue=overdue,
            outcome=demand.outcome,
            categories=categories_of(demand),
            responded_at=demand.responded_at,
            response_index=demand.response_index,
            server_answer=server_answer(demand),
            accounts=accounts,
        )

    @property
    def kind_text(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_text(self) -> str:
        """The list's status column: notices, and overdue paperwork."""
        parts = sorted({line.status_text for line in self.accounts})
        if self.paperwork_overdue:
            parts.append("paperwork overdue")
        elif self.paperwork_due_at is not None and self.paperwork_at is None:
            parts.append(f"paperwork due by {self.paperwork_due_at:%Y-%m-%d %H:%M} UTC")
        return "; ".join(parts)


@dataclass(frozen=True)
class OwnerNoticeView:
    """A demand as the owner of a named account sees it once notified."""

    demand_id: uuid.UUID
    kind: str
    authority: str
    received_on: date
    scope: str
    recorded_at: datetime
    delayed_until: datetime | None
    sent_at: datetime | None
    demand_index: int
    notice_index: int | None
    server_answer: str

    @property
    def kind_text(self) -> str:
        return KINDS.get(self.kind, self.kind)
