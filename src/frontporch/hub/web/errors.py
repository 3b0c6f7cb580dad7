"""Errors of the hub's web layer, and the handlers that render them.

Every failure a caller can cause is a `WebError` with a status code, a short message
and an actionable detail. API paths answer JSON (`{"error": ..., "detail": ...}`);
pages answer a small HTML page, and a missing sign-in on a page redirects to /login.
Anything unexpected is logged and answered with a generic 500 that reveals nothing.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

JSON_PREFIXES = ("/api", "/metrics", "/healthz")


class WebError(Exception):
    """A request the hub cannot serve; `status` is the HTTP status code to answer with."""

    def __init__(
        self, status: int, error: str, detail: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers or {}


class NotSignedIn(WebError):
    """The request carries no valid owner session."""

    def __init__(self) -> None:
        super().__init__(
            401,
            "sign-in required",
            "Sign in at /login, or send 'Authorization: Bearer <API token>' (Account page).",
            {"WWW-Authenticate": 'Bearer realm="frontporch"'},
        )


def not_found(what: str, detail: str) -> WebError:
    """A 404 for an unknown camera, event or file, with advice on what to do instead."""
    return WebError(404, f"{what} not found", detail)


def wants_json(request: Request) -> bool:
    """True for API-style paths, which always answer JSON."""
    return request.url.path.startswith(JSON_PREFIXES)


def detail_text(detail: Any) -> str | None:
    """An error's detail as one line of text for a page (None if it has none)."""
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        return "; ".join(
            f"{p.get('field')}: {p.get('message')}" for p in detail if isinstance(p, dict)
        )
    return None


def _render(request: Request, error: WebError) -> Response:
    if wants_json(request):
        return JSONResponse(
            {"error": error.error, "detail": error.detail},
            status_code=error.status,
            headers=error.headers,
        )
    if isinstance(error, NotSignedIn):
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    templates: Jinja2Templates = request.app.state.hub.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": error.status, "error": error.error, "detail": detail_text(error.detail)},
        status_code=error.status,
        headers=error.headers,
    )


def _describe_validation(exc: RequestValidationError) -> list[dict[str, str]]:
    problems = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("query", "path", "body")]
        problems.append({"field": ".".join(loc) or "(request)", "message": str(err.get("msg"))})
    return problems


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into a clear 4xx, or a generic 500."""

    async def on_web_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebError)
        return _render(request, exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        messages = {404: "no such page", 405: "method not allowed"}
        error = messages.get(exc.status_code, str(exc.detail))
        detail = "Check the address; the API is described at /api/openapi.json."
        return _render(request, WebError(exc.status_code, error, detail, dict(exc.headers or {})))

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = _describe_validation(exc)
        if wants_json(request):
            return JSONResponse({"error": "invalid request", "detail": problems}, status_code=422)
        return _render(request, WebError(400, "invalid request", problems))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _render(
            request,
            WebError(500, "internal error", "Something went wrong on the hub; see its log."),
        )

    app.add_exception_handler(WebError, on_web_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
