"""Signing in: password (with a TOTP code when the person turned it on), passkey, and
accepting an invite link. Every route here is open without a session.

The password form checks a double-submit CSRF cookie (so another site cannot sign the
browser into the hub) and a per-address rate limit before it spends time on argon2; a
wrong TOTP code counts in the same limit. A blank user name means the owner, so the
first-start password printed by the CLI signs in as before. The passkey routes answer
JSON to `static/passkeys.js` and check the same login CSRF token in a header.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from frontporch.hub.people.passkeys import PasskeyError, passkeys_possible
from frontporch.hub.people.records import OWNER_ID, User
from frontporch.hub.people.service import MemberError, invited_user
from frontporch.hub.web.auth import current_owner
from frontporch.hub.web.context import HubContext, client_address, hub_context
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.pages import render
from frontporch.hub.web.passwords import (
    MIN_PASSWORD_LENGTH,
    WeakPassword,
    set_user_password,
    verify_user_password,
)
from frontporch.hub.web.people_kit import PENDING_COOKIE, origin_of_request, people
from frontporch.hub.web.sessions import LOGIN_CSRF_COOKIE, Owner, lockout_message, new_token
from frontporch.web.csrf import tokens_match
from frontporch.web.redirects import safe_next

router = APIRouter(include_in_schema=False)
Context = Annotated[HubContext, Depends(hub_context)]
FormText = Annotated[str, Form(max_length=1024)]


def login_form(
    request: Request,
    context: HubContext,
    next_url: str,
    *,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    template: str = "login.html",
    **values: object,
) -> Response:
    """The sign-in page (or its code step) with a fresh double-submit CSRF cookie."""
    token = new_token()
    response = render(
        request,
        context,
        None,
        template,
        status=status,
        next_url=next_url,
        login_csrf=token,
        error=error,
        passkeys_here=passkeys_possible(origin_of_request(request)),
        **values,
    )
    response.headers.update(headers or {})
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=context.sessions.secure_cookies,
        path="/",
    )
    return response


def signed_in(
    request: Request, context: HubContext, user: User, target: str, response: Response
) -> Response:
    """Start a session for `user` on `response` and drop the sign-in cookies."""
    token = context.sessions.start(request.headers.get("user-agent", ""), user.id)
    context.sessions.set_cookie(response, token)
    secure = context.sessions.secure_cookies
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/", secure=secure, httponly=True)
    response.delete_cookie(PENDING_COOKIE, path="/login", secure=secure, httponly=True)
    return response


@router.get("/login")
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


def _locked(request: Request, context: HubContext, target: str, template: str) -> Response | None:
    wait = context.limiter.retry_after(client_address(request))
    if wait is None:
        return None
    return login_form(
        request,
        context,
        target,
        error=lockout_message(wait),
        status=429,
        headers={"Retry-After": str(wait)},
        template=template,
    )


@router.post("/login")
def login(
    request: Request,
    context: Context,
    password: FormText = "",
    user_name: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "/",
) -> Response:
    """Check the user name and password, then start a session or ask for the TOTP code;
    rate-limited per client address."""
    target = safe_next(next)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return login_form(
            request, context, target, error="The form expired. Please try again.", status=403
        )
    refused = _locked(request, context, target, "login.html")
    if refused is not None:
        return refused
    name = user_name.strip()
    user = context.store.get_user(OWNER_ID) if not name else context.store.get_user_by_name(name)
    if user is None or not verify_user_password(context.store, user, password):
        context.limiter.record_failure(client_address(request))
        error = "Wrong user name or password." if name else "Wrong password."
        return login_form(request, context, target, error=error, status=401, user_name=name)
    desks = people(request)
    if desks.totp.enabled(user.id):
        pending = desks.pending.start(user.id, target)
        response = login_form(request, context, target, template="login_code.html")
        response.set_cookie(
            PENDING_COOKIE,
            pending,
            max_age=300,
            httponly=True,
            samesite="strict",
            secure=context.sessions.secure_cookies,
            path="/login",
        )
        return response
    context.limiter.reset(client_address(request))
    return signed_in(request, context, user, target, RedirectResponse(target, status_code=303))


@router.post("/login/code")
def login_code(
    request: Request,
    context: Context,
    code: Annotated[str, Form(max_length=64)] = "",
    csrf_token: FormText = "",
) -> Response:
    """The second step of a password sign-in: the code from the app (or a recovery
    code). A wrong code counts like a wrong password."""
    desks = people(request)
    pending_token = request.cookies.get(PENDING_COOKIE)
    pending = desks.pending.get(pending_token)
    if pending is None or pending_token is None:
        return login_form(
            request, context, "/", error="The sign-in expired. Please start again.", status=403
        )
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return login_form(
            request,
            context,
            pending.next_url,
            error="The form expired. Please try again.",
            status=403,
            template="login_code.html",
        )
    refused = _locked(request, context, pending.next_url, "login_code.html")
    if refused is not None:
        return refused
    user = context.store.get_user(pending.user_id)
    if user is None or not desks.totp.check(user.id, code):
        context.limiter.record_failure(client_address(request))
        return login_form(
            request,
            context,
            pending.next_url,
            error="That code is wrong or was used already. Enter the current code from "
            "your app, or one of your recovery codes.",
            status=401,
            template="login_code.html",
        )
    desks.pending.finish(pending_token)
    context.limiter.reset(client_address(request))
    target = pending.next_url
    return signed_in(request, context, user, target, RedirectResponse(target, status_code=303))


def _login_csrf(request: Request) -> None:
    if not tokens_match(
        request.cookies.get(LOGIN_CSRF_COOKIE), request.headers.get("x-csrf-token")
    ):
        raise WebError(403, "the sign-in form expired", "Reload the sign-in page and try again.")


@router.post("/api/login/passkey/options")
def passkey_login_options(request: Request) -> JSONResponse:
    """A challenge for `navigator.credentials.get` (any passkey of this hub)."""
    _login_csrf(request)
    try:
        answer = people(request).passkeys.assertion_options(origin_of_request(request), "sign-in")
    except PasskeyError as exc:
        raise WebError(400, "passkeys cannot be used here", str(exc)) from None
    return JSONResponse(answer)


@router.post("/api/login/passkey")
def passkey_login(
    request: Request,
    context: Context,
    challenge_id: Annotated[str, Body(max_length=64)],
    credential: Annotated[dict[str, Any], Body()],
    next: Annotated[str, Body(max_length=1024)] = "/",
) -> Response:
    """Check the passkey's answer and start a session for its person. A passkey is
    two factors in one (the device, and its PIN or fingerprint), so no TOTP code."""
    _login_csrf(request)
    client = client_address(request)
    wait = context.limiter.retry_after(client)
    if wait is not None:
        raise WebError(429, "too many failed sign-ins", lockout_message(wait))
    desks = people(request)
    try:
        passkey = desks.passkeys.check_assertion(
            origin_of_request(request), "sign-in", challenge_id, credential
        )
    except PasskeyError as exc:
        context.limiter.record_failure(client)
        raise WebError(401, "passkey sign-in failed", str(exc)) from None
    user = context.store.get_user(passkey.user_id)
    if user is None:
        raise WebError(401, "passkey sign-in failed", "This passkey's person was removed.")
    context.limiter.reset(client)
    target = safe_next(next)
    return signed_in(request, context, user, target, JSONResponse({"next": target}))


@router.get("/invite/{token}")
def invite_page(
    request: Request, context: Context, token: Annotated[str, Path(max_length=128)]
) -> Response:
    """Where an invited person chooses their password."""
    try:
        user = invited_user(context.store, token, context.clock())
    except MemberError as exc:
        raise WebError(exc.status, "invite not valid", str(exc)) from None
    return login_form(
        request,
        context,
        "/",
        template="invite.html",
        invited=user,
        invite_token=token,
        min_length=MIN_PASSWORD_LENGTH,
    )


@router.post("/invite/{token}")
def accept_invite(
    request: Request,
    context: Context,
    token: Annotated[str, Path(max_length=128)],
    new: FormText = "",
    confirm: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Set the invited person's password and sign them in; the link then stops working."""
    try:
        user = invited_user(context.store, token, context.clock())
    except MemberError as exc:
        raise WebError(exc.status, "invite not valid", str(exc)) from None
    error = None
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        error = "The form expired. Please try again."
    elif new != confirm:
        error = "The passwords do not match."
    else:
        try:
            user = set_user_password(context.store, user.id, new, now=context.clock())
        except WeakPassword as exc:
            error = f"Not set: {exc}."
    if error is not None:
        return login_form(
            request,
            context,
            "/",
            template="invite.html",
            status=400,
            error=error,
            invited=user,
            invite_token=token,
            min_length=MIN_PASSWORD_LENGTH,
        )
    return signed_in(request, context, user, "/", RedirectResponse("/", status_code=303))
