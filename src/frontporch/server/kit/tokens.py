"""Random secret tokens: how every area makes them and stores them.

Session cookies, API tokens, emailed links, invitations and hub credentials are 256
random bits, shown once and stored as their SHA-256, so a copy of the database cannot
be replayed as any of them. (A pairing code has only 40 bits and is stored as an HMAC
under the server secret instead: `hubs/models.py`.)
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 (hex) under which a random token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
