"""Each person's account page: their password, browser sessions, API tokens, passkeys
and second factor; signing out.

Signing in lives in `login.py` (its routes are on `public`, open without a session).
Everyone sees and revokes their own sessions and tokens here, one by one; the owner
sees everyone's on the members page (`members.py`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.hub.people.access import ALLOWANCE_DESCRIPTIONS
from frontporch.hub.people.devices import device_label
from frontporch.hub.people.passkeys import passkeys_possible
from frontporch.hub.web import login
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, client_address, hub_context
from frontporch.hub.web.errors import WebError, detail_text
from frontporch.hub.web.pages import render
from frontporch.hub.web.passwords import (
    MIN_PASSWORD_LENGTH,
    WeakPassword,
    set_user_password,
    verify_user_password,
)
from frontporch.hub.web.people_kit import origin_of_request, people
from frontporch.hub.web.schemas import TokenOut
from frontporch.hub.web.scopes import SCOPE_DESCRIPTIONS, TokenScope
from frontporch.hub.web.sessions import SESSION_COOKIE, Owner, csrf_for
from frontporch.hub.web.sessions import session_id as public_session_id
from frontporch.hub.web.tokens import token_scope

public = APIRouter(include_in_schema=False)
public.include_router(login.router)
protected = APIRouter(include_in_schema=False, dependencies=[Depends(require_owner)])
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
FormText = Annotated[str, Form(max_length=1024)]


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
    """The account page: password, sessions, API tokens, passkeys and two-step sign-in."""
    user = context.store.get_user(owner.user_id)
    desks = people(request)
    where = origin_of_request(request)
    values.setdefault("totp_pending", None if user is None else desks.totp.pending(user))
    return render(
        request,
        context,
        owner,
        "account.html",
        status=status,
        min_length=MIN_PASSWORD_LENGTH,
        tokens=[TokenOut.of(token) for token in context.tokens.live(owner.user_id)],
        scopes=SCOPE_DESCRIPTIONS,
        sessions=context.sessions.live(owner.user_id),
        this_session=owner.session_id,
        session_id=public_session_id,
        device=device_label,
        passkeys=context.store.list_passkeys(owner.user_id),
        totp_on=desks.totp.enabled(owner.user_id),
        allowance_names=ALLOWANCE_DESCRIPTIONS,
        passkey_host=where.rp_id,
        passkey_secure=passkeys_possible(where),
        **values,
    )


@protected.get("/account")
def account_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    revoked: Annotated[bool, Query()] = False,
    ended: Annotated[bool, Query()] = False,
    passkey_added: Annotated[bool, Query()] = False,
    passkey_removed: Annotated[bool, Query()] = False,
) -> Response:
    """Change the password; list and revoke sessions and API tokens; passkeys; TOTP."""
    notice = None
    if revoked:
        notice = "Token revoked; it no longer works."
    elif ended:
        notice = "Session ended; that browser is signed out."
    elif passkey_added:
        notice = "Passkey added: use it to sign in on this hub."
    elif passkey_removed:
        notice = "Passkey removed; it no longer signs you in."
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
    """Change your password; every other session and token of yours is signed out."""
    client = client_address(request)
    user = context.store.get_user(owner.user_id)
    error = None
    if context.limiter.retry_after(client) is not None:
        error = "Too many wrong passwords. Wait a few minutes and try again."
    elif user is None or not verify_user_password(context.store, user, current):
        context.limiter.record_failure(client)
        error = "The current password is wrong."
    elif new != confirm:
        error = "The new passwords do not match."
    if error is None:
        try:
            set_user_password(context.store, owner.user_id, new, now=context.clock())
        except WeakPassword as exc:
            error = f"Not changed: {exc}."
    if error is not None:
        return account_view(request, context, owner, status=400, error=error)
    context.sessions.end(owner.token)
    token = context.sessions.start(request.headers.get("user-agent", ""), owner.user_id)
    fresh = Owner(
        token=token,
        csrf_token=csrf_for(token),
        user_id=owner.user_id,
        role=owner.role,
        allowances=owner.allowances,
        user_name=owner.user_name,
    )
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
        secret, token = context.tokens.create(name, token_scope(scope), owner.user_id)
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
    """Revoke one of your API tokens from the account page (the others keep working),
    then back to the page, so reloading it does not post again."""
    context.tokens.revoke(token_id, owner.user_id)
    return RedirectResponse("/account?revoked=1#token-title", status_code=303)


@protected.post("/account/sessions/{session_id}/revoke")
def revoke_session(
    owner: SignedIn, context: Context, session_id: Annotated[str, Path(max_length=64)]
) -> Response:
    """Sign one of your browsers out (this one too, if you pick it)."""
    if not context.sessions.revoke(session_id, owner.user_id):
        raise WebError(404, "session not found", "No such session of yours; see the Account page.")
    if session_id == owner.session_id:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/account?ended=1#sessions-title", status_code=303)
