"""The server's security policy: its own origin, its headers, HSTS under https.

The server knows its public URL (`base_url`), so a state change is accepted only from
that origin. Pages and answers are not private by default (the transparency log's are
public and cacheable); routes whose answer shows a secret depend on `NO_STORE`. The
mechanics are `frontporch.web.security`'s.
"""

from __future__ import annotations

from starlette.types import ASGIApp

from frontporch.crypto.pairing import origin_of
from frontporch.web.security import SecurityMiddleware, SecurityPolicy, content_security_policy


def server_policy(base_url: str) -> SecurityPolicy:
    """The policy of a server whose public URL is `base_url`."""
    return SecurityPolicy(
        csp=content_security_policy(),
        origin=origin_of(base_url),
        refusal_detail="State-changing requests must come from this server's own pages.",
        hsts=base_url.startswith("https://"),
    )


class ServerHeadersMiddleware(SecurityMiddleware):
    """The security middleware with the server's policy."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        super().__init__(app, server_policy(base_url))
