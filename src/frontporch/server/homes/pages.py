"""Server-rendered homes pages: the list, adding a home on the hexagon map, a home's page
(cell, household, invitations, hubs), and accepting an invitation.

Adding a home: the person types coordinates (or the map starts at the server's
`map_center`); the server answers with the hexagons around the cell those coordinates
fall in, that cell selected; clicking or the arrow keys move the selection; the
form then sends the chosen *cell*. A map that starts at `map_center` has nothing
selected: the server's default is nobody's home, so a name alone must not save one
there (the form answers "choose your hexagon", field `cell`). Coordinates are only
ever in a POST body, turned into a cell at once, and neither stored, logged nor echoed
back into the page.
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from frontporch import geo
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.homes.access import Household, household
from frontporch.server.homes.endpoints import Homes
from frontporch.server.homes.errors import InvalidLocation
from frontporch.server.homes.hexmap import hex_map
from frontporch.server.homes.service import HomeService, cell_from_input
from frontporch.server.hubs.repository import HubRepository
from frontporch.server.kit.pages import FormToken, QueryText, Text, failed, render
from frontporch.server.kit.schemas import NO_NUL
from frontporch.server.routing import protected_router

pages: APIRouter = protected_router(household, include_in_schema=False)

Name = Annotated[str, Form(max_length=100, pattern=NO_NUL)]
Coordinate = Annotated[str, Form(max_length=40, pattern=NO_NUL)]
Cell = Annotated[str, Form(max_length=20, pattern=NO_NUL)]


def _coordinate(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidLocation(f"The {field} must be a number of degrees.", field) from None
    if not math.isfinite(value):
        raise InvalidLocation(f"The {field} must be a number of degrees.", field)
    return value


def _new_page_values(context: ServerContext, center: str | None) -> dict[str, Any]:
    if center is None and context.settings.map_center is not None:
        center = geo.home_cell(*context.settings.map_center)
    return {
        "map": hex_map(center) if center else None,
        "resolution": geo.HOME_RESOLUTION,
        "area_km2": geo.average_area_km2(),
        "area_sq_mi": geo.average_area_km2() / geo.SQ_KM_PER_SQ_MILE,
        "edge_km": geo.average_edge_km(),
    }


def home_page(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    home_id: uuid.UUID,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    """A home's page: its cell on a small map, the household, invitations and hubs."""
    service = HomeService(db, context)
    view = service.get_home(subject, home_id)
    return render(
        request,
        context,
        "homes/detail.html",
        subject,
        status=status,
        nav="homes",
        view=view,
        map=hex_map(view.cell, rings=1),
        members=service.list_members(subject, home_id),
        hubs=HubRepository(db).list_of(view.home),
        base_url=context.settings.base_url.rstrip("/"),
        area_km2=geo.average_area_km2(),
        **values,
    )


@pages.get("/homes")
def homes_page(request: Request, context: Context, subject: Household, service: Homes) -> Response:
    """The caller's homes."""
    notice = {"deleted": "Home deleted.", "left": "You left the home."}.get(
        request.query_params.get("done", "")
    )
    return render(
        request,
        context,
        "homes/list.html",
        subject,
        nav="homes",
        homes=service.list_homes(subject),
        notice=notice,
    )


@pages.get("/homes/new")
def new_home_page(request: Request, context: Context, subject: Household) -> Response:
    """Add a home: coordinates, then the hexagon map."""
    return render(
        request, context, "homes/new.html", subject, nav="homes", **_new_page_values(context, None)
    )


@pages.post("/homes/new")
def locate(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Household,
    name: Name = "",
    latitude: Coordinate = "",
    longitude: Coordinate = "",
) -> Response:
    """Show the hexagons around the cell the typed coordinates fall in (nothing is stored)."""
    try:
        cell = cell_from_input(
            _coordinate(latitude, "latitude"), _coordinate(longitude, "longitude"), None
        )
    except ServerError as exc:
        return failed(
            request, db, context, "homes/new.html", exc, subject=subject, nav="homes", name=name,
            **_new_page_values(context, None),
        )  # fmt: skip
    return render(
        request,
        context,
        "homes/new.html",
        subject,
        nav="homes",
        name=name,
        located=True,
        **_new_page_values(context, cell),
    )


@pages.post("/homes")
def add_home(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Household,
    service: Homes,
    name: Name = "",
    cell: Cell = "",
    latitude: Coordinate = "",
    longitude: Coordinate = "",
) -> Response:
    """Add the home at the chosen cell (or the cell of the coordinates) and open its page."""
    try:
        if not (cell or latitude.strip() or longitude.strip()):
            raise InvalidLocation(
                "Choose the hexagon your home is in: click it on the map, or focus the map "
                "and use the arrow keys (or type your coordinates above).",
                "cell",
            )
        home_cell = cell_from_input(
            _coordinate(latitude, "latitude"), _coordinate(longitude, "longitude"), cell or None
        )
        view = service.add_home(subject, name, home_cell)
    except ServerError as exc:
        center = cell if cell and geo.is_cell(cell) else None
        return failed(
            request, db, context, "homes/new.html", exc, subject=subject, nav="homes", name=name,
            located=center is not None, error_field=exc.field, **_new_page_values(context, center),
        )  # fmt: skip
    return RedirectResponse(f"/homes/{view.home.id}?done=added", status_code=303)


@pages.get("/homes/{home_id}")
def home_detail(
    request: Request, db: DbSession, context: Context, subject: Household, home_id: uuid.UUID
) -> Response:
    """One of the caller's homes."""
    notice = {
        "added": "Home added. Only its cell is kept — pair your hub below.",
        "invited": "Invitation sent.",
        "removed": "Member removed.",
        "revoked": "Hub unpaired; its credential no longer works.",
        "pinged": "Test message queued; the hub receives it on its next poll.",
        "joined": "You joined this home.",
    }.get(request.query_params.get("done", ""))
    return home_page(request, db, context, subject, home_id, notice=notice)


@pages.post("/homes/{home_id}/invitations")
def invite(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Household,
    service: Homes,
    home_id: uuid.UUID,
    email: Text = "",
) -> Response:
    """Email an invitation to join the home (owner only)."""
    try:
        service.invite(subject, home_id, email)
    except ServerError as exc:
        if exc.status == 404:
            raise
        db.rollback()
        return home_page(
            request, db, context, subject, home_id, status=exc.status, error=exc.detail
        )
    return RedirectResponse(f"/homes/{home_id}?done=invited", status_code=303)


@pages.post("/homes/{home_id}/members/{user_id}/remove")
def remove_member(
    subject: Household, service: Homes, home_id: uuid.UUID, user_id: uuid.UUID
) -> Response:
    """Remove a member (owner), or leave the home (a member removing themselves)."""
    service.remove_member(subject, home_id, user_id)
    if user_id == subject.user_id:
        return RedirectResponse("/homes?done=left", status_code=303)
    return RedirectResponse(f"/homes/{home_id}?done=removed", status_code=303)


@pages.post("/homes/{home_id}/delete")
def delete_home(subject: Household, service: Homes, home_id: uuid.UUID) -> Response:
    """Delete the home (owner only)."""
    service.delete_home(subject, home_id)
    return RedirectResponse("/homes?done=deleted", status_code=303)


@pages.get("/invitations/accept")
def invitation_page(
    request: Request, context: Context, subject: Household, service: Homes, token: QueryText = ""
) -> Response:
    """Show which home an invitation is for, with a button to join (a GET joins nothing)."""
    home = service.invitation_home(subject, token)
    return render(
        request, context, "homes/invitation.html", subject, nav="homes", home=home, token=token
    )


@pages.post("/invitations/accept")
def accept_invitation(subject: Household, service: Homes, token: FormToken = "") -> Response:
    """Join the home of the invitation."""
    view = service.accept_invitation(subject, token)
    return RedirectResponse(f"/homes/{view.home.id}?done=joined", status_code=303)


ROUTERS = (pages,)
