"""The agency registry's JSON API.

- `POST /api/agency-applications` (public, throttled per client address): an agency
  applies with its public keys; the answer carries the fingerprints the operator will
  read back.
- Operators (two-factor): list agencies (`?status=`), read one with its registrations,
  register an application (with both fingerprints as read back), rotate a verified
  agency's keys, revoke an agency, reject an application, and attach agency-member
  accounts. `POST /api/operator/agencies` with a name alone makes a feed-only agency:
  verified, keyless; it posts but files no footage request until keys are registered
  (`.../rotate`).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi import Path as PathParam

from frontporch.crypto.keys import fingerprint
from frontporch.server.accounts.auth import Operator, operator
from frontporch.server.accounts.endpoints import Client
from frontporch.server.agencies.models import Agency, AgencyStatus
from frontporch.server.agencies.schemas import (
    AgencyDetailOut,
    AgencyIn,
    AgencyMembershipIn,
    AgencyMembershipOut,
    AgencyOut,
    ApplicationIn,
    ApplicationOut,
    RegisterIn,
    RegistrationOut,
    RotateIn,
)
from frontporch.server.agencies.service import AgencyService
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router
from frontporch.web.routing import public_router

applications: APIRouter = public_router(prefix="/api", tags=["agencies"], responses=ERRORS)
registry: APIRouter = protected_router(
    operator, prefix="/api/operator", tags=["operator"], responses=ERRORS
)

UserId = Annotated[uuid.UUID, PathParam(description="The account's id.")]
AgencyId = Annotated[uuid.UUID, PathParam(description="The agency's id.")]

Agencies = Annotated[AgencyService, Depends(per_request(AgencyService))]

APPLIED_DETAIL = (
    "Application received. The server's operator will contact you through official "
    "channels and ask you to read both fingerprints aloud; they are registered only if "
    "they match."
)


def application_out(agency: Agency) -> ApplicationOut:
    """The answer to an application: its fingerprints and what happens next."""
    assert agency.signing_key is not None
    assert agency.age_recipient is not None
    return ApplicationOut(
        id=agency.id,
        name=agency.name,
        status=agency.status,
        signing_key_fingerprint=fingerprint(agency.signing_key),
        age_recipient_fingerprint=fingerprint(agency.age_recipient),
        detail=APPLIED_DETAIL,
    )


def detail_out(service: AgencyService, agency: Agency) -> AgencyDetailOut:
    """An agency with its registrations."""
    registrations = [RegistrationOut.of(row) for row in service.registrations(agency.id)]
    return AgencyDetailOut(**AgencyOut.of(agency).model_dump(), registrations=registrations)


@applications.post("/agency-applications", status_code=201, response_model=ApplicationOut)
def apply(body: ApplicationIn, service: Agencies, client: Client) -> ApplicationOut:
    """Apply as an agency, with the public keys `frontporch agency keygen DIR` printed.

    The operator registers the agency only after reading both fingerprints back with
    you over a contact they checked; until then the agency can do nothing.
    """
    agency = service.apply(
        name=body.name,
        jurisdiction=body.jurisdiction,
        contact=body.contact,
        signing_key=body.signing_key,
        age_recipient=body.age_recipient,
        client_address=client.address,
    )
    return application_out(agency)


@registry.post("/agencies", status_code=201, response_model=AgencyOut)
def create_agency(body: AgencyIn, subject: Operator, service: Agencies) -> AgencyOut:
    """Make a feed-only agency you have verified: verified, with no keys. Its members'
    posts carry this name; it files no footage request until keys are registered."""
    return AgencyOut.of(service.create(body.name))


@registry.get("/agencies", response_model=list[AgencyOut])
def list_agencies(
    subject: Operator,
    service: Agencies,
    status: Annotated[AgencyStatus | None, Query(description="Only this status.")] = None,
) -> list[AgencyOut]:
    """Every agency (applications, verified, revoked), or those of one status."""
    return [AgencyOut.of(agency) for agency in service.list_agencies(status)]


@registry.get("/agencies/{agency_id}", response_model=AgencyDetailOut)
def get_agency(agency_id: AgencyId, subject: Operator, service: Agencies) -> AgencyDetailOut:
    """One agency, with every registration it had (newest first)."""
    return detail_out(service, service.get(agency_id))


@registry.post("/agencies/{agency_id}/register", response_model=AgencyDetailOut)
def register_agency(
    agency_id: AgencyId, body: RegisterIn, subject: Operator, service: Agencies
) -> AgencyDetailOut:
    """Register an application: both fingerprints as the agency read them back. A
    mismatch changes nothing (400 naming the field); a match logs `agency_registered`
    and verifies the agency, together."""
    agency = service.register(
        subject.user, agency_id, body.signing_key_fingerprint, body.age_recipient_fingerprint
    )
    return detail_out(service, agency)


@registry.post("/agencies/{agency_id}/rotate", response_model=AgencyDetailOut)
def rotate_keys(
    agency_id: AgencyId, body: RotateIn, subject: Operator, service: Agencies
) -> AgencyDetailOut:
    """Register new keys for a verified agency (with their fingerprints as read back):
    a new `agency_registered` entry superseding the one in force."""
    agency = service.rotate(
        subject.user,
        agency_id,
        signing_key=body.signing_key,
        age_recipient=body.age_recipient,
        signing_key_fingerprint=body.signing_key_fingerprint,
        age_recipient_fingerprint=body.age_recipient_fingerprint,
    )
    return detail_out(service, agency)


@registry.post("/agencies/{agency_id}/revoke", response_model=AgencyDetailOut)
def revoke_agency(agency_id: AgencyId, subject: Operator, service: Agencies) -> AgencyDetailOut:
    """Revoke an agency: its members can no longer post or file footage requests."""
    return detail_out(service, service.revoke(agency_id))


@registry.delete("/agencies/{agency_id}", status_code=204)
def reject_application(agency_id: AgencyId, subject: Operator, service: Agencies) -> Response:
    """Reject (remove) an application that was never registered."""
    service.reject(agency_id)
    return Response(status_code=204)


@registry.put("/users/{user_id}/agency", response_model=AgencyMembershipOut)
def set_agency(
    user_id: UserId, body: AgencyMembershipIn, subject: Operator, service: Agencies
) -> AgencyMembershipOut:
    """Attach an agency-member account to an agency (null detaches it)."""
    user, agency = service.attach(user_id, body.agency_id)
    return AgencyMembershipOut(user_id=user.id, agency=AgencyOut.of(agency) if agency else None)


ROUTERS = (applications, registry)
