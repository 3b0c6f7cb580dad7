"""What every request handler of the hub's web layer can reach: config, store, runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from prometheus_client import CollectorRegistry

from frontporch.hub.config import HubConfig
from frontporch.hub.ports import HubRuntime, StorePort
from frontporch.hub.web.errors import not_found
from frontporch.hub.web.sessions import LoginRateLimiter, SessionAuth
from frontporch.hub.web.tokens import TokenAuth


class ConfigHolder:
    """The hub's configuration as it is now, and the YAML file it came from (None when
    the hub was built from a config in code): settings pages replace it after a save."""

    def __init__(self, config: HubConfig, path: Path | None = None) -> None:
        self.config = config
        self.path = path

    def replace(self, config: HubConfig) -> None:
        self.config = config


@dataclass(frozen=True)
class HubContext:
    """The objects one web app instance works with; built once by `create_hub_app`."""

    holder: ConfigHolder
    store: StorePort
    runtime: HubRuntime
    templates: Jinja2Templates
    sessions: SessionAuth
    tokens: TokenAuth
    limiter: LoginRateLimiter
    metrics: CollectorRegistry
    clock: Callable[[], float]

    @property
    def config(self) -> HubConfig:
        """The configuration now (a save in the settings pages replaces it)."""
        return self.holder.config

    def require_camera(self, name: str) -> str:
        """`name` if it is a configured camera, else a 404 that lists the known ones."""
        names = self.runtime.camera_names()
        if name not in names:
            known = ", ".join(names) or "none are configured"
            raise not_found("camera", f"No camera named {name!r}; known cameras: {known}.")
        return name


def hub_context(request: Request) -> HubContext:
    """The HubContext of the app serving this request."""
    context: HubContext = request.app.state.hub
    return context


def client_address(request: Request) -> str:
    """The peer address used for rate limiting (proxies are not trusted)."""
    return request.client.host if request.client else "unknown"
