"""What the hubs area shows: the read models its API answers and pages render.

A pairing code and a hub credential are shown once, at the moment they are made; the
server keeps only their hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from frontporch.server.homes.models import Home
from frontporch.server.hubs.models import Hub


@dataclass(frozen=True)
class NewCode:
    """A pairing code as shown once to the owner."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class Paired:
    """A newly paired hub and its credential (shown once)."""

    hub: Hub
    home: Home
    credential: str
