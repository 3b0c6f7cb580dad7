"""Reading and comparing the CSRF token of a state-changing request."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from frontporch.web.csrf import csrf_ok, submitted_csrf, tokens_match


@pytest.mark.parametrize(
    ("given", "expected", "match"),
    [
        ("abc", "abc", True),
        ("abd", "abc", False),
        (None, "abc", False),
        ("", "", False),  # an empty cookie and an empty form field prove nothing
        ("abc", None, False),
    ],
)
def test_tokens_match_only_when_both_are_there_and_equal(
    given: str | None, expected: str | None, match: bool
) -> None:
    assert tokens_match(given, expected) is match


def test_a_change_needs_the_token_and_a_read_does_not() -> None:
    assert csrf_ok("GET", None, "t")
    assert csrf_ok("HEAD", "wrong", "t")
    assert csrf_ok("POST", "t", "t")
    assert not csrf_ok("POST", None, "t")
    assert not csrf_ok("DELETE", "wrong", "t")


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()

    @app.api_route("/echo", methods=["GET", "POST"])
    async def echo(request: Request) -> dict[str, str | None]:
        return {"token": await submitted_csrf(request)}

    return TestClient(app)


def test_the_token_comes_from_the_header_or_the_form(client: TestClient) -> None:
    def token(**kwargs: Any) -> str | None:
        value: str | None = client.post("/echo", **kwargs).json()["token"]
        return value

    assert token(headers={"X-CSRF-Token": "from-header"}) == "from-header"
    assert token(data={"csrf_token": "from-form"}) == "from-form"
    assert token(files={"csrf_token": (None, "multipart")}) == "multipart"
    assert token(json={"csrf_token": "json is not a form"}) is None
    assert client.get("/echo", headers={"X-CSRF-Token": "x"}).json()["token"] is None
