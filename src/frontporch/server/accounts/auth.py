"""Who is calling, and the guards every protected route depends on.

Credentials: the `fp_session` cookie (browsers; state-changing requests must echo the
session's CSRF token in `X-CSRF-Token` or a `csrf_token` form field), or
`Authorization: Bearer fpt_...` (programs; no CSRF token needed, since browsers never
add that header on their own).

Guards, from weakest to strongest (each route has exactly one via its router):
- `pending_session`: a browser session that may still owe its two-factor code.
- `signed_in_any`: fully signed in; the role's two-factor requirement not yet enforced
  (only for seeing one's account, signing out and setting two-factor up).
- `signed_in`: the default: agency members and operators must have two-factor on.
- `browser_session` / `browser_session_setup`: as above, and not an API token
  (changing credentials or deleting the account).
- `operator`: signed in as an operator.

The guards that only check the subject another guard found are `async def`: FastAPI
calls those inline, and a plain `def` through the thread pool, a hop on every request.
The ones that query the database stay plain functions, so they never block the loop.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from frontporch.server.accounts.errors import (
    BrowserSessionRequired,
    MfaSetupRequired,
    SecondFactorPending,
)
from frontporch.server.accounts.models import Role
from frontporch.server.accounts.repository import ApiTokenRepository, SessionRepository
from frontporch.server.accounts.sessions import (
    API_TOKEN_PREFIX,
    SESSION_COOKIE,
    csrf_for,
)
from frontporch.server.accounts.subject import AuthSubject
from frontporch.server.context import Context, ServerContext
from frontporch.server.db import DbSession
from frontporch.server.errors import Forbidden, NotAuthenticated
from frontporch.server.kit.tokens import hash_token
from frontporch.server.routing import guard
from frontporch.web.csrf import csrf_ok, submitted_csrf

TOUCH_INTERVAL = timedelta(minutes=1)
SUBJECT_STATE = "auth_subject"  # this request's caller, once `authenticated` found them

SubmittedCsrf = Annotated[str | None, Depends(submitted_csrf)]


def authenticate(
    request: Request, db: Session, context: ServerContext, csrf: str | None
) -> AuthSubject | None:
    """The caller by API token or session cookie; None if they bring no credential.

    Raises NotAuthenticated for a bad bearer token and Forbidden for a cookie request
    that changes state without the session's CSRF token.
    """
    now = context.clock()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        secret = value.strip()
        found = None
        if secret.startswith(API_TOKEN_PREFIX):
            found = ApiTokenRepository(db).find_with_user_for_authentication(hash_token(secret))
        if found is None:
            raise NotAuthenticated("The API token is unknown or was revoked; create a new one.")
        token, user = found
        if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
            token.last_used_at = now
        return AuthSubject(user=user, api_token=token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    signed = SessionRepository(db).find_with_user_for_authentication(hash_token(cookie))
    if signed is None:
        return None
    session, user = signed
    if session.expires_at <= now or session.created_at < user.password_changed_at:
        return None
    expected = csrf_for(cookie, context.keyed_hash)
    if not csrf_ok(request.method, csrf, expected):
        raise Forbidden(
            "CSRF token missing or wrong",
            "Reload the page and try again. Scripts using the session cookie must send "
            "the X-CSRF-Token header from sign-in; programs should use an API token.",
        )
    if now - session.last_seen_at > TOUCH_INTERVAL:
        session.last_seen_at = now
    return AuthSubject(user=user, session=session, csrf_token=expected)


def authenticated(
    request: Request, db: DbSession, context: Context, csrf: SubmittedCsrf
) -> AuthSubject:
    """The caller, whatever their session's state; NotAuthenticated if they bring no
    credential (not a guard itself: the guards below build on it)."""
    subject = authenticate(request, db, context, csrf)
    if subject is None:
        raise NotAuthenticated()
    setattr(request.state, SUBJECT_STATE, subject)
    return subject


async def guarded_subject(request: Request) -> AuthSubject:
    """The caller the route's guard (via its router) let through, for a handler that
    needs it: what that guard returned, read in this same request.

    Declaring the guard again in the handler (`subject: Household`) gives the same
    object, but FastAPI walks a repeated dependency's whole tree before it looks in its
    per-request cache: seven more dependencies solved on every request of the feed,
    about a tenth of its time in the app (the profile in bench/feed.py). Not a guard
    and no cache: `authenticated` has run for this request, or this raises
    NotAuthenticated (a route without a signed-in guard).
    """
    subject = getattr(request.state, SUBJECT_STATE, None)
    if not isinstance(subject, AuthSubject):
        raise NotAuthenticated()
    return subject


@guard
async def pending_session(
    subject: Annotated[AuthSubject, Depends(authenticated)],
) -> AuthSubject:
    """A browser session, possibly still waiting for its two-factor code."""
    if subject.session is None:
        raise BrowserSessionRequired()
    return subject


@guard
async def signed_in_any(
    subject: Annotated[AuthSubject, Depends(authenticated)],
) -> AuthSubject:
    """Fully signed in, before the role's two-factor requirement is enforced."""
    if subject.session is not None and not subject.session.mfa_passed:
        raise SecondFactorPending()
    return subject


@guard
async def signed_in(subject: Annotated[AuthSubject, Depends(signed_in_any)]) -> AuthSubject:
    """Fully signed in, with two-factor on if the role requires it (the default guard)."""
    if subject.user.mfa_required and not subject.user.mfa_enabled:
        raise MfaSetupRequired()
    return subject


@guard
async def browser_session(subject: Annotated[AuthSubject, Depends(signed_in)]) -> AuthSubject:
    """Signed in with a browser session (not an API token)."""
    if subject.session is None:
        raise BrowserSessionRequired()
    return subject


@guard
async def browser_session_setup(
    subject: Annotated[AuthSubject, Depends(signed_in_any)],
) -> AuthSubject:
    """A browser session that may still have to set two-factor up (for doing just that)."""
    if subject.session is None:
        raise BrowserSessionRequired()
    return subject


@guard
async def operator(subject: Annotated[AuthSubject, Depends(signed_in)]) -> AuthSubject:
    """Signed in as one of the server's operators."""
    if subject.user.role != Role.OPERATOR.value:
        raise Forbidden("operators only", "This needs an operator account.")
    return subject


def optional_subject(request: Request, db: DbSession, context: Context) -> AuthSubject | None:
    """The fully signed-in caller of a public page, or None (never raises)."""
    try:
        subject = authenticate(request, db, context, None)
    except (NotAuthenticated, Forbidden):
        return None
    if subject is None or (subject.session is not None and not subject.session.mfa_passed):
        return None
    return subject


SignedIn = Annotated[AuthSubject, Depends(signed_in)]
SignedInAny = Annotated[AuthSubject, Depends(signed_in_any)]
BrowserSession = Annotated[AuthSubject, Depends(browser_session)]
BrowserSessionSetup = Annotated[AuthSubject, Depends(browser_session_setup)]
PendingSession = Annotated[AuthSubject, Depends(pending_session)]
Operator = Annotated[AuthSubject, Depends(operator)]
OptionalSubject = Annotated[AuthSubject | None, Depends(optional_subject)]
GuardedSubject = Annotated[AuthSubject, Depends(guarded_subject)]
