"""Hub JSON APIs: pairing (public: the code is the credential), the hub link (hubs
only), and hub management for a home's household (`/api/homes/{id}/hubs`).

The long-poll is async: while it waits it holds neither a worker thread nor a database
transaction; it checks the queue every `POLL_INTERVAL_S` in a short transaction (the
queue lives in the database, so every server process sees the same messages).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from frontporch.server.context import Context, ServerContext, client_address
from frontporch.server.db import DbSession
from frontporch.server.homes.access import Household, household
from frontporch.server.hubs.auth import HubSubject, PairedHub, paired_hub
from frontporch.server.hubs.pairing import PairingRequest, PairingService
from frontporch.server.hubs.schemas import (
    HubMessageOut,
    HubOut,
    MessagesOut,
    PairedOut,
    PairIn,
    PairingCodeOut,
    QueuedOut,
)
from frontporch.server.hubs.service import HubService, take_messages
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router
from frontporch.web.routing import public_router
from frontporch.web.security import NO_STORE

MAX_WAIT_S = 30.0
POLL_INTERVAL_S = 0.5

pairing: APIRouter = public_router(prefix="/api/hub", tags=["hub"], responses=ERRORS)
link: APIRouter = protected_router(paired_hub, prefix="/api/hub", tags=["hub"], responses=ERRORS)
manage: APIRouter = protected_router(
    household, prefix="/api/homes/{home_id}", tags=["homes"], responses=ERRORS
)
HomeId = Annotated[uuid.UUID, PathParam(description="The home's id.")]
HubId = Annotated[uuid.UUID, PathParam(description="The hub's id.")]


Hubs = Annotated[HubService, Depends(per_request(HubService))]


# -- pairing (public) -----------------------------------------------------------------------


@pairing.post("/pair", status_code=201, response_model=PairedOut, dependencies=[NO_STORE])
def pair(body: PairIn, request: Request, db: DbSession, context: Context) -> PairedOut:
    """Pair a hub with the home whose owner showed the code; returns the hub credential once.

    The signature must verify over the pairing message for this server's origin
    (`frontporch.crypto.pairing`). Wrong codes are throttled per client address.
    """
    paired = PairingService(db, context).pair(
        PairingRequest(body.code, body.name, body.public_key, body.age_recipient, body.signature),
        client_address(request),
    )
    return PairedOut(
        hub_id=paired.hub.id,
        home_id=paired.home.id,
        home_name=paired.home.name,
        credential=paired.credential,
    )


# -- the hub link (hubs only) -----------------------------------------------------------------


def _take(
    context: ServerContext, hub: HubSubject, after: int, acknowledge: bool
) -> list[HubMessageOut]:
    with context.sessions.begin() as db:
        found = take_messages(db, hub, after, acknowledge=acknowledge)
        return [HubMessageOut.of(m) for m in found]


@link.get("/messages", response_model=MessagesOut)
async def messages(
    hub: PairedHub,
    context: Context,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="Acknowledge messages up to this number.")
    ] = 0,
    wait: Annotated[
        float, Query(ge=0, le=MAX_WAIT_S, description="Seconds to wait for a message.")
    ] = 0,
) -> MessagesOut:
    """Messages for the calling hub numbered above `after` (those up to `after` are
    acknowledged and deleted). Waits up to `wait` seconds for one; empty on timeout."""
    deadline = time.monotonic() + wait
    first = True
    while True:
        # Acknowledge once; later rounds only read, so waiting hubs cause no writes.
        found = await run_in_threadpool(_take, context, hub, after, first)
        first = False
        remaining = deadline - time.monotonic()
        if found or remaining <= 0:
            return MessagesOut(messages=found)
        await asyncio.sleep(min(POLL_INTERVAL_S, remaining))


@link.delete("/pairing", status_code=204, response_class=Response)
def unpair_self(hub: PairedHub, service: Hubs) -> Response:
    """The calling hub unpairs itself; its credential stops working."""
    service.unpair_self(hub)
    return Response(status_code=204)


# -- hub management (the home's household) ------------------------------------------------


@manage.get("/hubs", response_model=list[HubOut])
def list_hubs(home_id: HomeId, subject: Household, service: Hubs) -> list[HubOut]:
    """The hubs paired with one of the caller's homes."""
    return [HubOut.of(hub) for hub in service.list_hubs(subject, home_id)]


@manage.post(
    "/pairing-code", status_code=201, response_model=PairingCodeOut, dependencies=[NO_STORE]
)
def new_pairing_code(home_id: HomeId, subject: Household, service: Hubs) -> PairingCodeOut:
    """A one-time code (10 minutes, single use) to pair a hub with the home (owner only)."""
    return PairingCodeOut.of(service.new_pairing_code(subject, home_id))


@manage.delete("/hubs/{hub_id}", status_code=204, response_class=Response)
def revoke_hub(home_id: HomeId, hub_id: HubId, subject: Household, service: Hubs) -> Response:
    """Unpair a hub (owner only); its credential stops working at once."""
    service.revoke(subject, home_id, hub_id)
    return Response(status_code=204)


@manage.post("/hubs/{hub_id}/ping", status_code=202, response_model=QueuedOut)
def ping_hub(home_id: HomeId, hub_id: HubId, subject: Household, service: Hubs) -> QueuedOut:
    """Queue a `ping` for the hub (owner only): "test connection"."""
    return QueuedOut(seq=service.ping(subject, home_id, hub_id))


ROUTERS = (pairing, link, manage)
