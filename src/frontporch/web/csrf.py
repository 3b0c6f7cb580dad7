"""The CSRF check both apps make on a browser session's state changes.

A request that changes state (anything but GET, HEAD, OPTIONS) with a session cookie
must echo the session's CSRF token, in the `X-CSRF-Token` header or a `csrf_token`
form field: a cross-site page can make the browser send the cookie, but cannot read the
token. Each app derives the token from the session its own way (`expected`) and
refuses in its own words; reading and comparing the token are the same everywhere.
Bearer-token requests need none, since browsers never attach that header on their own;
the origin check in `security` is the third line behind both.
"""

from __future__ import annotations

import hmac

from fastapi import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def tokens_match(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a submitted token with the expected one; an empty or
    missing token never matches, not even an empty expected one."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a state-changing request carries (header or form field), if any."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def csrf_ok(method: str, submitted: str | None, expected: str) -> bool:
    """Whether a request with a session cookie may go on: it changes nothing, or it
    submitted its session's token (each app refuses the rest with a 403 of its own)."""
    return method in SAFE_METHODS or tokens_match(submitted, expected)
