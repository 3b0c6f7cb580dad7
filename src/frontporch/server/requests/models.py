"""The footage_requests table: what an agency asked for, as it was filed.

The case number, description and contact are kept exactly as submitted (the log holds
SHA-256 digests of the case number and description, so a hub can check the plaintext
it is shown). `area` is the drawn shape as JSON (`{"type": "polygon", "points":
[[lat, lng], ...]}` or `{"type": "circle", "center": [lat, lng], "radius_m": int}`);
`cells` the sorted H3 cells at the home resolution that cover it, as logged.
`homes_notified` is counted once at filing; the agency sees it only at or above the
operator's k. No table links a request to the homes or hubs that were asked;
`post_id` is the request's public post in the Neighbors feed.

`request_policy` holds the operator's policy values (one row, id 1; absent: the
defaults in `policy.py`), with the log index of the `policy_changed` entry that
announced them (migration 0010).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime


class RequestStatus(StrEnum):
    """Where a request stands; every state but OPEN was logged by `request_closed`."""

    OPEN = "open"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    FULFILLED = "fulfilled"


class FootageRequest(Base):
    """An agency's footage request."""

    __tablename__ = "footage_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    filed_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    case_number: Mapped[str] = mapped_column(String(100))
    incident: Mapped[str] = mapped_column(String(48))
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(320))
    area: Mapped[str] = mapped_column(Text)
    cells: Mapped[str] = mapped_column(Text)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN.value, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Log indexes: the `request_filed` entry, the agency registration in force at filing,
    # and the `request_closed` entry once closed.
    filed_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    registration_index: Mapped[int] = mapped_column(BigInteger)
    closed_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    homes_notified: Mapped[int] = mapped_column(Integer, default=0)
    post_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("posts.id", ondelete="SET NULL"), nullable=True
    )


class RequestPolicyRow(Base):
    """The operator's request policy (one row, id 1), as last logged."""

    __tablename__ = "request_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Thousandths of a square mile: the policy's area has three decimals, kept exact.
    max_area_milli_sq_mi: Mapped[int] = mapped_column(Integer)
    max_window_hours: Mapped[int] = mapped_column(Integer)
    retention_days: Mapped[int] = mapped_column(Integer)
    max_expiry_days: Mapped[int] = mapped_column(Integer)
    max_open_requests: Mapped[int] = mapped_column(Integer)
    k_threshold: Mapped[int] = mapped_column(Integer)
    download_window_days: Mapped[int] = mapped_column(Integer)
    policy_sha256: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
