"""Bodies of the backup API (hubs) and the operator's quota API."""

from __future__ import annotations

import uuid
from typing import Self

from pydantic import BaseModel, Field

from frontporch.server.backups.service import Usage
from frontporch.server.kit.schemas import Strict


class ObjectOut(BaseModel):
    """One stored object: its key and size (all the server knows of it)."""

    key: str = Field(description="The object's key, 32 lowercase hex digits.")
    size: int = Field(description="Its size in bytes.")


class ObjectPageOut(BaseModel):
    """A page of the home's objects, in key order."""

    objects: list[ObjectOut]
    next: str | None = Field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


class QuotaOut(BaseModel):
    """What the calling hub's home stores against its quota."""

    objects: int
    used_bytes: int
    limit_bytes: int = Field(description="0: the operator turned backups off for this home.")

    @classmethod
    def of(cls, usage: Usage) -> Self:
        """The answer for a home's usage."""
        return cls(
            objects=usage.objects, used_bytes=usage.used_bytes, limit_bytes=usage.limit_bytes
        )


class HomeUsageOut(QuotaOut):
    """A home's backup usage, for the operator (by id only: never a name or a place)."""

    home_id: uuid.UUID
    custom: bool = Field(description="The operator set this home's quota; else the default.")

    @classmethod
    def of(cls, usage: Usage) -> Self:
        """The answer for a home's usage."""
        return cls(
            home_id=usage.home_id,
            objects=usage.objects,
            used_bytes=usage.used_bytes,
            limit_bytes=usage.limit_bytes,
            custom=usage.custom,
        )


class BackupsOut(BaseModel):
    """The default quota and every home that stores backups or has its own quota."""

    default_limit_bytes: int
    homes: list[HomeUsageOut]


class QuotaIn(Strict):
    """A home's quota: bytes, 0 to turn backups off, null for the server's default."""

    limit_bytes: int | None = Field(ge=0, le=10**18)
