"""The legal area's tables (migration 0012).

`legal_demands`: one demand as the operator recorded it: kind, issuing authority, the
day it was received, its scope in the operator's words, the SHA-256 of its document
(the document itself only if the operator attached it: age-encrypted to the operator's
recipient, in the blob store), the emergency paperwork once recorded, and the response.

`legal_demand_accounts`: each account a demand names, by the pseudonym the log carries
(`pseudonyms.account_pseudonym`); `user_id` becomes NULL if the account is deleted, and
a notice still pending then is marked `undeliverable`. The notice's state lives here:
`pending` until `notice_delayed_until` (a delay order), then `sent` (with its
`owner_notice` entry), claimed exactly once by `notices.send_due_notices`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime


class NoticeStatus(StrEnum):
    """Where an account's notice of a demand stands."""

    PENDING = "pending"  # held back by a delay order until notice_delayed_until
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"  # the account was deleted before the notice went out


class LegalDemandRow(Base):
    """A legal demand recorded by an operator."""

    __tablename__ = "legal_demands"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    authority: Mapped[str] = mapped_column(String(200))
    received_on: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(Text)
    document_sha256: Mapped[str] = mapped_column(String(64))
    document_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    document_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Emergency demands only: the court paperwork, due 48 hours after recorded_at.
    paperwork_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    paperwork_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    paperwork_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    paperwork_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The response, once recorded: outcome word and comma-separated category words.
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    categories: Mapped[str | None] = mapped_column(String(200), nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class LegalDemandAccount(Base):
    """An account a demand names, and the state of its owner's notice."""

    __tablename__ = "legal_demand_accounts"
    __table_args__ = (
        Index("ix_legal_demand_accounts_due", "notice_status", "notice_delayed_until"),
    )

    demand_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("legal_demands.id", ondelete="CASCADE"), primary_key=True
    )
    pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    demand_index: Mapped[int] = mapped_column(BigInteger)
    notice_delayed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delay_order_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Log indexes of this account's delay_order entries (extensions), comma-separated.
    delay_indexes: Mapped[str] = mapped_column(String(2000), default="")
    notice_status: Mapped[str] = mapped_column(String(16))
    notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notice_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
