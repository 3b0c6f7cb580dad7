"""Request and answer bodies of the agreements area."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from frontporch.server.agreements.statements import HideCategory
from frontporch.server.agreements.views import AgreementView, PartnerView, StatementView
from frontporch.server.kit.schemas import SINGLE_LINE, Strict

AgreementKind = Literal["mou", "data_sharing", "pilot", "other"]


class AgreementForm(Strict):
    """The text fields of an agreement upload (multipart), checked."""

    title: str = Field(
        min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$", description="Its title."
    )
    kind: AgreementKind = Field(description="mou, data_sharing, pilot or other.")
    agency_id: uuid.UUID = Field(description="The registered agency it is with.")
    parties: str = Field(
        min_length=1, max_length=1000, pattern=SINGLE_LINE, description="The parties, in words."
    )
    starts: date = Field(description="First day in force, YYYY-MM-DD.")
    ends: date | None = Field(None, description="Last day in force, YYYY-MM-DD (optional).")


class AgreementOut(BaseModel):
    id: uuid.UUID
    agency_id: uuid.UUID
    agency: str = Field(description="The agency's registered name.")
    kind: AgreementKind
    title: str
    parties: str
    starts: date
    ends: date | None
    document_url: str = Field(description="The PDF, for anyone to download.")
    document_sha256: str = Field(description="SHA-256 of the PDF, as logged.")
    document_size: int
    log_index: int = Field(description="The `agreement_published` entry.")
    log_entry_url: str
    published_at: datetime

    @classmethod
    def of(cls, view: AgreementView) -> AgreementOut:
        row = view.agreement
        return cls(
            id=row.id,
            agency_id=row.agency_id,
            agency=view.agency,
            kind=row.kind,  # type: ignore[arg-type]
            title=row.title,
            parties=row.parties,
            starts=view.starts,
            ends=view.ends,
            document_url=view.document_url,
            document_sha256=row.document_sha256,
            document_size=row.document_size,
            log_index=row.log_index,
            log_entry_url=view.entry_url,
            published_at=row.published_at,
        )


class PartnerOut(BaseModel):
    agency_id: uuid.UUID
    name: str
    agreements: int = Field(description="Published agreements with the agency.")

    @classmethod
    def of(cls, view: PartnerView) -> PartnerOut:
        return cls(agency_id=view.agency_id, name=view.name, agreements=view.agreements)


class AgreementsOut(BaseModel):
    agreements: list[AgreementOut]
    partners: list[PartnerOut]


class PartnerIn(Strict):
    partner: bool = Field(description="Show the agency as a partner (needs an agreement).")


class PartnerStatusOut(BaseModel):
    agency_id: uuid.UUID
    name: str
    partner: bool


class HideOut(BaseModel):
    log_index: int
    category: HideCategory
    reason_sha256: str
    hidden_at: datetime


class StatementOut(BaseModel):
    id: uuid.UUID
    kind: Literal["post", "request"]
    agency_id: uuid.UUID
    post_id: uuid.UUID | None
    submitted: dict[str, str] = Field(description="The fields exactly as the agency sent them.")
    sha256: str = Field(description="SHA-256 of the canonical JSON of `submitted`, as logged.")
    log_index: int
    log_entry_url: str
    hides: list[HideOut]

    @classmethod
    def of(cls, view: StatementView, full: bool = True) -> StatementOut:
        """The statement; without `full`, a request's description only (its case number
        and contact are for operators and the agency)."""
        row = view.statement
        shown = view.submitted if full else {"description": view.submitted["description"]}
        return cls(
            id=row.id,
            kind=row.kind,  # type: ignore[arg-type]
            agency_id=row.agency_id,
            post_id=row.post_id,
            submitted=shown,
            sha256=row.sha256,
            log_index=row.log_index,
            log_entry_url=view.entry_url,
            hides=[
                HideOut(
                    log_index=hide.log_index,
                    category=hide.category,  # type: ignore[arg-type]
                    reason_sha256=hide.reason_sha256,
                    hidden_at=hide.hidden_at,
                )
                for hide in view.hides
            ],
        )
