"""Request and response bodies of the hub API (pairing, the link) and hub management."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from frontporch.crypto.pairing import format_code
from frontporch.server.hubs.models import HubMessage
from frontporch.server.hubs.views import NewCode
from frontporch.server.kit.schemas import NO_NUL, SINGLE_LINE, RowOut, Strict


class PairIn(Strict):
    code: str = Field(min_length=1, max_length=20, pattern=NO_NUL, description="The one-time code.")
    name: str = Field(min_length=1, max_length=100, pattern=SINGLE_LINE, description="Hub name.")
    public_key: str = Field(
        min_length=1, max_length=64, pattern=SINGLE_LINE, description="Ed25519 key, base64 raw."
    )
    age_recipient: str = Field(
        min_length=1, max_length=128, pattern=SINGLE_LINE, description="The hub's age1… recipient."
    )
    signature: str = Field(
        min_length=1,
        max_length=128,
        pattern=SINGLE_LINE,
        description="base64 Ed25519 signature over the pairing message (crypto/pairing.py).",
    )


class PairedOut(BaseModel):
    hub_id: uuid.UUID
    home_id: uuid.UUID
    home_name: str
    credential: str = Field(description="The hub credential (fph_…), shown only here.")


class PairingCodeOut(BaseModel):
    code: str = Field(description="The one-time code, as 'XXXX-XXXX'.")
    expires_at: datetime

    @classmethod
    def of(cls, code: NewCode) -> PairingCodeOut:
        return cls(code=format_code(code.code), expires_at=code.expires_at)


class HubOut(RowOut):
    id: uuid.UUID
    name: str
    public_key: str
    age_recipient: str
    paired_at: datetime
    last_seen_at: datetime | None


class QueuedOut(BaseModel):
    seq: int = Field(description="The message's number in the hub's queue.")


class HubMessageOut(BaseModel):
    seq: int
    kind: str
    body: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, message: HubMessage) -> HubMessageOut:
        return cls(
            seq=message.seq,
            kind=message.kind,
            body=json.loads(message.body),
            created_at=message.created_at,
        )


class MessagesOut(BaseModel):
    messages: list[HubMessageOut]
