"""Headers on every response, and a cross-origin check on every state change.

A state-changing request whose `Origin` header names another site is refused before it
reaches a handler: SameSite cookies and CSRF tokens already stop such requests, and
this is the cheap third line. Written as plain ASGI so streaming responses (server-sent
events, later) pass through untouched.

Routes whose answer shows a secret (an API token, recovery codes, a TOTP seed, a hub
credential) depend on `NO_STORE`; their responses, error pages included, then carry
`Cache-Control: no-store`, so a shared browser's cache or history never keeps the secret.
It is one dependency rather than a header set in each handler because pages return their
own Response objects, to which FastAPI adds no headers set by dependencies.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NO_STORE_STATE = "no_store"


async def no_store(request: Request) -> None:
    """Mark the response to this request as one no cache may keep (see the module doc)."""
    setattr(request.state, NO_STORE_STATE, True)


NO_STORE = Depends(no_store)


def origin_of(url: str) -> str:
    """'scheme://host[:port]' of a URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class ServerHeadersMiddleware:
    """Adds security headers (and HSTS under https); refuses cross-site state changes."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.origin = origin_of(base_url)
        self.headers = list(SECURITY_HEADERS)
        if base_url.startswith("https://"):
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if _marked_no_store(scope):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        if scope["method"] not in SAFE_METHODS and not self._same_origin(scope):
            await _refuse(send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def _same_origin(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"origin":
                origin = value.decode("latin-1").lower()
                return bool(origin == self.origin)
        return True


def _marked_no_store(scope: Scope) -> bool:
    state = scope.get("state")
    return bool(state and state.get(NO_STORE_STATE))


async def _refuse(send: Send) -> None:
    body = json.dumps(
        {
            "error": "cross-site request refused",
            "detail": "State-changing requests must come from this server's own pages.",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
