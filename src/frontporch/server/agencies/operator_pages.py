"""The operator's agency pages (`/operator/agencies`): applications with their key
fingerprints, verified agencies, revoked ones; the forms to register an application
(both fingerprints typed as the agency read them back), rotate a verified agency's
keys, revoke an agency, and reject an application.

Each form runs the same service function as its JSON endpoint; a mistake shows the
page again with the message beside the agency's form (and what was typed), nothing
changed. Forms carry the session's CSRF token, which the operator guard checks.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from frontporch.server.accounts.auth import Operator, operator
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.agencies.models import AgencyStatus
from frontporch.server.agencies.schemas import RegisterIn, RotateIn
from frontporch.server.agencies.service import AgencyService
from frontporch.server.agencies.views import agency_views, field_errors
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.kit.pages import render
from frontporch.server.kit.schemas import NO_NUL
from frontporch.server.routing import protected_router

pages: APIRouter = protected_router(operator, include_in_schema=False)

Field = Annotated[str, Form(max_length=1024, pattern=NO_NUL)]

DONE = {
    "registered": "Agency registered: its keys are in the transparency log.",
    "rotated": "New keys registered: the new entry supersedes the previous one.",
    "revoked": "Agency revoked: its members can no longer post or file requests.",
    "rejected": "Application rejected and removed.",
}


def agencies_page(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    *,
    status: int = 200,
    errors: dict[uuid.UUID, dict[str, str]] | None = None,
    typed: dict[uuid.UUID, dict[str, str]] | None = None,
    **values: Any,
) -> Response:
    """Applications, verified and revoked agencies, each with its forms."""
    service = AgencyService(db, context)
    return render(
        request,
        context,
        "agencies/operator.html",
        subject,
        status=status,
        nav="operator-agencies",
        applied=agency_views(service.list_agencies(AgencyStatus.APPLIED)),
        verified=agency_views(service.list_agencies(AgencyStatus.VERIFIED)),
        revoked=agency_views(service.list_agencies(AgencyStatus.REVOKED)),
        errors=errors or {},
        typed=typed or {},
        **values,
    )


@pages.get("/operator/agencies")
def operator_agencies(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The agency registry."""
    return agencies_page(request, db, context, subject, notice=DONE.get(done))


def _act(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    agency_id: uuid.UUID,
    done: str,
    form: dict[str, str],
    model: type[BaseModel] | None,
    action: Any,
) -> Response:
    """Run one action on an agency: back to the registry with a notice, or the page
    again with the error beside that agency's form (its typed values kept)."""
    try:
        checked = model.model_validate(form) if model is not None else None
        action(AgencyService(db, context), checked)
    except ValidationError as exc:
        db.rollback()
        return agencies_page(
            request, db, context, subject,
            status=422, errors={agency_id: field_errors(exc)}, typed={agency_id: form},
            error="Check the form marked below.",
        )  # fmt: skip
    except ServerError as exc:
        if exc.status == 404:
            raise
        db.rollback()
        message = {exc.field or "general": exc.detail}
        response = agencies_page(
            request, db, context, subject,
            status=exc.status, errors={agency_id: message}, typed={agency_id: form},
            error=f"Nothing changed: {exc.message}. See the message beside the agency.",
        )  # fmt: skip
        response.headers.update(exc.headers)
        return response
    return RedirectResponse(f"/operator/agencies?done={done}#agency-{agency_id}", status_code=303)


@pages.post("/operator/agencies/{agency_id}/register")
def register(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    agency_id: uuid.UUID,
    signing_key_fingerprint: Field = "",
    age_recipient_fingerprint: Field = "",
) -> Response:
    """Register an application with both fingerprints as the agency read them back."""
    form = {
        "signing_key_fingerprint": signing_key_fingerprint,
        "age_recipient_fingerprint": age_recipient_fingerprint,
    }

    def action(service: AgencyService, body: RegisterIn) -> None:
        service.register(
            subject.user, agency_id, body.signing_key_fingerprint, body.age_recipient_fingerprint
        )

    return _act(request, db, context, subject, agency_id, "registered", form, RegisterIn, action)


@pages.post("/operator/agencies/{agency_id}/rotate")
def rotate(
    request: Request,
    db: DbSession,
    context: Context,
    subject: Operator,
    agency_id: uuid.UUID,
    signing_key: Field = "",
    age_recipient: Field = "",
    signing_key_fingerprint: Field = "",
    age_recipient_fingerprint: Field = "",
) -> Response:
    """Register new keys for a verified agency (superseding the registration in force)."""
    form = {
        "signing_key": signing_key,
        "age_recipient": age_recipient,
        "signing_key_fingerprint": signing_key_fingerprint,
        "age_recipient_fingerprint": age_recipient_fingerprint,
    }

    def action(service: AgencyService, body: RotateIn) -> None:
        service.rotate(
            subject.user,
            agency_id,
            signing_key=body.signing_key,
            age_recipient=body.age_recipient,
            signing_key_fingerprint=body.signing_key_fingerprint,
            age_recipient_fingerprint=body.age_recipient_fingerprint,
        )

    return _act(request, db, context, subject, agency_id, "rotated", form, RotateIn, action)


@pages.post("/operator/agencies/{agency_id}/revoke")
def revoke(
    request: Request, db: DbSession, context: Context, subject: Operator, agency_id: uuid.UUID
) -> Response:
    """Revoke an agency."""
    return _act(
        request, db, context, subject, agency_id, "revoked", {}, None,
        lambda service, _: service.revoke(agency_id),
    )  # fmt: skip


@pages.post("/operator/agencies/{agency_id}/reject")
def reject(
    request: Request, db: DbSession, context: Context, subject: Operator, agency_id: uuid.UUID
) -> Response:
    """Reject (remove) an application that was never registered."""
    return _act(
        request, db, context, subject, agency_id, "rejected", {}, None,
        lambda service, _: service.reject(agency_id),
    )  # fmt: skip


ROUTERS = (pages,)
