"""Agreements, partners and statements as pages and answers show them (pure: rows in,
values out). Links are relative to the server (`/agreements/...`, `/transparency/...`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from frontporch.server.agreements.models import AgencyStatement, Agreement, StatementHide

KIND_LABELS = {
    "mou": "Memorandum of understanding",
    "data_sharing": "Data-sharing agreement",
    "pilot": "Pilot",
    "other": "Other agreement",
}


def entry_path(index: int) -> str:
    """The public page of a log entry."""
    return f"/transparency/entries/{index}"


@dataclass(frozen=True)
class AgreementView:
    """A published agreement with its agency's name."""

    agreement: Agreement
    agency: str

    @property
    def starts(self) -> date:
        return self.agreement.starts_on.date()

    @property
    def ends(self) -> date | None:
        return self.agreement.ends_on.date() if self.agreement.ends_on else None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.agreement.kind, self.agreement.kind)

    @property
    def document_url(self) -> str:
        return f"/api/agreements/{self.agreement.id}/document"

    @property
    def entry_url(self) -> str:
        return entry_path(self.agreement.log_index)


@dataclass(frozen=True)
class PartnerView:
    """An agency shown as the operator's partner, and how many agreements it has."""

    agency_id: uuid.UUID
    name: str
    agreements: int


@dataclass(frozen=True)
class StatementView:
    """An agency statement as submitted, with its logged hides."""

    statement: AgencyStatement
    submitted: dict[str, str]
    hides: list[StatementHide]

    @property
    def entry_url(self) -> str:
        return entry_path(self.statement.log_index)
