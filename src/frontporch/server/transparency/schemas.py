"""The JSON the log's API answers with. Hashes and bytes are standard base64 with padding."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from frontporch.server.transparency.models import LogCheckpoint
from frontporch.server.transparency.views import EntryView, b64

Base64 = str


class LogKeyOut(BaseModel):
    """The log's identity and the keys its checkpoints are signed with."""

    origin: str = Field(description="The log's origin: the first line of every checkpoint.")
    verifier_keys: list[str] = Field(
        description="Note verifier keys ('<origin>+<key hash>+<base64 key>'), the current "
        "key first; a second one while the key is being rotated."
    )


class EntryOut(BaseModel):
    """One log entry."""

    index: int
    leaf_hash: Base64 = Field(description="SHA-256(0x00 || data), RFC 9162 section 2.1.1.")
    data: Base64 = Field(description="The entry's canonical bytes, as hashed.")
    entry: dict[str, Any] | None = Field(description="The entry's JSON, decoded from data.")

    @classmethod
    def of(cls, view: EntryView) -> EntryOut:
        """The API form of an entry."""
        return cls(
            index=view.index, leaf_hash=b64(view.leaf_hash), data=b64(view.data), entry=view.decoded
        )


class EntriesOut(BaseModel):
    """A run of consecutive entries."""

    entries: list[EntryOut]


class InclusionProofOut(BaseModel):
    """An RFC 9162 inclusion proof: the sibling hashes from the leaf up to the root."""

    index: int
    size: int
    leaf_hash: Base64
    proof: list[Base64]


class ConsistencyProofOut(BaseModel):
    """An RFC 9162 consistency proof from the tree of `first` entries to that of `second`."""

    first: int
    second: int
    proof: list[Base64]


class CheckpointOut(BaseModel):
    """A signed checkpoint: its size and root, when it was signed, and the signed note."""

    size: int
    root: Base64
    created_at: datetime
    note: str = Field(description="The C2SP signed note, as GET /api/log/checkpoint serves it.")

    @classmethod
    def of(cls, checkpoint: LogCheckpoint) -> CheckpointOut:
        """The API form of a stored checkpoint."""
        return cls(
            size=checkpoint.size,
            root=b64(checkpoint.root),
            created_at=checkpoint.created_at,
            note=checkpoint.note,
        )
