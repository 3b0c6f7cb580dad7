"""What every request handler can reach: settings, sessions, mail, blobs, clock, keys,
and what the areas said at start-up they add (announcement listeners, the page header).

Nothing here names a feature area: what an area keeps for itself (the feed's page
cache, the live streams' probes) lives on `app.state` behind that area's dependency."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontporch.server.blobs import BlobStore
from frontporch.server.kit.announcements import Announcements
from frontporch.server.kit.pages import PageHeader
from frontporch.server.mail import Mailer
from frontporch.server.proxies import forwarded_client
from frontporch.server.settings import ServerSettings


@dataclass(frozen=True)
class ServerContext:
    """The objects one app instance works with; built once by `create_app`."""

    settings: ServerSettings
    engine: Engine
    sessions: sessionmaker[Session]
    mailer: Mailer
    blobs: BlobStore
    templates: Jinja2Templates
    clock: Callable[[], datetime]
    secret_key: str
    announcements: Announcements
    page_header: PageHeader

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 of `value` under the secret key, separated by `purpose` (hex)."""
        key = hashlib.sha256(f"frontporch:{purpose}\0{self.secret_key}".encode()).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def context_of(request: Request) -> ServerContext:
    """The ServerContext of the app serving this request."""
    context: ServerContext = request.app.state.server
    return context


async def server_context(request: Request) -> ServerContext:
    """The `Context` dependency. `async` although it does no I/O: FastAPI calls an async
    dependency inline, a plain one through the thread pool (a hop per request)."""
    return context_of(request)


Context = Annotated[ServerContext, Depends(server_context)]


def client_address(request: Request) -> str:
    """The client address for rate limits, lockout and session labels.

    The TCP peer, unless it is one of `trusted_proxies`: then the right-most address in
    X-Forwarded-For that is not a trusted proxy (`proxies.forwarded_client`).
    """
    peer = request.client.host if request.client else "unknown"
    trusted = context_of(request).settings.trusted_proxy_networks
    if not trusted:
        return peer
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), trusted)
