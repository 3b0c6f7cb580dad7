"""Legal demands: record, attach the document, extend a delay, record emergency
paperwork, answer; read as the operator, and as the owner of a named account.

**Recording** is one transaction: the fields are checked (nothing is written if one is
wrong), one `legal_demand` entry is appended per named account (the account as its
pseudonym, never its id or email; `notice_delayed_until` if a delay order came with
the demand), the rows inserted with their indexes, and, unless delayed, each owner
told at once (`notices.deliver`: `owner_notice` logged in the same transaction). A
checkpoint is signed over the new entries.

**A delay** ends at most `legal_max_delay_days` after the moment it is recorded; a later
order is a new `delay_order` entry that must extend the delay, not shorten it. The
notice then goes out when it ends (`notices.send_due_notices`).

**Emergency demands** need their court paperwork within 48 hours of being recorded;
`emergency_paperwork` logs it (late paperwork is still recorded, and shown as late).

**The response** logs `legal_response` (outcome and categories); the response package
(`package.py`) is built from the categories chosen. Services never commit.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pyrage
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontporch.server.accounts.models import User
from frontporch.server.context import ServerContext
from frontporch.server.legal import notices
from frontporch.server.legal.errors import (
    AttachingRefused,
    DemandConflict,
    DemandNotFound,
    DocumentTooLarge,
    InvalidDemand,
    UnknownAccount,
)
from frontporch.server.legal.models import LegalDemandAccount, LegalDemandRow, NoticeStatus
from frontporch.server.legal.pseudonyms import account_pseudonym
from frontporch.server.legal.views import (
    CATEGORIES,
    KINDS,
    OUTCOMES,
    PAPERWORK_KINDS,
    AccountLine,
    DemandView,
    OwnerNoticeView,
    server_answer,
)
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService, append_entries
from frontporch.translog.entries import (
    DelayOrder,
    EmergencyPaperwork,
    LegalDemand,
    LegalResponse,
    moment,
)

log = logging.getLogger(__name__)

MAX_AUTHORITY = 200
MAX_SCOPE = 4000
MAX_ACCOUNTS = 50
SHA256 = re.compile(r"^[0-9a-f]{64}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DOCUMENT_PREFIX = "legal/documents/"


@dataclass(frozen=True)
class DemandInput:
    """A demand as the operator typed it."""

    kind: str
    authority: str
    received_on: date | None
    accounts: list[str]
    scope: str
    document_sha256: str
    delay_until: datetime | None = None
    delay_order_sha256: str | None = None


def sha256_of(field: str, value: str | None) -> str:
    """A SHA-256 in lowercase hex; InvalidDemand naming `field` otherwise."""
    digest = (value or "").strip().lower()
    if not SHA256.match(digest):
        raise InvalidDemand(field, f"give {field} as the document's SHA-256: 64 hex digits")
    return digest


def _text(value: str, field: str, limit: int, what: str, *, one_line: bool = False) -> str:
    text = value.strip()
    if not text:
        raise InvalidDemand(field, f"write the {what}")
    if len(text) > limit:
        raise InvalidDemand(field, f"keep the {what} to {limit} characters")
    if "\x00" in text or (one_line and CONTROL.search(text)):
        raise InvalidDemand(field, f"write the {what} on one line, without control characters")
    return text


class LegalService:
    """Legal demands, in one database session."""

    def __init__(self, db: Session, context: ServerContext, keys: LogKeys) -> None:
        self.db = db
        self.context = context
        self.keys = keys

    # -- recording -----------------------------------------------------------------------

    def record(self, operator: User, given: DemandInput) -> DemandView:
        """Record a demand (see the module's docstring)."""
        now = self.context.clock().replace(microsecond=0)
        if given.kind not in KINDS:
            raise InvalidDemand("kind", f"choose one of: {', '.join(KINDS)}")
        authority = _text(
            given.authority, "authority", MAX_AUTHORITY, "issuing authority", one_line=True
        )
        if given.received_on is None:
            raise InvalidDemand("received_on", "give the date the demand was received")
        if given.received_on > now.date():
            raise InvalidDemand("received_on", "the date received cannot be in the future")
        scope = _text(given.scope, "scope", MAX_SCOPE, "scope of the demand")
        document_sha256 = sha256_of("document_sha256", given.document_sha256)
        delay_until = self._delay_until(given.delay_until, given.delay_order_sha256, now)
        order_sha256 = (
            sha256_of("delay_order_sha256", given.delay_order_sha256) if delay_until else None
        )
        users = self._accounts(given.accounts)
        demand_id = uuid.uuid4()
        pseudonyms = [account_pseudonym(self.context.secret_key, user.id) for user in users]
        entries = [
            LegalDemand(
                at=moment(now),
                demand=str(demand_id),
                kind=given.kind,  # type: ignore[arg-type]  # checked against KINDS above
                authority=authority,
                account=pseudonym,
                notice_delayed_until=moment(delay_until) if delay_until else None,
            )
            for pseudonym in pseudonyms
        ]
        indexes = append_entries(self.db, entries, self.context.clock)
        demand = LegalDemandRow(
            id=demand_id,
            kind=given.kind,
            authority=authority,
            received_on=given.received_on,
            scope=scope,
            document_sha256=document_sha256,
            recorded_at=now,
            recorded_by=operator.id,
        )
        self.db.add(demand)
        self.db.flush()
        accounts = []
        for user, pseudonym, index in zip(users, pseudonyms, indexes, strict=True):
            account = LegalDemandAccount(
                demand_id=demand_id,
                pseudonym=pseudonym,
                user_id=user.id,
                demand_index=index,
                notice_delayed_until=delay_until,
                delay_order_sha256=order_sha256,
                delay_indexes="",
                notice_status=NoticeStatus.PENDING.value,
            )
            self.db.add(account)
            accounts.append(account)
        self.db.flush()
        if delay_until is None:
            for account in accounts:
                notices.deliver(self.db, self.context, demand, account, now)
        self._checkpoint()
        log.info("legal demand %s recorded (log entries %s)", demand_id, indexes)
        return self.view(demand_id)

    def _delay_until(
        self, until: datetime | None, order_sha256: str | None, now: datetime
    ) -> datetime | None:
        if until is None:
            if order_sha256:
                raise InvalidDemand(
                    "delay_until",
                    "a delay order needs its end date: give delay_until (notice cannot be "
                    "delayed without an end)",
                )
            return None
        if until.tzinfo is None:
            raise InvalidDemand("delay_until", "give delay_until with a time zone")
        until = until.replace(microsecond=0)
        if until <= now:
            raise InvalidDemand("delay_until", "the delay must end after now")
        limit = self.context.settings.legal_max_delay_days
        if until > now + timedelta(days=limit):
            raise InvalidDemand(
                "delay_until",
                f"a delay order may hold notice back at most {limit} days from when it is "
                "recorded; record a new order to extend it later",
            )
        if not order_sha256:
            raise InvalidDemand(
                "delay_order_sha256", "give the SHA-256 of the delay order's document"
            )
        return until

    def _accounts(self, given: list[str]) -> list[User]:
        if not given:
            raise InvalidDemand("accounts", "name at least one account (its email or id)")
        if len(given) > MAX_ACCOUNTS:
            raise InvalidDemand("accounts", f"at most {MAX_ACCOUNTS} accounts per demand")
        users: dict[uuid.UUID, User] = {}
        for raw in given:
            text = raw.strip()
            user: User | None = None
            try:
                user = self.db.get(User, uuid.UUID(text))
            except ValueError:
                if text:
                    user = self.db.scalar(
                        select(User).where(func.lower(User.email) == text.lower())
                    )
            if user is None:
                raise UnknownAccount(text)
            users[user.id] = user
        return list(users.values())

    # -- the document --------------------------------------------------------------------

    def attach_document(self, demand_id: uuid.UUID, data: bytes) -> DemandView:
        """Store the demand's document encrypted to the operator's recipient; it must be
        the document whose SHA-256 was recorded."""
        demand = self._demand(demand_id, for_update=True)
        check_document(self.context, len(data))
        if hashlib.sha256(data).hexdigest() != demand.document_sha256:
            raise InvalidDemand(
                "document", "this file's SHA-256 is not the one recorded for the demand"
            )
        if demand.document_key is not None:
            raise DemandConflict("document", "the document is attached already")
        recipient = self.context.settings.legal_document_recipient
        assert recipient is not None  # check_document refused otherwise
        sealed = pyrage.encrypt(data, [pyrage.x25519.Recipient.from_str(recipient)])
        key = f"{DOCUMENT_PREFIX}{demand.id}.age"
        self.context.blobs.put(key, sealed)
        demand.document_key = key
        demand.document_bytes = len(data)
        self.db.flush()
        return self.view(demand_id)

    # -- delay orders, paperwork, the response -------------------------------------------

    def extend_delay(self, demand_id: uuid.UUID, until: datetime, order_sha256: str) -> DemandView:
        """Record a new delay order for the demand's pending notices (`delay_order`
        logged per account); it must end later than the delay in force."""
        demand = self._demand(demand_id, for_update=True)
        now = self.context.clock().replace(microsecond=0)
        pending = [
            a
            for a in self._account_rows(demand_id)
            if a.notice_status == NoticeStatus.PENDING.value
        ]
        if not pending:
            raise DemandConflict(
                "delay_until", "no notice of this demand is held back any more; it was sent"
            )
        until_checked = self._delay_until(until, order_sha256 or None, now)
        assert until_checked is not None
        current = max(a.notice_delayed_until for a in pending if a.notice_delayed_until)
        if until_checked <= current:
            raise InvalidDemand(
                "delay_until",
                f"a new order must extend the delay beyond {moment(current)}, not shorten it",
            )
        digest = sha256_of("delay_order_sha256", order_sha256)
        entries = [
            DelayOrder(
                at=moment(now),
                demand=str(demand.id),
                account=a.pseudonym,
                until=moment(until_checked),
                order_sha256=digest,
            )
            for a in pending
        ]
        indexes = append_entries(self.db, entries, self.context.clock)
        for account, index in zip(pending, indexes, strict=True):
            account.notice_delayed_until = until_checked
            account.delay_order_sha256 = digest
            account.delay_indexes = ",".join(filter(None, [account.delay_indexes, str(index)]))
        self.db.flush()
        self._checkpoint()
        return self.view(demand_id)

    def record_paperwork(self, demand_id: uuid.UUID, kind: str, document_sha256: str) -> DemandView:
        """Record the court paperwork of an emergency demand (`emergency_paperwork`)."""
        demand = self._demand(demand_id, for_update=True)
        if demand.kind != "emergency":
            raise DemandConflict("kind", "only emergency demands have paperwork to follow")
        if demand.paperwork_at is not None:
            raise DemandConflict("kind", "this demand's paperwork is recorded already")
        if kind not in PAPERWORK_KINDS:
            raise InvalidDemand("kind", f"choose one of: {', '.join(PAPERWORK_KINDS)}")
        digest = sha256_of("document_sha256", document_sha256)
        now = self.context.clock().replace(microsecond=0)
        entry = EmergencyPaperwork(
            at=moment(now),
            demand=str(demand.id),
            kind=kind,  # type: ignore[arg-type]  # checked against PAPERWORK_KINDS above
            document_sha256=digest,
        )
        [index] = append_entries(self.db, [entry], self.context.clock)
        demand.paperwork_kind = kind
        demand.paperwork_sha256 = digest
        demand.paperwork_at = now
        demand.paperwork_index = index
        self.db.flush()
        self._checkpoint()
        return self.view(demand_id)

    def respond(self, demand_id: uuid.UUID, outcome: str, categories: list[str]) -> DemandView:
        """Record what the server gave (`legal_response`); once per demand."""
        demand = self._demand(demand_id, for_update=True)
        if demand.outcome is not None:
            raise DemandConflict("outcome", "this demand was answered already")
        if outcome not in OUTCOMES:
            raise InvalidDemand("outcome", f"choose one of: {', '.join(OUTCOMES)}")
        chosen = sorted(set(categories))
        unknown = [c for c in chosen if c not in CATEGORIES]
        if unknown:
            raise InvalidDemand(
                "categories",
                f"unknown category {unknown[0]!r}; choose from: {', '.join(CATEGORIES)} "
                "(footage is held only on the owner's hub)",
            )
        if outcome in ("complied", "partially_complied") and not chosen:
            raise InvalidDemand("categories", "tick what the server gave")
        if outcome in ("rejected", "no_data") and chosen:
            raise InvalidDemand("categories", f"a demand {outcome} gives nothing: untick all")
        now = self.context.clock().replace(microsecond=0)
        entry = LegalResponse(
            at=moment(now),
            demand=str(demand.id),
            outcome=outcome,  # type: ignore[arg-type]  # checked against OUTCOMES above
            categories=chosen,
        )
        [index] = append_entries(self.db, [entry], self.context.clock)
        demand.outcome = outcome
        demand.categories = ",".join(chosen)
        demand.responded_at = now
        demand.response_index = index
        self.db.flush()
        self._checkpoint()
        return self.view(demand_id)

    # -- reading -------------------------------------------------------------------------

    def list_demands(self) -> list[DemandView]:
        """Every demand, newest first (operators only: it names accounts)."""
        demands = list(
            self.db.scalars(select(LegalDemandRow).order_by(LegalDemandRow.recorded_at.desc()))
        )
        return [self._view_of(d) for d in demands]

    def view(self, demand_id: uuid.UUID) -> DemandView:
        """One demand with its accounts (operators only)."""
        return self._view_of(self._demand(demand_id))

    def demand_row(self, demand_id: uuid.UUID) -> LegalDemandRow:
        """The stored demand (DemandNotFound if none)."""
        return self._demand(demand_id)

    def account_rows(self, demand_id: uuid.UUID) -> list[LegalDemandAccount]:
        """The accounts a demand names."""
        return self._account_rows(demand_id)

    def notices_for(self, user: User) -> list[OwnerNoticeView]:
        """The notices sent to the caller's account, newest first."""
        rows = self.db.execute(
            select(LegalDemandRow, LegalDemandAccount)
            .join(LegalDemandAccount, LegalDemandAccount.demand_id == LegalDemandRow.id)
            .where(
                LegalDemandAccount.user_id == user.id,
                LegalDemandAccount.notice_status == NoticeStatus.SENT.value,
            )
            .order_by(LegalDemandAccount.notice_sent_at.desc())
        )
        return [_owner_view(demand, account) for demand, account in rows]

    def notice_for(self, user: User, demand_id: uuid.UUID) -> OwnerNoticeView:
        """One notice sent to the caller (DemandNotFound for any other demand, pending
        notices included)."""
        for notice in self.notices_for(user):
            if notice.demand_id == demand_id:
                return notice
        raise DemandNotFound()

    def _view_of(self, demand: LegalDemandRow) -> DemandView:
        lines = []
        for account in self._account_rows(demand.id):
            user = self.db.get(User, account.user_id) if account.user_id else None
            lines.append(AccountLine.of(account, user.email if user else None))
        return DemandView.of(demand, lines, self.context.clock())

    def _demand(self, demand_id: uuid.UUID, *, for_update: bool = False) -> LegalDemandRow:
        statement = select(LegalDemandRow).where(LegalDemandRow.id == demand_id)
        if for_update:
            statement = statement.with_for_update()
        demand = self.db.scalar(statement)
        if demand is None:
            raise DemandNotFound()
        return demand

    def _account_rows(self, demand_id: uuid.UUID) -> list[LegalDemandAccount]:
        return list(
            self.db.scalars(
                select(LegalDemandAccount)
                .where(LegalDemandAccount.demand_id == demand_id)
                .order_by(LegalDemandAccount.pseudonym)
            )
        )

    def _checkpoint(self) -> None:
        LogService(self.db, self.keys, self.context.clock).checkpoint_now()


def check_document(context: ServerContext, size: int) -> None:
    """Refuse a document before reading it: attaching off (409), or over the cap (413)."""
    if context.settings.legal_document_recipient is None:
        raise AttachingRefused()
    if size > context.settings.legal_document_max_bytes:
        raise DocumentTooLarge(context.settings.legal_document_max_bytes)


def _owner_view(demand: LegalDemandRow, account: LegalDemandAccount) -> OwnerNoticeView:
    return OwnerNoticeView(
        demand_id=demand.id,
        kind=demand.kind,
        authority=demand.authority,
        received_on=demand.received_on,
        scope=demand.scope,
        recorded_at=demand.recorded_at,
        delayed_until=account.notice_delayed_until,
        sent_at=account.notice_sent_at,
        demand_index=account.demand_index,
        notice_index=account.notice_index,
        server_answer=server_answer(demand),
    )
