"""The agreements area's pages.

- `GET /agreements` (anyone, no sign-in): every published agreement with its parties,
  dates, document download, the document's SHA-256 and its log entry; and the agencies
  shown as the operator's partners (each with a published agreement).
- `GET /posts/{id}/statement` (whoever may read the post): to the log entry of the
  agency's words as submitted (the post's "as submitted" link).
- `GET /operator/agreements` and its forms (operators, two-factor): publish an agreement
  (multipart, the same `publish_upload` as the JSON API), and show or stop showing an
  agency as a partner (the same `set_partner`). A mistake shows the page again with the
  message beside the field; nothing is published.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from frontporch.server.accounts.auth import (
    Operator,
    OptionalSubject,
    SignedIn,
    operator,
    signed_in,
)
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.agencies.models import AgencyStatus
from frontporch.server.agencies.repository import AgencyRepository
from frontporch.server.agreements.endpoints import readable_statement
from frontporch.server.agreements.service import AgreementService
from frontporch.server.agreements.uploads import TEXT_FIELDS, publish_upload, received_agreement
from frontporch.server.agreements.views import KIND_LABELS
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.feed.posts.service import PostService
from frontporch.server.kit.pages import render
from frontporch.server.routing import protected_router
from frontporch.server.transparency.endpoints import log_keys
from frontporch.web.routing import public_router

public_pages: APIRouter = public_router(include_in_schema=False)
reader_pages: APIRouter = protected_router(signed_in, include_in_schema=False)
operator_pages: APIRouter = protected_router(operator, include_in_schema=False)

DONE = {
    "published": "Agreement published: its document's hash is in the transparency log.",
    "partner": "Partners updated.",
}


@public_pages.get("/agreements")
def agreements_page(
    request: Request, db: DbSession, context: Context, subject: OptionalSubject
) -> Response:
    """Every agreement between the operator and an agency, and the partners."""
    service = AgreementService(db, context)
    views = service.list_public()
    return render(
        request,
        context,
        "agreements/index.html",
        subject,
        nav="agreements",
        agreements=views,
        partners=service.partners(views),
    )


@reader_pages.get("/posts/{post_id}/statement")
def statement_link(
    post_id: uuid.UUID, db: DbSession, context: Context, subject: SignedIn
) -> Response:
    """The log entry of the agency's words a post shows (its "as submitted" link)."""
    view, _ = readable_statement(
        subject, PostService(db, context), AgreementService(db, context), post_id
    )
    return RedirectResponse(view.entry_url, status_code=303)


def operator_page(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    **values: Any,
) -> Response:
    """The publishing form, the registered agencies with their partner switch, and the
    agreements published so far."""
    service = AgreementService(db, context)
    views = service.list_public()
    with_agreement = {view.agreement.agency_id for view in views}
    agencies = AgencyRepository(db).all_for_operators(AgencyStatus.VERIFIED)
    return render(
        request,
        context,
        "agreements/operator.html",
        subject,
        status=status,
        nav="operator-agreements",
        agreements=views,
        agencies=agencies,
        with_agreement=with_agreement,
        kinds=KIND_LABELS,
        max_mib=context.settings.agreement_max_document_bytes / 1048576,
        errors=errors or {},
        typed=typed or {},
        **values,
    )


@operator_pages.get("/operator/agreements")
def operator_agreements(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Publish agreements; partners."""
    return operator_page(request, db, context, subject, notice=DONE.get(done))


def _typed(form: Any) -> dict[str, str]:
    return {name: value for name in TEXT_FIELDS if isinstance(value := form.get(name), str)}


@operator_pages.post("/operator/agreements")
async def publish_form(
    request: Request, db: DbSession, context: Context, subject: Operator
) -> Response:
    """Publish an agreement from the form; the page again with the error otherwise."""
    max_bytes = context.settings.agreement_max_document_bytes
    typed = _typed(await request.form()) if not request.headers.get("x-csrf-token") else {}
    try:
        async with received_agreement(request, max_bytes) as upload:
            await run_in_threadpool(publish_upload, context, subject, upload, log_keys(request))
    except RequestValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][-1]) if first.get("loc") else "general"
        message = f"Check {field.replace('_', ' ')}: {first.get('msg', 'invalid')}."
        return await run_in_threadpool(
            operator_page, request, db, context, subject,
            status=422, errors={field: message}, typed=typed,
            error="Nothing was published. Check the field marked below.",
        )  # fmt: skip
    except ServerError as exc:
        return await run_in_threadpool(
            operator_page, request, db, context, subject,
            status=exc.status, errors={exc.field or "general": exc.detail}, typed=typed,
            error=f"Nothing was published: {exc.message}.",
        )  # fmt: skip
    return RedirectResponse("/operator/agreements?done=published", status_code=303)


@operator_pages.post("/operator/agencies/{agency_id}/partner")
def partner_form(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    agency_id: uuid.UUID,
    partner: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Show (partner=yes) or stop showing an agency as a partner."""
    try:
        AgreementService(db, context).set_partner(agency_id, partner == "yes")
    except ServerError as exc:
        if exc.status == 404:
            raise
        db.rollback()
        return operator_page(
            request, db, context, subject,
            status=exc.status, errors={f"partner-{agency_id}": exc.detail},
            error=f"Nothing changed: {exc.message}.",
        )  # fmt: skip
    return RedirectResponse("/operator/agreements?done=partner", status_code=303)


ROUTERS = (public_pages, reader_pages, operator_pages)
