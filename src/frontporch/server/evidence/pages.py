"""The agency portal's evidence download: `/agency/requests/{id}/evidence.zip`, the same
package as the API's, for a signed-in agency member of the request's agency."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse

from frontporch.server.agencies.access import AgencyMember, agency_member
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.evidence.bundle import evidence_contents
from frontporch.server.evidence.endpoints import package_response
from frontporch.server.routing import protected_router
from frontporch.server.transparency.endpoints import log_keys
from frontporch.server.transparency.keys import LogKeys

pages: APIRouter = protected_router(agency_member, include_in_schema=False)


@pages.get("/agency/requests/{request_id}/evidence.zip")
def evidence_zip(
    request_id: Annotated[uuid.UUID, PathParam()],
    subject: AgencyMember,
    db: DbSession,
    context: Context,
    keys: Annotated[LogKeys, Depends(log_keys)],
) -> StreamingResponse:
    """Download the request's evidence package."""
    return package_response(evidence_contents(db, context, keys, subject, request_id))


ROUTERS = (pages,)
