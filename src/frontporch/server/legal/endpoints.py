"""The legal demands JSON API.

Operators (two-factor), under `/api/operator/legal/demands`: `GET` lists demands (with
the accounts they name), `POST` records one; `GET /{id}`; `PUT /{id}/document` attaches
the document (the raw bytes; stored encrypted to the operator's recipient);
`POST /{id}/delay` records a new delay order; `POST /{id}/paperwork` an emergency
demand's paperwork; `POST /{id}/response` the response; `GET /{id}/package` streams
the response package. Anyone signed in: `GET /api/legal/notices` (and `/{id}`), the
notices sent about their own account.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from frontporch.server.accounts.auth import Operator, SignedIn, operator, signed_in
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.legal.errors import DocumentTooLarge, InvalidDemand
from frontporch.server.legal.package import package_name, response_contents, stream_response
from frontporch.server.legal.schemas import (
    DelayIn,
    DemandIn,
    DemandOut,
    NoticeOut,
    PaperworkIn,
    ResponseIn,
)
from frontporch.server.legal.service import DemandInput, LegalService, check_document
from frontporch.server.routing import protected_router
from frontporch.server.transparency.endpoints import log_keys


async def legal_service(db: DbSession, context: Context, request: Request) -> LegalService:
    """The legal service of this request, with the log's keys for checkpoints."""
    return LegalService(db, context, log_keys(request))


Legal = Annotated[LegalService, Depends(legal_service)]
DemandId = Annotated[uuid.UUID, PathParam(description="The demand's id.")]

operator_api: APIRouter = protected_router(
    operator, prefix="/api/operator/legal", tags=["legal demands"], responses=ERRORS
)
owner_api: APIRouter = protected_router(
    signed_in, prefix="/api/legal", tags=["legal demands"], responses=ERRORS
)


def input_of(body: DemandIn) -> DemandInput:
    """The service's input for a body."""
    return DemandInput(
        kind=body.kind,
        authority=body.authority,
        received_on=body.received_on,
        accounts=body.accounts,
        scope=body.scope,
        document_sha256=body.document_sha256,
        delay_until=body.delay_until,
        delay_order_sha256=body.delay_order_sha256,
    )


@operator_api.get("/demands", response_model=list[DemandOut])
def list_demands(subject: Operator, service: Legal) -> list[DemandOut]:
    """Every demand, newest first, with the accounts it names and their notices."""
    return [DemandOut.of(view) for view in service.list_demands()]


@operator_api.post("/demands", status_code=201, response_model=DemandOut)
def record_demand(body: DemandIn, subject: Operator, service: Legal) -> DemandOut:
    """Record a demand: `legal_demand` is logged per named account (as a pseudonym), and
    each owner told at once unless a delay order (with its end) came with it."""
    return DemandOut.of(service.record(subject.user, input_of(body)))


@operator_api.get("/demands/{demand_id}", response_model=DemandOut)
def get_demand(demand_id: DemandId, subject: Operator, service: Legal) -> DemandOut:
    """One demand."""
    return DemandOut.of(service.view(demand_id))


@operator_api.put("/demands/{demand_id}/document", response_model=DemandOut)
async def attach_document(
    demand_id: DemandId, request: Request, subject: Operator, context: Context, service: Legal
) -> DemandOut:
    """Attach the demand's document (the raw bytes as the body): it must have the SHA-256
    recorded, and is stored encrypted to the operator's recipient (409 if none is
    configured; 413 past legal_document_max_bytes)."""
    declared = request.headers.get("content-length")
    check_document(context, int(declared) if declared and declared.isdigit() else 0)
    limit = context.settings.legal_document_max_bytes
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise DocumentTooLarge(limit)
    return DemandOut.of(service.attach_document(demand_id, bytes(data)))


@operator_api.post("/demands/{demand_id}/delay", response_model=DemandOut)
def extend_delay(
    demand_id: DemandId, body: DelayIn, subject: Operator, service: Legal
) -> DemandOut:
    """Record a new delay order (`delay_order` logged): it must extend the delay in
    force, and end at most the legal maximum from now."""
    if body.delay_until is None:
        raise InvalidDemand("delay_until", "a delay order needs its end date: give delay_until")
    return DemandOut.of(service.extend_delay(demand_id, body.delay_until, body.delay_order_sha256))


@operator_api.post("/demands/{demand_id}/paperwork", response_model=DemandOut)
def record_paperwork(
    demand_id: DemandId, body: PaperworkIn, subject: Operator, service: Legal
) -> DemandOut:
    """Record an emergency demand's court paperwork (`emergency_paperwork`)."""
    return DemandOut.of(service.record_paperwork(demand_id, body.kind, body.document_sha256))


@operator_api.post("/demands/{demand_id}/response", response_model=DemandOut)
def record_response(
    demand_id: DemandId, body: ResponseIn, subject: Operator, service: Legal
) -> DemandOut:
    """Record what the server gave (`legal_response`), once."""
    return DemandOut.of(service.respond(demand_id, body.outcome, body.categories))


@operator_api.get(
    "/demands/{demand_id}/package",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_package(
    demand_id: DemandId, subject: Operator, context: Context, service: Legal, request: Request
) -> StreamingResponse:
    """The response package (ZIP, streamed) of an answered demand."""
    contents = response_contents(
        service.db,
        context,
        log_keys(request),
        service.demand_row(demand_id),
        service.account_rows(demand_id),
    )
    return StreamingResponse(
        stream_response(contents),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{package_name(demand_id)}"',
            "Cache-Control": "no-store",
        },
    )


@owner_api.get("/notices", response_model=list[NoticeOut])
def my_notices(subject: SignedIn, service: Legal) -> list[NoticeOut]:
    """The legal demands that named your account and that you were told about."""
    return [NoticeOut.of(view) for view in service.notices_for(subject.user)]


@owner_api.get("/notices/{demand_id}", response_model=NoticeOut)
def my_notice(demand_id: DemandId, subject: SignedIn, service: Legal) -> NoticeOut:
    """One of them: what was asked, by whom, when, and what the server gave."""
    return NoticeOut.of(service.notice_for(subject.user, demand_id))


ROUTERS = (operator_api, owner_api)
