"""Server-rendered pages for signed-in people: the two-factor step of signing in,
two-factor setup, and the account page (sessions, API tokens, password, deletion)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import (
    BrowserSession,
    BrowserSessionSetup,
    PendingSession,
    SignedIn,
    browser_session,
    browser_session_setup,
    pending_session,
    signed_in,
)
from frontporch.server.accounts.credentials import CredentialService
from frontporch.server.accounts.endpoints import Accounts, Client, Credentials, attach_session
from frontporch.server.accounts.errors import TWO_FACTOR_PAGE
from frontporch.server.accounts.sessions import clear_session_cookie
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.kit.pages import FormCode, QueryText, Text, failed, render
from frontporch.server.kit.schemas import NO_NUL
from frontporch.server.routing import protected_router
from frontporch.web.redirects import safe_next
from frontporch.web.security import NO_STORE

pending: APIRouter = protected_router(pending_session, include_in_schema=False)
setup: APIRouter = protected_router(browser_session_setup, include_in_schema=False)
signed: APIRouter = protected_router(signed_in, include_in_schema=False)
credentials: APIRouter = protected_router(browser_session, include_in_schema=False)


# -- the two-factor step of signing in ---------------------------------------------------------


@pending.get("/sign-in/two-factor")
def second_factor_page(
    request: Request,
    context: Context,
    subject: PendingSession,
    next: QueryText = "/account",
) -> Response:
    """Ask for the code from the authenticator app."""
    if subject.session is not None and subject.session.mfa_passed:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, context, "second_factor.html", subject, next_url=safe_next(next))


@pending.post("/sign-in/two-factor")
def second_factor(
    request: Request,
    db: DbSession,
    context: Context,
    subject: PendingSession,
    service: Accounts,
    client: Client,
    code: FormCode = "",
    next: Text = "/account",
) -> Response:
    """Check the code; a full session replaces the waiting one."""
    target = safe_next(next)
    try:
        result = service.complete_second_factor(subject, code, client)
    except ServerError as exc:
        return failed(
            request, db, context, "second_factor.html", exc, subject=subject, next_url=target
        )
    response = RedirectResponse(target, status_code=303)
    attach_session(response, context, result)
    return response


@pending.post("/sign-out")
def sign_out(subject: PendingSession, context: Context, service: Accounts) -> Response:
    """End this session and go to the sign-in page."""
    service.sign_out(subject)
    response = RedirectResponse("/sign-in", status_code=303)
    clear_session_cookie(response, secure=context.settings.secure_cookies)
    return response


# -- two-factor setup ----------------------------------------------------------------------------


@setup.get(TWO_FACTOR_PAGE, dependencies=[NO_STORE])
def two_factor_page(
    request: Request, context: Context, subject: BrowserSessionSetup, service: Credentials
) -> Response:
    """Two-factor status, or the QR code to set it up."""
    if subject.user.mfa_enabled:
        left = service.recovery_codes_left(subject)
        return render(request, context, "two_factor.html", subject, enrolled=True, left=left)
    enrolment = service.begin_mfa_setup(subject)
    return render(request, context, "two_factor.html", subject, enrolment=enrolment)


@setup.post(TWO_FACTOR_PAGE, dependencies=[NO_STORE])
def two_factor_confirm(
    request: Request,
    db: DbSession,
    context: Context,
    subject: BrowserSessionSetup,
    service: Credentials,
    code: FormCode = "",
) -> Response:
    """Turn two-factor on and show the recovery codes once."""
    try:
        codes = service.confirm_mfa_setup(subject, code)
    except ServerError as exc:
        enrolment = None if subject.user.mfa_enabled else service.begin_mfa_setup(subject)
        return failed(
            request, db, context, "two_factor.html", exc, subject=subject, enrolment=enrolment
        )
    return render(request, context, "recovery_codes.html", subject, codes=codes)


# -- the account page ---------------------------------------------------------------------------


def account_view(
    request: Request,
    context: ServerContext,
    subject: AuthSubject,
    service: CredentialService,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    """The account page: profile, sessions, API tokens, password and deletion."""
    return render(
        request,
        context,
        "account.html",
        subject,
        status=status,
        sessions=service.list_sessions(subject),
        tokens=service.list_tokens(subject),
        current_session=subject.session.id if subject.session else None,
        **values,
    )


def _account_action(
    request: Request,
    db: DbSession,
    context: ServerContext,
    subject: AuthSubject,
    service: CredentialService,
    action: Callable[[], dict[str, Any]],
) -> Response:
    """Run an action of the account page and show the page again: with the values the
    action returns, or with its error after undoing what it began."""
    try:
        values = action()
    except ServerError as exc:
        db.rollback()
        return account_view(request, context, subject, service, status=exc.status, error=exc.detail)
    return account_view(request, context, subject, service, **values)


@signed.get("/account")
def account_page(
    request: Request, context: Context, subject: SignedIn, service: Credentials
) -> Response:
    """The account page."""
    notice = {"revoked": "Session signed out.", "token-revoked": "API token revoked."}.get(
        request.query_params.get("done", "")
    )
    return account_view(request, context, subject, service, notice=notice)


@credentials.post("/account/sessions/{session_id}/revoke")
def revoke_session(
    session_id: uuid.UUID, subject: BrowserSession, service: Credentials
) -> Response:
    """Sign one browser out (a browser session only, as in the API)."""
    service.revoke_session(subject, session_id)
    current = subject.session is not None and subject.session.id == session_id
    return RedirectResponse("/sign-in" if current else "/account?done=revoked", status_code=303)


@credentials.post("/account/tokens/{token_id}/revoke")
def revoke_token(token_id: uuid.UUID, subject: BrowserSession, service: Credentials) -> Response:
    """Revoke an API token (a browser session only, as in the API)."""
    service.revoke_token(subject, token_id)
    return RedirectResponse("/account?done=token-revoked", status_code=303)


@credentials.post("/account/tokens", dependencies=[NO_STORE])
def create_token(
    request: Request,
    db: DbSession,
    context: Context,
    subject: BrowserSession,
    service: Credentials,
    name: Annotated[str, Form(max_length=100, pattern=NO_NUL)] = "",
) -> Response:
    """Create an API token and show it once."""

    def create() -> dict[str, Any]:
        _, secret = service.create_token(subject, name)
        return {"new_token": secret}

    return _account_action(request, db, context, subject, service, create)


@credentials.post("/account/password")
def change_password(
    request: Request,
    db: DbSession,
    context: Context,
    subject: BrowserSession,
    service: Credentials,
    accounts: Accounts,
    current: Text = "",
    new: Text = "",
    confirm: Text = "",
) -> Response:
    """Change the password; other sessions and API tokens are revoked."""

    def change() -> dict[str, Any]:
        if new != confirm:
            raise ServerError("passwords differ", "The two new passwords differ.", status=400)
        accounts.change_password(subject, current, new)
        return {"notice": "Password changed. Other browsers and API tokens were signed out."}

    return _account_action(request, db, context, subject, service, change)


@credentials.post("/account/delete")
def delete_account(
    request: Request,
    db: DbSession,
    context: Context,
    subject: BrowserSession,
    service: Credentials,
    accounts: Accounts,
    password: Text = "",
    otp: FormCode = "",
) -> Response:
    """Delete the account and everything it owns."""
    try:
        accounts.delete_account(subject, password, otp or None)
    except ServerError as exc:
        db.rollback()
        return account_view(request, context, subject, service, status=exc.status, error=exc.detail)
    response = render(
        request,
        context,
        "message.html",
        title="Account deleted",
        message="Your account and everything it held are gone.",
    )
    clear_session_cookie(response, secure=context.settings.secure_cookies)
    return response


ROUTERS = (pending, setup, signed, credentials)
