"""Sessions of the owner and household members, CSRF tokens and the sign-in rate limit.

A session is a random 256-bit token in an HttpOnly, SameSite=Lax cookie (Secure when
the hub is served over HTTPS). The store keeps only its SHA-256, so a copy of the
database cannot be replayed as a cookie. Sessions last 30 days and slide: a session in
use is extended at most once a day. A session created before the last password change
is refused, and so is one whose user was removed. Each session belongs to one user
and notes its last use, so the account page can list it and revoke it on its own.

The CSRF token of a session is derived from its token (SHA-256 with a domain prefix),
so it needs no storage, differs per session and cannot be guessed without the cookie.
The sign-in form, before any session exists, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response

from frontporch.hub.people.records import OWNER_ID, UserSession
from frontporch.hub.ports import StorePort

SESSION_COOKIE = "fp_session"
LOGIN_CSRF_COOKIE = "fp_login_csrf"
SESSION_TTL_S = 30 * 24 * 3600.0
REFRESH_AFTER_S = 24 * 3600.0
TOUCH_EVERY_S = 60.0


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(token: str) -> str:
    """The CSRF token that belongs to a session token."""
    return hashlib.sha256(b"frontporch-csrf\0" + token.encode()).hexdigest()


@dataclass(frozen=True)
class Owner:
    """The signed-in user, as seen by one request: through the browser session
    (`scope` None), or through an API token of that scope (`token` is then its secret
    and there is no CSRF token). The name is historical: since household members exist
    it may be a member (`role`), who reaches only what `hub/people/access.py` lists."""

    token: str
    csrf_token: str
    scope: str | None = None
    user_id: str = OWNER_ID
    role: str = "owner"
    allowances: frozenset[str] = field(default_factory=frozenset)
    user_name: str = "owner"

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    def may(self, allowance: str) -> bool:
        """Whether this user may do what `allowance` covers (the owner may do all)."""
        return self.is_owner or allowance in self.allowances

    @property
    def session_id(self) -> str:
        """The public id of this browser session (see `session_id`)."""
        return session_id(hash_token(self.token)) if self.scope is None else ""


def session_id(token_hash: str) -> str:
    """A session's id on pages and in forms: a prefix of its stored hash, so a revoke
    link shows nothing that could be replayed as a cookie."""
    return token_hash[:16]


class SessionAuth:
    """Creates, checks, extends and ends sessions in the store, per user."""

    def __init__(
        self, store: StorePort, clock: Callable[[], float], *, secure_cookies: bool
    ) -> None:
        self._store = store
        self._clock = clock
        self.secure_cookies = secure_cookies

    def start(self, user_agent: str, user_id: str = OWNER_ID) -> str:
        """Create a session for a user and return its token (the only time the token
        exists in full)."""
        token = new_token()
        now = self._clock()
        self._store.delete_expired_sessions(now)
        self._store.create_user_session(
            UserSession(hash_token(token), user_id, now, now + SESSION_TTL_S, user_agent[:200], now)
        )
        return token

    def resolve(self, token: str) -> UserSession | None:
        """The live session for a token, or None if unknown, expired, revoked, or made
        before its user's last password change (or its user was removed)."""
        now = self._clock()
        session = self._store.get_user_session(hash_token(token), now=now)
        if session is None:
            return None
        if session.expires <= now:
            self._store.delete_session(session.token_hash)
            return None
        user = self._store.get_user(session.user_id)
        if user is None or session.created < user.password_changed:
            return None
        return session

    def extend(self, session: UserSession) -> bool:
        """Slide the expiry of a session in use and note its last use (at most once a
        minute); True if the expiry moved (re-send the cookie)."""
        now = self._clock()
        extend = session.expires - now <= SESSION_TTL_S - REFRESH_AFTER_S
        if extend or session.last_used is None or now - session.last_used >= TOUCH_EVERY_S:
            expires = now + SESSION_TTL_S if extend else session.expires
            self._store.touch_user_session(session.token_hash, now, expires)
        return extend

    def live(self, user_id: str | None = None) -> list[UserSession]:
        """Live sessions (of one user, if given), most recently used first."""
        now = self._clock()
        return [
            session for session in self._store.list_user_sessions(user_id) if session.expires > now
        ]

    def revoke(self, public_id: str, user_id: str | None) -> bool:
        """End one session by its public id (only among `user_id`'s, unless None)."""
        for session in self._store.list_user_sessions(user_id):
            if session_id(session.token_hash) == public_id:
                self._store.delete_session(session.token_hash)
                return True
        return False

    def end_all(self, user_id: str, keep: str | None = None) -> int:
        """End every session of a user (but the one of the token `keep`)."""
        return self._store.delete_user_sessions(user_id, None if keep is None else hash_token(keep))

    def end(self, token: str) -> None:
        """Sign a session out."""
        self._store.delete_session(hash_token(token))

    def set_cookie(self, response: Response, token: str) -> None:
        """Attach the session cookie to a response."""
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(SESSION_TTL_S),
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
            path="/",
        )

    def cookie_header(self, token: str) -> str:
        """The Set-Cookie header value for a session token."""
        response = Response()
        self.set_cookie(response, token)
        return response.headers["set-cookie"]


FREE_FAILURES = 5
FIRST_LOCK_S = 30.0
MAX_LOCK_S = 15 * 60.0
FORGET_AFTER_S = 3600.0


@dataclass
class _Strikes:
    """One address's failed sign-ins since its last success (or a quiet hour)."""

    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


class LoginRateLimiter:
    """Failed sign-ins per client address: a few free, then short locks that grow only
    while failures go on.

    A household shares one address, so one member's typos must not lock the others out
    for long: after `free_failures` failures the address waits `first_lock_s`, and each
    further failure after a lock doubles the wait, up to `max_lock_s`. Attempts refused
    during a lock are not failures, so waiting it out never makes it longer. A success
    (`reset`) or `forget_after_s` without failures starts over. A guesser is held to one
    try per `max_lock_s`; the right password is refused during a lock too, or the lock
    would not slow guessing at all.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        free_failures: int = FREE_FAILURES,
        first_lock_s: float = FIRST_LOCK_S,
        max_lock_s: float = MAX_LOCK_S,
        forget_after_s: float = FORGET_AFTER_S,
    ) -> None:
        self._clock = clock
        self._free = free_failures
        self._first_lock = first_lock_s
        self._max_lock = max_lock_s
        self._forget_after = max(forget_after_s, max_lock_s)
        self._strikes: dict[str, _Strikes] = {}
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        for key, strikes in list(self._strikes.items()):
            if now - strikes.last_failure >= self._forget_after and now >= strikes.locked_until:
                del self._strikes[key]

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None if it may try now."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            strikes = self._strikes.get(client)
            if strikes is None or strikes.locked_until <= now:
                return None
            return max(1, math.ceil(strikes.locked_until - now))

    def record_failure(self, client: str) -> None:
        """Count one failed attempt from `client`; past the free ones, lock it."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            strikes = self._strikes.setdefault(client, _Strikes())
            strikes.failures += 1
            strikes.last_failure = now
            over = strikes.failures - self._free
            if over >= 0:
                wait = min(self._max_lock, self._first_lock * 2 ** min(over, 32))
                strikes.locked_until = max(strikes.locked_until, now + wait)

    def reset(self, client: str) -> None:
        """Forget the failures of `client` (after it signed in)."""
        with self._lock:
            self._strikes.pop(client, None)


def lockout_message(wait_s: int) -> str:
    """What the sign-in page says during a lock: when it ends, and what the next try does."""
    if wait_s < 60:
        when = f"{wait_s} second{'s' if wait_s != 1 else ''}"
    else:
        minutes = math.ceil(wait_s / 60)
        when = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return (
        f"Too many wrong passwords from this address. Try again in {when}: the right "
        "password then signs you in, while another wrong one makes the next wait longer."
    )
