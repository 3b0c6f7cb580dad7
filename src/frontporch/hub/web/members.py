"""The owner's members page (`/settings/members`) and the members API.

Owner-only (not listed in `hub/people/access.py`): add a person with a one-time initial
password or an invite link (either shown once), change their role and allowances,
remove them (their sessions, tokens, passkeys and second factor end with them), and see
and revoke every session and API token of everyone, one by one. The account page's
own passkey and TOTP routes are included here too (`passkey_routes`, `two_factor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from frontporch.hub.people.access import ALLOWANCE_DESCRIPTIONS, Allowance
from frontporch.hub.people.devices import device_label
from frontporch.hub.people.records import User, UserSession, UserToken
from frontporch.hub.people.service import (
    MemberError,
    add_member,
    change_member,
    remove_member,
)
from frontporch.hub.web import passkey_routes, two_factor
from frontporch.hub.web.auth import require_owner
from frontporch.hub.web.context import HubContext, hub_context
from frontporch.hub.web.errors import WebError
from frontporch.hub.web.pages import render
from frontporch.hub.web.passwords import generated_password, hash_password
from frontporch.hub.web.people_kit import people
from frontporch.hub.web.sessions import Owner, session_id

router = APIRouter(dependencies=[Depends(require_owner)])
router.include_router(passkey_routes.router)
router.include_router(two_factor.router)
Context = Annotated[HubContext, Depends(hub_context)]
SignedIn = Annotated[Owner, Depends(require_owner)]
PAGE = "/settings/members"


class MemberOut(BaseModel):
    """A person who may sign in to this hub."""

    id: str
    name: str
    role: str = Field(description="owner (everything) or member (watch and review)")
    allowances: list[str] = Field(description="share, release, settings: granted to a member")
    passkeys: int
    two_step: bool = Field(description="TOTP second factor for password sign-ins is on")
    sessions: int
    tokens: int
    invited: bool = Field(description="invited by link, password not chosen yet")


@dataclass(frozen=True)
class MemberView:
    user: User
    sessions: list[UserSession]
    tokens: list[UserToken]
    passkeys: int
    two_step: bool


def member_views(request: Request, context: HubContext) -> list[MemberView]:
    """Everyone, with their live sessions and tokens (the one read path of page and API)."""
    totp = people(request).totp
    return [
        MemberView(
            user,
            context.sessions.live(user.id),
            context.tokens.live(user.id),
            len(context.store.list_passkeys(user.id)),
            totp.enabled(user.id),
        )
        for user in context.store.list_users()
    ]


def members_view(
    request: Request, context: HubContext, owner: Owner, status: int = 200, **values: object
) -> Response:
    return render(
        request,
        context,
        owner,
        "members.html",
        status=status,
        nav="settings",
        members=member_views(request, context),
        allowances=ALLOWANCE_DESCRIPTIONS,
        session_id=session_id,
        device=device_label,
        this_session=owner.session_id,
        **values,
    )


@router.get("/api/members", response_model=list[MemberOut], summary="People of this hub")
def list_members(request: Request, context: Context) -> list[MemberOut]:
    """Everyone who may sign in, with their role, allowances and sign-in methods."""
    return [
        MemberOut(
            id=view.user.id,
            name=view.user.name,
            role=view.user.role,
            allowances=sorted(view.user.allowances),
            passkeys=view.passkeys,
            two_step=view.two_step,
            sessions=len(view.sessions),
            tokens=len(view.tokens),
            invited=view.user.password_hash is None,
        )
        for view in member_views(request, context)
    ]


@router.get(PAGE, include_in_schema=False)
def members_page(
    request: Request,
    owner: SignedIn,
    context: Context,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """Everyone, their role and allowances, sessions and tokens; add a person."""
    notices = {
        "changed": "Saved.",
        "removed": "Removed; their sessions, tokens and passkeys no longer work.",
        "ended": "Session ended.",
        "revoked": "Token revoked.",
    }
    return members_view(request, context, owner, notice=notices.get(done))


@router.post(PAGE, include_in_schema=False)
def add(
    request: Request,
    owner: SignedIn,
    context: Context,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "member",
    allowance: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    method: Annotated[str, Form(max_length=20)] = "password",
) -> Response:
    """Add a person: shows their initial password or invite link once."""
    password = generated_password() if method != "invite" else None
    try:
        user, invite = add_member(
            context.store,
            name,
            role,
            allowance,
            None if password is None else hash_password(password),
            context.clock(),
        )
    except MemberError as exc:
        return members_view(
            request,
            context,
            owner,
            status=exc.status,
            add_error=str(exc),
            add_field=exc.field,
            form={"name": name, "role": role, "allowances": allowance, "method": method},
        )
    link = None
    if invite is not None:
        link = f"{request.url.scheme}://{request.url.netloc}/invite/{invite}"
    return members_view(
        request, context, owner, status=201, added=user, initial_password=password, invite=link
    )


@router.post(PAGE + "/{user_id}", include_in_schema=False)
def change(
    owner: SignedIn,
    context: Context,
    user_id: Annotated[str, Path(max_length=64)],
    role: Annotated[str, Form(max_length=20)] = "member",
    allowance: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    """Set a person's role and allowances (takes effect on their next request)."""
    try:
        change_member(context.store, user_id, role, allowance)
    except MemberError as exc:
        raise WebError(exc.status, "not changed", str(exc)) from None
    return RedirectResponse(f"{PAGE}?done=changed", status_code=303)


@router.post(PAGE + "/{user_id}/remove", include_in_schema=False)
def remove(
    owner: SignedIn, context: Context, user_id: Annotated[str, Path(max_length=64)]
) -> Response:
    """Remove a person; everything that signed them in stops working at once."""
    if user_id == owner.user_id:
        raise WebError(409, "not removed", "You cannot remove yourself; ask another owner.")
    try:
        remove_member(context.store, user_id)
    except MemberError as exc:
        raise WebError(exc.status, "not removed", str(exc)) from None
    return RedirectResponse(f"{PAGE}?done=removed", status_code=303)


@router.post(PAGE + "/sessions/{session_id}/revoke", include_in_schema=False)
def revoke_session(
    owner: SignedIn, context: Context, session_id: Annotated[str, Path(max_length=64)]
) -> Response:
    """Sign one browser of anyone out."""
    if not context.sessions.revoke(session_id, None):
        raise WebError(404, "session not found", "No such session; it may have ended already.")
    return RedirectResponse(f"{PAGE}?done=ended", status_code=303)


@router.post(PAGE + "/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_token(
    owner: SignedIn, context: Context, token_id: Annotated[str, Path(max_length=64)]
) -> Response:
    """Revoke anyone's API token."""
    context.tokens.revoke(token_id)
    return RedirectResponse(f"{PAGE}?done=revoked", status_code=303)


__all__ = ["Allowance", "router"]
