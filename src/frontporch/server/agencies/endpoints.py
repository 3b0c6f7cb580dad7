"""The agency registry's JSON API (operators): register agencies, list them, and attach
agency-member accounts to one."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam

from frontporch.server.accounts.auth import Operator, operator
from frontporch.server.agencies.schemas import (
    AgencyIn,
    AgencyMembershipIn,
    AgencyMembershipOut,
    AgencyOut,
)
from frontporch.server.agencies.service import AgencyService
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router

registry: APIRouter = protected_router(
    operator, prefix="/api/operator", tags=["operator"], responses=ERRORS
)

UserId = Annotated[uuid.UUID, PathParam(description="The account's id.")]


Agencies = Annotated[AgencyService, Depends(per_request(AgencyService))]


@registry.post("/agencies", status_code=201, response_model=AgencyOut)
def create_agency(body: AgencyIn, subject: Operator, service: Agencies) -> AgencyOut:
    """Register an agency you have verified; its members' posts carry this name."""
    return AgencyOut.of(service.create(body.name))


@registry.get("/agencies", response_model=list[AgencyOut])
def list_agencies(subject: Operator, service: Agencies) -> list[AgencyOut]:
    """Every registered agency."""
    return [AgencyOut.of(agency) for agency in service.list_agencies()]


@registry.put("/users/{user_id}/agency", response_model=AgencyMembershipOut)
def set_agency(
    user_id: UserId, body: AgencyMembershipIn, subject: Operator, service: Agencies
) -> AgencyMembershipOut:
    """Attach an agency-member account to an agency (null detaches it)."""
    user, agency = service.attach(user_id, body.agency_id)
    return AgencyMembershipOut(user_id=user.id, agency=AgencyOut.of(agency) if agency else None)


ROUTERS = (registry,)
