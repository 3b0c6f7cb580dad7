"""The accounts JSON API under /api/auth (public) and /api/account (signed in)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi import Path as PathParam

from frontporch.server.accounts.auth import (
    BrowserSession,
    BrowserSessionSetup,
    Operator,
    SignedIn,
    SignedInAny,
    browser_session,
    browser_session_setup,
    operator,
    signed_in,
    signed_in_any,
)
from frontporch.server.accounts.credentials import CredentialService
from frontporch.server.accounts.lockout import ClientInfo
from frontporch.server.accounts.schemas import (
    AccountOut,
    ApiTokenCreatedOut,
    ApiTokenOut,
    CodeIn,
    DeleteAccountIn,
    EmailIn,
    MfaDisableIn,
    MfaSetupOut,
    PasswordChangeIn,
    PasswordResetIn,
    RecoveryCodesOut,
    RoleIn,
    SessionOut,
    SignedInOut,
    SignInIn,
    SignUpIn,
    TokenCreateIn,
    TokenIn,
)
from frontporch.server.accounts.service import AccountService
from frontporch.server.accounts.sessions import (
    DEVICE_COOKIE,
    clear_session_cookie,
    set_device_cookie,
    set_session_cookie,
)
from frontporch.server.accounts.views import SignIn
from frontporch.server.context import Context, ServerContext, client_address
from frontporch.server.kit.schemas import ERRORS, MessageOut
from frontporch.server.kit.services import per_request
from frontporch.server.routing import protected_router
from frontporch.web.routing import public_router
from frontporch.web.security import NO_STORE

public: APIRouter = public_router(prefix="/api/auth", tags=["auth"], responses=ERRORS)
account_any: APIRouter = protected_router(
    signed_in_any, prefix="/api/account", tags=["account"], responses=ERRORS
)
account: APIRouter = protected_router(
    signed_in, prefix="/api/account", tags=["account"], responses=ERRORS
)
credentials: APIRouter = protected_router(
    browser_session, prefix="/api/account", tags=["account"], responses=ERRORS
)
setup: APIRouter = protected_router(
    browser_session_setup, prefix="/api/account", tags=["account"], responses=ERRORS
)
operators: APIRouter = protected_router(
    operator, prefix="/api/operator", tags=["operator"], responses=ERRORS
)
ItemId = Annotated[uuid.UUID, PathParam(description="The item's id.")]


def client_info(request: Request) -> ClientInfo:
    """The caller's address, user agent and device cookie."""
    return ClientInfo(
        address=client_address(request),
        user_agent=request.headers.get("user-agent", "")[:200],
        device_cookie=request.cookies.get(DEVICE_COOKIE),
    )


Client = Annotated[ClientInfo, Depends(client_info)]


Accounts = Annotated[AccountService, Depends(per_request(AccountService))]
Credentials = Annotated[CredentialService, Depends(per_request(CredentialService))]


def attach_session(response: Response, context: ServerContext, sign_in: SignIn) -> None:
    """Set the session (and device) cookies of a new sign-in on a response."""
    secure = context.settings.secure_cookies
    lifetime = context.settings.session_lifetime_s
    set_session_cookie(response, sign_in.token, max_age_s=lifetime, secure=secure)
    if sign_in.device_cookie:
        set_device_cookie(response, sign_in.device_cookie, secure=secure)


# -- public -------------------------------------------------------------------------------


@public.post("/sign-up", status_code=202, response_model=MessageOut)
def sign_up(body: SignUpIn, service: Accounts, client: Client) -> MessageOut:
    """Create a resident account; a verification link is emailed.

    The answer is the same whether or not the address already has an account.
    """
    service.sign_up(body.email, body.password, client)
    return MessageOut(status="accepted", detail="Check your email for a verification link.")


@public.post("/verify-email", response_model=MessageOut)
def verify_email(body: TokenIn, service: Accounts) -> MessageOut:
    """Verify an email address with the token from the emailed link."""
    service.verify_email(body.token)
    return MessageOut(status="verified", detail="Your email address is verified; sign in.")


@public.post("/verify-email/resend", status_code=202, response_model=MessageOut)
def resend_verification(body: EmailIn, service: Accounts) -> MessageOut:
    """Email a new verification link (if the account exists and is unverified)."""
    service.resend_verification(body.email)
    return MessageOut(
        status="accepted", detail="If that account needs it, a new link is on its way."
    )


@public.post("/sign-in", response_model=SignedInOut)
def sign_in(
    body: SignInIn, response: Response, service: Accounts, client: Client, context: Context
) -> SignedInOut:
    """Sign in; sets the session cookie. With two-factor on, include `otp`.

    Failed attempts lock the account and the client address for a while (429).
    """
    result = service.sign_in(body.email, body.password, body.otp, client, allow_pending=False)
    attach_session(response, context, result)
    return SignedInOut.of(result)


@public.post("/password-reset", status_code=202, response_model=MessageOut)
def request_password_reset(body: EmailIn, service: Accounts) -> MessageOut:
    """Email a password-reset link (the answer is the same if there is no such account)."""
    service.request_password_reset(body.email)
    return MessageOut(
        status="accepted", detail="If that account exists, a reset link is on its way."
    )


@public.post("/password-reset/confirm", response_model=MessageOut)
def reset_password(body: PasswordResetIn, service: Accounts) -> MessageOut:
    """Set a new password with the token from the emailed link; signs out everywhere."""
    service.reset_password(body.token, body.new_password)
    return MessageOut(
        status="changed", detail="Password changed; every session and API token was revoked."
    )


# -- signed in (two-factor requirement not yet enforced) ------------------------------------


@account_any.get("", response_model=AccountOut)
def get_account(subject: SignedInAny) -> AccountOut:
    """The caller's account (shows whether two-factor is still to be set up)."""
    return AccountOut.of(subject.user)


@account_any.post("/sign-out", response_model=MessageOut)
def sign_out(
    subject: SignedInAny, service: Accounts, response: Response, context: Context
) -> MessageOut:
    """End this browser session."""
    service.sign_out(subject)
    clear_session_cookie(response, secure=context.settings.secure_cookies)
    return MessageOut(status="signed out", detail="This session has ended.")


@setup.post("/two-factor/setup", response_model=MfaSetupOut, dependencies=[NO_STORE])
def begin_two_factor(subject: BrowserSessionSetup, service: Credentials) -> MfaSetupOut:
    """Start two-factor setup: scan the QR code, then confirm with a code."""
    enrolment = service.begin_mfa_setup(subject)
    return MfaSetupOut.of(enrolment)


@setup.post("/two-factor/confirm", response_model=RecoveryCodesOut, dependencies=[NO_STORE])
def confirm_two_factor(
    body: CodeIn, subject: BrowserSessionSetup, service: Credentials
) -> RecoveryCodesOut:
    """Turn two-factor on with a code from the app; returns the recovery codes (once)."""
    return RecoveryCodesOut(recovery_codes=service.confirm_mfa_setup(subject, body.code))


# -- signed in --------------------------------------------------------------------------------


@account.get("/sessions", response_model=list[SessionOut])
def list_sessions(subject: SignedIn, service: Credentials) -> list[SessionOut]:
    """The caller's signed-in browsers."""
    current = subject.session.id if subject.session else None
    return [SessionOut.of(s, current) for s in service.list_sessions(subject)]


@credentials.delete("/sessions/{session_id}", status_code=204, response_class=Response)
def revoke_session(session_id: ItemId, subject: BrowserSession, service: Credentials) -> Response:
    """Sign one of the caller's browsers out (not with an API token: a leaked token must
    not be able to sign its owner out)."""
    service.revoke_session(subject, session_id)
    return Response(status_code=204)


@account.get("/tokens", response_model=list[ApiTokenOut])
def list_tokens(subject: SignedIn, service: Credentials) -> list[ApiTokenOut]:
    """The caller's API tokens (without their secrets)."""
    return [ApiTokenOut.of(t) for t in service.list_tokens(subject)]


@credentials.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(token_id: ItemId, subject: BrowserSession, service: Credentials) -> Response:
    """Revoke one of the caller's API tokens (not with an API token)."""
    service.revoke_token(subject, token_id)
    return Response(status_code=204)


# -- credentials (browser session only) -------------------------------------------------------


@credentials.post(
    "/tokens", status_code=201, response_model=ApiTokenCreatedOut, dependencies=[NO_STORE]
)
def create_token(
    body: TokenCreateIn, subject: BrowserSession, service: Credentials
) -> ApiTokenCreatedOut:
    """Create an API token; its secret is in this answer only."""
    token, secret = service.create_token(subject, body.name)
    return ApiTokenCreatedOut(**ApiTokenOut.of(token).model_dump(), token=secret)


@credentials.put("/password", response_model=MessageOut)
def change_password(
    body: PasswordChangeIn, subject: BrowserSession, service: Accounts
) -> MessageOut:
    """Change the password; other sessions and every API token are revoked."""
    service.change_password(subject, body.current_password, body.new_password)
    return MessageOut(
        status="changed", detail="Password changed; other sessions and API tokens were revoked."
    )


@credentials.post(
    "/two-factor/recovery-codes", response_model=RecoveryCodesOut, dependencies=[NO_STORE]
)
def new_recovery_codes(
    body: CodeIn, subject: BrowserSession, service: Credentials
) -> RecoveryCodesOut:
    """Replace the recovery codes (needs a current code)."""
    return RecoveryCodesOut(recovery_codes=service.regenerate_recovery_codes(subject, body.code))


@credentials.post("/two-factor/disable", response_model=MessageOut)
def disable_two_factor(
    body: MfaDisableIn, subject: BrowserSession, service: Credentials
) -> MessageOut:
    """Turn two-factor off (residents only)."""
    service.disable_mfa(subject, body.password, body.code)
    return MessageOut(status="off", detail="Two-factor sign-in is off.")


@credentials.post("/delete", response_model=MessageOut)
def delete_account(
    body: DeleteAccountIn,
    subject: BrowserSession,
    service: Accounts,
    response: Response,
    context: Context,
) -> MessageOut:
    """Delete the account and everything it owns, for good."""
    service.delete_account(subject, body.password, body.otp)
    clear_session_cookie(response, secure=context.settings.secure_cookies)
    return MessageOut(status="deleted", detail="Your account and its content are deleted.")


# -- operators --------------------------------------------------------------------------------


@operators.put("/users/{user_id}/role", response_model=AccountOut)
def set_role(user_id: ItemId, body: RoleIn, subject: Operator, service: Accounts) -> AccountOut:
    """Change an account's role (agency members and operators must then set up two-factor)."""
    return AccountOut.of(service.set_role(subject, user_id, body.role))


ROUTERS = (public, account_any, setup, account, credentials, operators)
