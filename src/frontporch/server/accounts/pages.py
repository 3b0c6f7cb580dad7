"""Server-rendered pages anyone can open: sign-up, sign-in, the emailed links. The
signed-in pages are in `account_pages.py`; rendering, form tokens and form errors are
the kit's (`kit/pages.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontporch.server.accounts.auth import OptionalSubject
from frontporch.server.accounts.endpoints import Accounts, Client, attach_session
from frontporch.server.accounts.errors import EmailNotVerified
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import ServerError
from frontporch.server.kit.pages import FormToken, QueryText, Text, failed, form_token_ok, render
from frontporch.server.kit.schemas import NO_NUL
from frontporch.web.redirects import safe_next
from frontporch.web.routing import public_router

public: APIRouter = public_router(include_in_schema=False)

LinkToken = Annotated[str, Query(max_length=200, pattern=NO_NUL)]

# Where each role starts after signing in: households read their neighbors, agency
# members their agency's page, operators the moderation queue.
LANDINGS = {Role.AGENCY_MEMBER.value: "/agency", Role.OPERATOR.value: "/moderation"}

EXPIRED = ServerError("form expired", "The form expired. Please try again.", status=403)
PASSWORDS_DIFFER = ServerError("passwords differ", "The two passwords differ.", status=400)


@dataclass(frozen=True)
class Message:
    """What `message.html` says once a form has done its work."""

    title: str
    message: str
    link: tuple[str, str] | None = None


SIGNED_UP = Message(
    "Check your email",
    "We sent a link to confirm your address. Open it to finish signing up.",
)
VERIFICATION_SENT = Message(
    "Check your email", "If the account needs it, a new verification link is on its way."
)
EMAIL_CONFIRMED = Message("Email confirmed", "Your address is confirmed.", ("/sign-in", "Sign in"))
RESET_SENT = Message(
    "Check your email", "If an account uses that address, a reset link is on its way."
)
PASSWORD_RESET = Message(
    "Password changed",
    "Every browser and API token was signed out.",
    ("/sign-in", "Sign in"),
)


def landing(subject: AuthSubject) -> str:
    """The page a signed-in caller of `/` is sent to."""
    return LANDINGS.get(subject.user.role, "/feed")


def _run_form(
    request: Request,
    db: DbSession,
    context: ServerContext,
    csrf_token: str,
    template: str,
    action: Callable[[], object],
    done: Message,
    **values: Any,
) -> Response:
    """Check a pre-sign-in form's token and run its action: the form again with the
    error when either fails, else the message `done`."""
    if not form_token_ok(request, csrf_token):
        return failed(request, db, context, template, EXPIRED, **values)
    try:
        action()
    except ServerError as exc:
        return failed(request, db, context, template, exc, **values)
    return render(
        request, context, "message.html", title=done.title, message=done.message, link=done.link
    )


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

    def sign_up() -> None:
        if password != confirm:
            raise PASSWORDS_DIFFER
        service.sign_up(email, password, client)

    return _run_form(
        request, db, context, csrf_token, "sign_up.html", sign_up, SIGNED_UP, email=email
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
    if not form_token_ok(request, csrf_token):
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
    return _run_form(
        request, db, context, csrf_token, "sign_in.html", resend, VERIFICATION_SENT, email=email
    )


@public.get("/verify-email")
def verify_email_page(request: Request, context: Context, token: LinkToken = "") -> Response:
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
    return _run_form(
        request, db, context, csrf_token, "verify_email.html", verify, EMAIL_CONFIRMED, token=token
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
    return _run_form(
        request, db, context, csrf_token, "forgot_password.html", send, RESET_SENT, email=email
    )


@public.get("/reset-password")
def reset_password_page(request: Request, context: Context, token: LinkToken = "") -> Response:
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
            raise PASSWORDS_DIFFER
        service.reset_password(token, password)

    return _run_form(
        request, db, context, csrf_token, "reset_password.html", reset, PASSWORD_RESET, token=token
    )


ROUTERS = (public,)
