"""Request and response bodies of legal demands."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from frontporch.server.kit.schemas import NO_NUL, Strict
from frontporch.server.legal.views import DemandView, OwnerNoticeView

Kind = Literal["warrant", "subpoena", "court_order", "emergency", "other"]


class DemandIn(Strict):
    kind: Kind
    authority: str = Field(
        max_length=400,
        pattern=NO_NUL,
        description="Who issued it, e.g. 'County Court, "
        "Division 3' (one line, at most 200 characters once trimmed).",
    )
    received_on: date = Field(description="The day the demand was received (YYYY-MM-DD).")
    accounts: list[str] = Field(
        max_length=50, description="The accounts it names, by email or account id."
    )
    scope: str = Field(
        max_length=8000,
        pattern=NO_NUL,
        description="What it asks for, in your words (at most 4000 characters once trimmed).",
    )
    document_sha256: str = Field(
        max_length=64, description="SHA-256 (hex) of the demand's document."
    )
    delay_until: AwareDatetime | None = Field(
        None,
        description="A delay order's end: notice is held back until then (at most the "
        "legal maximum from now).",
    )
    delay_order_sha256: str | None = Field(
        None, max_length=64, description="SHA-256 (hex) of the delay order's document."
    )


class DelayIn(Strict):
    delay_until: AwareDatetime | None = Field(
        None, description="The new order's end; must extend the delay in force."
    )
    delay_order_sha256: str = Field(max_length=64, description="SHA-256 of the new order.")


class PaperworkIn(Strict):
    kind: Literal["warrant", "subpoena", "court_order", "other"]
    document_sha256: str = Field(max_length=64, description="SHA-256 of the paperwork.")


class ResponseIn(Strict):
    outcome: Literal["complied", "partially_complied", "rejected", "no_data"]
    categories: list[str] = Field(
        default=[],
        max_length=8,
        description="What the server gave: account_metadata, posts, release_ciphertext, log.",
    )


class AccountOut(BaseModel):
    pseudonym: str
    user_id: uuid.UUID | None
    email: str | None = Field(description="null: the account was deleted.")
    demand_index: int
    notice_status: Literal["pending", "sent", "undeliverable"]
    notice_delayed_until: datetime | None
    notice_sent_at: datetime | None
    notice_index: int | None
    delay_indexes: list[int]


class DemandOut(BaseModel):
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
    accounts: list[AccountOut]
    package_url: str | None

    @classmethod
    def of(cls, view: DemandView) -> DemandOut:
        values: dict[str, Any] = asdict(view)
        values["package_url"] = (
            f"/api/operator/legal/demands/{view.id}/package" if view.outcome else None
        )
        return cls.model_validate(values)


class NoticeOut(BaseModel):
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

    @classmethod
    def of(cls, view: OwnerNoticeView) -> NoticeOut:
        return cls.model_validate(asdict(view))
