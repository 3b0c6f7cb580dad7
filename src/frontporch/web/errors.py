"""The error envelope, and the handlers that render every failure through it.

Every failure a caller can cause is an `HttpError` (each app derives its own classes)
carrying an HTTP status, a short `message`, an actionable `detail` and, where one input
is at fault, its `field`. JSON paths answer `{"error", "detail"[, "field"]}`; pages
answer the app's error page, a page that needs a sign-in redirects to the app's sign-in
page (coming back afterwards), and an error with a `page_redirect` sends the browser
there instead. Routing errors (no such path, wrong method) and validation failures go
through the same envelope; anything unexpected is logged and answered with a generic
500 that reveals nothing.

What differs between the apps is their `ErrorPages`: which paths are JSON, which error
means "sign in" and where that is, how a page and a validation failure are rendered, and
what they advise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

# What to do about an error: a sentence, or the fields at fault ({"field", "message"}).
Detail = str | list[dict[str, str]]
# Sent with every 401, so programs learn that an API token is the way in.
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="frontporch"'}


class HttpError(Exception):
    """A request an app cannot serve, rendered as JSON or as an error page."""

    status = 500
    # Where a page is sent instead of showing this error (e.g. a pending second factor).
    page_redirect: str | None = None

    def __init__(
        self,
        message: str,
        detail: Detail | None = None,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail: Detail = detail or message
        self.field = field
        self.headers = headers or {}
        if status is not None:
            self.status = status

    def body(self) -> dict[str, object]:
        """The JSON envelope of this error."""
        body: dict[str, object] = {"error": self.message, "detail": self.detail}
        if self.field:
            body["field"] = self.field
        return body


class Problem(NamedTuple):
    """One input a validation failure names (`field` None: the request as a whole)."""

    field: str | None
    message: str


def validation_problems(exc: RequestValidationError) -> list[Problem]:
    """The inputs a request failed validation on, with pydantic's message for each."""
    problems = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        # The first part says where (query, path, body); a field itself may be called 'body'.
        if loc and loc[0] in ("query", "path", "body"):
            loc = loc[1:]
        problems.append(Problem(".".join(loc) or None, str(err.get("msg", "invalid"))))
    return problems


@dataclass(frozen=True)
class ErrorPages:
    """How one app answers errors.

    `json_prefixes`: paths that always answer JSON; `sign_in_error` on a page redirects
    to `sign_in_path`; `page` renders the app's error page; `invalid` turns validation
    problems into the app's error; `not_found` is the message of a 404 and
    `address_advice` the detail of a 404 or 405; `unexpected_advice` the detail of a 500.
    """

    json_prefixes: tuple[str, ...]
    sign_in_error: type[HttpError]
    sign_in_path: str
    page: Callable[[Request, HttpError], Response]
    invalid: Callable[[Request, list[Problem]], HttpError]
    not_found: str
    address_advice: str
    unexpected_advice: str

    def wants_json(self, request: Request) -> bool:
        """True for API paths, which always answer JSON."""
        return request.url.path.startswith(self.json_prefixes)

    def render(self, request: Request, error: HttpError) -> Response:
        """The answer to `request` that failed with `error`."""
        if self.wants_json(request):
            return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
        if isinstance(error, self.sign_in_error):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            location = f"{self.sign_in_path}?next={quote(target, safe='')}"
            return RedirectResponse(location, status_code=303)
        if error.page_redirect is not None:
            return RedirectResponse(error.page_redirect, status_code=303)
        return self.page(request, error)

    def routing_error(self, exc: StarletteHTTPException) -> HttpError:
        """The error for a path nothing routes to, a wrong method, or another HTTP error
        raised by the framework."""
        messages = {404: self.not_found, 405: "method not allowed"}
        return HttpError(
            messages.get(exc.status_code, str(exc.detail)),
            self.address_advice,
            headers=dict(exc.headers or {}),
            status=exc.status_code,
        )


def install_error_handlers(app: FastAPI, pages: ErrorPages) -> None:
    """Register the handlers that turn every error into a clear 4xx, or a generic 500,
    rendered the way `pages` says."""

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HttpError)
        return pages.render(request, exc)

    async def on_routing_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return pages.render(request, pages.routing_error(exc))

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return pages.render(request, pages.invalid(request, validation_problems(exc)))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return pages.render(request, HttpError("internal error", pages.unexpected_advice))

    app.add_exception_handler(HttpError, on_http_error)
    app.add_exception_handler(StarletteHTTPException, on_routing_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
