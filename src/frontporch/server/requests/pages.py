"""The agency portal's request pages, and the operator's request-policy page.

Agency members (two-factor):
- `GET /agency/requests`: open and closed requests with their aggregates.
- `GET`/`POST /agency/requests/new`: file a request. The area is a circle (centre and
  radius) or a polygon (corners typed as `lat, lng` lines). "Show on the map" draws the
  hexagons the area covers (`homes/hexmap.py`'s SVG map, no tiles); choosing a hexagon
  there, by click or arrow keys (`static/homes.js`'s picker), moves the circle's centre
  to that hexagon's centre. Without the script, typed coordinates do everything.
- `GET /agency/requests/{id}`: what was filed, its log entry, aggregates, releases, the
  evidence download, and withdrawal (`POST .../withdraw`).
Operators (two-factor): `GET`/`POST /operator/requests/policy`.

Every page reads and writes through `RequestService`, as the JSON API does, and the
form goes through the API's own models, so both refuse the same things.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import h3
from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from frontporch import geo
from frontporch.server.accounts.auth import Operator, operator
from frontporch.server.agencies.access import AgencyMember, agency_member
from frontporch.server.context import Context, ServerContext
from frontporch.server.errors import ServerError
from frontporch.server.feed.forms import FormErrors, FormShort, FormText
from frontporch.server.homes.hexmap import HexMap, layout
from frontporch.server.kit.pages import render
from frontporch.server.requests import area as areas
from frontporch.server.requests.endpoints import Requests
from frontporch.server.requests.errors import InvalidRequest
from frontporch.server.requests.policy import HARD_LIMITS, INCIDENTS, RequestPolicy, summary
from frontporch.server.requests.schemas import PolicyIn
from frontporch.server.requests.service import Filing, RequestService
from frontporch.server.routing import protected_router

agency_pages: APIRouter = protected_router(agency_member, include_in_schema=False)
policy_pages: APIRouter = protected_router(operator, include_in_schema=False)

RequestId = Annotated[uuid.UUID, PathParam()]
MAP_RINGS = 1  # hexagons drawn around the covered ones, for orientation
FORM_FIELDS = (
    "case_number",
    "incident",
    "description",
    "contact",
    "shape",
    "latitude",
    "longitude",
    "radius_m",
    "points",
    "center_cell",
    "window_start",
    "window_end",
    "expires_days",
)


# -- the filing form ----------------------------------------------------------------------


def _number(text: str, field: str, what: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidRequest(field, f"give the {what} as a number, e.g. 41.8781") from None
    if not math.isfinite(value):
        raise InvalidRequest(field, f"give the {what} as a number")
    return value


def _moment(text: str, field: str) -> datetime:
    """A datetime-local value ("2026-11-29T12:00"), read as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(field, "give a date and time, e.g. 2026-11-29T12:00 (UTC)") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _points(text: str) -> list[tuple[float, float]]:
    points = []
    for line in text.replace(";", "\n").splitlines():
        if not line.strip():
            continue
        parts = line.replace(",", " ").split()
        if len(parts) != 2:
            raise InvalidRequest("points", "write one corner per line as: latitude, longitude")
        points.append(
            (_number(parts[0], "points", "corner"), _number(parts[1], "points", "corner"))
        )
    return points


def form_area(form: dict[str, str]) -> areas.Area:
    """The area the form describes; InvalidRequest naming the form's field otherwise."""
    try:
        if form["shape"] == "polygon":
            return areas.polygon(_points(form["points"]))
        if form["center_cell"] and geo.is_cell(form["center_cell"]):
            typed = _typed_cell(form)
            if typed != form["center_cell"]:  # a hexagon chosen on the map moves the centre
                lat, lng = geo.cell_center(form["center_cell"])
                form["latitude"], form["longitude"] = f"{lat:.6f}", f"{lng:.6f}"
        latitude = _number(form["latitude"], "latitude", "latitude")
        longitude = _number(form["longitude"], "longitude", "longitude")
        radius = int(_number(form["radius_m"] or "0", "radius_m", "radius"))
        return areas.circle((latitude, longitude), radius)
    except areas.AreaError as exc:
        field = {"area.points": "points", "area.radius_m": "radius_m"}.get(exc.field, "latitude")
        raise InvalidRequest(field, exc.message) from None


def _typed_cell(form: dict[str, str]) -> str | None:
    try:
        lat = float(form["latitude"])
        lng = float(form["longitude"])
        return geo.home_cell(lat, lng)
    except (ValueError, geo.GeoError):
        return None


def form_filing(form: dict[str, str], attestation: bool, now: datetime) -> Filing:
    """The filing the form describes (expiry in days from now)."""
    area = form_area(form)
    try:
        days = int(form["expires_days"])
    except ValueError:
        raise InvalidRequest("expires_days", "choose after how many days it expires") from None
    return Filing(
        case_number=form["case_number"],
        incident=form["incident"],
        description=form["description"],
        contact=form["contact"],
        area=area,
        window_start=_moment(form["window_start"], "window_start"),
        window_end=_moment(form["window_end"], "window_end"),
        expires_at=now.replace(microsecond=0) + timedelta(days=days),
        attestation=attestation,
    )


def area_map(area: areas.Area) -> tuple[HexMap, set[str], str, float]:
    """The map of an area: its covering cells and a ring around them, the cells, the
    centre cell and the area's size in sq mi."""
    cells = set(areas.covering_cells(area))
    center = geo.home_cell(*areas.center_of(area))
    around = {str(c) for cell in cells for c in h3.grid_disk(cell, MAP_RINGS)}
    return layout(center, cells | around), cells, center, areas.size_sq_mi(area)


def _form_values(
    service: RequestService, user: Any, form: dict[str, str], context: ServerContext
) -> dict[str, Any]:
    policy, _ = service.policy()
    return {
        "form": form,
        "policy": policy,
        "policy_summary": summary(policy),
        "incidents": INCIDENTS,
        "agency": service.agency_for(user),
        "expiry_choices": list(range(1, policy.max_expiry_days + 1)),
        "now": context.clock(),
    }


def _blank_form(policy: RequestPolicy, now: datetime) -> dict[str, str]:
    form = dict.fromkeys(FORM_FIELDS, "")
    end = now.replace(second=0, microsecond=0)
    form.update(
        shape="circle",
        radius_m="300",
        window_start=(end - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        window_end=end.strftime("%Y-%m-%dT%H:%M"),
        expires_days=str(min(7, policy.max_expiry_days)),
    )
    return form


@agency_pages.get("/agency/requests")
def requests_page(
    request: Request, context: Context, subject: AgencyMember, service: Requests
) -> Response:
    """The agency's requests, open first, each with its aggregates."""
    views = service.list_for(subject.user)
    return render(
        request,
        context,
        "requests/list.html",
        subject,
        nav="requests",
        agency=service.agency_for(subject.user),
        open_requests=[v for v in views if v.is_open],
        closed_requests=[v for v in views if not v.is_open],
    )


@agency_pages.get("/agency/requests/new")
def new_request_page(
    request: Request, context: Context, subject: AgencyMember, service: Requests
) -> Response:
    """The filing form."""
    policy, _ = service.policy()
    form = _blank_form(policy, context.clock())
    return render(
        request,
        context,
        "requests/new.html",
        subject,
        nav="requests",
        errors={},
        **_form_values(service, subject.user, form, context),
    )


@agency_pages.post("/agency/requests/new")
def file_request_page(
    request: Request,
    context: Context,
    subject: AgencyMember,
    service: Requests,
    case_number: FormShort = "",
    incident: FormShort = "",
    description: FormText = "",
    contact: FormShort = "",
    shape: FormShort = "circle",
    latitude: FormShort = "",
    longitude: FormShort = "",
    radius_m: FormShort = "",
    points: FormText = "",
    center_cell: FormShort = "",
    window_start: FormShort = "",
    window_end: FormShort = "",
    expires_days: FormShort = "",
    attestation: Annotated[bool, Form()] = False,
    action: FormShort = "file",
) -> Response:
    """ "Show on the map" draws the area; "File the request" files it and opens its page.
    Each mistake is shown next to its field."""
    form = {
        "case_number": case_number,
        "incident": incident,
        "description": description,
        "contact": contact,
        "shape": "polygon" if shape == "polygon" else "circle",
        "latitude": latitude,
        "longitude": longitude,
        "radius_m": radius_m,
        "points": points,
        "center_cell": center_cell,
        "window_start": window_start,
        "window_end": window_end,
        "expires_days": expires_days,
    }
    preview: dict[str, Any] = {}
    try:
        if action == "preview":
            hexes, cells, center, size = area_map(form_area(form))
            form["center_cell"] = center
            preview = {"map": hexes, "covered": cells, "size_sq_mi": size}
        else:
            view = service.file(subject.user, form_filing(form, attestation, context.clock()))
            return RedirectResponse(f"/agency/requests/{view.id}?done=filed", status_code=303)
    except (FormErrors, ServerError) as exc:
        errors = FormErrors.of_any(exc)
        service.db.rollback()
        response = render(
            request,
            context,
            "requests/new.html",
            subject,
            nav="requests",
            status=errors.status,
            errors=errors.fields,
            error=errors.general,
            attested=attestation,
            **_form_values(service, subject.user, form, context),
        )
        response.headers.update(errors.headers)
        return response
    return render(
        request,
        context,
        "requests/new.html",
        subject,
        nav="requests",
        errors={},
        attested=attestation,
        **preview,
        **_form_values(service, subject.user, form, context),
    )


@agency_pages.get("/agency/requests/{request_id}")
def request_page(
    request: Request,
    context: Context,
    subject: AgencyMember,
    service: Requests,
    request_id: RequestId,
    done: str = "",
) -> Response:
    """One request: as filed, its log entry, aggregates, releases, evidence, withdrawal."""
    detail = service.get_for(subject.user, request_id)
    view = detail.request
    area = areas.from_json(view.area)
    hexes, cells, _, size = area_map(area)
    return render(
        request,
        context,
        "requests/detail.html",
        subject,
        nav="requests",
        view=view,
        releases=detail.releases,
        map=hexes,
        covered=cells,
        size_sq_mi=size,
        notice={"filed": "Request filed and logged.", "withdrawn": "Request withdrawn."}.get(
            done[:20]
        ),
    )


@agency_pages.post("/agency/requests/{request_id}/withdraw")
def withdraw_page(subject: AgencyMember, service: Requests, request_id: RequestId) -> Response:
    """Withdraw the request, then show it again."""
    service.withdraw(subject.user, request_id)
    return RedirectResponse(f"/agency/requests/{request_id}?done=withdrawn", status_code=303)


# -- the operator's policy ---------------------------------------------------------------


def _policy_page(
    request: Request,
    context: Context,
    subject: Any,
    service: RequestService,
    *,
    values: dict[str, Any] | None = None,
    status: int = 200,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    policy, row = service.policy()
    return render(
        request,
        context,
        "requests/policy.html",
        subject,
        nav="request-policy",
        status=status,
        values=values or asdict(policy),
        policy=policy,
        row=row,
        policy_summary=summary(policy),
        limits=HARD_LIMITS,
        error=error,
        errors=errors or {},
        notice=notice,
    )


@policy_pages.get("/operator/requests/policy")
def policy_page(
    request: Request, context: Context, subject: Operator, service: Requests, done: str = ""
) -> Response:
    """The request policy, its hard limits, and the form to change it."""
    notice = "Policy changed and logged." if done == "changed" else None
    return _policy_page(request, context, subject, service, notice=notice)


FormNumber = Annotated[str, Form(max_length=20)]


@policy_pages.post("/operator/requests/policy")
def change_policy_page(
    request: Request,
    context: Context,
    subject: Operator,
    service: Requests,
    max_area_sq_mi: FormNumber = "",
    max_window_hours: FormNumber = "",
    retention_days: FormNumber = "",
    max_expiry_days: FormNumber = "",
    max_open_requests: FormNumber = "",
    k_threshold: FormNumber = "",
    download_window_days: FormNumber = "",
) -> Response:
    """Change the policy within the hard limits; each mistake next to its field."""
    values = {
        "max_area_sq_mi": max_area_sq_mi,
        "max_window_hours": max_window_hours,
        "retention_days": retention_days,
        "max_expiry_days": max_expiry_days,
        "max_open_requests": max_open_requests,
        "k_threshold": k_threshold,
        "download_window_days": download_window_days,
    }
    try:
        numbers: dict[str, Any] = {}
        for name, text in values.items():
            if not text.strip():
                continue
            try:
                numbers[name] = float(text) if name == "max_area_sq_mi" else int(text)
            except ValueError:
                raise InvalidRequest(name, f"{HARD_LIMITS[name].label}: give a number") from None
        current, _ = service.policy()
        service.set_policy(subject.user, PolicyIn(**numbers).applied_to(current))
    except ServerError as exc:
        service.db.rollback()
        return _policy_page(
            request,
            context,
            subject,
            service,
            values=values,
            status=exc.status,
            errors={exc.field: exc.detail} if exc.field else {},
            error=None if exc.field else exc.detail,
        )
    return RedirectResponse("/operator/requests/policy?done=changed", status_code=303)


ROUTERS = (agency_pages, policy_pages)
