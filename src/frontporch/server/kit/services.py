"""The dependency that gives a handler its area's service for this request.

Every area's service is built over the request's database session and the server
context, and building one only builds objects (repositories, settings), so the
dependency is an `async def`: FastAPI calls it inline rather than through the thread
pool. An area names its dependency once, e.g.
`Homes = Annotated[HomeService, Depends(per_request(HomeService))]`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession

S = TypeVar("S")


def per_request(service: Callable[[Session, ServerContext], S]) -> Callable[..., Awaitable[S]]:
    """A dependency that builds `service` over this request's session and context."""

    async def build(db: DbSession, context: Context) -> S:
        return service(db, context)

    return build
