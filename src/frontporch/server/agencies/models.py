"""The agencies table: public-safety agencies an operator has verified.

An agency's verified name is how its members' posts and comments are signed in the
feed; `users.agency_id` (accounts) says which agency an agency-member account acts for.
Deleting an agency deletes its posts and comments (their foreign keys cascade).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime


class Agency(Base):
    """A public-safety agency; its verified name is how its members' posts are signed."""

    __tablename__ = "agencies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
