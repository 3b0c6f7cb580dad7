"""The guard of every homes and hub-management route: a fully signed-in person who
may have a home (residents and operators; agency accounts are institutional).

`async def` because it only checks the subject `signed_in` found: FastAPI calls it
inline rather than through the thread pool."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from frontporch.server.accounts.auth import signed_in
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.homes.errors import ResidentsOnly
from frontporch.server.routing import guard


@guard
async def household(subject: Annotated[AuthSubject, Depends(signed_in)]) -> AuthSubject:
    """Signed in (two-factor as the role needs) with an account that may have homes."""
    if subject.user.role == Role.AGENCY_MEMBER.value:
        raise ResidentsOnly()
    return subject


Household = Annotated[AuthSubject, Depends(household)]
