"""Quotas: at most so many uses of something per key and window, for every area.

Emails to an address, posts and comments from an account, reports, invitations: each
is counted under a key of its own kind in the shared throttle table (`throttles.py`),
and the key is an HMAC of the value under the server's secret, so the table never holds
an address or an account id in the clear. A spent quota is a 429 naming what ran out
and when to try again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from frontporch.server.errors import TooManyRequests
from frontporch.server.kit.throttles import ThrottleStore

HOUR_S = 3600


class QuotaSpent(TooManyRequests):
    """A quota is used up until its window moves on."""

    def __init__(self, retry_after_s: int, what: str) -> None:
        minutes = max(1, round(retry_after_s / 60))
        super().__init__(
            "too many requests",
            f"Too many {what}. Try again in about {minutes} min.",
            retry_after_s,
        )


def throttle_key(keyed_hash: Callable[[str, str], str], kind: str, value: str) -> str:
    """The throttle key of `value` under a kind ("feed-post", "mail", "pairing"…)."""
    return f"{kind}:{keyed_hash('throttle-' + kind, value)[:48]}"


class Quotas:
    """Counting uses against quotas; each use commits at once, in its own transaction."""

    def __init__(self, throttle: ThrottleStore, keyed_hash: Callable[[str, str], str]) -> None:
        self.throttle = throttle
        self.keyed_hash = keyed_hash

    def spend(self, kind: str, value: str, limit: int, what: str, window_s: int = HOUR_S) -> None:
        """Count one use of `value`'s `kind` quota: `limit` uses per `window_s`.
        QuotaSpent (429, naming `what`) if it is spent."""
        wait = self.throttle.use(throttle_key(self.keyed_hash, kind, value), limit, window_s)
        if wait is not None:
            raise QuotaSpent(wait, what)


class _Context(Protocol):
    """What quotas need of the server context (`context.ServerContext`)."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...
    @property
    def clock(self) -> Callable[[], datetime]: ...
    def keyed_hash(self, purpose: str, value: str) -> str: ...


def quotas_of(context: _Context) -> Quotas:
    """The quotas of a server context."""
    return Quotas(ThrottleStore(context.sessions, context.clock), context.keyed_hash)
