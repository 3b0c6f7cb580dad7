"""The server's guards, for the deny-by-default check of `frontporch.web.routing`.

Areas build their routers with `protected_router(...)` (a guard from `accounts.auth`,
or an area's own, registered with `@guard`) or `public_router(...)`.
`check_routes_guarded(app)` runs when the app is built and refuses to start if any route
has neither, so a new endpoint cannot be left open by forgetting a dependency.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI

from frontporch.web import routing
from frontporch.web.routing import RouteInfo

F = TypeVar("F", bound=Callable[..., Any])

_GUARDS: set[Callable[..., Any]] = set()


def guard(function: F) -> F:
    """Register `function` as an auth guard: a route depending on it counts as protected."""
    _GUARDS.add(function)
    return function


def protected_router(guard_dependency: Callable[..., Any], **kwargs: Any) -> APIRouter:
    """A router whose every route requires `guard_dependency` (one of accounts.auth's guards)."""
    if guard_dependency not in _GUARDS:
        raise ValueError(f"{guard_dependency!r} is not a registered guard")
    return APIRouter(dependencies=[Depends(guard_dependency)], **kwargs)


def api_routes(app: FastAPI) -> list[RouteInfo]:
    """Every (method, path) the server routes to a handler, and how it is guarded."""
    return routing.api_routes(app, _GUARDS)


def check_routes_guarded(app: FastAPI) -> None:
    """Raise RuntimeError naming every route that is neither guarded nor marked public."""
    routing.check_routes_guarded(app, _GUARDS)
