"""Turning the TOTP second factor on and off from the account page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from frontporch.hub.people.totp import TotpError
from frontporch.hub.web import passkey_routes
from frontporch.hub.web.account import account_view
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, client_address, hub_context
from frontporch.hub.web.passwords import verify_user_password
from frontporch.hub.web.people_kit import people
from frontporch.hub.web.sessions import Owner

router = APIRouter(include_in_schema=False)
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
Code = Annotated[str, Form(max_length=64)]


@router.post("/account/totp/start")
def start(request: Request, owner: SignedIn, context: Context) -> Response:
    """A new secret as a QR code; it takes effect once a code from the app matches."""
    user = passkey_routes.signed_in_user(context, owner)
    try:
        people(request).totp.start(user)
    except TotpError as exc:
        return account_view(request, context, owner, status=409, totp_error=str(exc))
    return account_view(request, context, owner)


@router.post("/account/totp/confirm")
def confirm(request: Request, owner: SignedIn, context: Context, code: Code = "") -> Response:
    """Check the first code from the app; show the recovery codes once."""
    user = passkey_routes.signed_in_user(context, owner)
    try:
        codes = people(request).totp.confirm(user, code)
    except TotpError as exc:
        return account_view(request, context, owner, status=400, totp_error=str(exc))
    return account_view(
        request,
        context,
        owner,
        recovery_codes=codes,
        notice="Two-step sign-in is on: a password sign-in now also asks for a code.",
    )


@router.post("/account/totp/remove")
def remove(
    request: Request,
    owner: SignedIn,
    context: Context,
    current: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Turn two-step sign-in off; needs the password, so a borrowed browser cannot."""
    user = context.store.get_user(owner.user_id)
    client = client_address(request)
    if (
        context.limiter.retry_after(client) is not None
        or user is None
        or not verify_user_password(context.store, user, current)
    ):
        context.limiter.record_failure(client)
        return account_view(
            request,
            context,
            owner,
            status=400,
            totp_error="The password is wrong; two-step sign-in stays on.",
        )
    people(request).totp.remove(owner.user_id)
    return account_view(request, context, owner, notice="Two-step sign-in is off.")
