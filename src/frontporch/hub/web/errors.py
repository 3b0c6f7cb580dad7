"""The hub's error classes, and how its error pages look.

Every failure a caller can cause is a `WebError` with a status code, a short message
and an actionable detail, answered in the envelope of `frontporch.web.errors`: API paths
answer JSON (`{"error": ..., "detail": ...}`), pages a small HTML page, and a missing
sign-in on a page redirects to /login. A validation failure lists the fields at fault
in `detail` (`[{"field", "message"}]`): a 422 for the API, a 400 page for a form.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from frontporch.web import errors
from frontporch.web.errors import BEARER_CHALLENGE, Detail, ErrorPages, HttpError, Problem

JSON_PREFIXES = ("/api", "/metrics", "/healthz")


class WebError(HttpError):
    """A request the hub cannot serve; `status` is the HTTP status code to answer with."""

    def __init__(
        self,
        status: int,
        error: str,
        detail: Detail | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error, detail, headers=headers, status=status)

    @property
    def error(self) -> str:
        """What went wrong, in a few words."""
        return self.message


class NotSignedIn(WebError):
    """The request carries no valid owner session."""

    def __init__(self) -> None:
        super().__init__(
            401,
            "sign-in required",
            "Sign in at /login, or send 'Authorization: Bearer <API token>' (Account page).",
            dict(BEARER_CHALLENGE),
        )


def not_found(what: str, detail: str) -> WebError:
    """A 404 for an unknown camera, event or file, with advice on what to do instead."""
    return WebError(404, f"{what} not found", detail)


def detail_text(detail: Detail) -> str:
    """An error's detail as one line of text for a page."""
    if isinstance(detail, str):
        return detail
    return "; ".join(f"{p.get('field')}: {p.get('message')}" for p in detail)


def _page(request: Request, error: HttpError) -> Response:
    templates: Jinja2Templates = request.app.state.hub.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": error.status, "error": error.message, "detail": detail_text(error.detail)},
        status_code=error.status,
        headers=error.headers,
    )


def _invalid(request: Request, problems: list[Problem]) -> HttpError:
    listed = [{"field": p.field or "(request)", "message": p.message} for p in problems]
    return WebError(422 if PAGES.wants_json(request) else 400, "invalid request", listed)


PAGES = ErrorPages(
    json_prefixes=JSON_PREFIXES,
    sign_in_error=NotSignedIn,
    sign_in_path="/login",
    page=_page,
    invalid=_invalid,
    not_found="no such page",
    address_advice="Check the address; the API is described at /api/openapi.json.",
    unexpected_advice="Something went wrong on the hub; see its log.",
)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every error into a clear 4xx, or a generic 500."""
    errors.install_error_handlers(app, PAGES)
