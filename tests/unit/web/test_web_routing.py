"""The deny-by-default route check, generic over an app's guards."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI

from frontporch.web.routing import (
    PUBLIC,
    RouteInfo,
    api_routes,
    check_routes_guarded,
    public_router,
)


def owner() -> str:
    return "owner"


def admin(who: Annotated[str, Depends(owner)]) -> str:
    return who


def test_only_the_apps_guards_count() -> None:
    app = FastAPI()
    guarded = APIRouter(dependencies=[Depends(owner)])
    open_router = public_router()
    forgotten = APIRouter()

    @guarded.get("/mine")
    def mine() -> str:
        return "ok"

    @open_router.get("/open")
    def anyone() -> str:
        return "ok"

    @app.delete("/all")
    def delete_all(who: Annotated[str, Depends(admin)]) -> str:
        return who

    @forgotten.post("/oops")
    def oops() -> str:
        return "leak"

    app.include_router(guarded)
    app.include_router(open_router)
    check_routes_guarded(app, {owner})
    assert RouteInfo("DELETE", "/all", "protected") in api_routes(app, {owner}), (
        "a guard reached through another dependency counts"
    )
    with pytest.raises(RuntimeError, match="GET /mine"):
        check_routes_guarded(app, {admin})

    app.include_router(forgotten)
    with pytest.raises(RuntimeError, match="POST /oops") as refused:
        check_routes_guarded(app, {owner})
    assert "/open" not in str(refused.value)
    assert "/mine" not in str(refused.value)


def test_a_router_can_be_marked_public_where_it_is_included() -> None:
    app = FastAPI()
    login = APIRouter()

    @login.get("/login")
    def form() -> str:
        return "form"

    app.include_router(login, dependencies=[PUBLIC])
    assert api_routes(app, {owner}) == [RouteInfo("GET", "/login", "public")]
