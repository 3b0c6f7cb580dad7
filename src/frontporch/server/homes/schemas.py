"""Request and response bodies of the homes API.

A new home is given either as coordinates (converted to the home cell by the handler
and then dropped) or as an H3 cell picked on the map. Answers carry the cell only.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from frontporch import geo
from frontporch.server.homes.views import HomeView, Member
from frontporch.server.kit.schemas import NO_NUL, Email, Strict, Token

HomeName = Field(min_length=1, max_length=100, pattern=NO_NUL, description="A name for the home.")


class HomeIn(Strict):
    name: str = HomeName
    latitude: float | None = Field(
        None, ge=-90, le=90, description="Where the home is; converted to a cell, never stored."
    )
    longitude: float | None = Field(
        None, ge=-180, le=180, description="Where the home is; converted to a cell, never stored."
    )
    cell: str | None = Field(
        None,
        min_length=15,
        max_length=15,
        pattern=r"^[0-9a-fA-F]{15}$",
        description="An H3 cell at resolution 8 or finer (coarsened to 8), instead of coordinates.",
    )

    @model_validator(mode="after")
    def _one_location(self) -> HomeIn:
        has_point = self.latitude is not None or self.longitude is not None
        if self.cell is not None and has_point:
            raise ValueError("give either latitude and longitude, or a cell, not both")
        if self.cell is None and (self.latitude is None or self.longitude is None):
            raise ValueError("give latitude and longitude, or a cell")
        return self


class HomeOut(BaseModel):
    id: uuid.UUID
    name: str
    cell: str = Field(description="The H3 cell (resolution 8) that is all the server keeps.")
    resolution: int
    cell_area_km2: float = Field(description="Average area of a cell at this resolution.")
    role: str = Field(description="'owner' or 'member'.")
    created_at: datetime

    @classmethod
    def of(cls, view: HomeView) -> HomeOut:
        return cls(
            id=view.home.id,
            name=view.home.name,
            cell=view.cell,
            resolution=geo.HOME_RESOLUTION,
            cell_area_km2=round(geo.average_area_km2(geo.HOME_RESOLUTION), 3),
            role=view.role,
            created_at=view.home.created_at,
        )


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    role: str
    joined_at: datetime

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(
            user_id=member.user.id,
            email=member.user.email,
            role=member.role,
            joined_at=member.joined_at,
        )


class InvitationIn(Strict):
    email: str = Email


class InvitationAcceptIn(Strict):
    token: str = Token
