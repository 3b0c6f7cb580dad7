"""Rendering a server page, for every area: `render`, `failed`, and the form fields.

A template is given values only; nothing it calls opens a database session. `render`
adds what every page shows: the signed-in subject, the CSRF token its forms carry, and
the header's values. Those come from the areas that add to the navigation
(`PageHeader`: homes says whether to offer a household's links, the feed counts unread
notifications), read once per page in the session of the request that renders it —
the handler's, opened by `db.db_session`.

Forms shown before sign-in carry a double-submit CSRF token (`fp_form_csrf` cookie,
SameSite=Strict), set here and checked with `form_token_ok`; forms of a signed-in page
carry the session's CSRF token, which the guard checks. A form error shows the form
again after rolling back whatever the failed action began (`failed`), so the request
boundary commits nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Form, Query, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from frontporch.server.db import request_session
from frontporch.server.errors import ServerError
from frontporch.server.kit.schemas import NO_NUL
from frontporch.server.kit.tokens import new_token
from frontporch.server.settings import ServerSettings
from frontporch.web.csrf import tokens_match

FORM_CSRF_COOKIE = "fp_form_csrf"
FORM_CSRF_MAX_AGE_S = 3600

Text = Annotated[str, Form(max_length=1024, pattern=NO_NUL)]
FormToken = Annotated[str, Form(max_length=200, pattern=NO_NUL)]
FormCode = Annotated[str, Form(max_length=40, pattern=NO_NUL)]
QueryText = Annotated[str, Query(max_length=1024, pattern=NO_NUL)]

# (the rendering request's database session, the signed-in subject) -> values that
# `base.html` reads. The subject is accounts' `AuthSubject`, which the kit cannot name.
HeaderPart = Callable[[Session, Any], Mapping[str, object]]


@dataclass(frozen=True)
class PageHeader:
    """What the areas add to the header of every signed-in page, in the order given."""

    parts: tuple[HeaderPart, ...] = ()

    def values(self, db: Session, subject: Any) -> dict[str, object]:
        """The header's values for `subject`, read in `db`."""
        values: dict[str, object] = {}
        for part in self.parts:
            values.update(part(db, subject))
        return values


class _Context(Protocol):
    """What rendering needs of the server context (`context.ServerContext`)."""

    @property
    def settings(self) -> ServerSettings: ...
    @property
    def templates(self) -> Jinja2Templates: ...
    @property
    def page_header(self) -> PageHeader: ...


class _Subject(Protocol):
    """What rendering needs of the signed-in caller (`accounts.subject.AuthSubject`)."""

    @property
    def csrf_token(self) -> str | None: ...


def render(
    request: Request,
    context: _Context,
    template: str,
    subject: _Subject | None = None,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    """Render a page with the signed-in subject, the CSRF token its forms need and the
    header's values."""
    form_csrf = request.cookies.get(FORM_CSRF_COOKIE) or new_token()
    if subject is not None:
        values = context.page_header.values(request_session(request), subject) | values
    values.update(
        subject=subject,
        csrf_token=subject.csrf_token if subject else form_csrf,
        min_length=context.settings.password_min_length,
    )
    response: Response = context.templates.TemplateResponse(
        request, template, values, status_code=status
    )
    if subject is None:
        response.set_cookie(
            FORM_CSRF_COOKIE,
            form_csrf,
            max_age=FORM_CSRF_MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=context.settings.secure_cookies,
            path="/",
        )
    return response


def failed(
    request: Request,
    db: Session,
    context: _Context,
    template: str,
    error: ServerError,
    *,
    subject: _Subject | None = None,
    **values: Any,
) -> Response:
    """Undo the failed action's changes and show the form again with the error."""
    db.rollback()
    response = render(
        request, context, template, subject, status=error.status, error=error.detail, **values
    )
    response.headers.update(error.headers)
    return response


def form_token_ok(request: Request, token: str) -> bool:
    """Whether a form shown before sign-in came back with its double-submit token."""
    return tokens_match(request.cookies.get(FORM_CSRF_COOKIE), token)
