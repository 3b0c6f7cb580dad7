"""The owner's password: generated at first start, hashed with argon2id, changeable.

The hub has one account, the owner's. Only an argon2id hash (argon2-cffi's defaults)
is stored, in the store's settings; the plaintext of a generated password is returned
once, for the CLI to print, and never logged. Changing the password records when, so
every session created before the change stops working (see `sessions.py`).
"""

from __future__ import annotations

import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from frontporch.hub.ports import StorePort

OWNER_HASH_KEY = "owner_password_hash"
PASSWORD_CHANGED_KEY = "owner_password_changed_at"  # noqa: S105 (a settings key)
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()


class WeakPassword(ValueError):
    """A new password does not meet the minimum requirements; the message says which."""


def ensure_owner_password(store: StorePort) -> str | None:
    """Create a random owner password if none is set; return it once, else None."""
    if store.get_setting(OWNER_HASH_KEY) is not None:
        return None
    password = secrets.token_urlsafe(15)
    set_owner_password(store, password)
    return password


def set_owner_password(store: StorePort, password: str, *, now: float | None = None) -> None:
    """Store a new owner password (at least 12 characters); older sessions stop working."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    store.set_setting(OWNER_HASH_KEY, _hasher.hash(password))
    store.set_setting(PASSWORD_CHANGED_KEY, repr(time.time() if now is None else now))


def verify_owner_password(store: StorePort, password: str) -> bool:
    """True if `password` is the owner's; upgrades the stored hash if its parameters aged."""
    stored = store.get_setting(OWNER_HASH_KEY)
    if stored is None:
        return False
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(stored):
        store.set_setting(OWNER_HASH_KEY, _hasher.hash(password))
    return True


def password_changed_at(store: StorePort) -> float:
    """Unix time of the last password change (0 if never recorded)."""
    value = store.get_setting(PASSWORD_CHANGED_KEY)
    try:
        return float(value) if value is not None else 0.0
    except ValueError:
        return 0.0
