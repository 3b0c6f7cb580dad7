"""The server's error classes, and how its error pages look.

Every failure a caller can cause is a `ServerError` (or an area's subclass), answered in
the envelope of `frontporch.web.errors`: `{"error", "detail"[, "field"]}` on JSON paths,
a small HTML page elsewhere, and a missing sign-in on a page redirects to /sign-in.
Validation errors are 422s naming the first field at fault.

An error page is a page like any other: someone signed in sees their own header and
navigation on it (not "Sign in"), so the handlers are given `page_subject`, the function
that finds the signed-in caller of a page (accounts' `optional_subject`; passed in by
`create_app`, since the accounts area itself raises these errors).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from frontporch.translog.log import StorageDamaged
from frontporch.web import errors
from frontporch.web.errors import BEARER_CHALLENGE, ErrorPages, HttpError, Problem

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/healthz")

# (request, database session, server context) -> the fully signed-in caller, or None.
PageSubject = Callable[[Request, Session, Any], Any]


class ServerError(HttpError):
    """A request the server cannot serve; its detail is always one sentence of advice."""

    detail: str

    def __init__(
        self,
        message: str,
        detail: str | None = None,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, detail, field=field, headers=headers, status=status)


class BadRequest(ServerError):
    """The request is well-formed but asks for something impossible."""

    status = 400


class NotAuthenticated(ServerError):
    """No valid sign-in on the request."""

    status = 401

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            "sign-in required",
            detail
            or "Sign in (POST /api/auth/sign-in, or the /sign-in page), or send "
            "'Authorization: Bearer <API token>'.",
            headers=dict(BEARER_CHALLENGE),
        )


class Forbidden(ServerError):
    """Signed in, but not allowed to do this."""

    status = 403


class NotFound(ServerError):
    """No such thing, or not one the caller may see (the two are not told apart)."""

    status = 404


class Conflict(ServerError):
    """The request conflicts with the current state."""

    status = 409


class TooManyRequests(ServerError):
    """Rate-limited; `retry_after_s` says when to try again."""

    status = 429

    def __init__(self, message: str, detail: str, retry_after_s: int) -> None:
        super().__init__(message, detail, headers={"Retry-After": str(max(1, retry_after_s))})
        self.retry_after_s = max(1, retry_after_s)


def _signed_in(request: Request, page_subject: PageSubject | None) -> tuple[Any, dict[str, object]]:
    """The signed-in caller of a page that failed and the header's values for them, or
    (None, {}): looked up again in a short session of its own (the request's may be what
    failed). Never raises: an error page must render even when the database cannot
    answer."""
    if page_subject is None:
        return None, {}
    context = request.app.state.server
    try:
        with context.sessions() as db:
            subject = page_subject(request, db, context)
            if subject is None:
                return None, {}
            return subject, context.page_header.values(db, subject)
    except Exception:
        log.warning("could not find the signed-in caller of an error page", exc_info=True)
        return None, {}


def _invalid(request: Request, problems: list[Problem]) -> HttpError:
    described = [f"{p.field}: {p.message}" if p.field else p.message for p in problems]
    return ServerError(
        "invalid request",
        "; ".join(described) or "The request could not be read.",
        field=next((p.field for p in problems if p.field), None),
        status=422,
    )


def _error_pages(page_subject: PageSubject | None) -> ErrorPages:
    def page(request: Request, error: HttpError) -> Response:
        subject, header = _signed_in(request, page_subject)
        response: Response = request.app.state.server.templates.TemplateResponse(
            request,
            "error.html",
            {
                **header,
                "status": error.status,
                "error": error.message,
                "detail": error.detail,
                "subject": subject,
                "csrf_token": subject.csrf_token if subject is not None else None,
            },
            status_code=error.status,
            headers=error.headers,
        )
        return response

    return ErrorPages(
        json_prefixes=JSON_PREFIXES,
        sign_in_error=NotAuthenticated,
        sign_in_path="/sign-in",
        page=page,
        invalid=_invalid,
        not_found="not found",
        address_advice="Check the address and method; the API is described at /api/openapi.json.",
        unexpected_advice="Something went wrong on the server; the operator can see its log.",
    )


def install_error_handlers(app: FastAPI, page_subject: PageSubject | None = None) -> None:
    """Register the handlers that turn every error into a clear 4xx, or a generic 500;
    error pages show the header of whoever `page_subject` finds signed in."""
    pages = _error_pages(page_subject)
    errors.install_error_handlers(app, pages)

    async def on_damaged_log(request: Request, exc: Exception) -> Response:
        # Whatever needed logging did not happen (its transaction rolled back); every
        # such action waits until the operator has looked at the log's storage.
        log.error("the transparency log's storage is damaged: %s", exc)
        return pages.render(request, LogDamaged())

    app.add_exception_handler(StorageDamaged, on_damaged_log)


class LogDamaged(ServerError):
    """The log's storage does not hold together, so nothing that must be logged happens."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "transparency log unavailable",
            "The server's transparency log failed its own integrity check, so nothing that "
            "must be logged (registrations, requests, releases) was done. Nothing was "
            "changed; try again after the operator has checked the server's log.",
        )
