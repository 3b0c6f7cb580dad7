"""Signing in and out, changing the password, and the owner's API tokens.

`/login` is one of the few routes open without a session. It checks a double-submit
CSRF cookie (so another site cannot sign the browser into the hub) and a per-address
rate limit before it spends time on argon2.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.hub.web.auth import current_owner, require_owner
from frontporch.hub.web.context import HubContext, client_address, hub_context
from frontporch.hub.web.errors import WebError, detail_text
from frontporch.hub.web.pages import render
from frontporch.hub.web.passwords import (
    MIN_PASSWORD_LENGTH,
    WeakPassword,
    set_owner_password,
    verify_owner_password,
)
from frontporch.hub.web.schemas import TokenOut
from frontporch.hub.web.scopes import SCOPE_DESCRIPTIONS, TokenScope
from frontporch.hub.web.sessions import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Owner,
    csrf_for,
    lockout_message,
    new_token,
)
from frontporch.hub.web.tokens import token_scope
from frontporch.web.csrf import tokens_match
from frontporch.web.redirects import safe_next

public = APIRouter(include_in_schema=False)
protected = APIRouter(include_in_schema=False, dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
FormText = Annotated[str, Form(max_length=1024)]


def login_form(
    request: Request,
    context: HubContext,
    next_url: str,
    *,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The sign-in page with a fresh double-submit CSRF cookie."""
    token = new_token()
    response = render(
        request,
        context,
        None,
        "login.html",
        status=status,
        next_url=next_url,
        login_csrf=token,
        error=error,
    )
    response.headers.update(headers or {})
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=context.sessions.secure_cookies,
        path="/login",
    )
    return response


@public.get("/login")
def login_page(
    request: Request,
    context: Context,
    owner: Annotated[Owner | None, Depends(current_owner)],
    next: Annotated[str, Query(max_length=1024)] = "/",
) -> Response:
    """The sign-in form (or straight on, if already signed in)."""
    if owner is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_form(request, context, safe_next(next))


@public.post("/login")
def login(
    request: Request,
    context: Context,
    password: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "/",
) -> Response:
    """Check the password and start a session; rate-limited per client address."""
    target = safe_next(next)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return login_form(
            request, context, target, error="The form expired. Please try again.", status=403
        )
    client = client_address(request)
    wait = context.limiter.retry_after(client)
    if wait is not None:
        return login_form(
            request,
            context,
            target,
            error=lockout_message(wait),
            status=429,
            headers={"Retry-After": str(wait)},
        )
    if not verify_owner_password(context.store, password):
        context.limiter.record_failure(client)
        return login_form(request, context, target, error="Wrong password.", status=401)
    context.limiter.reset(client)
    token = context.sessions.start(request.headers.get("user-agent", ""))
    response = RedirectResponse(target, status_code=303)
    context.sessions.set_cookie(response, token)
    response.delete_cookie(
        LOGIN_CSRF_COOKIE, path="/login", secure=context.sessions.secure_cookies, httponly=True
    )
    return response


@protected.post("/logout")
def logout(owner: SignedIn, context: Context) -> Response:
    """End this session and go back to the sign-in page."""
    context.sessions.end(owner.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=context.sessions.secure_cookies, httponly=True
    )
    return response


def account_view(
    request: Request, context: HubContext, owner: Owner, status: int = 200, **values: object
) -> Response:
    """The account page: the password form, and the API tokens with their last use."""
    return render(
        request,
        context,
        owner,
        "account.html",
        status=status,
        min_length=MIN_PASSWORD_LENGTH,
        tokens=[TokenOut.of(token) for token in context.tokens.live()],
        scopes=SCOPE_DESCRIPTIONS,
        **values,
    )


@protected.get("/account")
def account_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    revoked: Annotated[bool, Query()] = False,
) -> Response:
    """Change the password, create, list and revoke API tokens."""
    notice = "Token revoked; it no longer works." if revoked else None
    return account_view(request, context, owner, notice=notice)


@protected.post("/account/password")
def change_password(
    request: Request,
    owner: SignedIn,
    context: Context,
    current: FormText = "",
    new: FormText = "",
    confirm: FormText = "",
) -> Response:
    """Change the owner password; every other session is signed out."""
    client = client_address(request)
    error = None
    if context.limiter.retry_after(client) is not None:
        error = "Too many wrong passwords. Wait a few minutes and try again."
    elif not verify_owner_password(context.store, current):
        context.limiter.record_failure(client)
        error = "The current password is wrong."
    elif new != confirm:
        error = "The new passwords do not match."
    if error is None:
        try:
            set_owner_password(context.store, new, now=context.clock())
        except WeakPassword as exc:
            error = f"Not changed: {exc}."
    if error is not None:
        return account_view(request, context, owner, status=400, error=error)
    context.sessions.end(owner.token)
    token = context.sessions.start(request.headers.get("user-agent", ""))
    fresh = Owner(token=token, csrf_token=csrf_for(token))
    response = account_view(
        request,
        context,
        fresh,
        notice="Password changed. Other browsers and API tokens were signed out.",
    )
    context.sessions.set_cookie(response, token)
    return response


@protected.post("/account/token")
def create_token(
    request: Request,
    owner: SignedIn,
    context: Context,
    name: FormText = "",
    scope: FormText = TokenScope.metrics.value,
) -> Response:
    """Create an API token for scripts (e.g. Prometheus); its secret is shown once."""
    try:
        secret, token = context.tokens.create(name, token_scope(scope))
    except WebError as exc:
        message = detail_text(exc.detail) or exc.error
        return account_view(
            request, context, owner, status=exc.status, token_error=message, token_name=name
        )
    return account_view(request, context, owner, api_token=secret, created=TokenOut.of(token))


@protected.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    owner: SignedIn, context: Context, token_id: Annotated[str, Path(max_length=64)]
) -> Response:
    """Revoke one API token from the account page (the others keep working), then back
    to the page, so reloading it does not post again."""
    context.tokens.revoke(token_id)
    return RedirectResponse("/account?revoked=1#token-title", status_code=303)
