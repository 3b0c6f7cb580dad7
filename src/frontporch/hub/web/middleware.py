"""The hub's security policy, and the middleware that re-sends a refreshed session cookie.

Everything the hub serves outside /static is the owner's: pages with events and API
tokens, JSON, footage. A response that sets no `Cache-Control` of its own gets
`no-store`, so a shared or public browser keeps no copy of it on disk (footage says
`private, no-store` itself); the static files stay cacheable. The hub is reached under
whatever address the local network gives it, so a state change is accepted from the
host the request was addressed to.

`media-src blob:` is there for the live H.264 player: Media Source Extensions attach a
MediaSource to the <video> through a `blob:` URL the page's own script creates.

Both middlewares are plain ASGI (not BaseHTTPMiddleware) so the endless MJPEG stream
passes through untouched and client disconnects still reach it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontporch.hub.web.auth import PENDING_COOKIES
from frontporch.web.security import SecurityPolicy, content_security_policy

HUB_POLICY = SecurityPolicy(
    csp=content_security_policy({"media-src": "'self' blob:"}),
    origin=None,
    refusal_detail="State-changing requests must come from the hub's own pages.",
    private_by_default=True,
    cacheable_prefixes=("/static/",),
)


class SessionCookieMiddleware:
    """Adds any session cookie a handler asked to re-send (`require_owner` extends a
    session in use, and its cookie's expiry with it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pending: list[str] = []
        scope[PENDING_COOKIES] = pending

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and pending:
                cookies = [(b"set-cookie", cookie.encode("latin-1")) for cookie in pending]
                message = {**message, "headers": [*message.get("headers", []), *cookies]}
            await send(message)

        await self.app(scope, receive, send_with_cookies)
