"""The agreements area's JSON API.

- Anyone (no sign-in): `GET /api/agreements` (every published agreement, newest first,
  and the agencies shown as partners), `GET /api/agreements/{id}`, and the document
  itself, `GET /api/agreements/{id}/document` (a PDF).
- Operators (two-factor): `POST /api/operator/agreements` (multipart/form-data: title,
  kind, agency_id, parties, starts, ends?, and the PDF as `document`) publishes one and
  logs `agreement_published`; `PUT /api/operator/agencies/{id}/partner` shows or stops
  showing an agency as a partner (refused without a published agreement). There is no
  route that edits or deletes an agreement.
- Whoever may read a post: `GET /api/posts/{id}/statement`, the agency's words as
  submitted with the `statement` entry that logged their hash (a request's case number
  and contact only for operators and the agency's own members).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from frontporch.server.accounts.auth import Operator, SignedIn, operator, signed_in
from frontporch.server.agreements.schemas import (
    AgreementOut,
    AgreementsOut,
    PartnerIn,
    PartnerOut,
    PartnerStatusOut,
    StatementOut,
)
from frontporch.server.agreements.service import AgreementService
from frontporch.server.agreements.uploads import publish_upload, received_agreement
from frontporch.server.agreements.views import AgreementView, StatementView
from frontporch.server.blobs import BlobError, BlobNotFound
from frontporch.server.context import Context
from frontporch.server.errors import NotFound, ServerError
from frontporch.server.feed.posts.service import PostService
from frontporch.server.kit.schemas import ERRORS
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router
from frontporch.server.transparency.endpoints import log_keys
from frontporch.web.routing import public_router

public_api: APIRouter = public_router(prefix="/api", tags=["agreements"], responses=ERRORS)
documents: APIRouter = public_router(tags=["agreements"], responses=ERRORS)
operator_api: APIRouter = protected_router(
    operator, prefix="/api/operator", tags=["operator"], responses=ERRORS
)
readers_api: APIRouter = protected_router(signed_in, prefix="/api", tags=["feed"], responses=ERRORS)

AgreementId = Annotated[uuid.UUID, PathParam(description="The agreement's id.")]
AgencyId = Annotated[uuid.UUID, PathParam(description="The agency's id.")]
PostId = Annotated[uuid.UUID, PathParam(description="The post's id.")]
Agreements = Annotated[AgreementService, Depends(per_request(AgreementService))]
Posts = Annotated[PostService, Depends(per_request(PostService))]

UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["title", "kind", "agency_id", "parties", "starts", "document"],
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 200},
                    "kind": {"type": "string", "enum": ["mou", "data_sharing", "pilot", "other"]},
                    "agency_id": {"type": "string", "format": "uuid"},
                    "parties": {"type": "string", "minLength": 1, "maxLength": 1000},
                    "starts": {"type": "string", "format": "date"},
                    "ends": {"type": "string", "format": "date"},
                    "document": {"type": "string", "format": "binary"},
                },
            }
        }
    },
}


class DocumentUnavailable(ServerError):
    """The store could not hand the document out just now."""

    status = 503

    def __init__(self) -> None:
        super().__init__("document unavailable", "The document could not be read; try again.")


def agreements_out(service: AgreementService) -> AgreementsOut:
    """Every agreement and the partners, as the page shows them."""
    views = service.list_public()
    return AgreementsOut(
        agreements=[AgreementOut.of(view) for view in views],
        partners=[PartnerOut.of(view) for view in service.partners(views)],
    )


@public_api.get("/agreements", response_model=AgreementsOut)
def list_agreements(service: Agreements) -> AgreementsOut:
    """Every agreement between the operator and an agency, newest first, with the
    document's SHA-256 and the log entry that published it; and the partners."""
    return agreements_out(service)


@public_api.get("/agreements/{agreement_id}", response_model=AgreementOut)
def get_agreement(agreement_id: AgreementId, service: Agreements) -> AgreementOut:
    """One agreement."""
    return AgreementOut.of(service.get_public(agreement_id))


@documents.get(
    "/api/agreements/{agreement_id}/document",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF."}},
)
def get_document(agreement_id: AgreementId, service: Agreements) -> StreamingResponse:
    """The agreement's document, exactly as published (its SHA-256 is in the log)."""
    view: AgreementView = service.get_public(agreement_id)
    row = view.agreement
    try:
        reader = service.context.blobs.open(row.document_key)
    except BlobNotFound:
        raise NotFound("document not found", "The document is missing from storage.") from None
    except BlobError:
        raise DocumentUnavailable() from None
    return StreamingResponse(
        reader,
        media_type="application/pdf",
        headers={
            "Content-Length": str(reader.length),
            "Content-Disposition": f'attachment; filename="agreement-{row.id}.pdf"',
            "Cache-Control": "public, max-age=86400, immutable",
        },
        background=BackgroundTask(reader.close),
    )


@operator_api.post(
    "/agreements",
    status_code=201,
    response_model=AgreementOut,
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def publish_agreement(request: Request, subject: Operator, context: Context) -> AgreementOut:
    """Publish an agreement with a registered agency: its document (a PDF, at most
    `agreement_max_document_bytes`) is stored and hashed, and `agreement_published`
    logged in the same transaction as the row. It cannot be edited or deleted later."""
    max_bytes = context.settings.agreement_max_document_bytes
    async with received_agreement(request, max_bytes) as upload:
        view = await run_in_threadpool(publish_upload, context, subject, upload, log_keys(request))
    return AgreementOut.of(view)


@operator_api.put("/agencies/{agency_id}/partner", response_model=PartnerStatusOut)
def set_partner(
    agency_id: AgencyId, body: PartnerIn, subject: Operator, service: Agreements
) -> PartnerStatusOut:
    """Show an agency as the operator's partner (only with a published agreement: 409
    otherwise), or stop showing it."""
    agency = service.set_partner(agency_id, body.partner)
    return PartnerStatusOut(agency_id=agency.id, name=agency.name, partner=agency.partner)


def readable_statement(
    subject: SignedIn, posts: PostService, service: AgreementService, post_id: uuid.UUID
) -> tuple[StatementView, bool]:
    """The statement a post the caller may read shows, and whether the caller may see
    all of it (a request's case number and contact: operators and the agency only)."""
    _, post = posts.readable(subject, post_id)
    view = service.statement_of_post(post.id)
    agency = posts.verified_agency(subject)
    full = (
        view.statement.kind == "post"
        or subject.is_operator
        or (agency is not None and agency.id == view.statement.agency_id)
    )
    return view, full


@readers_api.get("/posts/{post_id}/statement", response_model=StatementOut)
def get_statement(
    post_id: PostId, subject: SignedIn, posts: Posts, service: Agreements
) -> StatementOut:
    """The agency's words a post shows, exactly as submitted, with the `statement`
    entry that logged their SHA-256 and any logged hides."""
    view, full = readable_statement(subject, posts, service, post_id)
    return StatementOut.of(view, full)


ROUTERS = (public_api, documents, operator_api, readers_api)
