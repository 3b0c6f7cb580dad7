"""Agencies, as little as the feed needs: an operator registers a verified agency by name
and attaches agency-member accounts to it; their posts and comments carry its name.

(A fuller agencies area — applications, keys, requests — will take this over; the
`agencies` table and `users.agency_id` are already what it needs.)
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontporch.server.accounts.models import Role, User
from frontporch.server.context import ServerContext
from frontporch.server.feed.errors import (
    AccountNotFound,
    AgencyNotFound,
    BlankText,
    DuplicateAgency,
    NotAnAgencyMember,
)
from frontporch.server.feed.models import Agency

log = logging.getLogger(__name__)


class AgencyRepository:
    """Agencies and which account belongs to which."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def all_for_operators(self) -> list[Agency]:
        """Every agency, by name."""
        return list(self.db.scalars(select(Agency).order_by(Agency.name, Agency.id)))

    def get(self, agency_id: uuid.UUID) -> Agency | None:
        """An agency by id."""
        return self.db.get(Agency, agency_id)

    def find_by_name(self, name: str) -> Agency | None:
        """The agency with this exact name, if any."""
        return self.db.scalars(select(Agency).where(Agency.name == name)).one_or_none()

    def add(self, agency: Agency) -> Agency:
        """Insert an agency (a savepoint, so a duplicate name leaves the request usable)."""
        with self.db.begin_nested():
            self.db.add(agency)
        return agency

    def verified_of(self, user: User) -> Agency | None:
        """The verified agency an agency-member account acts for, if any (an account whose
        role was changed since keeps the link but no longer speaks for the agency)."""
        if user.agency_id is None or user.role != Role.AGENCY_MEMBER.value:
            return None
        agency = self.db.get(Agency, user.agency_id)
        return agency if agency is not None and agency.verified_at is not None else None


class AgencyService:
    """The operator's agency registry, in one request's database session."""

    def __init__(self, db: Session, context: ServerContext) -> None:
        self.db = db
        self.context = context
        self.agencies = AgencyRepository(db)

    def create(self, name: str) -> Agency:
        """Register an agency the operator has verified (its name is what readers see)."""
        name = " ".join(name.split())
        if not name:
            raise BlankText("name")
        if self.agencies.find_by_name(name) is not None:
            raise DuplicateAgency()
        now = self.context.clock()
        try:
            agency = self.agencies.add(Agency(name=name, verified_at=now, created_at=now))
        except IntegrityError:  # registered at the same moment by another operator
            raise DuplicateAgency() from None
        log.info("agency %s registered", agency.id)
        return agency

    def list_agencies(self) -> list[Agency]:
        """Every agency."""
        return self.agencies.all_for_operators()

    def attach(self, user_id: uuid.UUID, agency_id: uuid.UUID | None) -> tuple[User, Agency | None]:
        """Make an agency-member account act for an agency (None: for none)."""
        user = self.db.get(User, user_id)
        if user is None:
            raise AccountNotFound()
        agency = None
        if agency_id is not None:
            if user.role != Role.AGENCY_MEMBER.value:
                raise NotAnAgencyMember()
            agency = self.agencies.get(agency_id)
            if agency is None:
                raise AgencyNotFound()
        user.agency_id = agency.id if agency else None
        log.info("account %s attached to agency %s", user.id, agency.id if agency else None)
        return user, agency
