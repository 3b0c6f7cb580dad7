"""A person's passkeys on their account page: register (JSON for `static/passkeys.js`),
list, remove; and the challenge a page asks for when a passkey confirms an action
(releasing or sharing footage, each with its own challenge) instead of the password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from frontporch.hub.people.confirm import ConfirmAction, confirm_purpose
from frontporch.hub.people.passkeys import PasskeyError
from frontporch.hub.people.records import User
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.people_kit import origin_of_request, people
from frontporch.hub.web.sessions import Owner

router = APIRouter(include_in_schema=False)
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]


def signed_in_user(context: HubContext, owner: Owner) -> User:
    user = context.store.get_user(owner.user_id)
    if user is None:
        raise WebError(404, "person not found", "Your account was removed; sign in again.")
    return user


@router.post("/api/account/passkeys/options")
def registration_options(request: Request, owner: SignedIn, context: Context) -> JSONResponse:
    """Options for `navigator.credentials.create` for the signed-in person."""
    try:
        answer = people(request).passkeys.registration_options(
            signed_in_user(context, owner), origin_of_request(request)
        )
    except PasskeyError as exc:
        raise WebError(400, "passkey not possible here", str(exc)) from None
    return JSONResponse(answer)


@router.post("/api/account/passkeys")
def register_passkey(
    request: Request,
    owner: SignedIn,
    context: Context,
    challenge_id: Annotated[str, Body(max_length=64)],
    credential: Annotated[dict[str, Any], Body()],
    name: Annotated[str, Body(max_length=200)] = "",
) -> JSONResponse:
    """Keep the new passkey the browser made; its name is the person's label for it."""
    try:
        passkey = people(request).passkeys.register(
            signed_in_user(context, owner),
            origin_of_request(request),
            challenge_id,
            credential,
            name,
        )
    except PasskeyError as exc:
        raise WebError(400, "passkey not registered", str(exc)) from None
    return JSONResponse({"id": passkey.id, "name": passkey.name}, status_code=201)


@router.post("/account/passkeys/{passkey_id}/remove")
def remove_passkey(
    owner: SignedIn, context: Context, passkey_id: Annotated[str, Path(max_length=400)]
) -> Response:
    """Remove one of your passkeys; it no longer signs in or confirms anything."""
    if not context.store.delete_passkey(owner.user_id, passkey_id):
        raise WebError(404, "passkey not found", "No such passkey of yours; see the Account page.")
    return RedirectResponse("/account?passkey_removed=1#passkeys-title", status_code=303)


@router.post("/api/passkeys/confirm/options")
def confirm_options(
    request: Request,
    owner: SignedIn,
    context: Context,
    purpose: Annotated[ConfirmAction, Body(embed=True)] = ConfirmAction.release,
) -> JSONResponse:
    """A challenge only the signed-in person's own passkeys can answer, to confirm one
    action (`purpose`: "release" or "share"); the page sends the answer with its form,
    and an answer made for one action does not confirm the other."""
    try:
        answer = people(request).passkeys.assertion_options(
            origin_of_request(request), confirm_purpose(purpose), signed_in_user(context, owner)
        )
    except PasskeyError as exc:
        raise WebError(400, "passkey not possible here", str(exc)) from None
    return JSONResponse(answer)
