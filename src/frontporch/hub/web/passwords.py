"""Passwords: argon2id hashes per user; the owner's generated at first start.

Every household member has their own password (`users.password_hash`); only an
argon2id hash (argon2-cffi's defaults) is stored. The owner is the user "owner": the
plaintext of a generated first password is returned once, for the CLI to print, and
never logged. Changing a password records when, so every session and API token of that
user created before the change stops working (see `sessions.py`, `tokens.py`).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from frontporch.hub.people.ports import MemberStorePort
from frontporch.hub.people.records import OWNER_ID, User

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()


class WeakPassword(ValueError):
    """A new password does not meet the minimum requirements; the message says which."""


def owner_user(store: MemberStorePort) -> User:
    """The owner's user row (the v12 migration creates it; it cannot be removed)."""
    user = store.get_user(OWNER_ID)
    if user is None:
        user = store.create_user(User(OWNER_ID, "owner", "owner", frozenset(), None, 0.0, 0.0))
    return user


def hash_password(password: str) -> str:
    """The argon2id hash of a new password (at least 12 characters), else WeakPassword."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def generated_password() -> str:
    """A random password for a first start or a new member (20 URL-safe characters)."""
    return secrets.token_urlsafe(15)


def ensure_owner_password(store: MemberStorePort) -> str | None:
    """Create a random owner password if none is set; return it once, else None."""
    if owner_user(store).password_hash is not None:
        return None
    password = generated_password()
    set_owner_password(store, password)
    return password


def set_user_password(
    store: MemberStorePort, user_id: str, password: str, *, now: float | None = None
) -> User:
    """Store a user's new password; their older sessions and tokens stop working."""
    user = store.get_user(user_id)
    if user is None:
        raise LookupError(f"no user {user_id!r}")
    changed = replace(
        user,
        password_hash=hash_password(password),
        password_changed=time.time() if now is None else now,
        invite_hash=None,
        invite_expires=None,
    )
    store.update_user(changed)
    return changed


def set_owner_password(store: MemberStorePort, password: str, *, now: float | None = None) -> None:
    """Store a new owner password (at least 12 characters); older sessions stop working."""
    owner_user(store)
    set_user_password(store, OWNER_ID, password, now=now)


def verify_user_password(store: MemberStorePort, user: User, password: str) -> bool:
    """True if `password` is the user's; upgrades the stored hash if its parameters aged."""
    stored = user.password_hash
    if stored is None or not password:
        return False
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(stored):
        store.update_user(replace(user, password_hash=_hasher.hash(password)))
    return True


def verify_owner_password(store: MemberStorePort, password: str) -> bool:
    """True if `password` is the owner's."""
    return verify_user_password(store, owner_user(store), password)


def password_changed_at(store: MemberStorePort, user_id: str = OWNER_ID) -> float:
    """Unix time of the user's last password change (0 if never recorded)."""
    user = store.get_user(user_id)
    return 0.0 if user is None else user.password_changed
