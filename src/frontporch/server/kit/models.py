"""Tables and columns every area uses: the shared throttle table, and the life of a
single-use secret.

`auth_throttles` holds the lockout and quota counts of every area (`throttles.py`,
`quotas.py`), keyed by an HMAC, so it names no account or address in the clear.
Emailed links, invitations and pairing codes are single-use secrets (`SingleUse`): made
at one time, refused after another, and marked when used rather than deleted, so a
second use is told apart from a wrong secret.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Integer, String, Update, update
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime


class SingleUse:
    """The columns of a single-use secret: when it was made, expires and was used."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @classmethod
    def usable_at(cls, now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        """The conditions of a secret that can still be used at `now`: unused, unexpired."""
        return cls.used_at.is_(None), cls.expires_at > now

    @classmethod
    def retired(cls, now: datetime, *where: ColumnElement[bool]) -> Update:
        """The statement that marks the unused secrets matching `where` used at `now`
        (a newer one supersedes them)."""
        return update(cls).where(*where, cls.used_at.is_(None)).values(used_at=now)


class AuthThrottle(Base):
    """Failures or uses counted under a keyed hash (of an account or client address).

    Kept in the database so every server process sees the same counts and lockouts.
    """

    __tablename__ = "auth_throttles"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
