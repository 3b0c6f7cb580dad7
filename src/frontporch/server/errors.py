"""One error hierarchy for the whole server, and the handlers that render it.

Every failure a caller can cause is a `ServerError` (or an area's subclass) carrying an
HTTP status, a short `message`, an actionable `detail` and, where one input is at fault,
its `field`. JSON paths answer `{"error", "detail"[, "field"]}`; pages answer a small
HTML page, and a missing sign-in on a page redirects to /sign-in. Validation errors are
422s naming the field; anything unexpected is logged and answered with a generic 500.

An error page is a page like any other: someone signed in sees their own header and
navigation on it (not "Sign in"), so the handlers are given `page_subject`, the function
that finds the signed-in caller of a page (accounts' `optional_subject`; passed in by
`create_app`, since the accounts area itself raises these errors).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/healthz")

# (request, database session, server context) -> the fully signed-in caller, or None.
PageSubject = Callable[[Request, Session, Any], Any]


class ServerError(Exception):
    """A request the server cannot serve, rendered as JSON or as an error page."""

    status = 500

    def __init__(
        self,
        message: str,
        detail: str | None = None,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or message
        self.field = field
        self.headers = headers or {}
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        """The JSON body of this error."""
        body: dict[str, Any] = {"error": self.message, "detail": self.detail}
        if self.field:
            body["field"] = self.field
        return body


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
            headers={"WWW-Authenticate": 'Bearer realm="frontporch"'},
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


def wants_json(request: Request) -> bool:
    """True for API paths, which always answer JSON."""
    return request.url.path.startswith(JSON_PREFIXES)


def _signed_in(request: Request, page_subject: PageSubject | None) -> Any:
    """The signed-in caller of a page that failed, or None: looked up again in a short
    session of its own (the request's may be what failed). Never raises: an error page
    must render even when the database cannot answer."""
    if page_subject is None:
        return None
    context = request.app.state.server
    try:
        with context.sessions() as db:
            return page_subject(request, db, context)
    except Exception:
        log.warning("could not find the signed-in caller of an error page", exc_info=True)
        return None


def _render(request: Request, error: ServerError, page_subject: PageSubject | None) -> Response:
    if wants_json(request):
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
    if isinstance(error, NotAuthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    redirect = getattr(error, "page_redirect", None)
    if isinstance(redirect, str):
        return RedirectResponse(redirect, status_code=303)
    subject = _signed_in(request, page_subject)
    templates = request.app.state.server.templates
    response: Response = templates.TemplateResponse(
        request,
        "error.html",
        {
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


def _validation_error(exc: RequestValidationError) -> ServerError:
    problems = []
    first_field = None
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        # The first part says where (query, path, body); a field itself may be called 'body'.
        if loc and loc[0] in ("query", "path", "body"):
            loc = loc[1:]
        name = ".".join(loc) or None
        first_field = first_field or name
        message = str(err.get("msg", "invalid"))
        problems.append(f"{name}: {message}" if name else message)
    return ServerError(
        "invalid request",
        "; ".join(problems) or "The request could not be read.",
        field=first_field,
        status=422,
    )


def install_error_handlers(app: FastAPI, page_subject: PageSubject | None = None) -> None:
    """Register the handlers that turn every error into a clear 4xx, or a generic 500;
    error pages show the header of whoever `page_subject` finds signed in."""

    async def on_server_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServerError)
        return _render(request, exc, page_subject)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        messages = {404: "not found", 405: "method not allowed"}
        error = ServerError(
            messages.get(exc.status_code, str(exc.detail)),
            "Check the address and method; the API is described at /api/openapi.json.",
            headers=dict(exc.headers or {}),
            status=exc.status_code,
        )
        return _render(request, error, page_subject)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _render(request, _validation_error(exc), page_subject)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        error = ServerError(
            "internal error", "Something went wrong on the server; the operator can see its log."
        )
        return _render(request, error, page_subject)

    app.add_exception_handler(ServerError, on_server_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
