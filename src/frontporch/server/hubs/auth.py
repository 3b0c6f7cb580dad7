"""Hubs as callers: the `paired_hub` guard and the principal it yields.

A hub authenticates with `Authorization: Bearer fph_…` (its credential, stored on the
server as SHA-256). Hubs are a separate kind of principal from users: the user guards
refuse hub credentials (they are not API tokens) and this guard refuses user sessions
and API tokens. The guard checks the credential in its own short transaction, so a
long-poll that follows holds no database transaction (and, on SQLite, no write lock).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from frontporch.server.context import Context
from frontporch.server.hubs.errors import HubCredentialRequired
from frontporch.server.hubs.repository import HubRepository
from frontporch.server.kit.tokens import hash_token
from frontporch.server.routing import guard

HUB_CREDENTIAL_PREFIX = "fph_"
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class HubSubject:
    """The hub calling: which hub and which home it serves."""

    hub_id: uuid.UUID
    home_id: uuid.UUID
    name: str


@guard
def paired_hub(request: Request, context: Context) -> HubSubject:
    """A paired hub, by its credential; 401 for anyone else (users included)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    secret = value.strip()
    if scheme.lower() != "bearer" or not secret.startswith(HUB_CREDENTIAL_PREFIX):
        raise HubCredentialRequired()
    with context.sessions.begin() as db:
        hub = HubRepository(db).find_by_credential_for_authentication(hash_token(secret))
        if hub is None:
            raise HubCredentialRequired(
                "The hub credential is unknown or was revoked; pair the hub again."
            )
        now = context.clock()
        if hub.last_seen_at is None or now - hub.last_seen_at > TOUCH_INTERVAL:
            hub.last_seen_at = now
        return HubSubject(hub.id, hub.home_id, hub.name)


PairedHub = Annotated[HubSubject, Depends(paired_hub)]
