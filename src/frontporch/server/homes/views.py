"""What the homes area shows: the read models its API answers and pages render.

A home is shown with the caller's role in it and its cell as a string; never a position.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from frontporch.server.accounts.models import User
from frontporch.server.homes.models import Home


@dataclass(frozen=True)
class HomeView:
    """A home as its caller sees it: the home, its cell string and the caller's role."""

    home: Home
    cell: str
    role: str  # 'owner' or 'member'

    @property
    def is_owner(self) -> bool:
        """Whether the caller owns this home."""
        return self.role == "owner"


@dataclass(frozen=True)
class Member:
    """A person of a household."""

    user: User
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class Churn:
    """How often one account added, deleted and invited to homes in a period."""

    user_id: uuid.UUID
    added: int
    deleted: int
    invited: int
    last_at: datetime
