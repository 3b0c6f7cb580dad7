"""The homes JSON API under /api/homes and /api/invitations (residents and operators)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi import Path as PathParam

from frontporch.server.homes.access import Household, household
from frontporch.server.homes.schemas import (
    HomeIn,
    HomeOut,
    InvitationAcceptIn,
    InvitationIn,
    MemberOut,
)
from frontporch.server.homes.service import HomeService, cell_from_input
from frontporch.server.kit.schemas import ERRORS, MessageOut
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router

homes: APIRouter = protected_router(household, prefix="/api", tags=["homes"], responses=ERRORS)
HomeId = Annotated[uuid.UUID, PathParam(description="The home's id.")]
UserId = Annotated[uuid.UUID, PathParam(description="The member's user id.")]


Homes = Annotated[HomeService, Depends(per_request(HomeService))]


@homes.post("/homes", status_code=201, response_model=HomeOut)
def add_home(body: HomeIn, subject: Household, service: Homes) -> HomeOut:
    """Add a home. Coordinates are converted to the resolution-8 H3 cell here and dropped;
    only the cell is stored."""
    cell = cell_from_input(body.latitude, body.longitude, body.cell)
    return HomeOut.of(service.add_home(subject, body.name, cell))


@homes.get("/homes", response_model=list[HomeOut])
def list_homes(subject: Household, service: Homes) -> list[HomeOut]:
    """The caller's homes (as owner or member)."""
    return [HomeOut.of(view) for view in service.list_homes(subject)]


@homes.get("/homes/{home_id}", response_model=HomeOut)
def get_home(home_id: HomeId, subject: Household, service: Homes) -> HomeOut:
    """One of the caller's homes (404 for any other)."""
    return HomeOut.of(service.get_home(subject, home_id))


@homes.delete("/homes/{home_id}", status_code=204, response_class=Response)
def delete_home(home_id: HomeId, subject: Household, service: Homes) -> Response:
    """Delete a home the caller owns, with its members, invitations and hubs."""
    service.delete_home(subject, home_id)
    return Response(status_code=204)


@homes.get("/homes/{home_id}/members", response_model=list[MemberOut])
def list_members(home_id: HomeId, subject: Household, service: Homes) -> list[MemberOut]:
    """The household: the owner first, then members."""
    return [MemberOut.of(m) for m in service.list_members(subject, home_id)]


@homes.delete("/homes/{home_id}/members/{user_id}", status_code=204, response_class=Response)
def remove_member(home_id: HomeId, user_id: UserId, subject: Household, service: Homes) -> Response:
    """The owner removes a member; a member may remove themselves (leave)."""
    service.remove_member(subject, home_id, user_id)
    return Response(status_code=204)


@homes.post("/homes/{home_id}/invitations", status_code=202, response_model=MessageOut)
def invite(home_id: HomeId, body: InvitationIn, subject: Household, service: Homes) -> MessageOut:
    """Email a single-use invitation link (owner only); the invitee accepts signed in."""
    service.invite(subject, home_id, body.email)
    return MessageOut(status="accepted", detail="The invitation is on its way.")


@homes.post("/invitations/accept", response_model=HomeOut)
def accept_invitation(body: InvitationAcceptIn, subject: Household, service: Homes) -> HomeOut:
    """Join a home with the token from the emailed invitation (sent to the caller's address)."""
    return HomeOut.of(service.accept_invitation(subject, body.token))


ROUTERS = (homes,)
