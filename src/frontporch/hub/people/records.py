"""What the store keeps about household members, their sessions, tokens and passkeys.

Plain frozen dataclasses shared by the SQLite store and the in-memory fake, so the web
layer cannot tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

OWNER_ID = "owner"


@dataclass(frozen=True)
class User:
    """A person who may sign in. `password_hash` is argon2id (None: no password yet,
    e.g. a member invited by link who has not chosen one); `allowances` is what the
    owner granted a member beyond watching and reviewing."""

    id: str
    name: str
    role: str
    allowances: frozenset[str]
    password_hash: str | None
    password_changed: float
    created: float
    invite_hash: str | None = None
    invite_expires: float | None = None

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"


@dataclass(frozen=True)
class UserSession:
    """A signed-in browser of one user; only the SHA-256 of its token is stored."""

    token_hash: str
    user_id: str
    created: float
    expires: float
    user_agent: str
    last_used: float | None = None


@dataclass(frozen=True)
class UserToken:
    """An API token of one user; it reaches no more than its user may."""

    id: str
    token_hash: str
    name: str
    scope: str
    created: float
    last_used: float | None
    user_id: str


@dataclass(frozen=True)
class Passkey:
    """A WebAuthn credential registered by one user (`id` is the credential id,
    base64url without padding)."""

    id: str
    user_id: str
    name: str
    public_key: bytes
    sign_count: int
    transports: str
    created: float
    last_used: float | None = None


@dataclass(frozen=True)
class TotpSecret:
    """A user's TOTP secret (base32); `confirmed` once a code from the app matched."""

    user_id: str
    secret: str
    confirmed: bool
    created: float
