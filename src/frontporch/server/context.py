"""What every request handler can reach: settings, sessions, mail, blobs, clock, keys."""

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
from frontporch.server.mail import Mailer
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

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 of `value` under the secret key, separated by `purpose` (hex)."""
        key = hashlib.sha256(f"frontporch:{purpose}\0{self.secret_key}".encode()).digest()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def server_context(request: Request) -> ServerContext:
    """The ServerContext of the app serving this request."""
    context: ServerContext = request.app.state.server
    return context


Context = Annotated[ServerContext, Depends(server_context)]


def client_address(request: Request) -> str:
    """The peer address used for rate limits and session labels (proxies are not trusted)."""
    return request.client.host if request.client else "unknown"
