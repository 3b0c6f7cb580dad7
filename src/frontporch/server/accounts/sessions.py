"""Session, API-token and device credentials: how they are made, stored and sent.

- Session: a random 256-bit token in the `fp_session` cookie (HttpOnly, SameSite=Lax,
  Secure under https); the database keeps its SHA-256 only, so a copy of the database
  cannot be replayed as a cookie. It expires a fixed time after sign-in.
- CSRF: each session's token is an HMAC of its cookie under the server secret, sent in
  pages and by the sign-in API; state-changing cookie requests must echo it. Forms
  shown before sign-in use a double-submit cookie instead (`kit/pages.py`).
- API token: 'fpt_' + 256 random bits (the prefix lets secret scanners find leaks).
- Device: a long-lived `fp_device` cookie holding a random id and its HMAC, used only to
  tell a known browser from a new one (for the new-device email).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable

from starlette.responses import Response

from frontporch.web.csrf import tokens_match

SESSION_COOKIE = "fp_session"
DEVICE_COOKIE = "fp_device"
API_TOKEN_PREFIX = "fpt_"  # noqa: S105 (a prefix, not a secret)
DEVICE_COOKIE_MAX_AGE_S = 400 * 24 * 3600  # the longest browsers keep a cookie

KeyedHash = Callable[[str, str], str]


def new_api_token() -> str:
    """A fresh API token, recognisable by its prefix."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def csrf_for(session_token: str, keyed_hash: KeyedHash) -> str:
    """The CSRF token that belongs to a session cookie."""
    return keyed_hash("csrf", session_token)[:48]


def device_cookie_value(device_id: str, keyed_hash: KeyedHash) -> str:
    """The signed value of a device cookie."""
    return f"{device_id}.{keyed_hash('device-cookie', device_id)[:32]}"


def device_id_from_cookie(value: str | None, keyed_hash: KeyedHash) -> str | None:
    """The device id in a cookie if its signature holds, else None."""
    if not value or "." not in value:
        return None
    device_id, _, _ = value.partition(".")
    return device_id if tokens_match(value, device_cookie_value(device_id, keyed_hash)) else None


def address_class(address: str) -> str:
    """A coarse label for a client address: its IPv4 /24 or IPv6 /48."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def set_session_cookie(response: Response, token: str, *, max_age_s: int, secure: bool) -> None:
    """Attach the session cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age_s,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    """Remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")


def set_device_cookie(response: Response, value: str, *, secure: bool) -> None:
    """Attach the long-lived device cookie."""
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_COOKIE_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
