"""Who is calling from where, and the sign-in limits applied to them.

Keys are HMACs (under the server secret) of the account's email or of the client's
address bucket, so `auth_throttles` never holds either in the clear. Failed attempts
count against both the account and the address; see `ratelimit.py` for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from frontporch.server.accounts.errors import Locked
from frontporch.server.accounts.ratelimit import LockoutPolicy, ThrottleStore
from frontporch.server.accounts.sessions import address_bucket
from frontporch.server.context import ServerContext
from frontporch.server.db import after_commit

HOUR_S = 3600


@dataclass(frozen=True)
class ClientInfo:
    """What the server knows about the caller's connection."""

    address: str
    user_agent: str
    device_cookie: str | None = None


class SignInLimits:
    """Lockouts and quotas of one request."""

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

    def key(self, kind: str, value: str) -> str:
        """The throttle key of an account email, address bucket or quota."""
        return f"{kind}:{self.context.keyed_hash('throttle-' + kind, value)[:48]}"

    def quota(self, kind: str, value: str, limit: int, what: str) -> None:
        """Count one use of an hourly quota; Locked if it is spent."""
        wait = self.throttle.use(self.key(kind, value), limit, HOUR_S)
        if wait is not None:
            raise Locked(wait, what)

    def check_lock(self, email: str, client: ClientInfo | None = None) -> None:
        """Raise Locked if the account (or the client's address) is locked."""
        keys = [self.key("account", email)]
        if client is not None:
            keys.append(self.key("address", address_bucket(client.address)))
        for key in keys:
            wait = self.throttle.locked_for(key)
            if wait is not None:
                raise Locked(wait)

    def record_failure(self, email: str, client: ClientInfo | None) -> None:
        """Count a failed password or code against the account and the address.

        Committed at once, in its own transaction; call it before the request has
        written anything, so SQLite's single writer is free.
        """
        self.throttle.record_failure(self.key("account", email), self.account_policy)
        if client is not None:
            bucket = address_bucket(client.address)
            self.throttle.record_failure(self.key("address", bucket), self.address_policy)

    def clear_failures(self, email: str) -> None:
        """Forget an account's failures once this request's sign-in has committed."""
        key = self.key("account", email)
        after_commit(self.db, lambda: self.throttle.clear(key))
