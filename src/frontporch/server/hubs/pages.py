"""Hub pages on a home's page: show a pairing code, unpair a hub, test its connection."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.crypto.pairing import format_code
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.homes.access import Household, household
from frontporch.server.homes.pages import home_page
from frontporch.server.hubs.endpoints import Hubs
from frontporch.server.routing import protected_router
from frontporch.web.security import NO_STORE

pages: APIRouter = protected_router(household, include_in_schema=False)


@pages.post("/homes/{home_id}/pairing-code", dependencies=[NO_STORE])
def pairing_code(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Household,
    service: Hubs,
    home_id: uuid.UUID,
) -> Response:
    """Show a new one-time pairing code (owner only); it is never shown again."""
    code = service.new_pairing_code(subject, home_id)
    return home_page(
        request,
        db,
        context,
        subject,
        home_id,
        pairing_code=format_code(code.code),
        pairing_expires=code.expires_at,
    )


@pages.post("/homes/{home_id}/hubs/{hub_id}/revoke")
def revoke(subject: Household, service: Hubs, home_id: uuid.UUID, hub_id: uuid.UUID) -> Response:
    """Unpair a hub (owner only)."""
    service.revoke(subject, home_id, hub_id)
    return RedirectResponse(f"/homes/{home_id}?done=revoked", status_code=303)


@pages.post("/homes/{home_id}/hubs/{hub_id}/ping")
def ping(subject: Household, service: Hubs, home_id: uuid.UUID, hub_id: uuid.UUID) -> Response:
    """Queue a test message for a hub (owner only)."""
    service.ping(subject, home_id, hub_id)
    return RedirectResponse(f"/homes/{home_id}?done=pinged", status_code=303)


ROUTERS = (pages,)
