"""The account pseudonym that log entries name instead of an account's id or email.

It is stable for one server (keyed by the server's secret key), so the operator and a
court can match entries for one account, while a reader of the public log cannot tell
whose account it is or link it to another server's log.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

_DOMAIN = b"frontporch account pseudonym v1\n"


def account_pseudonym(secret_key: str, user_id: uuid.UUID) -> str:
    """First 32 hex characters of HMAC-SHA256(secret_key, domain line + the id's bytes)."""
    mac = hmac.new(secret_key.encode("utf-8"), _DOMAIN + user_id.bytes, hashlib.sha256)
    return mac.hexdigest()[:32]
