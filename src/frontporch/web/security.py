"""The headers every response carries, and the refusal of cross-origin state changes.

One ASGI middleware, configured per app by a `SecurityPolicy`:

- A strict Content-Security-Policy (each app lists its own extra sources), nosniff,
  `Referrer-Policy: same-origin`, no framing (`frame-ancestors 'none'` and
  `X-Frame-Options`), `Cross-Origin-Opener-Policy: same-origin` (no other site keeps a
  handle on our window) and `Cross-Origin-Resource-Policy: same-origin` (no other site
  embeds our pages, footage or media), and HSTS where the app is served over HTTPS.
- `Cache-Control: no-store` on responses no cache may keep: those of a route depending
  on `NO_STORE` (it shows a secret: an API token, recovery codes, a TOTP seed), which
  replaces whatever the handler said, and, for an app whose every answer is private,
  every response that says nothing of its own outside the cacheable prefixes.
  `NO_STORE` is a dependency rather than a header set in each handler because pages
  return their own Response objects, to which FastAPI adds no headers set by
  dependencies.
- A state-changing request whose `Origin` names another site is refused (403) before it
  reaches a handler: SameSite cookies and CSRF tokens already stop such requests, and
  this is the cheap third line. The app's own origin is fixed (the server knows its
  public URL) or, for an app reached under whatever address the local network gives
  it (the hub), the host the request was addressed to.

Written as plain ASGI (not BaseHTTPMiddleware) so streaming responses (server-sent
events, the endless MJPEG stream) pass through untouched and client disconnects still
reach them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontporch.web.csrf import SAFE_METHODS

Header = tuple[bytes, bytes]

BASE_SOURCES = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")
NO_STORE_HEADER = (b"cache-control", b"no-store")
NO_STORE_STATE = "no_store"


def content_security_policy(extra_sources: Mapping[str, str] | None = None) -> str:
    """The strict base policy (only our own scripts, styles and images; no plugins, no
    framing, forms post only to us) with `extra_sources` added or replacing directives."""
    sources = {**BASE_SOURCES, **(extra_sources or {})}
    return "; ".join(f"{directive} {value}" for directive, value in sources.items())


@dataclass(frozen=True)
class SecurityPolicy:
    """What one app promises the browser about its responses and accepts from it.

    `origin` is the app's own 'scheme://host[:port]' (lower-cased, as browsers send
    `Origin`), or None to accept the host each
    request was addressed to; `refusal_detail` tells a refused caller where changes must
    come from; `private_by_default` makes every response without a Cache-Control of its
    own `no-store`, except under `cacheable_prefixes`.
    """

    csp: str
    origin: str | None
    refusal_detail: str
    hsts: bool = False
    private_by_default: bool = False
    cacheable_prefixes: tuple[str, ...] = ()

    def defaults(self, path: str) -> list[Header]:
        """The headers a response to `path` gets unless it sets them itself."""
        headers = [(b"content-security-policy", self.csp.encode()), *ALWAYS]
        if self.hsts:
            headers.append(HSTS)
        if self.private_by_default and not path.startswith(self.cacheable_prefixes):
            headers.append(NO_STORE_HEADER)
        return headers


async def no_store(request: Request) -> None:
    """Mark the response to this request as one no cache may keep (see the module doc)."""
    setattr(request.state, NO_STORE_STATE, True)


NO_STORE = Depends(no_store)


class SecurityMiddleware:
    """Adds the policy's headers to every response; refuses cross-site state changes."""

    def __init__(self, app: ASGIApp, policy: SecurityPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        defaults = self.policy.defaults(str(scope.get("path", "")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if _marked_no_store(scope):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append(NO_STORE_HEADER)
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in defaults if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        if scope["method"] not in SAFE_METHODS and not same_origin(scope, self.policy.origin):
            await _refuse(send_with_headers, self.policy.refusal_detail)
            return
        await self.app(scope, receive, send_with_headers)


def same_origin(scope: Scope, origin: str | None) -> bool:
    """Whether the request comes from the app's own pages, as far as its `Origin` header
    says: a request without one (programs, old browsers) passes; `origin` None compares
    with the host the request was addressed to, scheme aside (a TLS proxy in front of
    the app may not say it was https)."""
    sent = _header(scope, b"origin")
    if sent is None:
        return True
    if origin is not None:
        return sent.lower() == origin
    host = _header(scope, b"host")
    return host is not None and urlsplit(sent).netloc.lower() == host.lower()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _marked_no_store(scope: Scope) -> bool:
    state = scope.get("state")
    return bool(state and state.get(NO_STORE_STATE))


async def _refuse(send: Send, detail: str) -> None:
    body = json.dumps({"error": "cross-site request refused", "detail": detail}).encode()
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
