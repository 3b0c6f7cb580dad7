"""Owner sessions, CSRF tokens and the sign-in rate limit.

A session is a random 256-bit token in an HttpOnly, SameSite=Lax cookie (Secure when
the hub is served over HTTPS). The store keeps only its SHA-256, so a copy of the
database cannot be replayed as a cookie. Sessions last 30 days and slide: a session in
use is extended at most once a day. A session created before the last password change
is refused.

The CSRF token of a session is derived from its token (SHA-256 with a domain prefix),
so it needs no storage, differs per session and cannot be guessed without the cookie.
The sign-in form, before any session exists, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response

from frontporch.hub.ports import SessionRecord, StorePort
from frontporch.hub.web.passwords import password_changed_at

SESSION_COOKIE = "fp_session"
LOGIN_CSRF_COOKIE = "fp_login_csrf"
SESSION_TTL_S = 30 * 24 * 3600.0
REFRESH_AFTER_S = 24 * 3600.0


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(token: str) -> str:
    """The CSRF token that belongs to a session token."""
    return hashlib.sha256(b"frontporch-csrf\0" + token.encode()).hexdigest()


def tokens_match(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted token with the expected one."""
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Owner:
    """The signed-in owner, as seen by one request."""

    token: str
    csrf_token: str


class SessionAuth:
    """Creates, checks, extends and ends sessions in the store."""

    def __init__(
        self, store: StorePort, clock: Callable[[], float], *, secure_cookies: bool
    ) -> None:
        self._store = store
        self._clock = clock
        self.secure_cookies = secure_cookies

    def start(self, user_agent: str) -> str:
        """Create a session and return its token (the only time the token exists in full)."""
        token = new_token()
        now = self._clock()
        self._store.delete_expired_sessions(now)
        self._store.create_session(hash_token(token), now, now + SESSION_TTL_S, user_agent[:200])
        return token

    def resolve(self, token: str) -> SessionRecord | None:
        """The live session for a token, or None if unknown, expired or revoked."""
        now = self._clock()
        session = self._store.get_session(hash_token(token), now=now)
        if session is None:
            return None
        if session.expires <= now:
            self._store.delete_session(session.token_hash)
            return None
        if session.created < password_changed_at(self._store):
            return None
        return session

    def extend(self, session: SessionRecord) -> bool:
        """Slide the expiry of a session in use; True if it was extended (re-send cookie)."""
        now = self._clock()
        if session.expires - now > SESSION_TTL_S - REFRESH_AFTER_S:
            return False
        self._store.delete_session(session.token_hash)
        self._store.create_session(
            session.token_hash, session.created, now + SESSION_TTL_S, session.user_agent
        )
        return True

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


class LoginRateLimiter:
    """At most `max_failures` failed sign-ins per client address in a sliding window."""

    def __init__(
        self, clock: Callable[[], float], max_failures: int = 5, window_s: float = 300.0
    ) -> None:
        self._clock = clock
        self._max = max_failures
        self._window = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        for key in list(self._failures):
            times = self._failures[key]
            while times and times[0] <= now - self._window:
                times.popleft()
            if not times:
                del self._failures[key]

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None if it may try now."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            times = self._failures.get(client)
            if times is None or len(times) < self._max:
                return None
            return max(1, int(times[0] + self._window - now + 0.999))

    def record_failure(self, client: str) -> None:
        """Count one failed attempt from `client`."""
        with self._lock:
            self._failures.setdefault(client, deque()).append(self._clock())

    def reset(self, client: str) -> None:
        """Forget the failures of `client` (after it signed in)."""
        with self._lock:
            self._failures.pop(client, None)
