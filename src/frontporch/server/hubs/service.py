"""Hubs for their owners (list, revoke, test the connection) and the hub link queue.

The link is a per-hub queue of messages (`hub_messages`), numbered by `hubs.last_seq`.
A hub long-polls `GET /api/hub/messages?after=N`: messages numbered N or lower are
acknowledged by that very request and deleted; newer ones are returned. Producers call
`enqueue` inside their own request's transaction, so a message exists only if what
caused it committed. For now the producers are the owner's "test connection" (a
`ping`) and tests; agency requests will follow.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from frontporch.protocol import MessageKind
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import ServerContext
from frontporch.server.homes.service import HomeService
from frontporch.server.hubs.auth import HubSubject
from frontporch.server.hubs.errors import HubNotFound
from frontporch.server.hubs.models import Hub, HubMessage
from frontporch.server.hubs.pairing import PairingService
from frontporch.server.hubs.repository import HubMessageRepository, HubRepository
from frontporch.server.hubs.views import NewCode

log = logging.getLogger(__name__)

MAX_BATCH = 100


def enqueue(
    db: Session, hub_id: uuid.UUID, kind: MessageKind, body: dict[str, Any], now: datetime
) -> int:
    """Queue a message for a hub in the current transaction; its sequence number."""
    messages = HubMessageRepository(db)
    seq = messages.next_seq(hub_id)
    if seq is None:
        raise HubNotFound()
    messages.add(
        HubMessage(hub_id=hub_id, seq=seq, kind=kind.value, body=json.dumps(body), created_at=now)
    )
    return int(seq)


def take_messages(
    db: Session, hub: HubSubject, after: int, *, acknowledge: bool = True
) -> list[HubMessage]:
    """Acknowledge a hub's messages up to `after` (if asked) and return newer ones (≤ 100)."""
    messages = HubMessageRepository(db)
    if acknowledge:
        messages.acknowledge(hub.hub_id, after)
    return messages.after(hub.hub_id, after, MAX_BATCH)


class HubService:
    """Owner-side hub management in one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.homes = HomeService(db, context)
        self.hubs = HubRepository(db)

    def list_hubs(self, subject: AuthSubject, home_id: uuid.UUID) -> list[Hub]:
        """The hubs paired with one of the caller's homes."""
        return self.hubs.list_of(self.homes.get_home(subject, home_id).home)

    def new_pairing_code(self, subject: AuthSubject, home_id: uuid.UUID) -> NewCode:
        """A one-time code to pair a hub with a home the caller owns."""
        home = self.homes.get_owned(subject, home_id, "pair hubs").home
        return PairingService(self.db, self.context).new_code(home)

    def revoke(self, subject: AuthSubject, home_id: uuid.UUID, hub_id: uuid.UUID) -> None:
        """Unpair a hub of a home the caller owns; its credential stops working at once."""
        home = self.homes.get_owned(subject, home_id, "unpair hubs").home
        if self.hubs.get_of(home, hub_id) is None:
            raise HubNotFound()
        self.hubs.delete(hub_id)
        log.info("hub %s revoked by its home's owner", hub_id)

    def ping(self, subject: AuthSubject, home_id: uuid.UUID, hub_id: uuid.UUID) -> int:
        """Queue a `ping` for a hub of a home the caller owns (the "test connection" button)."""
        home = self.homes.get_owned(subject, home_id, "test hub connections").home
        if self.hubs.get_of(home, hub_id) is None:
            raise HubNotFound()
        now = self.context.clock()
        return enqueue(self.db, hub_id, MessageKind.PING, {"sent_at": now.isoformat()}, now)

    def unpair_self(self, hub: HubSubject) -> None:
        """A hub unpairs itself (`frontporch hub unpair`)."""
        self.hubs.delete(hub.hub_id)
        log.info("hub %s unpaired itself", hub.hub_id)
