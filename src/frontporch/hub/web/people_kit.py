"""What the sign-in, account and members pages share: the passkey and TOTP desks of
this app (made on first use, kept on `app.state`), the pending second-factor sign-ins,
and where the browser reached the hub (the passkeys' RP ID and origin)."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from frontporch.hub.people.passkeys import Origin, PasskeyAnswer, PasskeyDesk
from frontporch.hub.people.totp import TotpDesk
from frontporch.hub.web.context import hub_context
from frontporch.hub.web.sessions import Owner

PENDING_TTL_S = 300.0
PENDING_COOKIE = "fp_login_2fa"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class PendingLogin:
    """A password that matched, waiting for the second factor."""

    user_id: str
    next_url: str
    expires: float


class PendingLogins:
    """Password sign-ins waiting for a TOTP code, by a random token in a cookie."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._pending: dict[str, PendingLogin] = {}
        self._lock = threading.Lock()

    def start(self, user_id: str, next_url: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            for old in [k for k, p in self._pending.items() if p.expires <= now]:
                del self._pending[old]
            self._pending[token] = PendingLogin(user_id, next_url, now + PENDING_TTL_S)
        return token

    def get(self, token: str | None) -> PendingLogin | None:
        if not token:
            return None
        with self._lock:
            pending = self._pending.get(token)
        return pending if pending is not None and pending.expires > self._clock() else None

    def finish(self, token: str) -> None:
        with self._lock:
            self._pending.pop(token, None)


@dataclass(frozen=True)
class PeopleDesks:
    passkeys: PasskeyDesk
    totp: TotpDesk
    pending: PendingLogins


def people(request: Request) -> PeopleDesks:
    """This app's passkey and TOTP desks (one per app, made on first use)."""
    desks = getattr(request.app.state, "people", None)
    if isinstance(desks, PeopleDesks):
        return desks
    with _LOCK:
        desks = getattr(request.app.state, "people", None)
        if not isinstance(desks, PeopleDesks):
            context = hub_context(request)
            desks = PeopleDesks(
                PasskeyDesk(context.store, context.clock),
                TotpDesk(context.store, context.clock),
                PendingLogins(context.clock),
            )
            request.app.state.people = desks
    return desks


def origin_of_request(request: Request) -> Origin:
    """The RP ID (host name, no port) and origin the browser used to reach the hub."""
    host = request.url.hostname or "localhost"
    return Origin(rp_id=host, origin=f"{request.url.scheme}://{request.url.netloc}")


def passkey_answer(
    request: Request, owner: Owner, challenge_id: str, credential: str | dict[str, Any] | None
) -> PasskeyAnswer | None:
    """The passkey confirmation sent with a page's form (the JSON `passkeys.js` put in a
    hidden field) or with the JSON API (an object); None when none was sent."""
    if not credential:
        return None
    parsed: Any = credential
    if isinstance(credential, str):
        try:
            parsed = json.loads(credential)
        except ValueError:
            parsed = None
    return PasskeyAnswer(
        origin_of_request(request),
        challenge_id,
        parsed if isinstance(parsed, dict) else {},
        owner.user_id,
    )
