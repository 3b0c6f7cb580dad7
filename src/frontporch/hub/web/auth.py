"""The owner check every protected router depends on, with CSRF for state changes.

`require_owner` accepts the session cookie or `Authorization: Bearer <session token>`.
A state-changing request (anything but GET/HEAD/OPTIONS) authenticated by the cookie
must also carry the session's CSRF token, in the `X-CSRF-Token` header or in a
`csrf_token` form field: a cross-site page can make the browser send the cookie, but
cannot read the token. Bearer requests need no CSRF token, since browsers never attach
that header on their own.

The owner-password helpers live in `passwords.py` and are re-exported here for the CLI.
"""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from frontporch.hub.web.context import hub_context
from frontporch.hub.web.errors import NotSignedIn, WebError
from frontporch.hub.web.passwords import ensure_owner_password, set_owner_password
from frontporch.hub.web.sessions import SESSION_COOKIE, Owner, csrf_for, tokens_match

__all__ = ["current_owner", "ensure_owner_password", "require_owner", "set_owner_password"]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PENDING_COOKIES = "frontporch.set_cookie"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _token_from(request: Request) -> tuple[str | None, bool]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    return request.cookies.get(SESSION_COOKIE), True


async def _submitted_csrf(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def require_owner(request: Request) -> Owner:
    """The signed-in owner, or NotSignedIn (401 / redirect); 403 on a missing CSRF token."""
    token, via_cookie = _token_from(request)
    if not token:
        raise NotSignedIn()
    context = hub_context(request)
    session = await run_in_threadpool(context.sessions.resolve, token)
    if session is None:
        raise NotSignedIn()
    csrf = csrf_for(token)
    if (
        via_cookie
        and request.method not in SAFE_METHODS
        and not tokens_match(await _submitted_csrf(request), csrf)
    ):
        raise WebError(
            403,
            "CSRF token missing or wrong",
            "Reload the page and try again. Scripts using the session cookie must send "
            "the X-CSRF-Token header; API clients can use 'Authorization: Bearer'.",
        )
    if await run_in_threadpool(context.sessions.extend, session) and via_cookie:
        pending = request.scope.get(PENDING_COOKIES)
        if isinstance(pending, list):
            pending.append(context.sessions.cookie_header(token))
    return Owner(token=token, csrf_token=csrf)


async def current_owner(request: Request) -> Owner | None:
    """The owner if signed in (cookie only), else None; for pages that work either way."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    session = await run_in_threadpool(hub_context(request).sessions.resolve, token)
    if session is None:
        return None
    return Owner(token=token, csrf_token=csrf_for(token))
