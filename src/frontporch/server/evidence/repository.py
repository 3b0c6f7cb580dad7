"""All SQL of the evidence area: releases, their clips' upload state, and what the
agency, the requests area and the deletion job read about them.

Reads for a hub take the hub (`release_of_hub`: only the hub that released it sees a
release); reads for an agency take the agency (`request_of_agency`); the requests
area reads totals per request, never per home.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from frontporch.server.agencies.models import Agency, AgencyRegistration
from frontporch.server.evidence.models import Release, ReleaseClip
from frontporch.server.homes.models import Home
from frontporch.server.hubs.models import Hub
from frontporch.server.kit.repository import Repository
from frontporch.server.requests.models import FootageRequest


class ReleaseRepository(Repository[Release]):
    """Releases and their clips, in the caller's session."""

    def get(self, release_id: uuid.UUID) -> Release | None:
        """A release by id, whoever released it (for the idempotency check)."""
        return self.db.get(Release, release_id)

    def release_of_hub(self, release_id: uuid.UUID, hub_key_id: str) -> Release | None:
        """The release, if the hub with this key released it."""
        release = self.db.get(Release, release_id)
        return release if release is not None and release.hub_key_id == hub_key_id else None

    def clips(self, release_id: uuid.UUID) -> list[ReleaseClip]:
        """A release's clips, by file name."""
        return list(
            self.db.scalars(
                select(ReleaseClip)
                .where(ReleaseClip.release_id == release_id)
                .order_by(ReleaseClip.file)
            )
        )

    def clip(
        self, release_id: uuid.UUID, file: str, *, for_update: bool = False
    ) -> ReleaseClip | None:
        """One clip of a release (locked until the transaction ends, with `for_update`)."""
        return self.db.get(ReleaseClip, (release_id, file), with_for_update=for_update)

    def incomplete_clips(self, release_id: uuid.UUID) -> int:
        """How many clips of the release are not yet complete."""
        return int(
            self.db.scalar(
                select(func.count())
                .select_from(ReleaseClip)
                .where(ReleaseClip.release_id == release_id, ReleaseClip.complete.is_(False))
            )
            or 0
        )

    def of_requests(self, request_ids: Iterable[uuid.UUID]) -> list[Release]:
        """The releases of these requests, oldest first."""
        ids = list(request_ids)
        if not ids:
            return []
        return list(
            self.db.scalars(
                select(Release)
                .where(Release.request_id.in_(ids))
                .order_by(Release.created_at, Release.log_index)
            )
        )

    def past_window(self, cutoff: datetime, limit: int) -> list[Release]:
        """Releases not yet deleted whose upload completed (or, never completed, began)
        before `cutoff`: their download window is over."""
        started = func.coalesce(Release.complete_at, Release.created_at)
        return list(
            self.db.scalars(
                select(Release)
                .where(Release.deleted_at.is_(None), started < cutoff)
                .order_by(Release.created_at)
                .limit(limit)
            )
        )

    # -- what a release is checked against ---------------------------------------------

    def hub(self, hub_id: uuid.UUID) -> Hub | None:
        """The calling hub's row (its public key)."""
        return self.db.get(Hub, hub_id)

    def home_cell(self, home_id: uuid.UUID) -> int | None:
        """The H3 cell (as an integer) of the hub's home; the home itself is not kept."""
        return self.db.scalar(select(Home.cell).where(Home.id == home_id))

    def request(self, request_id: uuid.UUID, *, for_update: bool = False) -> FootageRequest | None:
        """A request by id."""
        return self.db.get(FootageRequest, request_id, with_for_update=for_update)

    def request_of_agency(
        self, request_id: uuid.UUID, agency_id: uuid.UUID | None
    ) -> FootageRequest | None:
        """The request, if it is the given agency's (None for an account of no agency)."""
        if agency_id is None:
            return None
        found = self.db.get(FootageRequest, request_id)
        return found if found is not None and found.agency_id == agency_id else None

    def agency(self, agency_id: uuid.UUID) -> Agency | None:
        """The agency that filed a request."""
        return self.db.get(Agency, agency_id)

    def registration(self, log_index: int) -> AgencyRegistration | None:
        """The agency registration logged at `log_index`."""
        return self.db.get(AgencyRegistration, log_index)


def request_cells(request: FootageRequest) -> set[str]:
    """The request's covering cells, as stored (a JSON list of H3 hex strings)."""
    try:
        value = json.loads(request.cells)
    except ValueError:
        value = [part for part in request.cells.replace(",", " ").split() if part]
    if isinstance(value, dict):  # a stored shape with its cells
        value = value.get("cells", [])
    return {str(cell).lower() for cell in value} if isinstance(value, list) else set()
