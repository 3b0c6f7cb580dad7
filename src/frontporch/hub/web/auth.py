"""The sign-in check every protected router depends on, with CSRF for state changes.

`require_owner` (the name kept from when the hub had one account) accepts a browser
session (the cookie only) or an API token (`Authorization: Bearer <token>`, see
`tokens.py`) of the owner or of a household member:

- A member reaches only the routes `hub/people/access.py` lists for members and for
  the allowances the owner granted them; any other route answers 403 saying why.
  Deny by default: a new route is the owner's until someone lists it there.

- A state-changing request (anything but GET/HEAD/OPTIONS) with the cookie must also
  carry the session's CSRF token, in the `X-CSRF-Token` header or in a `csrf_token`
  form field: a cross-site page can make the browser send the cookie, but cannot read
  the token.
- A token reaches only the routes its scope lists (`scopes.py`), looked up by the
  matched route's template, so a route nobody listed is closed to tokens (403).
  Publishing, deleting and managing tokens are listed for no scope: they need the
  owner in a browser. Bearer requests need no CSRF token, since browsers never attach
  that header on their own.

The owner-password helpers live in `passwords.py` and are re-exported here for the CLI.
"""

from __future__ import annotations

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from frontporch.hub.people.access import refusal, role_may
from frontporch.hub.people.records import User
from frontporch.hub.web.context import hub_context
from frontporch.hub.web.errors import NotSignedIn, WebError
from frontporch.hub.web.passwords import ensure_owner_password, set_owner_password
from frontporch.hub.web.scopes import token_may
from frontporch.hub.web.sessions import SESSION_COOKIE, Owner, csrf_for
from frontporch.web.csrf import csrf_ok, submitted_csrf

__all__ = [
    "current_owner",
    "ensure_owner_password",
    "optional_owner",
    "require_owner",
    "set_owner_password",
]

PENDING_COOKIES = "frontporch.set_cookie"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else request.url.path


def _signed_in(user: User | None, token: str, csrf: str, scope: str | None = None) -> Owner | None:
    if user is None:
        return None
    return Owner(
        token=token,
        csrf_token=csrf,
        scope=scope,
        user_id=user.id,
        role=user.role,
        allowances=user.allowances,
        user_name=user.name,
    )


def _check_role(request: Request, who: Owner) -> Owner:
    """Refuse (403, in words) a member on a route their role and allowances do not reach."""
    route = _route_path(request)
    if not role_may(who.role, who.allowances, request.method, route):
        raise WebError(403, "not allowed for household members", refusal(request.method, route))
    return who


async def _token_owner(request: Request, secret: str) -> Owner:
    """The user acting through an API token, if its scope (and the user's role) reaches
    this route."""
    context = hub_context(request)
    token = await run_in_threadpool(context.tokens.resolve, secret)
    if token is None:
        raise NotSignedIn()
    route = _route_path(request)
    if not token_may(token.scope, request.method, route):
        raise WebError(
            403,
            "not allowed for this token",
            f"API token {token.name!r} has the '{token.scope}' scope, which does not reach "
            f"{request.method} {route}. Sharing, deleting and managing tokens need the owner "
            "signed in with a browser; reading events and footage needs an 'owner' token "
            "(Account page).",
        )
    user = await run_in_threadpool(context.store.get_user, token.user_id)
    who = _signed_in(user, secret, "", token.scope)
    if who is None:
        raise NotSignedIn()
    return _check_role(request, who)


async def require_owner(request: Request) -> Owner:
    """The signed-in user (the owner, or a household member on a route their role
    reaches), or NotSignedIn (401 / redirect); 403 on a missing CSRF token, for a member
    beyond their role, or for a token whose scope does not reach the route."""
    secret = _bearer(request)
    if secret is not None:
        return await _token_owner(request, secret)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotSignedIn()
    context = hub_context(request)
    session = await run_in_threadpool(context.sessions.resolve, token)
    if session is None:
        raise NotSignedIn()
    csrf = csrf_for(token)
    if not csrf_ok(request.method, await submitted_csrf(request), csrf):
        raise WebError(
            403,
            "CSRF token missing or wrong",
            "Reload the page and try again. Scripts using the session cookie must send "
            "the X-CSRF-Token header.",
        )
    user = await run_in_threadpool(context.store.get_user, session.user_id)
    who = _signed_in(user, token, csrf)
    if who is None:
        raise NotSignedIn()
    _check_role(request, who)
    if await run_in_threadpool(context.sessions.extend, session):
        pending = request.scope.get(PENDING_COOKIES)
        if isinstance(pending, list):
            pending.append(context.sessions.cookie_header(token))
    return who


async def optional_owner(request: Request) -> Owner | None:
    """The user through the cookie or a token whose scope reaches this route, else None;
    for open routes that tell a signed-in user more than a stranger (`/healthz`)."""
    secret = _bearer(request)
    if secret is None:
        return await current_owner(request)
    try:
        return await _token_owner(request, secret)
    except WebError:
        return None


async def current_owner(request: Request) -> Owner | None:
    """The signed-in user if any (cookie only), else None; for pages that work either way."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    context = hub_context(request)
    session = await run_in_threadpool(context.sessions.resolve, token)
    if session is None:
        return None
    user = await run_in_threadpool(context.store.get_user, session.user_id)
    return _signed_in(user, token, csrf_for(token))
