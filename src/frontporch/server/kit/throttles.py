"""Rate limits and lockout against credential stuffing, shared by every server process.

Two mechanisms over one table (`auth_throttles`, in `models.py`), keyed by an HMAC of
the account's email or the client's address, so the table holds no addresses in the
clear:

- Lockout: after `threshold` failed sign-ins (within `window_s` of each other) a key is
  locked for `base_s`, doubling with each further failure up to `max_s`. While locked,
  attempts are refused before the password is checked, so guesses cost the attacker
  time without telling them anything. A quiet `window_s` after the lock ends resets it.
- Quota: at most `limit` uses (emails sent, sign-ups) per key and window
  (`quotas.py`).

A key locked for anything but sign-in (a hub guessing pairing codes) is refused with
`LockedOut`; sign-in's own refusal also points to the password reset
(`accounts/errors.Locked`).

The state must survive the request that records it (a failed sign-in ends in an error
and its request transaction rolls back), so `ThrottleStore` writes in its own short
transaction: the one place outside the request boundary that commits.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from frontporch.server.errors import TooManyRequests
from frontporch.server.kit.models import AuthThrottle


class LockedOut(TooManyRequests):
    """Too many failed attempts under a key; it is locked until `retry_after_s` passed.
    `advice` ends the detail with another way on (", or reset the password by email")."""

    def __init__(self, retry_after_s: int, what: str, advice: str = "") -> None:
        minutes = max(1, round(retry_after_s / 60))
        detail = f"Too many {what}. Try again in about {minutes} min{advice}."
        super().__init__("too many attempts", detail, retry_after_s)


def address_bucket(address: str) -> str:
    """What one client counts as for rate limits: an IPv4 address or an IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


@dataclass(frozen=True)
class LockoutPolicy:
    """When failures lock a key, and for how long."""

    threshold: int
    base_s: int
    max_s: int
    window_s: int

    def lock_seconds(self, failures: int) -> int:
        """How long `failures` consecutive failures lock a key (0: not locked)."""
        if failures < self.threshold:
            return 0
        return int(min(self.max_s, self.base_s * 2 ** min(failures - self.threshold, 30)))


@dataclass(frozen=True)
class ThrottleState:
    """A key's counters, as read from the table."""

    count: int
    window_started_at: datetime
    last_at: datetime
    locked_until: datetime | None


def after_failure(
    state: ThrottleState | None, policy: LockoutPolicy, now: datetime
) -> ThrottleState:
    """The state after one more failure (a quiet window first resets the count)."""
    if state is None or _quiet_since(state, now) > policy.window_s:
        failures = 1
        started = now
    else:
        failures = state.count + 1
        started = state.window_started_at
    lock = policy.lock_seconds(failures)
    locked_until = now + timedelta(seconds=lock) if lock else None
    return ThrottleState(failures, started, now, locked_until)


def _quiet_since(state: ThrottleState, now: datetime) -> float:
    last = max(state.last_at, state.locked_until or state.last_at)
    return (now - last).total_seconds()


def retry_after(state: ThrottleState | None, now: datetime) -> int | None:
    """Seconds until a locked key may try again, or None if it may try now."""
    if state is None or state.locked_until is None or state.locked_until <= now:
        return None
    return max(1, int((state.locked_until - now).total_seconds() + 0.999))


def after_use(
    state: ThrottleState | None, limit: int, window_s: int, now: datetime
) -> tuple[ThrottleState, int | None]:
    """The state after one more use, and seconds to wait if the quota is exhausted."""
    if state is None or (now - state.window_started_at).total_seconds() >= window_s:
        return ThrottleState(1, now, now, None), None
    if state.count >= limit:
        end = state.window_started_at + timedelta(seconds=window_s)
        return state, max(1, int((end - now).total_seconds() + 0.999))
    return ThrottleState(state.count + 1, state.window_started_at, now, None), None


class ThrottleStore:
    """Reads and writes throttle state, each call in its own committed transaction."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    def now(self) -> datetime:
        """The current time by the store's clock."""
        return self._clock()

    def locked_for(self, key: str) -> int | None:
        """Seconds `key` is still locked for, or None."""
        with self._sessions() as db:
            row = db.get(AuthThrottle, key)
            return retry_after(_state(row), self._clock())

    def record_failure(self, key: str, policy: LockoutPolicy) -> int | None:
        """Count a failure for `key`; the seconds it is now locked for, or None."""
        now = self._clock()
        with self._sessions.begin() as db:
            row = _lock_row(db, key, now)
            new = after_failure(_state(row) if row.count else None, policy, now)
            _store(row, new)
        return retry_after(new, now)

    def use(self, key: str, limit: int, window_s: int) -> int | None:
        """Count one use of `key`; seconds to wait if its quota was already spent, else None."""
        now = self._clock()
        with self._sessions.begin() as db:
            row = _lock_row(db, key, now)
            new, wait = after_use(_state(row) if row.count else None, limit, window_s, now)
            _store(row, new)
        return wait

    def clear(self, key: str) -> None:
        """Forget the failures of `key` (after a successful sign-in)."""
        with self._sessions.begin() as db:
            db.execute(delete(AuthThrottle).where(AuthThrottle.key == key))

    def prune(self, older_than_s: int) -> int:
        """Delete rows untouched for `older_than_s` and not locked; how many."""
        cutoff = self._clock() - timedelta(seconds=older_than_s)
        with self._sessions.begin() as db:
            result = db.execute(
                delete(AuthThrottle).where(
                    AuthThrottle.last_at < cutoff,
                    (AuthThrottle.locked_until.is_(None)) | (AuthThrottle.locked_until < cutoff),
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)


def _state(row: AuthThrottle | None) -> ThrottleState | None:
    if row is None:
        return None
    return ThrottleState(row.count, row.window_started_at, row.last_at, row.locked_until)


def _lock_row(db: Session, key: str, now: datetime) -> AuthThrottle:
    """The row for `key`, created empty if missing, locked for update (on PostgreSQL)."""
    values = {"key": key, "count": 0, "window_started_at": now, "last_at": now}
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.execute(insert(AuthThrottle).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    row = db.scalars(select(AuthThrottle).where(AuthThrottle.key == key).with_for_update()).one()
    return row


def _store(row: AuthThrottle, state: ThrottleState) -> None:
    row.count = state.count
    row.window_started_at = state.window_started_at
    row.last_at = state.last_at
    row.locked_until = state.locked_until
