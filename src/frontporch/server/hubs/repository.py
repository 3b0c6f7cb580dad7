"""All SQL of the hubs area.

Owner-facing reads take the home the caller was already allowed to read (from
`HomeService`), so hubs of other households are never reached. Hub-facing reads take
the `HubSubject`. Lookups by secret, before anyone is authenticated, say so in their
names.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update

from frontporch.server.homes.models import Home
from frontporch.server.hubs.models import Hub, HubMessage, PairingCode
from frontporch.server.kit.repository import Repository


class HubRepository(Repository[Hub]):
    """Paired hubs."""

    def list_of(self, home: Home) -> list[Hub]:
        """The hubs of a home the caller may read, oldest first."""
        return list(
            self.db.scalars(
                select(Hub).where(Hub.home_id == home.id).order_by(Hub.paired_at, Hub.id)
            )
        )

    def get_of(self, home: Home, hub_id: uuid.UUID) -> Hub | None:
        """One hub of a home the caller may read, or None."""
        return self.db.scalars(
            select(Hub).where(Hub.home_id == home.id, Hub.id == hub_id)
        ).one_or_none()

    def find_by_credential_for_authentication(self, credential_hash: str) -> Hub | None:
        """The hub whose credential hashes to `credential_hash`."""
        return self.db.scalars(
            select(Hub).where(Hub.credential_hash == credential_hash)
        ).one_or_none()

    def find_by_public_key(self, public_key: str) -> Hub | None:
        """The hub paired with this Ed25519 public key, if any (pairing checks it)."""
        return self.db.scalars(select(Hub).where(Hub.public_key == public_key)).one_or_none()

    def delete(self, hub_id: uuid.UUID) -> None:
        """Forget a hub: its credential stops working; its queued messages go with it."""
        self.db.execute(delete(Hub).where(Hub.id == hub_id))


class PairingCodeRepository(Repository[PairingCode]):
    """One-time pairing codes."""

    def retire_open_of(self, home_id: uuid.UUID, now: datetime) -> None:
        """Mark a home's unused codes used: a new code replaces them."""
        self.db.execute(PairingCode.retired(now, PairingCode.home_id == home_id))

    def find_for_authentication(self, code_hash: str) -> PairingCode | None:
        """The code with this keyed hash (used or not, expired or not: the caller says which)."""
        return self.db.scalars(
            select(PairingCode).where(PairingCode.code_hash == code_hash).with_for_update()
        ).one_or_none()

    def delete_expired(self, now: datetime) -> None:
        """Forget codes past their expiry."""
        self.db.execute(delete(PairingCode).where(PairingCode.expires_at <= now))


class HubMessageRepository(Repository[HubMessage]):
    """The per-hub message queue."""

    def next_seq(self, hub_id: uuid.UUID) -> int | None:
        """Reserve the hub's next sequence number (atomic on both databases); None if gone."""
        return self.db.scalar(
            update(Hub)
            .where(Hub.id == hub_id)
            .values(last_seq=Hub.last_seq + 1)
            .returning(Hub.last_seq)
        )

    def acknowledge(self, hub_id: uuid.UUID, up_to: int) -> None:
        """Delete a hub's messages numbered `up_to` or lower (the hub has them)."""
        self.db.execute(
            delete(HubMessage).where(HubMessage.hub_id == hub_id, HubMessage.seq <= up_to)
        )

    def after(self, hub_id: uuid.UUID, after: int, limit: int) -> list[HubMessage]:
        """A hub's messages numbered above `after`, oldest first."""
        return list(
            self.db.scalars(
                select(HubMessage)
                .where(HubMessage.hub_id == hub_id, HubMessage.seq > after)
                .order_by(HubMessage.seq)
                .limit(limit)
            )
        )
