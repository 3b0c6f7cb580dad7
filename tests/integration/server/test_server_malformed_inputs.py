"""Malformed path and query values thrown at every GET route of the app (pages, tiles
and the JSON API), over real HTTP, by an anonymous caller, a resident with a home and
an operator: huge numbers, 15 hex digits that are no H3 cell, unicode, empty values,
paths thousands of characters long. Nothing may answer 5xx.

Schemathesis (test_server_schemathesis.py) fuzzes the API from its OpenAPI document;
pages and the tlog-tiles paths are not in that document, and their two 500s (a
`cell=` that is not a cell, a tile index of thousands of digits) were found by hand.
This walks the routes themselves, so a new page is covered the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from frontporch.server.accounts.models import Role
from homes_tools import add_home
from server_harness import ServerHarness

pytestmark = pytest.mark.served

NOT_A_CELL = "fffffffffffffff"  # 15 hex digits, the pattern of a cell, but no H3 cell
MALFORMED = [
    "9" * 5000,  # past Python's int-from-text limit
    "9" * 30,  # past 64 bits
    "-1",
    NOT_A_CELL,
    "800000000000000",
    "1e309",
    "NaN",
    "",
    " ",
    "名前ü\u202e",
    "%00",
    "00000000-0000-0000-0000-000000000000",
    "x000/x001",
]
PATH_ONLY = ["/".join(["x999"] * 1500 + ["999"]), "x001/" * 40 + "000.p/5"]


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _get_routes(app: FastAPI) -> list[tuple[str, list[str]]]:
    """(path template, query parameter names) of every GET route."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or set()):
            continue
        found.append((str(context.path), sorted(_query_names(context.dependant))))
    return sorted(found)


def _urls(path: str, query: list[str]) -> Iterator[str]:
    """The route with each malformed value in each path hole in turn (the other holes
    "0"), and in each query parameter."""
    holes = list(re.finditer(r"\{\w+(:path)?\}", path))
    for value in MALFORMED + (PATH_ONLY if ":path}" in path else []):
        for target in holes or [None]:
            concrete = path
            for hole in reversed(holes):
                filled = "0"
                if hole is target:
                    filled = quote(value, safe="/" if hole.group(1) else "") or "x"
                concrete = concrete[: hole.start()] + filled + concrete[hole.end() :]
            yield concrete
        for name in query:
            yield f"{re.sub(r'{[^}]+}', '0', path)}?{name}={quote(value, safe='')}"


def _status(client: httpx.Client, url: str) -> int:
    # Streamed, so that a live-events route answers its status and is closed at once.
    with client.stream("GET", url) as response:
        return response.status_code


def test_no_malformed_value_makes_any_get_route_fail(
    app: FastAPI, server: ServerHarness, live: str
) -> None:
    resident = server.account()
    add_home(resident)
    operator = server.account(Role.OPERATOR, mfa_on=True)
    callers = {
        "anonymous": {},
        "resident": dict(resident.client.cookies.items()),
        "operator": dict(operator.client.cookies.items()),
    }
    routes = _get_routes(app)
    assert any(path == "/feed" for path, _ in routes)
    assert any(path.startswith("/log/tile/") for path, _ in routes)
    failures = []
    calls = 0
    for caller, cookies in callers.items():
        with httpx.Client(base_url=live, cookies=cookies, timeout=20) as client:
            for path, query in routes:
                for url in _urls(path, query):
                    calls += 1
                    status = _status(client, url)
                    if status >= 500:
                        failures.append(f"{caller} GET {url[:120]}: {status}")
    assert calls > 1000
    assert not failures, "\n".join(failures[:40])


def test_a_cell_that_is_no_h3_cell_shows_the_whole_area(server: ServerHarness, live: str) -> None:
    resident = server.account()
    add_home(resident)
    cookies = dict(resident.client.cookies.items())
    with httpx.Client(base_url=live, cookies=cookies) as client:
        page = client.get(f"/feed?cell={NOT_A_CELL}")
    assert page.status_code == 200
    assert "That hexagon is not on the map" in page.text


def test_a_tile_index_of_thousands_of_digits_is_not_found(live: str) -> None:
    huge = "/".join(["x999"] * 1500 + ["999"])
    for url in (f"/log/tile/0/{huge}", f"/log/tile/entries/{huge}", f"/log/tile/2/{huge}.p/7"):
        answer = httpx.get(live + url)
        assert answer.status_code == 404, (url[:40], answer.text[:200])
        assert "the tile index is too large" in answer.text
