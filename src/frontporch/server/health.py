"""/healthz: the server answers and its database is reachable (no sign-in needed)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.web.routing import public_router


class HealthOut(BaseModel):
    """The server's health."""

    status: str
    database: str


router: APIRouter = public_router(tags=["health"])


@router.get(
    "/healthz",
    response_model=HealthOut,
    summary="Liveness and database reachability",
    responses={503: {"description": "The database cannot be reached."}},
)
def healthz(db: DbSession) -> HealthOut:
    """Whether the server answers and can query its database."""
    try:
        db.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServerError(
            "database unreachable", "The server cannot reach its database.", status=503
        ) from exc
    return HealthOut(status="ok", database="ok")
