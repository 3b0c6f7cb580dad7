"""Tables of the hubs area: paired hubs, one-time pairing codes and queued messages.

Secrets are stored as hashes: the hub credential as SHA-256 (it is 256 random bits);
the pairing code, which has only 40 bits, as an HMAC under the server secret, so a
copy of the database alone cannot brute-force a live code. A hub's public keys are
public by nature. Deleting a home deletes its hubs, codes and messages.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontporch.server.db import Base, UTCDateTime
from frontporch.server.kit.models import SingleUse


def _home_fk() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, ForeignKey("homes.id", ondelete="CASCADE"), index=True)


class Hub(Base):
    """A hub paired with a home: its public keys and the hash of its credential."""

    __tablename__ = "hubs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    home_id: Mapped[uuid.UUID] = _home_fk()
    name: Mapped[str] = mapped_column(String(100))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    age_recipient: Mapped[str] = mapped_column(String(128))
    credential_hash: Mapped[str] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The sequence number of the newest message queued for this hub (0: none yet).
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class PairingCode(SingleUse, Base):
    """A one-time code that pairs one hub with a home; expires after minutes."""

    __tablename__ = "hub_pairing_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    home_id: Mapped[uuid.UUID] = _home_fk()
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)


class HubMessage(Base):
    """A message waiting for a hub, numbered per hub; deleted once acknowledged."""

    __tablename__ = "hub_messages"

    hub_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
