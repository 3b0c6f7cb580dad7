"""The legal demand pages.

Operators (`/operator/legal`): the demands (kind, authority, received, the accounts by
email, the notice's status, overdue paperwork) and the form to record one (its
document's SHA-256, or the document itself, which the server hashes and stores
encrypted); a demand's page with what the server can answer with and the forms to
record the response, a new delay order and emergency paperwork, and the package link.
Owners (`/legal/notices/{id}`): a notice about their account. Each form runs the same
service function as its JSON endpoint; a mistake shows the page again with the message,
nothing changed.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import Operator, SignedIn, operator, signed_in
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.kit.pages import render
from frontporch.server.kit.schemas import NO_NUL
from frontporch.server.legal.errors import DocumentTooLarge, InvalidDemand
from frontporch.server.legal.service import DemandInput, LegalService, check_document
from frontporch.server.legal.views import (
    CATEGORIES,
    FOOTAGE_ANSWER,
    KINDS,
    OUTCOMES,
    PAPERWORK_KINDS,
)
from frontporch.server.routing import protected_router
from frontporch.server.transparency.endpoints import log_keys

pages: APIRouter = protected_router(operator, include_in_schema=False)
owner_pages: APIRouter = protected_router(signed_in, include_in_schema=False)

Text = Annotated[str, Form(max_length=8000, pattern=NO_NUL)]
DONE = {
    "recorded": "Demand recorded and logged.",
    "responded": "Response recorded and logged; the package is ready to download.",
    "delayed": "Delay order recorded and logged.",
    "paperwork": "Paperwork recorded and logged.",
}


def _date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidDemand(field, f"give {field} as a date, YYYY-MM-DD") from None


def _end_of(value: str, field: str) -> datetime | None:
    day = _date(value, field)
    return None if day is None else datetime.combine(day, time(23, 59, 59), UTC)


def _service(request: Request, db: DbSession, context: Context) -> LegalService:
    return LegalService(db, context, log_keys(request))


def _list_page(
    request: Request, db: DbSession, context: Context, subject: Any, **values: Any
) -> Response:
    service = _service(request, db, context)
    return render(
        request, context, "legal/operator.html", subject,
        nav="operator-legal", demands=service.list_demands(), kinds=KINDS,
        attaching=context.settings.legal_document_recipient is not None,
        max_delay_days=context.settings.legal_max_delay_days, **values,
    )  # fmt: skip


def _demand_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Any,
    demand_id: uuid.UUID,
    **values: Any,
) -> Response:
    service = _service(request, db, context)
    return render(
        request, context, "legal/demand.html", subject,
        nav="operator-legal", demand=service.view(demand_id), categories=CATEGORIES,
        outcomes=OUTCOMES, paperwork_kinds=PAPERWORK_KINDS, footage=FOOTAGE_ANSWER,
        max_delay_days=context.settings.legal_max_delay_days, **values,
    )  # fmt: skip


@pages.get("/operator/legal")
def demands_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The demands, and the form to record one."""
    return _list_page(request, db, context, subject, notice=DONE.get(done), typed={})


@pages.post("/operator/legal")
def record_demand(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    kind: Text = "",
    authority: Text = "",
    received_on: Text = "",
    accounts: Text = "",
    scope: Text = "",
    document_sha256: Text = "",
    delay_until: Text = "",
    delay_order_sha256: Text = "",
    document: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Record a demand from the form (with its document, if one was chosen)."""
    typed = {
        "kind": kind, "authority": authority, "received_on": received_on,
        "accounts": accounts, "scope": scope, "document_sha256": document_sha256,
        "delay_until": delay_until, "delay_order_sha256": delay_order_sha256,
    }  # fmt: skip
    try:
        data = None
        if document is not None and document.filename:
            check_document(context, document.size or 0)
            data = document.file.read(context.settings.legal_document_max_bytes + 1)
            if len(data) > context.settings.legal_document_max_bytes:
                raise DocumentTooLarge(context.settings.legal_document_max_bytes)
            document_sha256 = hashlib.sha256(data).hexdigest()
        service = _service(request, db, context)
        view = service.record(
            subject.user,
            DemandInput(
                kind=kind,
                authority=authority,
                received_on=_date(received_on, "received_on"),
                accounts=[a for a in accounts.replace(",", "\n").splitlines() if a.strip()],
                scope=scope,
                document_sha256=document_sha256,
                delay_until=_end_of(delay_until, "delay_until"),
                delay_order_sha256=delay_order_sha256 or None,
            ),
        )
        if data is not None:
            service.attach_document(view.id, data)
    except ServerError as exc:
        db.rollback()
        return _list_page(
            request, db, context, subject, status=exc.status, typed=typed,
            errors={exc.field or "general": exc.detail},
            error=f"Nothing was recorded: {exc.message}.",
        )  # fmt: skip
    return RedirectResponse(f"/operator/legal/{view.id}?done=recorded", status_code=303)


@pages.get("/operator/legal/{demand_id}")
def demand_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    demand_id: uuid.UUID,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One demand, with its forms."""
    return _demand_page(request, db, context, subject, demand_id, notice=DONE.get(done))


def _act(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Any,
    demand_id: uuid.UUID,
    done: str,
    action: Callable[[LegalService], object],
) -> Response:
    try:
        action(_service(request, db, context))
    except ServerError as exc:
        if exc.status == 404:
            raise
        db.rollback()
        return _demand_page(
            request, db, context, subject, demand_id, status=exc.status,
            errors={exc.field or "general": exc.detail},
            error=f"Nothing changed: {exc.message}.",
        )  # fmt: skip
    return RedirectResponse(f"/operator/legal/{demand_id}?done={done}", status_code=303)


@pages.post("/operator/legal/{demand_id}/response")
async def respond(
    request: Request, db: DbSession, context: Context, subject: Operator, demand_id: uuid.UUID
) -> Response:
    """Record the response from the ticked categories."""
    form = await request.form()
    outcome = str(form.get("outcome") or "")
    categories = [str(c) for c in form.getlist("categories")]
    return _act(
        request, db, context, subject, demand_id, "responded",
        lambda service: service.respond(demand_id, outcome, categories),
    )  # fmt: skip


@pages.post("/operator/legal/{demand_id}/delay")
def extend_delay(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    demand_id: uuid.UUID,
    delay_until: Text = "",
    delay_order_sha256: Text = "",
) -> Response:
    """Record a new delay order."""

    def action(service: LegalService) -> object:
        until = _end_of(delay_until, "delay_until")
        if until is None:
            raise InvalidDemand("delay_until", "a delay order needs its end date")
        return service.extend_delay(demand_id, until, delay_order_sha256)

    return _act(request, db, context, subject, demand_id, "delayed", action)


@pages.post("/operator/legal/{demand_id}/paperwork")
def record_paperwork(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    demand_id: uuid.UUID,
    kind: Text = "",
    document_sha256: Text = "",
) -> Response:
    """Record an emergency demand's paperwork."""
    return _act(
        request, db, context, subject, demand_id, "paperwork",
        lambda service: service.record_paperwork(demand_id, kind, document_sha256),
    )  # fmt: skip


@owner_pages.get("/legal/notices/{demand_id}")
def notice_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: SignedIn,
    demand_id: uuid.UUID,
) -> Response:
    """A notice about a legal demand that named the caller's account."""
    notice = _service(request, db, context).notice_for(subject.user, demand_id)
    return render(
        request, context, "legal/notice.html", subject,
        nav="notifications", notice=notice, footage=FOOTAGE_ANSWER,
    )  # fmt: skip


ROUTERS = (pages, owner_pages)
