"""Helpers of the legal-demand tests: a demand's body, recording one, reading the log,
a hub's messages, counting rows, signing in again after the clock jumps weeks."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server_harness import ServerHarness

DOC = hashlib.sha256(b"the warrant as served").hexdigest()
ORDER = hashlib.sha256(b"the delay order").hexdigest()
NOTICE_KEYS = {
    "demand", "kind", "authority", "received_on", "scope", "log_index", "notice_index",
    "delayed_until", "server_answer",
}  # fmt: skip


def demand_body(server: ServerHarness, accounts: list[str], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "warrant",
        "authority": "County Court, Division 3",
        "received_on": server.clock().date().isoformat(),
        "accounts": accounts,
        "scope": "Account metadata and posts from March.",
        "document_sha256": DOC,
    }
    body.update(changes)
    return body


def record(operator: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = operator.client.post("/api/operator/legal/demands", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def log_entry(client: TestClient, index: int) -> tuple[bytes, dict[str, Any]]:
    got = client.get("/api/log/entries", params={"start": index, "end": index + 1})
    assert got.status_code == 200, got.text
    data = base64.b64decode(got.json()["entries"][0]["data"])
    return data, dict(json.loads(data))


def hub_messages(hub: TestClient) -> list[dict[str, Any]]:
    got = hub.get("/api/hub/messages", params={"after": 0})
    assert got.status_code == 200, got.text
    found = []
    for message in got.json()["messages"]:
        body = message["body"]
        found.append(
            {"kind": message["kind"], "body": body if isinstance(body, dict) else json.loads(body)}
        )
    return found


def sign_in_again(server: ServerHarness, account: Any) -> None:
    """Sessions end while the clock jumps weeks: sign in again (with a code if set up)."""
    otp = server.next_code(account.totp_secret) if account.totp_secret else None
    account.csrf = server.sign_in(account.client, account.email, otp=otp)


def count(server: ServerHarness, model: Any) -> int:
    with server.app.state.server.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def user_uuid(account: Any) -> uuid.UUID:
    return uuid.UUID(account.client.get("/api/account").json()["id"])
