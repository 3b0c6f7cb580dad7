"""Telling the area about a request: its hubs over the existing link, its households by
notification and email, and its neighbors by the agency's post in the feed.

Everything here runs in the filing (or closing) transaction, after the log entry was
appended: a hub, an owner or a neighbor can only hear of a request that the log holds
(the email leaves after the commit). Nothing here is returned to the agency but the
number of homes, which the agency sees only from the operator's k on.

The words are neutral by design: they say that an agency asked, where to review it, and
that declining or ignoring is never reported — no prompt to help, no countdown.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from frontporch import geo
from frontporch.protocol import Category, MessageKind
from frontporch.server.agencies.models import Agency
from frontporch.server.context import ServerContext
from frontporch.server.feed.models import Post
from frontporch.server.feed.notifications.service import notify
from frontporch.server.feed.notifications.views import NotificationKind
from frontporch.server.feed.posts.repository import PostRepository
from frontporch.server.homes.repository import homes_in_area
from frontporch.server.hubs.service import enqueue
from frontporch.server.mail import queue_mail
from frontporch.server.requests import area as areas
from frontporch.server.requests.models import FootageRequest
from frontporch.server.requests.policy import INCIDENTS
from frontporch.server.requests.repository import hubs_of, people_of
from frontporch.translog.entries import moment

MAIL_KIND = "footage_request"
TITLE_LIMIT = 120


@dataclass(frozen=True)
class Reached:
    """How many homes, hubs and people a filing reached (the agency sees only homes)."""

    homes: int
    hubs: int
    people: int


def cells_of(request: FootageRequest) -> list[str]:
    """The request's cells as logged."""
    return [cell for cell in request.cells.split(",") if cell]


def entry_url(context: ServerContext, index: int) -> str:
    """The public page of a log entry."""
    return f"{context.settings.base_url.rstrip('/')}/transparency/entries/{index}"


def request_message(request: FootageRequest, agency: Agency) -> dict[str, Any]:
    """The FOOTAGE_REQUEST body (the contract's fields, nothing more)."""
    return {
        "request": str(request.id),
        "log_index": request.filed_index,
        "agency": str(agency.id),
        "agency_name": agency.name,
        "agency_registration_index": request.registration_index,
        "case_number": request.case_number,
        "incident": request.incident,
        "description": request.description,
        "contact": request.contact,
        "area": json.loads(request.area),
        "cells": cells_of(request),
        "window_start": moment(request.window_start),
        "window_end": moment(request.window_end),
        "expires_at": moment(request.expires_at),
        "filed_at": moment(request.filed_at),
    }


def post_cell(area: areas.Area, cells: list[str]) -> str:
    """The request's cell nearest the middle of its area: where its one post is placed."""
    middle = areas.center_of(area)
    return min(cells, key=lambda cell: (geo.distance_km(middle, geo.cell_center(cell)), cell))


def add_request_post(
    db: Session,
    context: ServerContext,
    request: FootageRequest,
    agency: Agency,
    area: areas.Area,
    author_id: uuid.UUID,
) -> Post:
    """The agency's post about the request in the Neighbors feed: the description as
    filed, the window, the expiry and the log entry; never the case number or contact."""
    label = INCIDENTS.get(request.incident, request.incident)
    title = f"Footage request: {label}"[:TITLE_LIMIT]
    body = (
        f"{request.description}\n\n"
        f"{agency.name} asked camera owners in this area for footage from "
        f"{moment(request.window_start)} to {moment(request.window_end)}. "
        f"The request is open until {moment(request.expires_at)} and is entry "
        f"{request.filed_index} of the public transparency log: "
        f"{entry_url(context, request.filed_index)}\n\n"
        "Owners review it on their own hub. Nothing leaves a hub unless its owner shares "
        "it; declining or ignoring the request is never reported to anyone."
    )
    posts = PostRepository(db)
    return posts.add(
        Post(
            seq=posts.next_seq(),
            author_id=author_id,
            agency_id=agency.id,
            cell=geo.cell_to_int(post_cell(area, cells_of(request))),
            category=Category.CRIME.value
            if request.incident != "missing_person"
            else Category.SAFETY.value,
            title=title,
            body=body,
            created_at=request.filed_at,
            comment_count=0,
        )
    )


def announce_filing(
    db: Session, context: ServerContext, request: FootageRequest, agency: Agency
) -> Reached:
    """Queue the request to every hub of the homes in its cells, and notify and email each
    of those homes' owners and members (the notification points at the request's post)."""
    homes = homes_in_area(db, cells_of(request))
    hubs = hubs_of(db, homes)
    body = request_message(request, agency)
    now = context.clock()
    for hub_id in hubs:
        enqueue(db, hub_id, MessageKind.FOOTAGE_REQUEST, body, now)
    people = people_of(db, homes)
    label = INCIDENTS.get(request.incident, request.incident)
    for user_id, email in people:
        if request.post_id is not None:
            notify(db, user_id, NotificationKind.FOOTAGE_REQUEST_NEARBY, request.post_id, now)
        queue_mail(
            db,
            context.mailer,
            email,
            MAIL_KIND,
            agency=agency.name,
            incident=label,
            window_start=moment(request.window_start),
            window_end=moment(request.window_end),
            log_index=request.filed_index,
            entry_url=entry_url(context, request.filed_index),
        )
    return Reached(homes=len(homes), hubs=len(hubs), people=len(people))


def announce_closing(
    db: Session, context: ServerContext, request: FootageRequest, reason: str, log_index: int
) -> int:
    """Queue REQUEST_CLOSED to every hub of the homes in the request's cells; how many."""
    hubs = hubs_of(db, homes_in_area(db, cells_of(request)))
    body = {"request": str(request.id), "reason": reason, "log_index": log_index}
    now = context.clock()
    for hub_id in hubs:
        enqueue(db, hub_id, MessageKind.REQUEST_CLOSED, body, now)
    return len(hubs)


def new_request_id() -> uuid.UUID:
    """A request's id (chosen before its log entry, which names it)."""
    return uuid.uuid4()
