"""Tables of the accounts area. Every row that belongs to a user is deleted with it.

Secrets are never stored as given: passwords as argon2id hashes; session, API, email
and recovery tokens as SHA-256 of 256-bit (80-bit for recovery codes) random values.
The TOTP seed must be readable to check codes and is the one exception (docs/server.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from frontporch.server.db import Base, UTCDateTime
from frontporch.server.kit.models import SingleUse


class Role(StrEnum):
    """What an account may do; agency members and operators must use two-factor sign-in."""

    RESIDENT = "resident"
    AGENCY_MEMBER = "agency_member"
    OPERATOR = "operator"


MFA_REQUIRED_ROLES = frozenset({Role.AGENCY_MEMBER, Role.OPERATOR})

_ROLE_CHECK = "role IN ('resident', 'agency_member', 'operator')"


def _user_fk() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)


class User(Base):
    """An account: identified by its email, authenticated by password (and TOTP)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), default=Role.RESIDENT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_pending_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The verified agency an agency-member account acts for (agencies.models.Agency).
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agencies.id", ondelete="SET NULL"), index=True, nullable=True
    )

    sessions: Mapped[list[UserSession]] = relationship(
        back_populates="user", lazy="raise", passive_deletes=True
    )

    @property
    def mfa_enabled(self) -> bool:
        """Whether two-factor sign-in is set up."""
        return self.totp_secret is not None

    @property
    def mfa_required(self) -> bool:
        """Whether this account's role requires two-factor sign-in."""
        return self.role in MFA_REQUIRED_ROLES


class UserSession(Base):
    """A signed-in browser: the cookie's SHA-256, when it ends, and a coarse label."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = _user_fk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # False while a TOTP-protected account has passed the password but not the code.
    mfa_passed: Mapped[bool] = mapped_column(Boolean)
    user_agent: Mapped[str] = mapped_column(String(200))
    address_class: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="sessions", lazy="raise")


class ApiToken(Base):
    """A credential for programs: shown once, stored hashed, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = _user_fk()
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class EmailToken(SingleUse, Base):
    """A one-time link sent by email: verify the address, or reset the password."""

    __tablename__ = "email_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('verify', 'reset')", name="purpose"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = _user_fk()
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)


class RecoveryCode(Base):
    """A single-use code that stands in for a TOTP code when the phone is lost."""

    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = _user_fk()
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class KnownDevice(Base):
    """A device (browser cookie, or user agent and address class) a user signed in from."""

    __tablename__ = "known_devices"
    __table_args__ = (UniqueConstraint("user_id", "device_hash", name="uq_known_devices_device"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = _user_fk()
    device_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
