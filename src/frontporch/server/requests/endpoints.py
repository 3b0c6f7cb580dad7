"""The footage-request JSON API.

Agency members (two-factor): `POST /api/agency/requests` files a request;
`GET /api/agency/requests` lists the agency's requests with their aggregates;
`GET /api/agency/requests/{id}` one with its releases; `POST .../{id}/withdraw`.
Operators (two-factor): `GET`/`PUT /api/operator/requests/policy`, the request policy
within the hard limits in code.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam

from frontporch.server.accounts.auth import Operator, operator
from frontporch.server.agencies.access import AgencyMember, agency_member
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.requests.area import AreaError
from frontporch.server.requests.errors import InvalidRequest
from frontporch.server.requests.schemas import (
    FilingIn,
    PolicyIn,
    PolicyOut,
    RequestDetailOut,
    RequestOut,
    area_of,
)
from frontporch.server.requests.service import Filing, RequestService
from frontporch.server.routing import protected_router
from frontporch.server.transparency.endpoints import log_keys


async def request_service(db: DbSession, context: Context, request: Request) -> RequestService:
    """The requests service of this request, with the log's keys for checkpoints."""
    return RequestService(db, context, log_keys(request))


Requests = Annotated[RequestService, Depends(request_service)]
RequestId = Annotated[uuid.UUID, PathParam(description="The request's id.")]

agency_api: APIRouter = protected_router(
    agency_member, prefix="/api/agency", tags=["footage requests"], responses=ERRORS
)
policy_api: APIRouter = protected_router(
    operator, prefix="/api/operator", tags=["operator"], responses=ERRORS
)


def filing_of(body: FilingIn) -> Filing:
    """The filing a body describes; InvalidRequest naming the field if its area is unusable."""
    try:
        area = area_of(body.area)
    except AreaError as exc:
        raise InvalidRequest(exc.field, exc.message) from None
    return Filing(
        case_number=body.case_number,
        incident=body.incident,
        description=body.description,
        contact=body.contact,
        area=area,
        window_start=body.window_start,
        window_end=body.window_end,
        expires_at=body.expires_at,
        attestation=body.attestation,
    )


@agency_api.post("/requests", status_code=201, response_model=RequestOut)
def file_request(body: FilingIn, subject: AgencyMember, service: Requests) -> RequestOut:
    """File a footage request for your agency. It is checked against the operator's
    policy (400 naming the field), logged as `request_filed`, and sent to the hubs of
    homes in its cells; you see only aggregates, never which homes."""
    return RequestOut.of(service.file(subject.user, filing_of(body)))


@agency_api.get("/requests", response_model=list[RequestOut])
def list_requests(subject: AgencyMember, service: Requests) -> list[RequestOut]:
    """Your agency's requests, newest first, with homes notified (from k on), releases
    and clips."""
    return [RequestOut.of(view) for view in service.list_for(subject.user)]


@agency_api.get("/requests/{request_id}", response_model=RequestDetailOut)
def get_request(
    request_id: RequestId, subject: AgencyMember, service: Requests
) -> RequestDetailOut:
    """One of your agency's requests, with its releases (by hub fingerprint)."""
    return RequestDetailOut.of_detail(service.get_for(subject.user, request_id))


@agency_api.post("/requests/{request_id}/withdraw", response_model=RequestOut)
def withdraw_request(request_id: RequestId, subject: AgencyMember, service: Requests) -> RequestOut:
    """Withdraw an open request: `request_closed` is logged and the hubs are told."""
    return RequestOut.of(service.withdraw(subject.user, request_id))


@policy_api.get("/requests/policy", response_model=PolicyOut)
def get_policy(subject: Operator, service: Requests) -> PolicyOut:
    """The request policy in force, with the hard limits it must stay within."""
    return PolicyOut.of(*service.policy())


@policy_api.put("/requests/policy", response_model=PolicyOut)
def set_policy(body: PolicyIn, subject: Operator, service: Requests) -> PolicyOut:
    """Change the request policy (values left out stay); `policy_changed` is logged."""
    current, _ = service.policy()
    return PolicyOut.of(*service.set_policy(subject.user, body.applied_to(current)))


ROUTERS = (agency_api, policy_api)
