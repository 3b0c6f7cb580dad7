"""Server-rendered pages anyone can open: sign-up, sign-in, the emailed links; and the
helpers every account page uses (`render`, `failed`). The signed-in pages are in
`account_pages.py`.

Forms shown before sign-in carry a double-submit CSRF token (`fp_form_csrf` cookie,
SameSite=Strict); forms of a signed-in page carry the session's CSRF token, checked by
the guard. A form error re-renders the form after rolling back anything the failed
action began, so the request boundary commits nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import (
    OptionalSubject,
)
from frontporch.server.accounts.endpoints import Accounts, Client, attach_session
from frontporch.server.accounts.errors import EmailNotVerified
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.schemas import NO_NUL
from frontporch.server.accounts.sessions import (
    FORM_CSRF_COOKIE,
    new_token,
    tokens_match,
)
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.routing import public_router

public: APIRouter = public_router(include_in_schema=False)

Text = Annotated[str, Form(max_length=1024, pattern=NO_NUL)]
FormToken = Annotated[str, Form(max_length=200, pattern=NO_NUL)]
FormCode = Annotated[str, Form(max_length=40, pattern=NO_NUL)]
QueryText = Annotated[str, Query(max_length=1024, pattern=NO_NUL)]


def safe_next(target: str) -> str:
    """A local path to continue to after signing in; anything else becomes / (which
    sends each role to its landing page)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


# Where each role starts after signing in: households read their neighbors, agency
# members their agency's page, operators the moderation queue.
LANDINGS = {Role.AGENCY_MEMBER.value: "/agency", Role.OPERATOR.value: "/moderation"}


def landing(subject: AuthSubject) -> str:
    """The page a signed-in caller of `/` is sent to."""
    return LANDINGS.get(subject.user.role, "/feed")


def render(
    request: Request,
    context: ServerContext,
    template: str,
    subject: AuthSubject | None = None,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    """Render a page with the signed-in subject and the CSRF token its forms need."""
    form_csrf = request.cookies.get(FORM_CSRF_COOKIE) or new_token()
    values.update(
        subject=subject,
        csrf_token=subject.csrf_token if subject else form_csrf,
        min_length=context.settings.password_min_length,
    )
    response: Response = context.templates.TemplateResponse(
        request, template, values, status_code=status
    )
    if subject is None:
        response.set_cookie(
            FORM_CSRF_COOKIE,
            form_csrf,
            max_age=3600,
            httponly=True,
            samesite="strict",
            secure=context.settings.secure_cookies,
            path="/",
        )
    return response


def failed(
    request: Request,
    db: DbSession,
    context: ServerContext,
    template: str,
    error: ServerError,
    *,
    subject: AuthSubject | None = None,
    **values: Any,
) -> Response:
    """Undo the failed action's changes and show the form again with the error."""
    db.rollback()
    response = render(
        request, context, template, subject, status=error.status, error=error.detail, **values
    )
    response.headers.update(error.headers)
    return response


def _form_csrf_ok(request: Request, token: str) -> bool:
    return tokens_match(request.cookies.get(FORM_CSRF_COOKIE), token)


EXPIRED = ServerError("form expired", "The form expired. Please try again.", status=403)


def _run_form(
    request: Request,
    db: DbSession,
    context: ServerContext,
    csrf_token: str,
    template: str,
    action: Callable[[], object],
    **values: Any,
) -> Response | None:
    """Check a pre-sign-in form's token and run its action: the form again with the
    error when either fails, None when the action succeeded."""
    if not _form_csrf_ok(request, csrf_token):
        return failed(request, db, context, template, EXPIRED, **values)
    try:
        action()
    except ServerError as exc:
        return failed(request, db, context, template, exc, **values)
    return None


# -- public pages ---------------------------------------------------------------------------


@public.get("/")
def home(request: Request, context: Context, subject: OptionalSubject) -> Response:
    """The landing page, or, for someone signed in, the start page of their role."""
    if subject is not None:
        return RedirectResponse(landing(subject), status_code=303)
    return render(request, context, "home.html")


@public.get("/sign-up")
def sign_up_page(request: Request, context: Context) -> Response:
    """The sign-up form."""
    return render(request, context, "sign_up.html")


@public.post("/sign-up")
def sign_up(
    request: Request,
    db: DbSession,
    context: Context,
    service: Accounts,
    client: Client,
    email: Text = "",
    password: Text = "",
    confirm: Text = "",
    csrf_token: FormToken = "",
) -> Response:
    """Create the account and say to check the email."""
    values: dict[str, Any] = {"email": email}
    if not _form_csrf_ok(request, csrf_token):
        return failed(request, db, context, "sign_up.html", EXPIRED, **values)
    if password != confirm:
        mismatch = ServerError("passwords differ", "The two passwords differ.", status=400)
        return failed(request, db, context, "sign_up.html", mismatch, **values)
    try:
        service.sign_up(email, password, client)
    except ServerError as exc:
        return failed(request, db, context, "sign_up.html", exc, **values)
    return render(
        request,
        context,
        "message.html",
        title="Check your email",
        message="We sent a link to confirm your address. Open it to finish signing up.",
    )


@public.get("/sign-in")
def sign_in_page(
    request: Request,
    context: Context,
    subject: OptionalSubject,
    next: QueryText = "/",
) -> Response:
    """The sign-in form (or straight on, if already signed in)."""
    if subject is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, context, "sign_in.html", next_url=safe_next(next))


@public.post("/sign-in")
def sign_in(
    request: Request,
    db: DbSession,
    context: Context,
    service: Accounts,
    client: Client,
    email: Text = "",
    password: Text = "",
    next: Text = "/",
    csrf_token: FormToken = "",
) -> Response:
    """Check the password; continue to the two-factor step if the account has it."""
    values: dict[str, Any] = {"email": email, "next_url": safe_next(next)}
    if not _form_csrf_ok(request, csrf_token):
        return failed(request, db, context, "sign_in.html", EXPIRED, **values)
    try:
        result = service.sign_in(email, password, None, client, allow_pending=True)
    except EmailNotVerified as exc:
        return failed(request, db, context, "sign_in.html", exc, unverified=True, **values)
    except ServerError as exc:
        return failed(request, db, context, "sign_in.html", exc, **values)
    target = values["next_url"]
    if result.mfa_pending:
        target = f"/sign-in/two-factor?next={target}"
    response = RedirectResponse(target, status_code=303)
    attach_session(response, context, result)
    return response


@public.post("/verify-email/resend")
def resend_verification(
    request: Request,
    db: DbSession,
    context: Context,
    service: Accounts,
    email: Text = "",
    csrf_token: FormToken = "",
) -> Response:
    """Send a new verification link."""
    resend = partial(service.resend_verification, email)
    error = _run_form(request, db, context, csrf_token, "sign_in.html", resend, email=email)
    if error is not None:
        return error
    return render(
        request,
        context,
        "message.html",
        title="Check your email",
        message="If the account needs it, a new verification link is on its way.",
    )


@public.get("/verify-email")
def verify_email_page(
    request: Request,
    context: Context,
    token: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
) -> Response:
    """A button that confirms the address (a GET must not: mail scanners follow links)."""
    return render(request, context, "verify_email.html", token=token)


@public.post("/verify-email")
def verify_email(
    request: Request,
    db: DbSession,
    context: Context,
    service: Accounts,
    token: FormToken = "",
    csrf_token: FormToken = "",
) -> Response:
    """Confirm the address and continue to sign-in."""
    verify = partial(service.verify_email, token)
    error = _run_form(request, db, context, csrf_token, "verify_email.html", verify, token=token)
    if error is not None:
        return error
    return render(
        request,
        context,
        "message.html",
        title="Email confirmed",
        message="Your address is confirmed.",
        link=("/sign-in", "Sign in"),
    )


@public.get("/forgot-password")
def forgot_password_page(request: Request, context: Context) -> Response:
    """Ask for a password-reset link."""
    return render(request, context, "forgot_password.html")


@public.post("/forgot-password")
def forgot_password(
    request: Request,
    db: DbSession,
    context: Context,
    service: Accounts,
    email: Text = "",
    csrf_token: FormToken = "",
) -> Response:
    """Email a reset link (the page says the same whether or not the account exists)."""
    send = partial(service.request_password_reset, email)
    error = _run_form(request, db, context, csrf_token, "forgot_password.html", send, email=email)
    if error is not None:
        return error
    return render(
        request,
        context,
        "message.html",
        title="Check your email",
        message="If an account uses that address, a reset link is on its way.",
    )


@public.get("/reset-password")
def reset_password_page(
    request: Request,
    context: Context,
    token: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
) -> Response:
    """Choose a new password."""
    return render(request, context, "reset_password.html", token=token)


@public.post("/reset-password")
def reset_password(
    request: Request,
    db: DbSession,
    context: Context,
    service: Accounts,
    token: FormToken = "",
    password: Text = "",
    confirm: Text = "",
    csrf_token: FormToken = "",
) -> Response:
    """Set the new password; every session is signed out."""

    def reset() -> None:
        if password != confirm:
            raise ServerError("passwords differ", "The two passwords differ.", status=400)
        service.reset_password(token, password)

    error = _run_form(request, db, context, csrf_token, "reset_password.html", reset, token=token)
    if error is not None:
        return error
    return render(
        request,
        context,
        "message.html",
        title="Password changed",
        message="Every browser and API token was signed out.",
        link=("/sign-in", "Sign in"),
    )


ROUTERS = (public,)
