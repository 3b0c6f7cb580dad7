"""The operators' list of accounts that add and delete homes often (`/operator/homes`).

A home's cell is self-declared; an account that keeps adding homes in new places and
deleting them may be reading one neighborhood after another (threat model, "crawling
areas"). The per-account limit slows that down; this list lets operators see it. It
names accounts by id only, with counts: never a home's cell or name. Each add and
delete is also logged with the account id (homes/service.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from frontporch.server.accounts.auth import Operator, operator
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.homes.service import churn
from frontporch.server.kit.pages import render
from frontporch.server.routing import protected_router

pages: APIRouter = protected_router(operator, include_in_schema=False)


@pages.get("/operator/homes")
def churn_page(request: Request, db: DbSession, context: Context, subject: Operator) -> Response:
    """Accounts with many homes added or deleted in the last 30 days, most first."""
    return render(
        request,
        context,
        "homes/churn.html",
        subject,
        nav="operator-homes",
        accounts=churn(db, context),
        threshold=context.settings.home_churn_threshold,
        limit=context.settings.homes_added_per_month,
    )


ROUTERS = (pages,)
