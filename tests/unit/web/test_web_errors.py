"""The shared error envelope and its handlers, on a small app with its own ErrorPages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from frontporch.web.errors import ErrorPages, HttpError, Problem, install_error_handlers


class SignIn(HttpError):
    status = 401


class Pending(HttpError):
    status = 403
    page_redirect = "/second-factor"


class Post(BaseModel):
    title: str = Field(max_length=5)
    body: str = Field(max_length=5)


def _page(request: Request, error: HttpError) -> Response:
    return HTMLResponse(
        f"<h1>{error.message}</h1><p>{error.detail}</p>",
        status_code=error.status,
        headers=error.headers,
    )


def _invalid(request: Request, problems: list[Problem]) -> HttpError:
    first = problems[0]
    return HttpError("invalid request", first.message, field=first.field, status=422)


PAGES = ErrorPages(
    json_prefixes=("/api/",),
    sign_in_error=SignIn,
    sign_in_path="/sign-in",
    page=_page,
    invalid=_invalid,
    not_found="no such thing",
    address_advice="Check the address.",
    unexpected_advice="See the log.",
)


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = FastAPI()
    install_error_handlers(app, PAGES)

    for prefix in ("/api", ""):

        @app.get(f"{prefix}/teapot")
        def teapot() -> None:
            raise HttpError("no tea", "Ask for coffee.", field="drink", status=418)

        @app.get(f"{prefix}/private")
        def private() -> None:
            raise SignIn("sign-in required", "Sign in first.", headers={"X-Why": "nobody"})

        @app.get(f"{prefix}/pending")
        def pending() -> None:
            raise Pending("second factor pending")

        @app.get(f"{prefix}/broken")
        def broken() -> None:
            raise RuntimeError("secret internals")

        @app.post(f"{prefix}/posts")
        def post(post: Post) -> Post:
            return post

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_json_paths_answer_the_envelope(client: TestClient) -> None:
    answer = client.get("/api/teapot")
    assert answer.status_code == 418
    assert answer.json() == {"error": "no tea", "detail": "Ask for coffee.", "field": "drink"}
    pending = client.get("/api/pending")
    assert (pending.status_code, pending.json()) == (
        403,
        {"error": "second factor pending", "detail": "second factor pending"},
    )


def test_sign_in_is_a_401_for_programs_and_a_redirect_for_pages(client: TestClient) -> None:
    api = client.get("/api/private")
    assert (api.status_code, api.headers["x-why"]) == (401, "nobody")
    page = client.get("/private?tab=2", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=%2Fprivate%3Ftab%3D2"


def test_pages_render_the_apps_page_or_follow_its_redirect(client: TestClient) -> None:
    page = client.get("/teapot")
    assert page.status_code == 418
    assert "<h1>no tea</h1>" in page.text
    pending = client.get("/pending", follow_redirects=False)
    assert (pending.status_code, pending.headers["location"]) == (303, "/second-factor")


def test_routing_errors_share_the_envelope(client: TestClient) -> None:
    missing = client.get("/api/nothing")
    assert missing.json() == {"error": "no such thing", "detail": "Check the address."}
    wrong = client.delete("/api/teapot")
    assert (wrong.status_code, wrong.json()["error"]) == (405, "method not allowed")
    assert "GET" in wrong.headers["allow"]


def test_validation_names_the_field_even_one_called_body(client: TestClient) -> None:
    answer = client.post("/api/posts", json={"title": "ok", "body": "far too long"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "body"
    untitled = client.post("/api/posts", json={"title": "far too long", "body": "ok"})
    assert untitled.json()["field"] == "title"


def test_the_unexpected_reveals_nothing(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    api = client.get("/api/broken")
    assert (api.status_code, api.json()) == (
        500,
        {"error": "internal error", "detail": "See the log."},
    )
    assert "secret internals" not in client.get("/broken").text
    assert "secret internals" in caplog.text
