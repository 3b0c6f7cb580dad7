"""The operator's backup page, `/operator/backups` (two-factor operators): the default
quota, each home that stores backups or has its own quota (by id, with sizes: never a
name, a place or an object key), and the form that sets a home's quota in GB. It reads
and writes through `BackupService`, as the JSON API does."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import Operator, operator
from frontporch.server.backups.endpoints import Backups
from frontporch.server.backups.errors import BadQuota, HomeNotFound
from frontporch.server.backups.quota import parse_gb, size_text
from frontporch.server.backups.service import BackupService, hubless_grace
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.kit.pages import failed, render
from frontporch.server.routing import protected_router

pages: APIRouter = protected_router(operator, include_in_schema=False)

TEMPLATE = "backups/operator.html"
FormShort = Annotated[str, Form(max_length=64)]


def _values(service: BackupService, context: Context) -> dict[str, Any]:
    default, usages = service.usages()
    return {
        "nav": "operator-backups",
        "default_limit": size_text(default),
        "homes": usages,
        "size_text": size_text,
        "grace_days": f"{hubless_grace(context.settings).total_seconds() / 86400:g}",
    }


@pages.get("/operator/backups")
def backups_page(
    request: Request, context: Context, subject: Operator, service: Backups, done: str = ""
) -> Response:
    """Backup usage per home, and the form to set a home's quota."""
    notice = "Quota set." if done == "set" else None
    return render(
        request,
        context,
        TEMPLATE,
        subject,
        notice=notice,
        form={"home_id": "", "quota_gb": ""},
        **_values(service, context),
    )


@pages.post("/operator/backups")
def set_quota_page(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    service: Backups,
    home_id: FormShort = "",
    quota_gb: FormShort = "",
) -> Response:
    """Set a home's quota (GB; 0 turns backups off; blank returns it to the default)."""
    form = {"home_id": home_id, "quota_gb": quota_gb}
    try:
        try:
            limit = parse_gb(quota_gb)
        except ValueError as exc:
            raise BadQuota(str(exc)[:1].upper() + str(exc)[1:] + ".") from None
        try:
            home = uuid.UUID(home_id.strip())
        except ValueError:
            raise HomeNotFound() from None
        service.set_quota(home, limit)
    except ServerError as error:
        return failed(
            request,
            db,
            context,
            TEMPLATE,
            error,
            subject=subject,
            form=form,
            **_values(service, context),
        )
    return RedirectResponse("/operator/backups?done=set", status_code=303)


ROUTERS = (pages,)
