"""Requests as their agency sees them: what was filed, where it stands, and aggregates.

Plain values, built once by the service and read by both the JSON API and the pages.
What is here is all an agency ever learns about a request's reach: the homes notified
only from the operator's k on (`homes_notified` None below it, with `k` to say "fewer
than k"), and the releases in total. No home, hub, person or decline appears.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontporch.server.evidence.queries import ReleaseSummary, ReleaseView
from frontporch.server.requests.models import FootageRequest
from frontporch.server.requests.policy import INCIDENTS


@dataclass(frozen=True)
class RequestView:
    """One request and its aggregates."""

    id: uuid.UUID
    status: str
    case_number: str
    incident: str
    description: str
    contact: str
    area: dict[str, Any]
    cells: list[str]
    window_start: datetime
    window_end: datetime
    expires_at: datetime
    filed_at: datetime
    closed_at: datetime | None
    filed_index: int
    registration_index: int
    closed_index: int | None
    post_id: uuid.UUID | None
    homes_notified: int | None  # None: fewer than k
    k: int
    releases: ReleaseSummary

    @property
    def incident_label(self) -> str:
        """The incident as people read it."""
        return INCIDENTS.get(self.incident, self.incident)

    @property
    def homes_notified_below(self) -> int | None:
        """k when the count is hidden ("fewer than k"), else None."""
        return self.k if self.homes_notified is None else None

    @property
    def is_open(self) -> bool:
        """Whether the request can still be answered (and withdrawn)."""
        return self.status == "open"

    @classmethod
    def of(
        cls,
        request: FootageRequest,
        *,
        homes_notified: int | None,
        k: int,
        releases: ReleaseSummary,
    ) -> RequestView:
        """The view of a stored request with the aggregates the agency may see."""
        return cls(
            id=request.id,
            status=request.status,
            case_number=request.case_number,
            incident=request.incident,
            description=request.description,
            contact=request.contact,
            area=json.loads(request.area),
            cells=[cell for cell in request.cells.split(",") if cell],
            window_start=request.window_start,
            window_end=request.window_end,
            expires_at=request.expires_at,
            filed_at=request.filed_at,
            closed_at=request.closed_at,
            filed_index=request.filed_index,
            registration_index=request.registration_index,
            closed_index=request.closed_index,
            post_id=request.post_id,
            homes_notified=homes_notified,
            k=k,
            releases=releases,
        )


@dataclass(frozen=True)
class RequestDetail:
    """A request with each of its releases (by hub fingerprint, never by home)."""

    request: RequestView
    releases: list[ReleaseView]
