"""The shared security middleware: headers, no-store, and the cross-origin refusal."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient

from frontporch.web.security import (
    NO_STORE,
    SecurityMiddleware,
    SecurityPolicy,
    content_security_policy,
)

CHANGE = ("POST", "PUT", "PATCH", "DELETE")


def _client(policy: SecurityPolicy, base_url: str = "http://testserver") -> TestClient:
    app = FastAPI()

    @app.get("/page")
    def page() -> dict[str, str]:
        return {"shown": "yes"}

    @app.get("/cached")
    def cached() -> Response:
        return Response("x", headers={"Cache-Control": "public, max-age=60"})

    @app.get("/secret", dependencies=[NO_STORE])
    def secret() -> Response:
        return Response("token", headers={"Cache-Control": "public, max-age=60"})

    @app.get("/static/app.css")
    def style() -> Response:
        return Response("body {}", media_type="text/css")

    @app.api_route("/change", methods=list(CHANGE))
    def change() -> dict[str, str]:
        return {"changed": "yes"}

    app.add_middleware(SecurityMiddleware, policy=policy)
    return TestClient(app, base_url=base_url)


BASE = SecurityPolicy(
    csp=content_security_policy(),
    origin="https://porch.example",
    refusal_detail="Changes come from our own pages.",
)


def _policy(**changes: object) -> SecurityPolicy:
    return replace(BASE, **changes)


def test_every_response_carries_the_security_headers() -> None:
    response = _client(_policy()).get("/page")
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["cross-origin-resource-policy"] == "same-origin"
    csp = headers["content-security-policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "strict-transport-security" not in headers
    assert "cache-control" not in headers, "not private unless the policy says so"


def test_an_app_adds_its_own_sources_and_hsts() -> None:
    policy = _policy(csp=content_security_policy({"media-src": "'self' blob:"}), hsts=True)
    headers = _client(policy).get("/page").headers
    assert "media-src 'self' blob:" in headers["content-security-policy"]
    assert "img-src 'self' data:" in headers["content-security-policy"]
    assert "max-age" in headers["strict-transport-security"]


def test_a_route_that_shows_a_secret_is_never_cached() -> None:
    client = _client(_policy())
    assert client.get("/secret").headers["cache-control"] == "no-store"
    assert client.get("/cached").headers["cache-control"] == "public, max-age=60"


def test_a_private_app_is_no_store_unless_a_response_says_otherwise() -> None:
    client = _client(_policy(private_by_default=True, cacheable_prefixes=("/static/",)))
    assert client.get("/page").headers["cache-control"] == "no-store"
    assert client.get("/cached").headers["cache-control"] == "public, max-age=60"
    assert "cache-control" not in client.get("/static/app.css").headers


@pytest.mark.parametrize("method", CHANGE)
def test_a_change_from_another_origin_is_refused(method: str) -> None:
    client = _client(_policy())
    refused = client.request(method, "/change", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "cross-site request refused",
        "detail": "Changes come from our own pages.",
    }
    assert refused.headers["cross-origin-opener-policy"] == "same-origin"
    own = client.request(method, "/change", headers={"Origin": "https://PORCH.example"})
    assert own.status_code == 200


def test_reads_and_requests_without_an_origin_pass() -> None:
    client = _client(_policy())
    assert client.get("/page", headers={"Origin": "https://evil.example"}).status_code == 200
    assert client.post("/change").status_code == 200, "programs send no Origin"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://hub.local:5080", True),
        ("https://hub.local:5080", True),  # a TLS proxy in front may not say so
        ("http://HUB.local:5080", True),
        ("http://hub.local:5081", False),
        ("http://hub.local", False),
        ("http://evil.example", False),
        ("null", False),
    ],
)
def test_without_a_fixed_origin_the_addressed_host_is_ours(origin: str, allowed: bool) -> None:
    client = _client(_policy(origin=None), base_url="http://hub.local:5080")
    response = client.post("/change", headers={"Origin": origin})
    assert response.status_code == (200 if allowed else 403)
