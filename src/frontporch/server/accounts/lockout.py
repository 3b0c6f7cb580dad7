"""Who is calling from where, and the sign-in limits applied to them.

Keys are HMACs (under the server secret) of the account's email or of the client's
address bucket, so `auth_throttles` never holds either in the clear. Failed attempts
count against both the account and the address; see `kit/throttles.py` for the rules.

Wrong two-factor codes count under a key of their own (`second-factor`), which only a
complete sign-in clears. Were they counted with the passwords, a correct password (which
an attacker who owns it can enter at will) would clear them, and the code could be
guessed without end, a few tries at a time from many addresses. Their quiet window is a
day, so the lock keeps doubling while guesses continue.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from frontporch.server.accounts.errors import Locked
from frontporch.server.context import ServerContext
from frontporch.server.db import after_commit
from frontporch.server.kit.quotas import throttle_key
from frontporch.server.kit.throttles import LockoutPolicy, ThrottleStore, address_bucket

HOUR_S = 3600
SECOND_FACTOR_WINDOW_S = 24 * HOUR_S
ACCOUNT_KEYS = ("account", "second-factor")


@dataclass(frozen=True)
class ClientInfo:
    """What the server knows about the caller's connection."""

    address: str
    user_agent: str
    device_cookie: str | None = None


class SignInLimits:
    """The sign-in lockouts of one request (quotas are the kit's: `kit/quotas.py`)."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.throttle = ThrottleStore(context.sessions, context.clock)
        s = context.settings
        self.account_policy = LockoutPolicy(
            s.signin_account_threshold, s.lockout_base_s, s.lockout_max_s, s.failure_window_s
        )
        self.address_policy = LockoutPolicy(
            s.signin_address_threshold, s.lockout_base_s, s.lockout_max_s, s.failure_window_s
        )
        self.code_policy = LockoutPolicy(
            s.signin_account_threshold,
            s.lockout_base_s,
            s.lockout_max_s,
            max(s.failure_window_s, SECOND_FACTOR_WINDOW_S),
        )

    def key(self, kind: str, value: str) -> str:
        """The throttle key of an account email or address bucket."""
        return throttle_key(self.context.keyed_hash, kind, value)

    def check_lock(self, email: str, client: ClientInfo | None = None) -> None:
        """Raise Locked if the account (for passwords or codes) or the client's address is."""
        keys = [self.key(kind, email) for kind in ACCOUNT_KEYS]
        if client is not None:
            keys.append(self.key("address", address_bucket(client.address)))
        for key in keys:
            wait = self.throttle.locked_for(key)
            if wait is not None:
                raise Locked(wait)

    def record_failure(self, email: str, client: ClientInfo | None, *, code: bool = False) -> None:
        """Count a wrong password (or, with `code`, a wrong two-factor code) against the
        account and the client's address.

        Committed at once, in its own transaction; call it before the request has
        written anything, so SQLite's single writer is free.
        """
        if code:
            self.throttle.record_failure(self.key("second-factor", email), self.code_policy)
        else:
            self.throttle.record_failure(self.key("account", email), self.account_policy)
        if client is not None:
            bucket = address_bucket(client.address)
            self.throttle.record_failure(self.key("address", bucket), self.address_policy)

    def first_alert_this_hour(self, kind: str, email: str) -> bool:
        """Whether an alert of `kind` may go to this account now (at most one an hour)."""
        return self.throttle.use(self.key(kind, email), 1, HOUR_S) is None

    def clear_failures(self, email: str) -> None:
        """Forget an account's failures (passwords and codes) once this request's
        complete sign-in has committed; never call it while a code is still owed."""
        keys = [self.key(kind, email) for kind in ACCOUNT_KEYS]

        def clear() -> None:
            for key in keys:
                self.throttle.clear(key)

        after_commit(self.db, clear)


PRUNE_INTERVAL_S = HOUR_S


def prune_throttles(context: ServerContext) -> int:
    """Delete lockout and quota rows that no longer change any answer; how many.

    A row matters while a lock holds or until a quiet window has passed since it was
    last touched (the count then starts over, as if there were no row). The longest
    window any key uses is the one kept, so pruning never forgets a live count.
    """
    keep_s = max(context.settings.failure_window_s, SECOND_FACTOR_WINDOW_S, HOUR_S)
    return ThrottleStore(context.sessions, context.clock).prune(keep_s)
