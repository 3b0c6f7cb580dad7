"""The guard of the agency portal: a fully signed-in agency member (two-factor on).

`async def` because it only checks the subject `signed_in` found: FastAPI calls it
inline rather than through the thread pool."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from frontporch.server.accounts.auth import signed_in
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.errors import Forbidden
from frontporch.server.routing import guard


class AgencyMembersOnly(Forbidden):
    """A resident or operator opened the agency portal."""

    def __init__(self) -> None:
        super().__init__(
            "agency members only",
            "This page is for accounts of verified agencies. Residents read their "
            "neighbors at /feed; operators moderate at /moderation.",
        )


@guard
async def agency_member(subject: Annotated[AuthSubject, Depends(signed_in)]) -> AuthSubject:
    """Signed in (with two-factor) as an agency member."""
    if subject.user.role != Role.AGENCY_MEMBER.value:
        raise AgencyMembersOnly()
    return subject


AgencyMember = Annotated[AuthSubject, Depends(agency_member)]
