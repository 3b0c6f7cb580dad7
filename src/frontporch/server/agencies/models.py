"""The agencies tables: public-safety agencies, their logged keys, and their history.

An agency applies (name, jurisdiction, official contact, public keys) and is `applied`
until an operator, having read the key fingerprints back to the agency out of band,
registers it: then it is `verified`, and the `agency_registered` log entry written in
the same transaction (`registration_index`) is the only place hubs learn its keys. A key
rotation appends a new registration that supersedes the previous one; every
registration stays in `agency_registrations`. A `revoked` agency files nothing.

An agency's verified name is how its members' posts and comments are signed in the
feed; `users.agency_id` (accounts) says which agency an agency-member account acts for.
Agencies made before keys existed (feed-only) are `verified` with no keys: their posts
keep working, but they cannot file footage requests until keys are registered.
Deleting an agency deletes its posts and comments (their foreign keys cascade).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime


class AgencyStatus(StrEnum):
    """Where an agency stands with the operator."""

    APPLIED = "applied"
    VERIFIED = "verified"
    REVOKED = "revoked"


class Agency(Base):
    """A public-safety agency; its verified name is how its members' posts are signed."""

    __tablename__ = "agencies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=AgencyStatus.VERIFIED.value)
    jurisdiction: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The official contact the operator checks the application with (email or phone).
    contact: Mapped[str | None] = mapped_column(String(320), nullable=True)
    # The current keys: as applied for until registered, then as logged.
    signing_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    age_recipient: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # The log index of the `agency_registered` entry in force (None: never registered).
    registration_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Shown as the operator's partner; only with a published agreement (agreements area).
    partner: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AgencyRegistration(Base):
    """One `agency_registered` log entry: the keys an agency had from then on."""

    __tablename__ = "agency_registrations"

    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    agency_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    signing_key: Mapped[str] = mapped_column(String(64))
    age_recipient: Mapped[str] = mapped_column(String(128))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    supersedes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
