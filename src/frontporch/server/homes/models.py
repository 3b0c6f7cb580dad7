"""Tables of the homes area: a home is a name and one coarse H3 cell, never a position.

`homes.cell` is the 64-bit H3 index at `geo.HOME_RESOLUTION` (a signed BIGINT holds
it: the top bit of an H3 index is reserved and always 0), indexed together with the id
so that area matching is an index-only lookup.
A home belongs to its owner (deleted with the owner's account); other members join by
invitation and leave with their account. `home_activity` remembers, per account, when it
added or deleted a home or sent an invitation: the per-account limits and the operators'
churn list read it, and it outlives the homes it was about.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime
from frontporch.server.kit.models import SingleUse


class Home(Base):
    """A household's home: its name and the coarse cell it lies in."""

    __tablename__ = "homes"
    # (cell, id): area matching reads only the index, never the table (a covering index).
    __table_args__ = (Index("ix_homes_cell", "cell", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    cell: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HomeMember(Base):
    """A household member other than the owner."""

    __tablename__ = "home_members"

    home_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HomeInvitation(SingleUse, Base):
    """An emailed, single-use invitation to join a home (the token stored as SHA-256)."""

    __tablename__ = "home_invitations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    home_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("homes.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)


class HomeActivity(Base):
    """One thing an account did with homes: 'added', 'deleted' or 'invited'.

    No foreign key to the home: deleting a home must not erase that it was added, or a
    delete-and-add-again loop would never reach the limit (issue: crawling every area).
    """

    __tablename__ = "home_activity"
    __table_args__ = (
        Index("ix_home_activity_user_kind_at", "user_id", "kind", "at"),
        Index("ix_home_activity_at", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
