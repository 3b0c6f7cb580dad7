"""The public application page (`/agencies/apply`): an agency applies with its name,
jurisdiction, official contact and the public keys it made offline; the answer shows
the two fingerprints and says that the operator will ask for them to be read back.

The form is read through the JSON API's model (`ApplicationIn`), so the limits are the
API's, and runs the same service function; a mistake shows the form again with the
message beside the field it names. It is a form shown before sign-in, so it carries
the double-submit token (`kit/pages.py`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from frontporch.crypto.keys import fingerprint
from frontporch.server.accounts.endpoints import Client
from frontporch.server.agencies.endpoints import APPLIED_DETAIL, Agencies
from frontporch.server.agencies.schemas import ApplicationIn
from frontporch.server.agencies.views import field_errors
from frontporch.server.context import Context
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.kit.pages import FormToken, form_token_ok, render
from frontporch.server.kit.schemas import NO_NUL
from frontporch.web.routing import public_router

public: APIRouter = public_router(include_in_schema=False)

Field = Annotated[str, Form(max_length=1024, pattern=NO_NUL)]

FIELDS = ("name", "jurisdiction", "contact", "signing_key", "age_recipient")
EXPIRED = "The form expired. Please submit it again."


@public.get("/agencies/apply")
def apply_page(request: Request, context: Context) -> Response:
    """The application form."""
    return render(request, context, "agencies/apply.html", form={}, errors={})


@public.post("/agencies/apply")
def apply(
    request: Request,
    db: DbSession,
    context: Context,
    service: Agencies,
    client: Client,
    name: Field = "",
    jurisdiction: Field = "",
    contact: Field = "",
    signing_key: Field = "",
    age_recipient: Field = "",
    csrf_token: FormToken = "",
) -> Response:
    """Record the application; show its fingerprints, or the form with what to fix."""
    form = {
        "name": name,
        "jurisdiction": jurisdiction,
        "contact": contact,
        "signing_key": signing_key,
        "age_recipient": age_recipient,
    }
    status, error, errors, headers = 422, None, {}, {}
    if not form_token_ok(request, csrf_token):
        status, error = 403, EXPIRED
    else:
        try:
            body = ApplicationIn.model_validate(form)
            agency = service.apply(
                name=body.name,
                jurisdiction=body.jurisdiction,
                contact=body.contact,
                signing_key=body.signing_key,
                age_recipient=body.age_recipient,
                client_address=client.address,
            )
        except ValidationError as exc:
            errors = field_errors(exc)
        except ServerError as exc:
            db.rollback()
            status, headers = exc.status, exc.headers
            if exc.field in FIELDS:
                errors = {exc.field: exc.detail}
            else:
                error = exc.detail
        else:
            assert agency.signing_key is not None
            assert agency.age_recipient is not None
            return render(
                request,
                context,
                "agencies/applied.html",
                agency=agency,
                signing_fingerprint=fingerprint(agency.signing_key),
                recipient_fingerprint=fingerprint(agency.age_recipient),
                detail=APPLIED_DETAIL,
            )
    response = render(
        request,
        context,
        "agencies/apply.html",
        status=status,
        form=form,
        errors=errors,
        error=error or ("Check the fields marked below." if errors else None),
    )
    response.headers.update(headers)
    return response


ROUTERS = (public,)
