"""Deny by default: every route is either guarded by an auth dependency or marked public.

Areas build their routers with `protected_router(...)` (a guard from
`accounts.auth`) or `public_router(...)`. `check_routes_guarded(app)` runs when the app
is built and refuses to start if any route has neither, so a new endpoint cannot be
left open by forgetting a dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

F = TypeVar("F", bound=Callable[..., Any])

_GUARDS: set[Callable[..., Any]] = set()


def public_route() -> None:
    """Marks a route as open to anonymous callers (a dependency that does nothing)."""


def guard(function: F) -> F:
    """Register `function` as an auth guard: a route depending on it counts as protected."""
    _GUARDS.add(function)
    return function


def public_router(**kwargs: Any) -> APIRouter:
    """A router whose routes anyone may call."""
    return APIRouter(dependencies=[Depends(public_route)], **kwargs)


def protected_router(guard_dependency: Callable[..., Any], **kwargs: Any) -> APIRouter:
    """A router whose every route requires `guard_dependency` (one of accounts.auth's guards)."""
    if guard_dependency not in _GUARDS:
        raise ValueError(f"{guard_dependency!r} is not a registered guard")
    return APIRouter(dependencies=[Depends(guard_dependency)], **kwargs)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


@dataclass(frozen=True)
class RouteInfo:
    """One method of one API route, with its effective (router-included) dependencies."""

    method: str
    path: str
    access: str  # 'public', 'protected' or 'unguarded'


def _access(dependant: Dependant) -> str:
    calls = set(_calls(dependant))
    if calls & _GUARDS:
        return "protected"
    if public_route in calls:
        return "public"
    return "unguarded"


def api_routes(app: FastAPI) -> list[RouteInfo]:
    """Every (method, path) the app routes to a handler, and how it is guarded."""
    routes = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        access = _access(context.dependant)
        for method in sorted((context.methods or set()) - {"HEAD"}):
            routes.append(RouteInfo(method, str(context.path), access))
    return routes


def check_routes_guarded(app: FastAPI) -> None:
    """Raise RuntimeError naming every route that is neither guarded nor marked public."""
    unguarded = [f"{r.method} {r.path}" for r in api_routes(app) if r.access == "unguarded"]
    if unguarded:
        raise RuntimeError("routes without an auth guard or public marker: " + ", ".join(unguarded))
