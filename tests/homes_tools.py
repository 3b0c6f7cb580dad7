"""Helpers for homes and hub tests: add a home, get a pairing code, sign a pairing body."""

from __future__ import annotations

import base64
from typing import Any

from frontporch.crypto.keys import HubIdentity
from frontporch.crypto.pairing import normalize_code, pairing_message
from server_fixtures import Account

CHICAGO = (41.878113, -87.629799)


def add_home(account: Account, name: str = "Maple St", at: tuple[float, float] = CHICAGO) -> Any:
    """Add a home through the API; its JSON."""
    response = account.client.post(
        "/api/homes", json={"name": name, "latitude": at[0], "longitude": at[1]}
    )
    assert response.status_code == 201, response.text
    return response.json()


def pairing_code(account: Account, home_id: str) -> str:
    """A fresh pairing code for a home the account owns."""
    response = account.client.post(f"/api/homes/{home_id}/pairing-code")
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


def pair_body(
    identity: HubIdentity, origin: str, code: str, name: str = "Porch hub"
) -> dict[str, str]:
    """The JSON a hub sends to pair, signed for `origin`."""
    message = pairing_message(
        origin, normalize_code(code), name, identity.public_key, identity.age_recipient
    )
    return {
        "code": code,
        "name": name,
        "public_key": identity.public_key,
        "age_recipient": identity.age_recipient,
        "signature": base64.b64encode(identity.sign(message)).decode(),
    }
