"""Agreements in the open (DESIGN.md, main flow 7): publish, list, partners, statements.

- **Publish** (an operator, two-factor): title, kind, the registered agency, the parties
  in words, the dates and the document. The PDF is stored first, hashed while it streams
  (`uploads.py`); then, in one transaction, the row is inserted and
  `agreement_published` appended, and a checkpoint is signed so the public sees the
  entry at once. An agreement is never edited or deleted (the database refuses both); a
  new one supersedes it.
- **Partners**: an agency is shown as the operator's partner only while it has a
  published agreement; marking one without is refused (here, and by a trigger).
- **Statements**: an agency post's text as submitted, readable by whoever may read the
  post (`statements.py` keeps and logs them).

Services change the session; they never commit (the request boundary does).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from frontporch.server.accounts.models import User
from frontporch.server.agencies.models import Agency, AgencyStatus
from frontporch.server.agreements.errors import (
    AgencyNotEligible,
    AgreementNotFound,
    InvalidAgreement,
    NoAgreement,
    StatementNotFound,
    UnknownAgency,
)
from frontporch.server.agreements.models import Agreement
from frontporch.server.agreements.repository import AgreementRepository, StatementRepository
from frontporch.server.agreements.schemas import AgreementForm
from frontporch.server.agreements.statements import submitted_fields
from frontporch.server.agreements.views import AgreementView, PartnerView, StatementView
from frontporch.server.context import ServerContext
from frontporch.server.transparency.keys import LogKeys
from frontporch.server.transparency.service import LogService, append_entries
from frontporch.translog.entries import AgreementPublished, moment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredDocument:
    """An agreement's PDF, already in the blob store: its key, SHA-256 and size."""

    key: str
    sha256: str
    size: int


def _day(value: date) -> datetime:
    return datetime.combine(value, time(0, 0), tzinfo=UTC)


class AgreementService:
    """Agreements and partners, in one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.agreements = AgreementRepository(db)
        self.statements = StatementRepository(db)

    # -- reading (anyone) ----------------------------------------------------------------

    def list_public(self) -> list[AgreementView]:
        """Every published agreement, newest first."""
        return [AgreementView(row, name) for row, name in self.agreements.all_public()]

    def get_public(self, agreement_id: uuid.UUID) -> AgreementView:
        """One agreement; AgreementNotFound if there is none."""
        found = self.agreements.get_public(agreement_id)
        if found is None:
            raise AgreementNotFound()
        return AgreementView(*found)

    def partners(self, agreements: list[AgreementView] | None = None) -> list[PartnerView]:
        """The agencies shown as partners, each with its number of agreements."""
        counts = Counter(view.agreement.agency_id for view in agreements or self.list_public())
        return [
            PartnerView(agency.id, agency.name, counts[agency.id])
            for agency in self.agreements.partners_public()
            if counts[agency.id]  # the trigger already makes this so; never show one without
        ]

    # -- publishing (operators) ----------------------------------------------------------

    def check_form(self, form: AgreementForm) -> Agency:
        """The agency of an agreement about to be published, and its dates, checked;
        InvalidAgreement / UnknownAgency / AgencyNotEligible naming the field otherwise."""
        if form.ends is not None and form.ends < form.starts:
            raise InvalidAgreement("ends", "The end date is before the start date.")
        if form.starts.year < 1900 or (form.ends is not None and form.ends.year > 9998):
            raise InvalidAgreement("starts", "Give the dates as YYYY-MM-DD, within 1900-9998.")
        return self._eligible(form.agency_id)

    def _eligible(self, agency_id: uuid.UUID, *, for_update: bool = False) -> Agency:
        agency = self.agreements.agency(agency_id, for_update=for_update)
        if agency is None:
            raise UnknownAgency()
        if agency.status != AgencyStatus.VERIFIED.value:
            raise AgencyNotEligible(agency.status)
        return agency

    def publish(
        self, operator: User, form: AgreementForm, document: StoredDocument, keys: LogKeys
    ) -> AgreementView:
        """Insert the agreement and append `agreement_published` (this transaction), then
        sign a checkpoint over it."""
        self.check_form(form)
        agency = self._eligible(form.agency_id, for_update=True)
        agreement_id = uuid.uuid4()
        now = self.context.clock()
        starts, ends = _day(form.starts), _day(form.ends) if form.ends else None
        entry = AgreementPublished(
            at=moment(now),
            agreement=str(agreement_id),
            agency=str(agency.id),
            kind=form.kind,
            title=form.title,
            starts=moment(starts),
            ends=moment(ends) if ends else None,
            document_sha256=document.sha256,
        )
        [index] = append_entries(self.db, [entry], self.context.clock)
        row = self.agreements.add(
            Agreement(
                id=agreement_id,
                agency_id=agency.id,
                kind=form.kind,
                title=form.title,
                parties=form.parties,
                starts_on=starts,
                ends_on=ends,
                document_key=document.key,
                document_sha256=document.sha256,
                document_size=document.size,
                log_index=index,
                published_at=now,
                published_by=operator.id,
            )
        )
        LogService(self.db, keys, self.context.clock).checkpoint_now()
        log.info("agreement %s published (log entry %d)", row.id, index)
        return AgreementView(row, agency.name)

    def set_partner(self, agency_id: uuid.UUID, partner: bool) -> Agency:
        """Show (or stop showing) an agency as a partner; NoAgreement without one."""
        agency = self.agreements.agency(agency_id, for_update=True)
        if agency is None:
            raise UnknownAgency()
        if partner and not self.agreements.has_agreement(agency.id):
            raise NoAgreement(agency.name)
        agency.partner = partner
        self.db.flush()
        log.info("agency %s partner: %s", agency.id, partner)
        return agency

    # -- statements ----------------------------------------------------------------------

    def statement_of_post(self, post_id: uuid.UUID) -> StatementView:
        """The statement a post shows, as submitted, with its hides (the caller has
        checked that the reader may read the post); StatementNotFound if none."""
        statement = self.statements.of_post(post_id)
        if statement is None:
            raise StatementNotFound()
        return StatementView(
            statement, submitted_fields(statement), self.statements.hides(statement.id)
        )
