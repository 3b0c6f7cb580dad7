"""Property-based API testing with schemathesis over the OpenAPI document, in process:
no input makes the server answer 5xx, and every answer matches its documented schema,
for an anonymous caller and for a signed-in one."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server_harness import ServerHarness

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
MAX_EXAMPLES = 20


def _fuzz(app: FastAPI, headers: dict[str, str], cookies: dict[str, str], skip: set[str]) -> int:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if f"{operation.method.upper()} {operation.path}" in skip:
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            # A generous read timeout: on a loaded 2-core machine one answer can take
            # longer than schemathesis's default 10 s without anything being wrong.
            response = case.call(headers=headers, cookies=cookies, timeout=60)
            case.validate_response(response, checks=CHECKS)

        run()
    return operations


@pytest.mark.timeout(600)
def test_anonymous_surface(server: ServerHarness) -> None:
    assert _fuzz(server.app, {}, {}, set()) >= 20


@pytest.mark.timeout(600)
def test_signed_in_surface(server: ServerHarness) -> None:
    account = server.account()
    cookies = dict(account.client.cookies.items())
    headers = {"x-csrf-token": account.csrf or ""}
    # Signing out or deleting would only turn the rest of the run into 401s.
    skip = {"POST /api/account/sign-out", "POST /api/account/delete"}
    assert _fuzz(server.app, headers, cookies, skip) >= 18
    assert account.client.get("/api/account").status_code in (200, 401)
