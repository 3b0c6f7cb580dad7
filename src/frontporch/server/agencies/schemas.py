"""Request and response bodies of the operator's agency registry."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from frontporch.server.agencies.models import Agency
from frontporch.server.kit.schemas import SINGLE_LINE, Strict


class AgencyIn(Strict):
    name: str = Field(
        min_length=1, max_length=200, pattern=SINGLE_LINE, description="The verified name."
    )


class AgencyOut(BaseModel):
    id: uuid.UUID
    name: str
    verified: bool
    verified_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, agency: Agency) -> AgencyOut:
        return cls(
            id=agency.id,
            name=agency.name,
            verified=agency.verified_at is not None,
            verified_at=agency.verified_at,
            created_at=agency.created_at,
        )


class AgencyMembershipIn(Strict):
    agency_id: uuid.UUID | None = Field(description="The agency; null to detach the account.")


class AgencyMembershipOut(BaseModel):
    user_id: uuid.UUID
    agency: AgencyOut | None
