"""Headers every response of the hub gets: a strict CSP, no caching, refreshed cookies.

Everything the hub serves outside /static is the owner's: pages with events and API
tokens, JSON, footage. A response that sets no `Cache-Control` of its own gets
`no-store`, so a shared or public browser keeps no copy of it on disk (footage says
`private, no-store` itself); the static files stay cacheable.

`media-src blob:` is there for the live H.264 player: Media Source Extensions attach a
MediaSource to the <video> through a `blob:` URL the page's own script creates.

Written as plain ASGI (not BaseHTTPMiddleware) so the endless MJPEG stream passes
through untouched and client disconnects still reach it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontporch.hub.web.auth import PENDING_COOKIES

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; "
        b"script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
NO_STORE = (b"cache-control", b"no-store")
STATIC_PREFIX = "/static/"


class HubHeadersMiddleware:
    """Adds the security headers, `no-store` where nothing else was said, and any session
    cookie a handler asked to re-send."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pending: list[str] = []
        scope[PENDING_COOKIES] = pending
        defaults = list(SECURITY_HEADERS)
        if not str(scope.get("path", "")).startswith(STATIC_PREFIX):
            defaults.append(NO_STORE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in defaults if k not in present]
                headers += [(b"set-cookie", cookie.encode("latin-1")) for cookie in pending]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
