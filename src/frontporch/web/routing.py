"""Deny by default: every route is either guarded by an auth dependency or marked public.

An app names its guards (the dependencies that establish who is calling and refuse
everyone else) and marks its open routes with `public_route`, usually through
`public_router()`. `check_routes_guarded(app, guards)` runs when the app is built and
refuses to start if any route depends, directly or through its routers, on neither, so
a new endpoint cannot be left open by forgetting a dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

Guards = Collection[Callable[..., Any]]


def public_route() -> None:
    """Marks a route as open to anonymous callers (a dependency that does nothing)."""


PUBLIC = Depends(public_route)


def public_router(**kwargs: Any) -> APIRouter:
    """A router whose routes anyone may call."""
    return APIRouter(dependencies=[PUBLIC], **kwargs)


@dataclass(frozen=True)
class RouteInfo:
    """One method of one API route, with its effective (router-included) dependencies."""

    method: str
    path: str
    access: str  # 'public', 'protected' or 'unguarded'


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _access(dependant: Dependant, guards: Guards) -> str:
    calls = set(_calls(dependant))
    if any(guard in calls for guard in guards):
        return "protected"
    if public_route in calls:
        return "public"
    return "unguarded"


def api_routes(app: FastAPI, guards: Guards) -> list[RouteInfo]:
    """Every (method, path) the app routes to a handler, and how it is guarded."""
    routes = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        access = _access(context.dependant, guards)
        for method in sorted((context.methods or set()) - {"HEAD"}):
            routes.append(RouteInfo(method, str(context.path), access))
    return routes


def check_routes_guarded(app: FastAPI, guards: Guards) -> None:
    """Raise RuntimeError naming every route that depends on none of `guards` and is not
    marked public."""
    unguarded = [f"{r.method} {r.path}" for r in api_routes(app, guards) if r.access == "unguarded"]
    if unguarded:
        raise RuntimeError("routes without an auth guard or public marker: " + ", ".join(unguarded))
