"""Helpers for the transparency log's server tests: append entries and sign checkpoints
through the services other areas use, and read what the API serves."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from frontporch.server.transparency.service import LogService, append_entries
from frontporch.translog.checkpoint import Checkpoint, open_checkpoint
from frontporch.translog.entries import PolicyChanged
from frontporch.translog.note import Verifier


def policy_entry(number: int) -> PolicyChanged:
    """A distinct, valid entry."""
    return PolicyChanged(
        at="2026-12-01T12:00:00Z",
        policy_sha256=hashlib.sha256(str(number).encode()).hexdigest(),
        summary=f"policy revision {number}",
    )


def append(app: FastAPI, count: int, first: int = 0) -> list[int]:
    """Append `count` entries in one transaction, as another area's service would."""
    context = app.state.server
    with context.sessions.begin() as db:
        return append_entries(
            db, [policy_entry(n) for n in range(first, first + count)], context.clock
        )


def checkpoint_now(app: FastAPI) -> int:
    """Sign the current tree now; its size."""
    context = app.state.server
    with context.sessions.begin() as db:
        checkpoint, _ = LogService(db, app.state.log_keys, context.clock).checkpoint_now()
        return checkpoint.size


def verifiers(client: TestClient) -> list[Verifier]:
    """The log's verifier keys, as GET /api/log/key publishes them."""
    response = client.get("/api/log/key")
    assert response.status_code == 200, response.text
    return [Verifier.parse(key) for key in response.json()["verifier_keys"]]


def latest_checkpoint(client: TestClient, path: str = "/api/log/checkpoint") -> Checkpoint:
    """The latest checkpoint, opened with the published key (signature checked)."""
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    origin = client.get("/api/log/key").json()["origin"]
    return open_checkpoint(response.content, verifiers(client), origin)


def b64decode(value: str) -> bytes:
    """Strict standard base64."""
    return base64.b64decode(value, validate=True)


def now() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)
