"""All SQL of the footage-requests area.

Reads for an agency take the agency (`..._of_agency`), so no query can hand one agency
another's request. The delivery queries (`hubs_of`, `people_of`) are system queries:
they serve no caller, and nothing they return is ever shown to an agency.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontporch.server.accounts.models import User
from frontporch.server.homes.models import Home, HomeMember
from frontporch.server.hubs.models import Hub
from frontporch.server.kit.repository import Repository
from frontporch.server.requests.models import FootageRequest, RequestPolicyRow, RequestStatus
from frontporch.server.requests.policy import DEFAULT_POLICY, RequestPolicy

POLICY_ROW_ID = 1


class RequestRepository(Repository[FootageRequest]):
    """Footage requests, read per agency."""

    def of_agency(self, agency_id: uuid.UUID) -> list[FootageRequest]:
        """An agency's requests, newest first."""
        return list(
            self.db.scalars(
                select(FootageRequest)
                .where(FootageRequest.agency_id == agency_id)
                .order_by(FootageRequest.filed_at.desc(), FootageRequest.filed_index.desc())
            )
        )

    def get_of_agency(
        self, agency_id: uuid.UUID, request_id: uuid.UUID, *, for_update: bool = False
    ) -> FootageRequest | None:
        """One of an agency's requests (locked for a change if asked)."""
        statement = select(FootageRequest).where(
            FootageRequest.id == request_id, FootageRequest.agency_id == agency_id
        )
        if for_update:
            statement = statement.with_for_update()
        return self.db.scalars(statement).one_or_none()

    def count_open(self, agency_id: uuid.UUID) -> int:
        """How many of an agency's requests are open."""
        return int(
            self.db.scalar(
                select(func.count())
                .select_from(FootageRequest)
                .where(
                    FootageRequest.agency_id == agency_id,
                    FootageRequest.status == RequestStatus.OPEN.value,
                )
            )
            or 0
        )

    def due_for_expiry(self, now: datetime, limit: int) -> list[FootageRequest]:
        """Open requests whose expiry has passed, oldest first, locked (others skip them)."""
        return list(
            self.db.scalars(
                select(FootageRequest)
                .where(
                    FootageRequest.status == RequestStatus.OPEN.value,
                    FootageRequest.expires_at <= now,
                )
                .order_by(FootageRequest.expires_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )


def hubs_of(db: Session, home_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The paired hubs of these homes (system query: delivery only)."""
    if not home_ids:
        return []
    return list(db.scalars(select(Hub.id).where(Hub.home_id.in_(home_ids)).order_by(Hub.id)))


def people_of(db: Session, home_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, str]]:
    """The owners and members of these homes, once each: (account id, email). A system
    query for telling them about a request; never shown to anyone."""
    if not home_ids:
        return []
    owners = select(Home.owner_id.label("user_id")).where(Home.id.in_(home_ids))
    members = select(HomeMember.user_id.label("user_id")).where(HomeMember.home_id.in_(home_ids))
    wanted = owners.union(members).subquery()
    rows = db.execute(
        select(User.id, User.email).where(User.id.in_(select(wanted.c.user_id))).order_by(User.id)
    )
    return [(row[0], row[1]) for row in rows]


def policy_row(db: Session) -> RequestPolicyRow | None:
    """The operator's stored policy, if one was ever set."""
    return db.get(RequestPolicyRow, POLICY_ROW_ID)


def policy_of(row: RequestPolicyRow | None) -> RequestPolicy:
    """The policy a stored row holds (the defaults when there is none)."""
    if row is None:
        return DEFAULT_POLICY
    return RequestPolicy(
        max_area_sq_mi=row.max_area_milli_sq_mi / 1000,
        max_window_hours=row.max_window_hours,
        retention_days=row.retention_days,
        max_expiry_days=row.max_expiry_days,
        max_open_requests=row.max_open_requests,
        k_threshold=row.k_threshold,
        download_window_days=row.download_window_days,
    )


def current_policy(db: Session) -> RequestPolicy:
    """The request policy in force (for any area: the evidence area's download window)."""
    return policy_of(policy_row(db))
