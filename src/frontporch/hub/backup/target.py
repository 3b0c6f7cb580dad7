"""Where encrypted backup objects go: the protocol every target implements.

Targets store opaque, already-encrypted objects by opaque key; they never see a camera
name, a time or plaintext. Implementations: `s3.py` (any S3-compatible bucket) and
`server_target.py` (the paired community server's blob store, with a quota per home).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


class TargetError(Exception):
    """The target refused or failed; the message says why in words a person can act on."""


class ObjectMissing(TargetError):
    """No object under that key."""


class TargetFull(TargetError):
    """The target's quota or disk is full."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int


class BackupTarget(Protocol):
    """A flat store of opaque objects (each at most `MAX_OBJECT_BYTES`)."""

    description: str  # for messages and the UI: "s3://bucket/prefix", "community server"

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, replacing any object there; TargetError on failure."""
        ...

    def get(self, key: str) -> bytes:
        """The object under `key`; ObjectMissing if none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object under `key`; nothing happens if there is none."""
        ...

    def list(self) -> Iterator[StoredObject]:
        """Every object this hub stored there, in no particular order."""
        ...


MAX_OBJECT_BYTES = 16 * 1024 * 1024
