"""The guard of the agency portal: a fully signed-in agency member (two-factor on).

`async def` because it only checks the subject `signed_in` found: FastAPI calls it
inline rather than through the thread pool."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from frontporch.server.accounts.auth import signed_in
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.agencies.errors import AgencyMembersOnly
from frontporch.server.routing import guard


@guard
async def agency_member(subject: Annotated[AuthSubject, Depends(signed_in)]) -> AuthSubject:
    """Signed in (with two-factor) as an agency member."""
    if subject.user.role != Role.AGENCY_MEMBER.value:
        raise AgencyMembersOnly()
    return subject


AgencyMember = Annotated[AuthSubject, Depends(agency_member)]
